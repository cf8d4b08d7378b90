//! `orc serve`: a local, read-only web page of the board, tasks, decisions, the task
//! graph and the orc log, which keeps itself current.
//!
//! A small blocking HTTP/1.1 server on `std::net` (a thread per connection, one request
//! per connection); every request opens the repository and reads the current state, so
//! there is nothing to keep in sync. The page, its style and its script are embedded.
//! Not a general web server: GET and HEAD only, no authentication.

mod svg;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;

use super::board::age;
use super::graph::status_word;
use crate::error::{Error, Result};
use crate::model::{Status, Task, number_str};
use crate::service::{
    Board, BoardColumn, BoardFilter, Card, Context, DecisionFilter, GraphFilter, LogFilter,
    ObjectHistory, Orc, Revision, TaskSummary, TaskView,
};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The port to listen on; 0 picks a free one (the address is printed).
    #[arg(long, default_value_t = 8420)]
    pub port: u16,
    /// The address to listen on. Only loopback addresses are accepted without
    /// --allow-remote.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub bind: IpAddr,
    /// Allow a --bind address other machines can reach. The page has no
    /// authentication: anyone who reaches the port reads every task and decision.
    #[arg(long)]
    pub allow_remote: bool,
}

const CSS: &str = include_str!("serve/page.css");
const JS: &str = include_str!("serve/page.js");
/// How long a connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest request head read (request line and headers).
const MAX_HEAD: usize = 16 * 1024;

/// Binds, prints the address, and serves until the process is stopped.
pub fn run(root: &Path, args: ServeArgs, out: &mut super::Output) -> Result<()> {
    if !args.bind.is_loopback() && !args.allow_remote {
        return Err(Error::invalid_with_hint(
            format!(
                "refusing to listen on {}: it is not a loopback address, and the page has no authentication",
                args.bind
            ),
            "use the default 127.0.0.1, or add --allow-remote if everyone who can reach this port may read the repository's tasks",
        ));
    }
    let addr = SocketAddr::new(args.bind, args.port);
    let listener = TcpListener::bind(addr).map_err(|e| {
        Error::invalid_with_hint(
            format!("cannot listen on {addr}: {e}"),
            "choose another port with --port (0 picks a free one)",
        )
    })?;
    let local = listener.local_addr().map_err(|e| {
        Error::invalid_with_hint(format!("cannot listen on {addr}: {e}"), "try again")
    })?;
    if !args.bind.is_loopback() {
        say!(
            "warning: listening on {local}, reachable from other machines; the page has no authentication"
        );
    }
    let host = if local.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else if local.is_ipv6() {
        format!("[{}]", local.ip())
    } else {
        local.ip().to_string()
    };
    out.raw_line(&format!(
        "serving http://{host}:{}/ (read-only; Ctrl-C stops)",
        local.port()
    ));
    let _ = out.flush();
    let root = root.to_path_buf();
    // On loopback, only requests that name a loopback host: a web page elsewhere cannot
    // read this one through a DNS name rebound to 127.0.0.1.
    let local_only = args.bind.is_loopback();
    for conn in listener.incoming() {
        let Ok(stream) = conn else { continue };
        let root = root.clone();
        std::thread::spawn(move || handle(stream, &root, local_only));
    }
    Ok(())
}

/// An answer: status, content type, body.
struct Reply {
    status: u16,
    content_type: &'static str,
    body: String,
}

impl Reply {
    fn html(status: u16, body: String) -> Reply {
        Reply {
            status,
            content_type: "text/html; charset=utf-8",
            body,
        }
    }

    fn text(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
        }
    }

    fn json(value: &impl serde::Serialize) -> Reply {
        Reply {
            status: 200,
            content_type: "application/json",
            body: serde_json::to_string(value).expect("answers serialise"),
        }
    }
}

fn handle(stream: TcpStream, root: &Path, local_only: bool) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let Some((method, target, host)) = read_head(&stream) else {
        let _ = write_reply(&stream, &Reply::text(400, "bad request\n"), false);
        return;
    };
    let reply = match method.as_str() {
        _ if local_only && !host.as_deref().is_some_and(is_loopback_host) => Reply::text(
            403,
            "orc serve answers only requests for localhost, 127.0.0.1 or [::1]\n",
        ),
        "GET" | "HEAD" => route(root, &target),
        _ => Reply::text(405, "orc serve is read-only: GET and HEAD only\n"),
    };
    let _ = write_reply(&stream, &reply, method == "HEAD");
}

