//! `orc serve`: every route over real HTTP, the loopback-only rule, and the page in
//! headless Chromium updating itself when a task is added.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};

use crate::board::{at_later, example_repo};
use crate::browser;
use crate::harness::{Repo, success};

/// A running `orc serve`, stopped when dropped.
struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT/`
    url: String,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(repo: &Repo, extra: &[&str]) -> Server {
    let mut args = vec!["serve", "--port", "0"];
    args.extend_from_slice(extra);
    let mut child = at_later(repo, &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("orc serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    let port = url
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    Server { child, url, port }
}

/// `METHOD path` over HTTP/1.1: status, headers and body.
fn request(port: u16, method: &str, path: &str) -> (u16, String, String) {
    request_to(port, "localhost", method, path)
}

fn request_to(port: u16, host: &str, method: &str, path: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "{method} {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_owned(), body.to_owned())
}

fn get(port: u16, path: &str) -> String {
    let (status, head, body) = request(port, "GET", path);
    assert_eq!(status, 200, "GET {path}: {head}\n{body}");
    body
}

#[test]
fn serve_answers_every_route_read_only() {
    let repo = example_repo();
    let server = serve(&repo, &[]);
    let port = server.port;

    let board = get(port, "/");
    assert!(
        board.contains("<h2>To do <span class=\"count\">5</span></h2>"),
        "{board}"
    );
    assert!(board.contains("href=\"/task/tester_fbf50bb1\""), "{board}");
    assert!(board.contains("@codex · 2h"), "{board}");
    assert!(board.contains("<script src=\"/assets/page.js\"></script>"));
    let docs = get(port, "/?stream=docs");
    assert!(
        docs.contains("documenter_85b2705c") && !docs.contains("tester_fbf50bb1"),
        "{docs}"
    );

    let task = get(port, "/task/implementer_6a45");
    assert!(
        task.contains("<h1>Implement reset tokens and endpoints</h1>"),
        "{task}"
    );
    assert!(task.contains("<code>src/auth/reset.rs</code>"), "{task}");
    assert!(task.contains("<h2>History</h2>"), "{task}");
    assert!(
        task.contains("<h2>Notes</h2>") || task.contains("<h2>Result</h2>"),
        "{task}"
    );

    let decisions = get(port, "/decisions");
    assert!(
        decisions.contains("Store reset tokens only as SHA-256 hashes"),
        "{decisions}"
    );
    let decision = get(port, "/decision/1");
    assert!(decision.contains("ADR-0001"), "{decision}");

    let graph = get(port, "/graph");
    assert!(graph.contains("<svg"), "{graph}");
    assert_eq!(graph.matches("<a href=\"/task/").count(), 8, "{graph}");
    let sub = get(port, "/graph?task=implementer_6a45badb");
    assert_eq!(sub.matches("class=\"node\"").count(), 2, "{sub}");

    let log = get(port, "/log");
    assert!(
        log.contains("init.example") || log.contains("<td>init"),
        "{log}"
    );

    let revision: serde_json::Value = serde_json::from_str(&get(port, "/api/revision")).unwrap();
    assert_eq!(revision["head"], repo.git(&["rev-parse", "HEAD"]).trim());
    let api: serde_json::Value = serde_json::from_str(&get(port, "/api/board")).unwrap();
    assert_eq!(api["columns"][0]["total"], 5);
    assert!(get(port, "/assets/page.css").contains(".board"));
    assert!(get(port, "/assets/page.js").contains("/api/revision"));

    assert_eq!(request(port, "GET", "/nothing/here").0, 404);
    let (status, _, body) = request(port, "GET", "/task/nosuch_12345678");
    assert_eq!(status, 404, "{body}");
    let (status, head, body) = request(port, "HEAD", "/");
    assert_eq!((status, body.as_str()), (200, ""), "{head}");
    let (status, head, _) = request(port, "POST", "/");
    assert_eq!(status, 405);
    assert!(head.contains("Allow: GET, HEAD"), "{head}");
    // A name rebound to 127.0.0.1 by another site's DNS is not this machine's name.
    let (status, _, body) = request_to(port, "evil.example:80", "GET", "/api/board");
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        request_to(port, &format!("127.0.0.1:{port}"), "GET", "/").0,
        200
    );

    // A change shows in the revision and on the next page load; serving wrote nothing.
    let before = repo.commit_count();
    success(&mut at_later(
        &repo,
        &["task", "add", "Written while serving"],
    ));
    let after: serde_json::Value = serde_json::from_str(&get(port, "/api/revision")).unwrap();
    assert_ne!(after["head"], revision["head"]);
    assert!(get(port, "/").contains("Written while serving"));
    assert_eq!(repo.commit_count(), before + 1);
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn serve_refuses_non_loopback_addresses_unless_allowed() {
    let repo = example_repo();
    let err = repo.fails(&["serve", "--bind", "0.0.0.0", "--port", "0"]);
    assert!(err.contains("refusing to listen on 0.0.0.0"), "{err}");
    assert!(err.contains("--allow-remote"), "{err}");
    let mut child = repo
        .orc_cmd(&[
            "serve",
            "--bind",
            "0.0.0.0",
            "--port",
            "0",
            "--allow-remote",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    assert!(line.starts_with("serving http://127.0.0.1:"), "{line}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("warning: listening on 0.0.0.0:"),
        "{stderr}"
    );
    assert!(stderr.contains("no authentication"), "{stderr}");
}

/// Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
/// it reads commands on fd 3 and answers on fd 4, each message ending in a NUL byte).
struct Chrome {
    child: Child,
    to: std::io::PipeWriter,
    from: std::sync::mpsc::Receiver<serde_json::Value>,
    next_id: u64,
    session: Option<String>,
}

impl Drop for Chrome {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Chrome {
    fn launch(chrome: &std::path::Path, profile: &std::path::Path) -> Chrome {
        use std::os::fd::AsRawFd;
        use std::os::unix::process::CommandExt;
        let (to_chrome_r, to_chrome_w) = std::io::pipe().unwrap();
        let (from_chrome_r, from_chrome_w) = std::io::pipe().unwrap();
        let (a, b) = (to_chrome_r.as_raw_fd(), from_chrome_w.as_raw_fd());
        let mut cmd = browser::headless(
            chrome,
            profile,
            &["--remote-debugging-pipe", "--window-size=1280,860"],
            "about:blank",
            0,
        );
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: between fork and exec only async-signal-safe calls (fcntl, dup2).
        unsafe {
            cmd.pre_exec(move || {
                let a2 = libc::fcntl(a, libc::F_DUPFD, 10);
                let b2 = libc::fcntl(b, libc::F_DUPFD, 10);
                if a2 < 0 || b2 < 0 || libc::dup2(a2, 3) < 0 || libc::dup2(b2, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("chromium starts");
        drop((to_chrome_r, from_chrome_w));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(from_chrome_r);
            loop {
                let mut buf = Vec::new();
                match reader.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        buf.pop();
                        if let Ok(v) = serde_json::from_slice(&buf)
                            && tx.send(v).is_err()
                        {
                            return;
                        }
                    }
                }
            }
        });
        Chrome {
            child,
            to: to_chrome_w,
            from: rx,
            next_id: 0,
            session: None,
        }
    }

    /// Sends a command (to the attached page, once there is one) and waits for its answer.
    fn call(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = serde_json::json!({ "id": id, "method": method, "params": params });
        if let Some(s) = &self.session {
            msg["sessionId"] = s.clone().into();
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).unwrap();
        loop {
            let answer = self
                .from
                .recv_timeout(std::time::Duration::from_secs(30))
                .unwrap_or_else(|e| panic!("no answer from chromium to {method}: {e}"));
            if answer["id"] == id {
                assert!(answer.get("error").is_none(), "{method}: {answer}");
                return answer["result"].clone();
            }
        }
    }

    /// Evaluates a script in the page, awaiting its promise; returns its value.
    fn eval(&mut self, script: &str) -> serde_json::Value {
        let result = self.call(
            "Runtime.evaluate",
            serde_json::json!({ "expression": script, "awaitPromise": true, "returnByValue": true }),
        );
        assert!(result.get("exceptionDetails").is_none(), "{result}");
        result["result"]["value"].clone()
    }
}

/// A script that resolves to true once the page's text contains `text`, or to false
/// after `ms` milliseconds (it watches the DOM; it does not reload anything).
fn appears(text: &str, ms: u32) -> String {
    let text = serde_json::to_string(text).unwrap();
    format!(
        r#"new Promise(done => {{
            const seen = () => document.body && document.body.innerText.includes({text});
            if (seen()) return done(true);
            const watch = new MutationObserver(() => {{ if (seen()) {{ watch.disconnect(); done(true); }} }});
            watch.observe(document, {{ subtree: true, childList: true, characterData: true }});
            setTimeout(() => {{ watch.disconnect(); done(seen()); }}, {ms});
        }})"#
    )
}

fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| *c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, v)| n | (u32::from(*v) << (18 - 6 * i)));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

#[test]
fn serve_page_in_chromium_shows_a_new_task_without_a_reload() {
    const TEST: &str = "serve_page_in_chromium_shows_a_new_task_without_a_reload";
    let Some(chrome) = browser::chromium(TEST) else {
        return;
    };
    let repo = example_repo();
    let server = serve(&repo, &[]);
    let profile = tempfile::tempdir().unwrap();
    let mut browser = Chrome::launch(&chrome, profile.path());
    let target = browser.call(
        "Target.createTarget",
        serde_json::json!({ "url": server.url }),
    );
    let attached = browser.call(
        "Target.attachToTarget",
        serde_json::json!({ "targetId": target["targetId"], "flatten": true }),
    );
    browser.session = Some(attached["sessionId"].as_str().unwrap().to_owned());
    // Answers once the page's document is committed: scripts then run in it.
    let nav = browser.call("Page.navigate", serde_json::json!({ "url": server.url }));
    assert!(nav.get("errorText").is_none(), "{nav}");

    assert_eq!(
        browser.eval(&appears("Integration tests for reset", 10_000)),
        true
    );
    let text = browser
        .eval("document.body.innerText")
        .as_str()
        .unwrap()
        .to_owned();
    for title in [
        "Security review of the reset flow",
        "Rate-limit login attempts",
    ] {
        assert!(text.contains(title), "{text}");
    }
    // A mark a reload would wipe out.
    browser.eval("window.orcTestMark = 'same page'");

    success(&mut at_later(
        &repo,
        &[
            "task",
            "add",
            "Appears without a reload",
            "--priority",
            "high",
        ],
    ));
    assert_eq!(
        browser.eval(&appears("Appears without a reload", 15_000)),
        true,
        "the new task did not appear: {}",
        browser.eval("document.body.innerText")
    );
    assert_eq!(browser.eval("window.orcTestMark"), "same page");

    let shot = browser.call(
        "Page.captureScreenshot",
        serde_json::json!({ "format": "png" }),
    );
    let png = base64_decode(shot["data"].as_str().unwrap());
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("orc-serve-board.png");
    std::fs::write(&path, &png).unwrap();
    eprintln!("screenshot of the board: {}", path.display());
}

/// Every page of the example repository, with a few more states on top (blocked with a
/// note, cancelled, a stream and a title that need escaping, a superseded decision),
/// served byte for byte as the snapshot shows: the HTML is pinned whole.
#[test]
fn serve_pages_of_the_example_repository_are_pinned() {
    let repo = example_repo();
    let orc = |args: &[&str]| success(&mut at_later(&repo, args));
    let odd = orc(&[
        "task",
        "add",
        "Escape <b>\"quotes\"</b> & ampersands",
        "--role",
        "tester",
        "--stream",
        "a b/ü",
        "--depends-on",
        "tester_fbf50bb1",
        "--description",
        "Line one\n<line two>",
    ]);
    let odd = odd.trim();
    orc(&[
        "task",
        "status",
        odd,
        "blocked",
        "--reason",
        "waits on <infra> & ops",
    ]);
    orc(&["task", "status", "documenter_6421399d", "cancelled"]);
    orc(&[
        "decision",
        "new",
        "End only the sessions of the reset account",
        "--task",
        "security_f79fcae4",
    ]);
    orc(&["decision", "supersede", "2", "--by", "3"]);

    let server = serve(&repo, &[]);
    let tasks = repo.json(&["task", "list"]);
    let mut paths: Vec<String> = [
        "/",
        "/?stream=docs",
        "/?stream=a%20b%2F%C3%BC",
        "/?role=implementer",
        "/?all=1",
        "/decisions",
        "/decision/1",
        "/decision/2",
        "/decision/3",
        "/graph",
        "/graph?task=task_2f827e4f",
        "/graph?stream=docs",
        "/log",
        "/nothing/here",
        "/task/nosuch_12345678",
    ]
    .map(str::to_owned)
    .into();
    for t in tasks["tasks"].as_array().expect("a list of tasks") {
        paths.push(format!("/task/{}", t["id"].as_str().unwrap()));
    }
    let mut pages = String::new();
    for path in &paths {
        let (status, _, body) = request(server.port, "GET", path);
        pages.push_str(&format!("## GET {path} → {status}\n{body}\n"));
    }
    insta::assert_snapshot!("serve_pages", pages);
}
