//! Compact text renderings of service results that only the MCP server shows, for the
//! model to read. Every line costs the agent context tokens, so this prints less than the
//! CLI: no padding, no empty fields. Reports both faces show are defined once in
//! [`crate::render`] and called here with [`Style::Compact`].

use std::fmt::Write;

use crate::model::{Task, number_str};
use crate::render::Style;
use crate::service::{
    CompletionReport, DecisionSummary, DecisionView, MaintenanceScan, PlanReport, RecordReport,
    StatusReport, TaskSummary, TaskView, VerifyReport,
};

/// `id [status] priority role: title` for a task.
pub fn task_line(t: &Task) -> String {
    summary_line(&TaskSummary::from(t))
}

/// `id [status] priority role: title` for a summary.
pub fn summary_line(t: &TaskSummary) -> String {
    let mut s = format!("{} [{}] {}", t.id, t.status, t.priority);
    if let Some(role) = &t.role {
        write!(s, " {role}").expect("writing to a String cannot fail");
    }
    write!(s, ": {}", t.title).expect("writing to a String cannot fail");
    if let Some(stream) = &t.stream {
        write!(s, " (stream {stream})").expect("writing to a String cannot fail");
    }
    if !t.labels.is_empty() {
        write!(s, " {{{}}}", t.labels.join(", ")).expect("writing to a String cannot fail");
    }
    s
}

/// `<verb> id "title" [status]`: the first line of a mutation's reply.
pub fn mutated(verb: &str, t: &Task) -> String {
    format!("{verb} {} \"{}\" [{}]", t.id, t.title, t.status)
}

/// A list of tasks, one per line, or `empty` when there are none.
pub fn lines(items: impl IntoIterator<Item = String>, empty: &str) -> String {
    let v: Vec<String> = items.into_iter().collect();
    if v.is_empty() {
        empty.to_owned()
    } else {
        v.join("\n")
    }
}

/// One task with its relations, notes and results.
pub fn task_view(view: &TaskView) -> String {
    let t = &view.task;
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!("{} \"{}\"", t.id, t.title));
    let mut head = format!(
        "status: {}{} | priority: {}",
        t.status,
        if view.ready { " (ready)" } else { "" },
        t.priority
    );
    for (label, value) in [
        ("role", t.role.clone()),
        ("parent", t.parent.as_ref().map(ToString::to_string)),
        ("stream", t.stream.clone()),
        (
            "labels",
            (!t.labels.is_empty()).then(|| t.labels.join(", ")),
        ),
        ("estimate", t.estimate.clone()),
        ("assignee", t.assignee.clone()),
        ("next", t.next_action.map(|n| n.as_str().to_owned())),
    ] {
        if let Some(v) = value {
            write!(head, " | {label}: {v}").expect("writing to a String cannot fail");
        }
    }
    line(head);
    if !t.depends_on.is_empty() {
        line(format!(
            "depends on: {}",
            view.dependency_labels().join(", ")
        ));
    }
    if !t.description.is_empty() {
        line(String::new());
        line(t.description.clone());
    }
    if let Some(r) = &t.result {
        line(String::new());
        line(format!("result: {r}"));
    }
    if !t.artifacts.is_empty() {
        line("artifacts:".into());
        for a in &t.artifacts {
            line(format!("- {} ({} bytes)", a.path, a.size));
        }
    }
    for (label, list) in [
        ("subtasks", &view.children),
        ("needed by", &view.dependents),
    ] {
        if !list.is_empty() {
            line(format!("{label}:"));
            for c in list {
                line(format!("- {}", summary_line(c)));
            }
        }
    }
    if !t.notes.is_empty() {
        line("notes:".into());
        for n in &t.notes {
            line(format!("- {}", crate::render::note(n)));
        }
    }
    out.trim_end().to_owned()
}

