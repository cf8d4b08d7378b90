//! `orc show ID [--history]`: a task or a decision, or every committed version of it.

use clap::Args;

use super::Output;
use crate::error::Result;
use crate::render::count;
use crate::service::{FieldChange, ObjectHistory, ObjectRef, Orc};

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A task id (or unique prefix) or a decision number (7, 0007, ADR-7). One to four
    /// digits are a decision number when that decision exists, else the task whose id
    /// starts with them; when both exist, orc shows the decision and names the task.
    pub id: String,
    /// Every committed version of the object's file, with what changed between them.
    #[arg(long)]
    pub history: bool,
}

pub fn run(orc: &Orc, a: ShowArgs, out: &mut Output) -> Result<()> {
    if let Some(task) = orc.other_reading(&a.id)? {
        say!(
            "note: {:?} is decision {} here; it is also the start of task {task} (type more of its id to see the task)",
            a.id.trim(),
            a.id.trim()
        );
    }
    if a.history {
        let h = orc.show_history(&a.id)?;
        out.emit(None, &h, |out| {
            render_history(&h, out);
        });
        return Ok(());
    }
    match orc.resolve_object(&a.id)? {
        ObjectRef::Task(id) => {
            let view = orc.task_show(id.as_str())?;
            out.emit(None, &view, |out| {
                super::task::render_view(&view, out);
            });
        }
        ObjectRef::Decision(n) => {
            let view = orc.decision_show(&n.to_string())?;
            out.emit(None, &view, |out| {
                super::decision::render(&view, out);
            });
        }
    }
    Ok(())
}

/// A JSON value on one line, long text shortened.
fn compact(v: &serde_json::Value) -> String {
    let s = match v {
        serde_json::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if s.chars().count() > 70 {
        format!("{}…", s.chars().take(69).collect::<String>())
    } else {
        s
    }
}

fn change_line(c: &FieldChange) -> String {
    use serde_json::Value;
    match (&c.before, &c.after) {
        (Some(Value::Array(a)), Some(Value::Array(b))) if b.len() > a.len() && b.starts_with(a) => {
            let added: Vec<String> = b[a.len()..].iter().map(compact).collect();
            format!("{}: +{} {}", c.field, b.len() - a.len(), added.join(", "))
        }
        (None, Some(after)) => format!("{}: set to {}", c.field, compact(after)),
        (Some(before), None) => format!("{}: removed (was {})", c.field, compact(before)),
        (Some(before), Some(after)) => {
            format!("{}: {} -> {}", c.field, compact(before), compact(after))
        }
        (None, None) => c.field.clone(),
    }
}

fn render_history(h: &ObjectHistory, out: &mut Output) {
    out.line(format!(
        "history of {} {} ({}): {}",
        h.kind,
        h.id,
        h.path,
        count(h.versions.len(), "version")
    ));
    let last = h.versions.len().saturating_sub(1);
    for (i, v) in h.versions.iter().enumerate() {
        out.line("");
        out.line(format!(
            "{}  {}  {}  {}",
            crate::render::short_id(&v.commit),
            v.time,
            v.op.as_deref().unwrap_or("(no orc trailer)"),
            v.author
        ));
        out.line(format!("  {}", v.summary));
        if v.deleted {
            out.line("  deleted");
        } else if let Some(e) = &v.error {
            out.line(format!("  (this version does not parse: {e})"));
        } else if i == last && h.history.complete {
            out.line("  created");
        } else {
            for c in &v.changes {
                out.line(format!("  {}", change_line(c)));
            }
        }
    }
    if let Some(note) = h.history.note() {
        say!("note: {note}");
    }
}
