//! `orc decision show`: one decision; its rendering is also what `orc show` prints for
//! a decision.

use crate::cli::Output;
use crate::error::Result;
use crate::model::number_str;
use crate::service::{DecisionView, Orc};

pub fn run(orc: &Orc, number: &str, out: &mut Output) -> Result<()> {
    let view = orc.decision_show(number)?;
    out.emit(None, &view, |out| {
        render(&view, out);
    });
    Ok(())
}

pub fn render(view: &DecisionView, out: &mut Output) {
    let d = &view.decision;
    out.line(format!("{}  {}", number_str(d.number), d.title));
    out.line(format!("status:        {}", d.status));
    out.line(format!("date:          {}", d.date));
    let list = |label: &str, items: Vec<String>, out: &mut Output| {
        if !items.is_empty() {
            out.line(format!("{label:<14} {}", items.join(", ")));
        }
    };
    list("task:", d.task.iter().map(|t| t.to_string()).collect(), out);
    list("tags:", d.tags.clone(), out);
    list("deciders:", d.deciders.clone(), out);
    list("agent:", d.agent.iter().cloned().collect(), out);
    list(
        "supersedes:",
        d.supersedes.iter().map(|n| number_str(*n)).collect(),
        out,
    );
    list(
        "superseded by:",
        d.superseded_by.iter().map(|n| number_str(*n)).collect(),
        out,
    );
    list("files:", d.related_files.clone(), out);
    out.line(format!("file:          {}", view.path));
    if !d.body.trim().is_empty() {
        out.line("");
        out.line(d.body.trim_end());
    }
}