/// The status overview; `completed` is listed only when the caller asked for it.
pub fn status(report: &StatusReport, completed: Option<&[TaskSummary]>) -> String {
    let mut out = crate::render::status_counts(report);
    let mut section = |title: &str, rows: Vec<String>| {
        if !rows.is_empty() {
            write!(out, "\n\n{title}:\n{}", rows.join("\n"))
                .expect("writing to a String cannot fail");
        }
    };
    section(
        "progress",
        report
            .parents
            .iter()
            .map(|p| {
                format!(
                    "- {} {}% ({}/{}): {}",
                    p.id, p.percent, p.done, p.total, p.title
                )
            })
            .collect(),
    );
    section(
        "streams",
        report
            .streams
            .iter()
            .map(|s| {
                format!(
                    "- {}: {}/{} done, {} open",
                    s.stream, s.completed, s.total, s.open
                )
            })
            .collect(),
    );
    let rows = |list: &[TaskSummary]| {
        list.iter()
            .map(|t| format!("- {}", summary_line(t)))
            .collect()
    };
    section("in progress", rows(&report.in_progress));
    section("ready", rows(&report.ready));
    section("blocked", rows(&report.blocked));
    section("needs revision", rows(&report.needs_revision));
    if let Some(done) = completed {
        section("completed", rows(done));
    }
    section(
        "unreadable files (fix them; orchestrator_maintenance_coordinator lists them)",
        report
            .unreadable
            .iter()
            .map(|u| format!("- {}: {}", u.path, u.error))
            .collect(),
    );
    section(
        "not committed (differ from HEAD)",
        report
            .uncommitted
            .iter()
            .map(|p| format!("- {p}"))
            .collect(),
    );
    out
}

/// What a plan created, and where to start.
pub fn plan(r: &PlanReport) -> String {
    let mut out = crate::render::plan(r, Style::Compact);
    if let Some(first) = r.ready.first() {
        out.push(format!("next: orchestrator_execute_subtask {}", first.id));
    }
    out.join("\n")
}

/// What completing a task did and what comes next.
pub fn completion(r: &CompletionReport) -> String {
    let t = &r.task;
    let mut out = vec![mutated("recorded", t)];
    if !t.artifacts.is_empty() {
        let paths: Vec<&str> = t.artifacts.iter().map(|a| a.path.as_str()).collect();
        out.push(format!("files: {}", paths.join(", ")));
    }
    if let Some(p) = &r.parent {
        out.push(format!(
            "parent {} \"{}\": {}/{} subtasks done ({}%)",
            p.id, p.title, p.done, p.total, p.percent
        ));
    }
    if !r.newly_ready.is_empty() {
        let ids: Vec<&str> = r.newly_ready.iter().map(|t| t.id.as_str()).collect();
        out.push(format!("now ready: {}", ids.join(", ")));
    }
    if let Some(p) = &r.synthesize {
        out.push(format!(
            "all subtasks of {p} are done: next orchestrator_synthesize_results {p}"
        ));
    } else if let Some(n) = &r.next {
        out.push(format!(
            "next: orchestrator_execute_subtask {} ({})",
            n.id, n.title
        ));
    }
    out.join("\n")
}

/// `0007 accepted: Title (task X) [tag, tag]`.
pub fn decision_line(d: &DecisionSummary) -> String {
    let mut s = format!("{} {}: {}", number_str(d.number), d.status, d.title);
    if let Some(t) = &d.task {
        write!(s, " (task {t})").expect("writing to a String cannot fail");
    }
    if !d.tags.is_empty() {
        write!(s, " [{}]", d.tags.join(", ")).expect("writing to a String cannot fail");
    }
    s
}

