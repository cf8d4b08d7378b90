//! `orc session start|end|show|list`.

use clap::Subcommand;

use super::{Output, read_text};
use crate::error::Result;
use crate::service::Orc;

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Open a work session and print the orchestrator's briefing: guidance, roles, open
    /// and ready work, and the handoff note of the last session.
    ///
    /// One session can be active per clone (or worktree); pass --agent NAME (or set
    /// ORC_AGENT) to run sessions of several agents side by side. While a session is
    /// active, every orc commit carries an `Orc-Session:` trailer.
    Start {
        /// A name for the session, e.g. what it is about.
        #[arg(long, short)]
        name: Option<String>,
    },
    /// Close the active session, leaving a handoff note for the next one; with an id, close
    /// that session instead (any one, such as a session left open by an agent that died,
    /// in this clone or another).
    End {
        /// The session to close (id or unique prefix); default: the active one.
        id: Option<String>,
        /// Why it is closed (recorded in the session file).
        #[arg(long)]
        reason: Option<String>,
        /// What was done, what is in progress, what should happen next (Markdown).
        #[arg(long, conflicts_with = "handoff_file")]
        handoff: Option<String>,
        /// Read the handoff note from a file (`-` for standard input; UTF-8, at most 10 MB).
        #[arg(long, value_name = "FILE")]
        handoff_file: Option<String>,
    },
    /// Print the briefing of the active session again, or of the session given.
    Show {
        /// The session (id or unique prefix); default: the active one.
        id: Option<String>,
    },
    /// List all sessions, oldest first.
    #[command(alias = "ls")]
    List,
}

pub fn run(orc: &Orc, cmd: SessionCommand, out: &mut Output) -> Result<()> {
    match cmd {
        SessionCommand::Start { name } => start(orc, name.as_deref(), out)?,
        SessionCommand::End {
            id,
            reason,
            handoff,
            handoff_file,
        } => {
            let handoff = match handoff_file {
                Some(f) => Some(read_text(&f)?),
                None => handoff,
            };
            let outcome = orc.session_end(id.as_deref(), handoff.as_deref(), reason.as_deref())?;
            out.commit_note(&outcome);
            out.emit(None, &outcome, |out| {
                let s = &outcome.value;
                out.line(format!(
                    "ended session {}{}",
                    s.id,
                    if s.handoff.is_some() {
                        " with a handoff note"
                    } else {
                        ""
                    }
                ));
            });
        }
        SessionCommand::Show { id } => {
            let context = orc.session_show(id.as_deref())?;
            out.emit(None, &context, |out| {
                out.line(crate::render::session(&context).trim_end());
            });
        }
        SessionCommand::List => list(orc, out)?,
    }
    Ok(())
}

/// `orc session start`: the briefing, and a note when the original server's database
/// waits to be imported.
fn start(orc: &Orc, name: Option<&str>, out: &mut Output) -> Result<()> {
    let outcome = orc.session_start(name)?;
    out.commit_note(&outcome);
    let cwd = std::env::current_dir().map_err(|e| crate::Error::io(".", e))?;
    let original = orc.original_database(&cwd);
    let mut value = serde_json::to_value(&outcome).expect("output types serialise to JSON");
    if let Some(db) = &original {
        value["original_database"] =
            serde_json::to_value(db).expect("output types serialise to JSON");
    }
    out.emit(None, &value, |out| {
        out.line(crate::render::session(&outcome.value).trim_end());
        if let Some(db) = original {
            out.line("");
            out.line(original_database_note(&db));
        }
    });
    Ok(())
}

/// `orc session list`: every session, the active one marked.
fn list(orc: &Orc, out: &mut Output) -> Result<()> {
    let sessions = orc.sessions()?;
    let active = orc.active_session()?.map(|s| s.id);
    out.emit(
        None,
        &serde_json::json!({ "sessions": sessions, "active": active }),
        |out| {
            if sessions.is_empty() {
                out.line("no sessions yet; start one with `orc session start`");
            } else {
                for s in &sessions {
                    let state = match (&s.ended, Some(&s.id) == active.as_ref()) {
                        (_, true) => "active".to_owned(),
                        (Some(e), _) => format!("ended {e}"),
                        (None, false) => "open".to_owned(),
                    };
                    out.line(format!(
                        "{}  {}  {:<26} {}{}",
                        s.id,
                        s.started,
                        state,
                        s.agent
                            .as_deref()
                            .map(|a| format!("[{a}] "))
                            .unwrap_or_default(),
                        s.name.as_deref().unwrap_or("")
                    ));
                }
            }
        },
    );
    Ok(())
}

/// What `orc session start` says about the Python MCP Task Orchestrator's database.
fn original_database_note(db: &crate::service::OriginalDatabase) -> String {
    match &db.error {
        Some(e) => format!(
            "note: found the Python MCP Task Orchestrator's database at {}, but it does not read: {e}",
            db.path
        ),
        None => format!(
            "note: found the Python MCP Task Orchestrator's database at {}: {} not in orc yet, {} changed since the last import; bring them over with `orc import task-orchestrator` (one commit)",
            db.path,
            crate::render::count(db.new, "task"),
            db.changed
        ),
    }
}
