//! `orc graph`: the task tree and dependency edges, or the decisions' supersede links,
//! as Mermaid (renders on GitHub and GitLab as is) or Graphviz DOT.

use super::Output;
use crate::error::Result;
use crate::model::{DecisionStatus, Status, number_str};
use crate::service::{DecisionGraph, GraphFilter, Orc, TaskEdgeKind, TaskGraph, TaskNode};

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// Draw this task and its subtree (and the tasks it depends on); every task when
    /// left out.
    pub id: Option<String>,
    /// Only the tasks of this work stream.
    #[arg(long, value_name = "STREAM")]
    pub stream: Option<String>,
    /// The language of the drawing.
    #[arg(long, value_enum, default_value_t = Format::Mermaid)]
    pub format: Format,
    /// Draw the decisions instead: which supersedes which, and the tasks they were
    /// recorded for.
    #[arg(long, conflicts_with_all = ["id", "stream"])]
    pub decisions: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A Mermaid flowchart: paste it into a ```mermaid block on GitHub or GitLab.
    Mermaid,
    /// Graphviz DOT: `orc graph --format dot | dot -Tsvg > tasks.svg`.
    Dot,
}

pub fn run(orc: &Orc, args: GraphArgs, out: &mut Output) -> Result<()> {
    if args.decisions {
        let graph = orc.decision_graph()?;
        out.emit(None, &graph, |out| {
            let text = match args.format {
                Format::Mermaid => decisions_mermaid(&graph),
                Format::Dot => decisions_dot(&graph),
            };
            out.raw_line(text.trim_end());
        });
        return Ok(());
    }
    let graph = orc.task_graph(&GraphFilter {
        root: args.id,
        stream: args.stream,
    })?;
    out.emit(None, &graph, |out| {
        let text = match args.format {
            Format::Mermaid => tasks_mermaid(&graph),
            Format::Dot => tasks_dot(&graph),
        };
        out.raw_line(text.trim_end());
    });
    Ok(())
}

/// Fill colour per status: the same palette in Mermaid, DOT and the web page.
pub fn status_fill(status: Status, ready: bool) -> &'static str {
    match status {
        Status::Pending if ready => "#dbeafe",
        Status::Pending => "#f3f4f6",
        Status::InProgress => "#fef3c7",
        Status::Blocked => "#fee2e2",
        Status::NeedsRevision => "#f3e8ff",
        Status::Completed => "#dcfce7",
        Status::Cancelled => "#e5e7eb",
    }
}

/// The status word shown on a node: `ready` for a pending task that can start.
pub fn status_word(status: Status, ready: bool) -> &'static str {
    if status == Status::Pending && ready {
        "ready"
    } else {
        status.as_str()
    }
}

/// Node text lines: id, title, status (and who holds it).
pub(crate) fn node_lines(n: &TaskNode) -> [String; 3] {
    let mut status = status_word(n.status, n.ready).to_owned();
    if n.status == Status::InProgress
        && let Some(a) = &n.assignee
    {
        status.push_str(&format!(" · @{a}"));
    }
    [n.id.to_string(), n.title.clone(), status]
}

/// Text safe inside a Mermaid `["…"]` label: quotes and markup as entity codes.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text safe inside a DOT `"…"` string.
fn dot_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Mermaid class name per status.
fn class_of(n: &TaskNode) -> &'static str {
    status_word(n.status, n.ready)
}

const MERMAID_CLASSES: [(&str, Status, bool); 7] = [
    ("ready", Status::Pending, true),
    ("pending", Status::Pending, false),
    ("in_progress", Status::InProgress, false),
    ("blocked", Status::Blocked, false),
    ("needs_revision", Status::NeedsRevision, false),
    ("completed", Status::Completed, false),
    ("cancelled", Status::Cancelled, false),
];

/// Mermaid node names: `t0`, `t1`, … in node order (a task id may hold characters
/// Mermaid reads as syntax, such as `-` in a custom role's name).
fn mermaid_keys(g: &TaskGraph) -> std::collections::HashMap<&str, String> {
    g.nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), format!("t{i}")))
        .collect()
}

pub fn tasks_mermaid(g: &TaskGraph) -> String {
    let keys = mermaid_keys(g);
    let mut s = String::from("flowchart TD\n");
    for n in &g.nodes {
        let label = node_lines(n)
            .iter()
            .map(|l| mermaid_text(l))
            .collect::<Vec<_>>()
            .join("<br/>");
        let key = &keys[n.id.as_str()];
        s.push_str(&format!("    {key}[\"{label}\"]:::{}\n", class_of(n)));
    }
    for e in &g.edges {
        let (from, to) = (&keys[e.from.as_str()], &keys[e.to.as_str()]);
        match e.kind {
            TaskEdgeKind::Subtask => s.push_str(&format!("    {from} --> {to}\n")),
            TaskEdgeKind::DependsOn => s.push_str(&format!("    {from} -. depends on .-> {to}\n")),
        }
    }
    for (class, status, ready) in MERMAID_CLASSES {
        if g.nodes.iter().any(|n| class_of(n) == class) {
            s.push_str(&format!(
                "    classDef {class} fill:{},stroke:#374151,color:#111827\n",
                status_fill(status, ready)
            ));
        }
    }
    s
}

pub fn tasks_dot(g: &TaskGraph) -> String {
    let mut s = String::from(
        "digraph tasks {\n    rankdir=TB;\n    node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];\n    edge [fontname=\"Helvetica\", fontsize=9];\n",
    );
    for n in &g.nodes {
        let label = node_lines(n)
            .iter()
            .map(|l| dot_text(l))
            .collect::<Vec<_>>()
            .join("\\n");
        let style = if n.outside {
            ", style=\"rounded,filled,dashed\""
        } else {
            ""
        };
        s.push_str(&format!(
            "    \"{}\" [label=\"{label}\", fillcolor=\"{}\"{style}];\n",
            n.id,
            status_fill(n.status, n.ready)
        ));
    }
    for e in &g.edges {
        match e.kind {
            TaskEdgeKind::Subtask => s.push_str(&format!("    \"{}\" -> \"{}\";\n", e.from, e.to)),
            TaskEdgeKind::DependsOn => s.push_str(&format!(
                "    \"{}\" -> \"{}\" [style=dashed, label=\"depends on\"];\n",
                e.from, e.to
            )),
        }
    }
    s.push_str("}\n");
    s
}

/// Fill colour per decision status.
pub fn decision_fill(status: DecisionStatus) -> &'static str {
    match status {
        DecisionStatus::Accepted => "#dcfce7",
        DecisionStatus::Proposed => "#dbeafe",
        DecisionStatus::Superseded | DecisionStatus::Deprecated => "#e5e7eb",
        DecisionStatus::Rejected => "#fee2e2",
    }
}

fn decision_key(number: u32) -> String {
    format!("adr_{}", number_str(number))
}

pub fn decisions_mermaid(g: &DecisionGraph) -> String {
    let mut s = String::from("flowchart TD\n");
    for d in &g.decisions {
        s.push_str(&format!(
            "    {}[\"ADR-{}<br/>{}<br/>{}\"]:::{}\n",
            decision_key(d.number),
            number_str(d.number),
            mermaid_text(&d.title),
            d.status.as_str(),
            d.status.as_str()
        ));
    }
    for (i, t) in g.tasks.iter().enumerate() {
        s.push_str(&format!(
            "    t{i}([\"{}<br/>{}\"]):::task\n",
            t.id,
            mermaid_text(&t.title)
        ));
    }
    for e in &g.supersedes {
        s.push_str(&format!(
            "    {} -->|supersedes| {}\n",
            decision_key(e.new),
            decision_key(e.old)
        ));
    }
    for d in &g.decisions {
        if let Some(i) = d
            .task
            .as_ref()
            .and_then(|t| g.tasks.iter().position(|x| &x.id == t))
        {
            s.push_str(&format!("    {} -. for .-> t{i}\n", decision_key(d.number)));
        }
    }
    for status in DecisionStatus::ALL {
        if g.decisions.iter().any(|d| d.status == status) {
            s.push_str(&format!(
                "    classDef {} fill:{},stroke:#374151,color:#111827\n",
                status.as_str(),
                decision_fill(status)
            ));
        }
    }
    if !g.tasks.is_empty() {
        s.push_str("    classDef task fill:#ffffff,stroke:#9ca3af,color:#374151\n");
    }
    s
}

pub fn decisions_dot(g: &DecisionGraph) -> String {
    let mut s = String::from(
        "digraph decisions {\n    rankdir=TB;\n    node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];\n    edge [fontname=\"Helvetica\", fontsize=9];\n",
    );
    for d in &g.decisions {
        s.push_str(&format!(
            "    \"{}\" [label=\"ADR-{}\\n{}\\n{}\", fillcolor=\"{}\"];\n",
            decision_key(d.number),
            number_str(d.number),
            dot_text(&d.title),
            d.status.as_str(),
            decision_fill(d.status)
        ));
    }
    for t in &g.tasks {
        s.push_str(&format!(
            "    \"{}\" [label=\"{}\\n{}\", shape=ellipse, style=solid];\n",
            t.id,
            t.id,
            dot_text(&t.title)
        ));
    }
    for e in &g.supersedes {
        s.push_str(&format!(
            "    \"{}\" -> \"{}\" [label=\"supersedes\"];\n",
            decision_key(e.new),
            decision_key(e.old)
        ));
    }
    for d in &g.decisions {
        if let Some(t) = &d.task {
            s.push_str(&format!(
                "    \"{}\" -> \"{t}\" [style=dashed, label=\"for\"];\n",
                decision_key(d.number)
            ));
        }
    }
    s.push_str("}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_escape_what_would_end_them() {
        assert_eq!(
            mermaid_text(r#"a "b" <c> #d"#),
            "a #quot;b#quot; #lt;c#gt; #35;d"
        );
        assert_eq!(dot_text(r#"a "b" \n"#), r#"a \"b\" \\n"#);
        assert_eq!(dot_text("a\nb"), "a b");
    }
}