/// One decision: its headline, metadata and the Markdown body.
pub fn decision(v: &DecisionView) -> String {
    let d = &v.decision;
    let mut head = format!(
        "{} \"{}\" [{}] {}",
        number_str(d.number),
        d.title,
        d.status,
        d.date
    );
    for (label, value) in [
        ("task", d.task.as_ref().map(ToString::to_string)),
        ("tags", (!d.tags.is_empty()).then(|| d.tags.join(", "))),
        (
            "deciders",
            (!d.deciders.is_empty()).then(|| d.deciders.join(", ")),
        ),
        (
            "files",
            (!d.related_files.is_empty()).then(|| d.related_files.join(", ")),
        ),
        (
            "supersedes",
            (!d.supersedes.is_empty()).then(|| {
                d.supersedes
                    .iter()
                    .map(|n| number_str(*n))
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
        ),
        ("superseded by", d.superseded_by.map(number_str)),
    ] {
        if let Some(v) = value {
            write!(head, " | {label}: {v}").expect("writing to a String cannot fail");
        }
    }
    format!("{head}\nfile: {}\n\n{}", v.path, d.body.trim_end())
}

/// What recording file operations did.
pub fn recorded(r: &RecordReport) -> String {
    let mut out = vec![format!(
        "recorded {} for {} in {}",
        crate::render::count(r.recorded.len(), "file operation"),
        r.task,
        r.manifest
    )];
    for op in &r.recorded {
        let from = op
            .from
            .as_deref()
            .map(|f| format!(" (from {f})"))
            .unwrap_or_default();
        out.push(format!("- {} {}{from}", op.op, op.path));
    }
    if !r.unchanged.is_empty() {
        out.push(format!(
            "already recorded as they are: {}",
            r.unchanged.join(", ")
        ));
    }
    out.join("\n")
}

/// Recorded file operations against the disk: counts, then every path that differs.
pub fn verified(r: &VerifyReport) -> String {
    let s = &r.summary;
    let mut out = vec![format!(
        "{}: {} checked, {} verified, {} modified since, {} missing, {} unexpectedly present",
        if r.ok { "ok" } else { "NOT OK" },
        s.checked,
        s.verified,
        s.modified,
        s.missing,
        s.unexpectedly_present
    )];
    for v in r.results.iter().filter(|v| !v.state.ok()) {
        out.push(format!(
            "- {} {} ({})",
            v.state.as_str(),
            v.path,
            v.origin()
        ));
    }
    for u in &r.unreadable {
        out.push(format!("- unreadable manifest {}: {}", u.path, u.error));
    }
    out.join("\n")
}

/// What needs attention in the repository's tasks.
pub fn scan(scan: &MaintenanceScan) -> String {
    let mut out = vec![if scan.is_clean() {
        "clean: nothing needs attention".to_owned()
    } else {
        "needs attention:".to_owned()
    }];
    for s in &scan.stale {
        out.push(format!(
            "- stale: {} \"{}\" in progress for {}h (limit {}h){}",
            s.task.id,
            s.task.title,
            s.hours,
            scan.stale_after_hours,
            s.task
                .assignee
                .as_deref()
                .map(|a| format!(", assignee {a}"))
                .unwrap_or_default()
        ));
    }
    for o in &scan.orphans {
        out.push(format!("- orphaned: {} ({})", o.task.id, o.reason));
    }
    for b in &scan.broken_references {
        out.push(format!(
            "- broken reference: {} depends on {}, which does not exist",
            b.task, b.missing
        ));
    }
    for p in &scan.problems {
        let line = p.line.map(|l| format!(":{l}")).unwrap_or_default();
        out.push(format!("- {}{line}: {} ({})", p.path, p.message, p.kind));
    }
    for p in &scan.ready_to_synthesize {
        out.push(format!(
            "ready to synthesize: {} \"{}\" ({}/{} done)",
            p.id, p.title, p.done, p.total
        ));
    }
    for t in &scan.archivable {
        out.push(format!("archivable: {} \"{}\"", t.id, t.title));
    }
    for c in &scan.expired_claims {
        out.push(format!(
            "expired claim: {} by {}",
            c.claim.task,
            c.claim.describe()
        ));
    }
    out.join("\n")
}

/// Why there is nothing to claim: who holds what, what waits for what, what to synthesize.
pub fn nothing_ready(n: &crate::service::NothingReady) -> String {
    let mut out = Vec::new();
    for c in &n.claimed {
        out.push(format!("- {} claimed by {}", c.task.id, c.holder));
    }
    for e in &n.elsewhere {
        out.push(format!(
            "- {} is {} on branch {} (not merged here)",
            e.task.id, e.there, e.branch
        ));
    }
    for t in &n.reserved {
        out.push(format!(
            "- {} assigned to {}",
            t.id,
            t.assignee.as_deref().unwrap_or("another agent")
        ));
    }
    for p in &n.to_synthesize {
        out.push(format!(
            "- {} \"{}\" is ready to synthesize ({}/{} subtasks done)",
            p.id, p.title, p.done, p.total
        ));
    }
    for w in &n.waiting {
        let deps: Vec<&str> = w.waiting_for.iter().map(|d| d.as_str()).collect();
        out.push(format!("- {} waits for {}", w.task.id, deps.join(", ")));
    }
    for t in &n.in_progress {
        out.push(format!("- {} in progress", t.id));
    }
    out.join("\n")
}
