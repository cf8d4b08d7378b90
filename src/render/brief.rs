//! The brief a specialist gets with a claimed task (`orc start`, `orc next --claim`, the
//! MCP start tools): the task, its goal, role, dependencies, decisions and what to hand back.

use crate::service::WorkContext;

/// The brief as one Markdown document.
pub fn brief(ctx: &WorkContext) -> String {
    let t = &ctx.task;
    let mut md = String::new();
    push_facts(ctx, &mut md);
    if let Some(mail) = &ctx.mail {
        md.push_str(&super::mail::summary(mail, ctx.words));
        md.push('\n');
    }
    if let Some(role) = &ctx.role {
        md.push_str("## Your role\n\n");
        md.push_str(&demote_headings(role.prompt.trim_end()));
        md.push_str("\n\n");
    }
    md.push_str("## Task\n\n");
    if t.description.is_empty() {
        md.push_str(&t.title);
    } else {
        md.push_str(t.description.trim_end());
    }
    md.push_str("\n\n");
    if let Some(g) = &ctx.goal {
        md.push_str(&format!(
            "## Goal ({}: {}, {}/{} subtasks done)\n\n",
            g.id, g.title, g.progress.done, g.progress.total
        ));
        if g.description.is_empty() {
            md.push_str(&format!("This task is part of \"{}\".\n\n", g.title));
        } else {
            md.push_str(g.description.trim_end());
            md.push_str("\n\n");
        }
    }
    push_dependencies(ctx, &mut md);
    push_decisions_notes_dependents(ctx, &mut md);
    md.push_str("## Expected output\n\n");
    md.push_str(ctx.expected_output.trim_end());
    md.push('\n');
    md
}

/// The title and the task's facts on one line.
fn push_facts(ctx: &WorkContext, md: &mut String) {
    let t = &ctx.task;
    md.push_str(&format!("# {}: {}\n\n", t.id, t.title));
    let mut facts = vec![
        format!("Status: {}", t.status),
        format!("Priority: {}", t.priority),
    ];
    if let Some(r) = &t.role {
        facts.push(format!("Role: {r}"));
    }
    if let Some(s) = &t.stream {
        facts.push(format!("Stream: {s}"));
    }
    if let Some(e) = &t.estimate {
        facts.push(format!("Estimate: {e}"));
    }
    if let Some(a) = &t.assignee {
        facts.push(format!("Assignee: {a}"));
    }
    md.push_str(&facts.join(" · "));
    md.push_str("\n\n");
}

/// The results, details and artifacts of the tasks this one depends on.
fn push_dependencies(ctx: &WorkContext, md: &mut String) {
    if !ctx.dependencies.is_empty() {
        md.push_str("## Results you build on\n\n");
        for d in &ctx.dependencies {
            let role = d
                .role
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            md.push_str(&format!("### {}: {}{role}\n\n", d.id, d.title));
            md.push_str(
                d.result
                    .as_deref()
                    .unwrap_or("(no summary recorded)")
                    .trim_end(),
            );
            md.push_str("\n\n");
            if let Some(detail) = &d.detail {
                md.push_str(&demote_headings(detail.trim_end()));
                md.push_str("\n\n");
            }
            if !d.artifacts.is_empty() {
                md.push_str("Artifacts:\n\n");
                for a in &d.artifacts {
                    md.push_str(&format!("- `{}`\n", a.path));
                }
                md.push('\n');
            }
        }
    }
}

/// The related decisions, the notes so far and the tasks waiting for this one.
fn push_decisions_notes_dependents(ctx: &WorkContext, md: &mut String) {
    let t = &ctx.task;
    if !ctx.decisions.is_empty() {
        md.push_str("## Related decisions\n\n");
        for d in &ctx.decisions {
            md.push_str(&format!(
                "- {} {} ({}) — `{}`\n",
                crate::model::number_str(d.number),
                d.title,
                d.status,
                d.path
            ));
        }
        md.push('\n');
    }
    if !t.notes.is_empty() {
        md.push_str("## Notes so far\n\n");
        for n in &t.notes {
            md.push_str(&format!("- {}\n", super::note(n)));
        }
        md.push('\n');
    }
    if !ctx.dependents.is_empty() {
        md.push_str("## Waiting for this\n\n");
        for d in &ctx.dependents {
            let role = d
                .role
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            md.push_str(&format!("- {}: {}{role}\n", d.id, d.title));
        }
        md.push('\n');
    }
}

/// Moves Markdown headings down two levels so embedded documents nest under ours.
fn demote_headings(text: &str) -> String {
    let mut in_code = false;
    text.lines()
        .map(|l| {
            if l.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            if !in_code && l.starts_with('#') {
                format!("##{l}")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