/// Whether a `Host` header names this machine's loopback interface (any port).
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The method, target and `Host` header of a request; reads the head only (requests
/// here have no body).
fn read_head(stream: &TcpStream) -> Option<(String, String, Option<String>)> {
    let mut reader = BufReader::new(stream).take(MAX_HEAD as u64);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut host = None;
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) => return None,
            Ok(_) if header == "\r\n" || header == "\n" => return Some((method, target, host)),
            Ok(_) => {
                if let Some((name, value)) = header.split_once(':')
                    && name.trim().eq_ignore_ascii_case("host")
                {
                    host = Some(value.trim().to_owned());
                }
            }
            Err(_) => return None,
        }
    }
}

fn write_reply(mut stream: &TcpStream, reply: &Reply, head_only: bool) -> std::io::Result<()> {
    let reason = match reply.status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Internal Server Error",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nContent-Security-Policy: default-src 'self'; style-src 'self'; img-src 'self' data:\r\nConnection: close\r\n",
        reply.status,
        reply.content_type,
        reply.body.len()
    );
    if reply.status == 405 {
        head.push_str("Allow: GET, HEAD\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(reply.body.as_bytes())?;
    }
    stream.flush()
}

/// The query parameters of a target (`a=1&b=2`), undecoded but for `+` and `%XX`.
fn query(target: &str) -> Vec<(String, String)> {
    let Some((_, q)) = target.split_once('?') else {
        return Vec::new();
    };
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Percent-decoding of a URL component (invalid sequences are kept as they are).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Opens the repository for one request, with the current time.
fn open(root: &Path) -> Result<Orc> {
    let ctx = Context::from_env()?;
    Orc::open(root, ctx)
}

fn route(root: &Path, target: &str) -> Reply {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let path = decode(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["assets", "page.css"] => Reply {
            status: 200,
            content_type: "text/css; charset=utf-8",
            body: CSS.into(),
        },
        ["assets", "page.js"] => Reply {
            status: 200,
            content_type: "text/javascript; charset=utf-8",
            body: JS.into(),
        },
        _ => match page(root, &segments, &query(target)) {
            Ok(reply) => reply,
            Err(e) => error_page(&e),
        },
    }
}

fn error_page(e: &Error) -> Reply {
    let status = match e {
        Error::UnknownTask(_) | Error::Refused(crate::error::Reason::UnknownDecision { .. }) => 404,
        _ => 500,
    };
    let mut body = format!(
        "<h1>{}</h1><p>{}</p>",
        if status == 404 { "Not found" } else { "Error" },
        esc(&super::words::message(e))
    );
    if let Some(hint) = super::words::hint(e) {
        let _ = write!(body, "<p class=\"more\">hint: {}</p>", esc(&hint));
    }
    Reply::html(status, layout("orc", "", None, &body))
}

/// What a page shows inside the layout: the navigation entry it belongs to, its title and
/// the HTML of `<main>`.
struct Html {
    nav: &'static str,
    title: String,
    body: String,
}

fn page(root: &Path, segments: &[&str], query: &[(String, String)]) -> Result<Reply> {
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let board_filter = || BoardFilter {
        stream: param("stream"),
        role: param("role"),
        all: param("all").is_some(),
    };
    let orc = open(root)?;
    let revision = orc.revision()?;
    let reply = |html: Html| {
        Reply::html(
            200,
            layout(&html.title, html.nav, Some(&revision), &html.body),
        )
    };
    Ok(match segments {
        [] => reply(board_page(&orc, &board_filter())?),
        ["task", id] => reply(task_page(&orc, id)?),
        ["decisions"] => reply(decisions_page(&orc)?),
        ["decision", n] => reply(decision_page(&orc, n)?),
        ["graph"] => reply(graph_page(
            &orc,
            &GraphFilter {
                root: param("task"),
                stream: param("stream"),
            },
        )?),
        ["log"] => reply(log_page(&orc)?),
        ["api", "revision"] => Reply::json(&revision),
        ["api", "board"] => Reply::json(&orc.board(&board_filter())?),
        _ => Reply::html(
            404,
            layout(
                "Not found",
                "",
                Some(&revision),
                "<h1>Not found</h1><p><a href=\"/\">Back to the board</a></p>",
            ),
        ),
    })
}

fn board_page(orc: &Orc, filter: &BoardFilter) -> Result<Html> {
    let board = orc.board(filter)?;
    Ok(Html {
        nav: "board",
        title: "Board".into(),
        body: board_html(&board, filter),
    })
}

fn task_page(orc: &Orc, id: &str) -> Result<Html> {
    let view = orc.task_show(id)?;
    let history = orc.show_history(view.task.id.as_str()).ok();
    Ok(Html {
        nav: "board",
        body: task_html(&view, history.as_ref()),
        title: view.task.title,
    })
}

fn decisions_page(orc: &Orc) -> Result<Html> {
    let list = orc.decision_list(&DecisionFilter::default())?;
    let graph = orc.decision_graph()?;
    Ok(Html {
        nav: "decisions",
        title: "Decisions".into(),
        body: decisions_html(&list, &graph),
    })
}

fn decision_page(orc: &Orc, n: &str) -> Result<Html> {
    let view = orc.decision_show(n)?;
    Ok(Html {
        nav: "decisions",
        body: decision_html(&view),
        title: view.decision.title,
    })
}

fn graph_page(orc: &Orc, filter: &GraphFilter) -> Result<Html> {
    let graph = orc.task_graph(filter)?;
    let mut body = String::from("<h1>Task graph</h1>");
    if let Some(s) = &filter.stream {
        let _ = write!(
            body,
            "<p class=\"filters\">stream {} · <a href=\"/graph\">all tasks</a></p>",
            esc(s)
        );
    }
    body.push_str("<p class=\"more\">Solid arrows: parent to subtask. Dashed: a task to what it depends on. Click a task for its page.</p>");
    let _ = write!(
        body,
        "<div class=\"graph-wrap\">{}</div>",
        svg::task_graph(&graph)
    );
    Ok(Html {
        nav: "graph",
        title: "Task graph".into(),
        body,
    })
}

fn log_page(orc: &Orc) -> Result<Html> {
    let log = orc.log(&LogFilter {
        limit: Some(100),
        ..LogFilter::default()
    })?;
    Ok(Html {
        nav: "log",
        title: "Log".into(),
        body: log_html(&log),
    })
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page around `body`: navigation, and `<main>` carrying the revision the script
/// compares with the server's.
fn layout(title: &str, nav: &str, revision: Option<&Revision>, body: &str) -> String {
    let revision = revision
        .map(|r| esc(&serde_json::to_string(r).expect("revisions serialise")))
        .unwrap_or_default();
    let mut links = String::new();
    for (key, href, label) in [
        ("board", "/", "Board"),
        ("graph", "/graph", "Graph"),
        ("decisions", "/decisions", "Decisions"),
        ("log", "/log", "Log"),
    ] {
        let here = if key == nav { " class=\"here\"" } else { "" };
        let _ = write!(links, "<a href=\"{href}\"{here}>{label}</a>");
    }
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · orc</title><link rel="stylesheet" href="/assets/page.css"></head>
<body><header><span class="brand">orc</span><nav>{links}</nav><span id="live" class="live">live</span></header>
<main id="main" data-revision="{revision}">
{body}
</main>
<script src="/assets/page.js"></script>
</body></html>
"#,
        title = esc(title),
    )
}

fn pill(class: &str, text: &str) -> String {
    format!("<span class=\"pill {}\">{}</span>", esc(class), esc(text))
}

fn board_html(board: &Board, filter: &BoardFilter) -> String {
    let mut s = stream_links(board, filter);
    s.push_str("<div class=\"board\">");
    for column in &board.columns {
        column_html(&mut s, column, board.now);
    }
    s.push_str("</div>");
    s
}

/// The title and the links that filter the board by stream.
fn stream_links(board: &Board, filter: &BoardFilter) -> String {
    let mut s = String::from("<h1>Board</h1><p class=\"filters\">Stream: ");
    let here = |on: bool| if on { " class=\"here\"" } else { "" };
    let _ = write!(s, "<a href=\"/\"{}>all</a>", here(filter.stream.is_none()));
    for stream in &board.streams {
        let _ = write!(
            s,
            "<a href=\"/?stream={}\"{}>{}</a>",
            esc(&encode(stream)),
            here(filter.stream.as_ref() == Some(stream)),
            esc(stream)
        );
    }
    if let Some(r) = &filter.role {
        let _ = write!(s, " · role {}", esc(r));
    }
    s.push_str("</p>");
    s
}

fn column_html(s: &mut String, column: &BoardColumn, now: Timestamp) {
    let _ = write!(
        s,
        "<section class=\"column\" data-column=\"{}\"><h2>{} <span class=\"count\">{}</span></h2>",
        serde_json::to_value(column.column)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        esc(column.title),
        column.total
    );
    for card in &column.tasks {
        card_html(s, card, now);
    }
    let hidden = column.total - column.tasks.len();
    if hidden > 0 {
        let _ = write!(
            s,
            "<p class=\"more\">… and {hidden} more (<a href=\"/?all=1\">show all</a>)</p>"
        );
    }
    if column.total == 0 {
        s.push_str("<p class=\"empty\">—</p>");
    }
    s.push_str("</section>");
}

/// A task's card, a link to its page: id, priority and stream, title, role and what it
/// is doing.
fn card_html(s: &mut String, card: &Card, now: Timestamp) {
    let state = status_word(card.status, card.ready);
    let _ = write!(
        s,
        "<a class=\"card {state}\" href=\"/task/{id}\" data-id=\"{id}\"><div class=\"meta\"><span class=\"id\">{id}</span> ",
        id = esc(card.id.as_str())
    );
    if card.priority.as_str() != "medium" {
        s.push_str(&pill(card.priority.as_str(), card.priority.as_str()));
        s.push(' ');
    }
    if let Some(st) = &card.stream {
        s.push_str(&pill("stream", st));
    }
    let _ = write!(
        s,
        "</div><div class=\"title\">{}</div><div class=\"meta\">",
        esc(&card.title)
    );
    if let Some(role) = &card.role {
        let _ = write!(s, "{} · ", esc(role));
    }
    let _ = write!(s, "{}</div></a>", esc(&card_detail(card, now)));
}

/// What a card says about its task's state: ready, what it waits for, who holds it and
/// since when, the note of a blocked task, when it was done.
fn card_detail(card: &Card, now: Timestamp) -> String {
    match card.status {
        Status::Pending if card.ready => "ready".to_owned(),
        Status::Pending if !card.waiting_for.is_empty() => format!(
            "waits for {}",
            card.waiting_for
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Status::Pending => "waits for its subtasks".into(),
        Status::InProgress => {
            let who = card
                .assignee
                .as_deref()
                .map_or("unassigned".into(), |a| format!("@{a}"));
            match card.since {
                Some(at) => format!("{who} · {}", age(now.duration_since(at))),
                None => who,
            }
        }
        Status::Blocked | Status::NeedsRevision => card.note.clone().unwrap_or_default(),
        Status::Completed => card.completed.map_or("done".into(), |at| {
            format!("done {} ago", age(now.duration_since(at)))
        }),
        Status::Cancelled => "cancelled".into(),
    }
}

/// Percent-encoding for a query value.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn task_html(view: &TaskView, history: Option<&ObjectHistory>) -> String {
    let t = &view.task;
    let mut s = format!(
        "<p class=\"more\"><span class=\"id\">{}</span>{}</p><h1>{}</h1>",
        esc(t.id.as_str()),
        if view.archived { " · archived" } else { "" },
        esc(&t.title)
    );
    task_fields(&mut s, view);
    let _ = write!(
        s,
        "<p><a href=\"/graph?task={}\">Graph of this task</a></p>",
        esc(t.id.as_str())
    );
    task_texts(&mut s, t);
    task_table(&mut s, "Subtasks", &view.children);
    task_table(&mut s, "Tasks that depend on it", &view.dependents);
    task_notes(&mut s, t);
    task_decisions(&mut s, view);
    if let Some(h) = history {
        task_history(&mut s, h);
    }
    s
}

/// The task's fields as a definition list: status, priority, role, stream, assignee,
/// parent, dependencies (those not done marked), times.
fn task_fields(s: &mut String, view: &TaskView) {
    let t = &view.task;
    s.push_str("<dl class=\"fields\">");
    let mut field = |name: &str, value: String| {
        let _ = write!(s, "<dt>{name}</dt><dd>{value}</dd>");
    };
    field(
        "status",
        pill(
            status_word(t.status, view.ready),
            status_word(t.status, view.ready),
        ),
    );
    field("priority", esc(t.priority.as_str()));
    if let Some(r) = &t.role {
        field("role", esc(r));
    }
    if let Some(st) = &t.stream {
        field(
            "stream",
            format!("<a href=\"/?stream={}\">{}</a>", esc(&encode(st)), esc(st)),
        );
    }
    if let Some(a) = &t.assignee {
        field("assignee", esc(a));
    }
    if let Some(p) = &t.parent {
        field(
            "parent",
            format!("<a href=\"/task/{0}\">{0}</a>", esc(p.as_str())),
        );
    }
    if !t.depends_on.is_empty() {
        let deps: Vec<String> = t
            .depends_on
            .iter()
            .map(|d| {
                let open = if view.waiting_for.contains(d) {
                    " (not done)"
                } else {
                    ""
                };
                format!("<a href=\"/task/{0}\">{0}</a>{open}", esc(d.as_str()))
            })
            .collect();
        field("depends on", deps.join(", "));
    }
    field("created", esc(&t.created.to_string()));
    if let Some(at) = t.started {
        field("started", esc(&at.to_string()));
    }
    if let Some(at) = t.completed {
        field("completed", esc(&at.to_string()));
    }
    s.push_str("</dl>");
}

/// Description, result and artifacts, each when there is one.
fn task_texts(s: &mut String, t: &Task) {
    if !t.description.trim().is_empty() {
        let _ = write!(
            s,
            "<h2>Description</h2><pre class=\"text\">{}</pre>",
            esc(&t.description)
        );
    }
    if let Some(r) = &t.result {
        let _ = write!(s, "<h2>Result</h2><pre class=\"text\">{}</pre>", esc(r));
    }
    if !t.artifacts.is_empty() {
        s.push_str("<h2>Artifacts</h2><table><tr><th>path</th><th>size</th><th>sha256</th></tr>");
        for a in &t.artifacts {
            let _ = write!(
                s,
                "<tr><td><code>{}</code></td><td>{} bytes</td><td><code>{}</code></td></tr>",
                esc(&a.path),
                a.size,
                esc(a.sha256.get(..12).unwrap_or(&a.sha256))
            );
        }
        s.push_str("</table>");
    }
}

/// Related tasks under a heading (none: nothing): id, status, title.
fn task_table(s: &mut String, title: &str, tasks: &[TaskSummary]) {
    if tasks.is_empty() {
        return;
    }
    let _ = write!(s, "<h2>{title}</h2><table>");
    for c in tasks {
        let _ = write!(
            s,
            "<tr><td><a href=\"/task/{0}\" class=\"id\">{0}</a></td><td>{1}</td><td>{2}</td></tr>",
            esc(c.id.as_str()),
            pill(c.status.as_str(), c.status.as_str()),
            esc(&c.title)
        );
    }
    s.push_str("</table>");
}

fn task_notes(s: &mut String, t: &Task) {
    if t.notes.is_empty() {
        return;
    }
    s.push_str("<h2>Notes</h2><ul class=\"notes\">");
    for n in &t.notes {
        let _ = write!(
            s,
            "<li><span class=\"more\">{}{}</span><br>{}</li>",
            esc(&n.at.to_string()),
            n.author
                .as_deref()
                .map(|a| format!(" · {}", esc(a)))
                .unwrap_or_default(),
            esc(&n.text)
        );
    }
    s.push_str("</ul>");
}

/// The decisions recorded for the task.
fn task_decisions(s: &mut String, view: &TaskView) {
    if view.decisions.is_empty() {
        return;
    }
    s.push_str("<h2>Decisions</h2><ul>");
    for d in &view.decisions {
        let _ = write!(
            s,
            "<li><a href=\"/decision/{0}\">ADR-{0}</a> {1} {2}</li>",
            number_str(d.number),
            esc(&d.title),
            pill(d.status.as_str(), d.status.as_str())
        );
    }
    s.push_str("</ul>");
}

/// Every committed version of the task's file, newest first, and what the history read
/// could not see.
fn task_history(s: &mut String, h: &ObjectHistory) {
    s.push_str("<h2>History</h2><table><tr><th>commit</th><th>time</th><th>author</th><th>change</th></tr>");
    for v in &h.versions {
        let _ = write!(
            s,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(v.commit.get(..12).unwrap_or(&v.commit)),
            esc(&v.time.to_string()),
            esc(&v.author),
            esc(&v.summary)
        );
    }
    s.push_str("</table>");
    if let Some(note) = h.history.note() {
        let _ = write!(s, "<p class=\"more\">{}</p>", esc(&note));
    }
}

fn decisions_html(
    list: &crate::service::DecisionList,
    graph: &crate::service::DecisionGraph,
) -> String {
    let mut s = String::from("<h1>Decisions</h1>");
    if list.decisions.is_empty() {
        s.push_str(
            "<p class=\"empty\">No decisions recorded yet (<code>orc decision new</code>).</p>",
        );
        return s;
    }
    s.push_str("<table><tr><th>number</th><th>status</th><th>title</th><th>date</th><th>task</th><th>links</th></tr>");
    for d in &list.decisions {
        let links: Vec<String> = graph
            .supersedes
            .iter()
            .filter_map(|e| {
                if e.new == d.number {
                    Some(format!(
                        "supersedes <a href=\"/decision/{0}\">ADR-{0}</a>",
                        number_str(e.old)
                    ))
                } else if e.old == d.number {
                    Some(format!(
                        "superseded by <a href=\"/decision/{0}\">ADR-{0}</a>",
                        number_str(e.new)
                    ))
                } else {
                    None
                }
            })
            .collect();
        let _ = write!(
            s,
            "<tr><td><a href=\"/decision/{n}\">ADR-{n}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            pill(d.status.as_str(), d.status.as_str()),
            esc(&d.title),
            esc(&d.date.to_string()),
            d.task
                .as_ref()
                .map(|t| format!(
                    "<a href=\"/task/{0}\" class=\"id\">{0}</a>",
                    esc(t.as_str())
                ))
                .unwrap_or_default(),
            links.join(", "),
            n = number_str(d.number),
        );
    }
    s.push_str("</table>");
    s
}

fn decision_html(view: &crate::service::DecisionView) -> String {
    let d = &view.decision;
    let mut s = format!(
        "<p class=\"more\">ADR-{} · <code>{}</code></p><h1>{}</h1><dl class=\"fields\"><dt>status</dt><dd>{}</dd><dt>date</dt><dd>{}</dd>",
        number_str(d.number),
        esc(&view.path),
        esc(&d.title),
        pill(d.status.as_str(), d.status.as_str()),
        esc(&d.date.to_string())
    );
    if let Some(t) = &d.task {
        let _ = write!(
            s,
            "<dt>task</dt><dd><a href=\"/task/{0}\">{0}</a></dd>",
            esc(t.as_str())
        );
    }
    for old in &d.supersedes {
        let _ = write!(
            s,
            "<dt>supersedes</dt><dd><a href=\"/decision/{0}\">ADR-{0}</a></dd>",
            number_str(*old)
        );
    }
    if let Some(new) = d.superseded_by {
        let _ = write!(
            s,
            "<dt>superseded by</dt><dd><a href=\"/decision/{0}\">ADR-{0}</a></dd>",
            number_str(new)
        );
    }
    if !d.deciders.is_empty() {
        let _ = write!(
            s,
            "<dt>deciders</dt><dd>{}</dd>",
            esc(&d.deciders.join(", "))
        );
    }
    let _ = write!(s, "</dl><pre class=\"text\">{}</pre>", esc(d.body.trim()));
    s
}

fn log_html(log: &crate::service::LogReport) -> String {
    let mut s = String::from(
        "<h1>Log</h1><p class=\"more\">The latest 100 orc commits, newest first.</p><table><tr><th>time</th><th>commit</th><th>op</th><th>task</th><th>author</th><th>summary</th></tr>",
    );
    for e in &log.entries {
        let _ = write!(
            s,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&e.time.to_string()),
            esc(e.commit.get(..12).unwrap_or(&e.commit)),
            esc(&e.op),
            e.task
                .as_ref()
                .map(|t| format!("<a href=\"/task/{0}\" class=\"id\">{0}</a>", esc(t)))
                .unwrap_or_default(),
            esc(&e.author),
            esc(&e.summary)
        );
    }
    s.push_str("</table>");
    if log.entries.is_empty() {
        s.push_str("<p class=\"empty\">No orc commits yet.</p>");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_decoded_and_html_escaped() {
        assert_eq!(
            query("/?stream=a%20b&role=x+y&all"),
            [
                ("stream".into(), "a b".into()),
                ("role".into(), "x y".into()),
                ("all".into(), String::new())
            ]
        );
        assert_eq!(decode("%zz%4"), "%zz%4");
        for host in [
            "localhost:8420",
            "127.0.0.1:1",
            "[::1]:8420",
            "LOCALHOST",
            "127.0.0.2",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:8420",
            "10.0.0.1:8420",
            "localhost.evil.example",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
        assert_eq!(
            esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(encode("a b/ü"), "a%20b%2F%C3%BC");
    }
}
