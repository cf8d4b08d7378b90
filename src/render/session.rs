//! The orchestrator's briefing at the start of a session (`orc session start`,
//! `orc session context`, the MCP session tools).

use crate::service::{Action, RoleSource, SessionContext};

/// The briefing as one Markdown document.
pub fn session(ctx: &SessionContext) -> String {
    let mut md = String::new();
    push_session_facts(ctx, &mut md);
    if let Some(mail) = &ctx.mail {
        md.push_str(&super::mail::summary(mail, ctx.words));
        md.push('\n');
    }
    if let Some(prev) = &ctx.previous {
        md.push_str(&format!(
            "## Handoff from {} (ended {})\n\n{}\n\n",
            prev.id,
            prev.ended.map(|t| t.to_string()).unwrap_or_default(),
            prev.handoff.as_deref().unwrap_or("").trim_end()
        ));
    }
    md.push_str(ctx.guidance.trim_end());
    md.push_str("\n\n## Specialist roles\n\n");
    for r in &ctx.roles {
        let origin = match r.source {
            RoleSource::BuiltIn => String::new(),
            other => format!(" ({})", other.as_str()),
        };
        md.push_str(&format!("- **{}**{origin}: {}\n", r.name, r.description));
    }
    push_current_work(ctx, &mut md);
    md
}

/// The session's id, name, agent, start and end.
fn push_session_facts(ctx: &SessionContext, md: &mut String) {
    let s = &ctx.session;
    md.push_str(&format!("# Orchestration session {}\n\n", s.id));
    if let Some(name) = &s.name {
        md.push_str(&format!("Name: {name}  \n"));
    }
    if let Some(agent) = &s.agent {
        md.push_str(&format!("Agent: {agent}  \n"));
    }
    md.push_str(&format!("Started: {}", s.started));
    if let Some(ended) = s.ended {
        md.push_str(&format!("  \nEnded: {ended}"));
        if let Some(by) = &s.ended_by {
            md.push_str(&format!(" by {by}"));
        }
        if let Some(reason) = &s.end_reason {
            md.push_str(&format!(" ({reason})"));
        }
    }
    md.push_str("\n\n");
}

/// The planned work and the open tasks by status, or what to do when there is none.
fn push_current_work(ctx: &SessionContext, md: &mut String) {
    md.push_str("\n## Current work\n\n");
    let empty = ctx.parents.is_empty()
        && ctx.in_progress.is_empty()
        && ctx.ready.is_empty()
        && ctx.blocked.is_empty()
        && ctx.needs_revision.is_empty();
    if empty {
        md.push_str(&format!("{}.\n", Action::PlanWork.line(ctx.words)));
    }
    if !ctx.parents.is_empty() {
        md.push_str("Planned work:\n\n");
        for p in &ctx.parents {
            md.push_str(&format!(
                "- {} {} — {}/{} done ({}%)\n",
                p.id, p.title, p.done, p.total, p.percent
            ));
        }
        md.push('\n');
    }
    for (label, list) in [
        ("In progress", &ctx.in_progress),
        ("Ready to start", &ctx.ready),
        ("Blocked", &ctx.blocked),
        ("Needs revision", &ctx.needs_revision),
    ] {
        if list.is_empty() {
            continue;
        }
        md.push_str(&format!("{label}:\n\n"));
        for t in list {
            let role = t
                .role
                .as_deref()
                .map(|r| format!(" [{r}]"))
                .unwrap_or_default();
            let who = t
                .assignee
                .as_deref()
                .map(|a| format!(" ({a})"))
                .unwrap_or_default();
            md.push_str(&format!("- {}{role} {}{who}\n", t.id, t.title));
        }
        md.push('\n');
    }
}
