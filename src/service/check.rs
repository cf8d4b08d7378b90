//! `orc check`: every problem in `.orchestrator/`, with file and line.

use serde::Serialize;

use super::{CONFIG_PATH, Orc, State, task_path};
use crate::error::{Error, Result};
use crate::model::Task;

/// One thing wrong with the stored state.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// Repository-relative file.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// `parse`, `conflict-markers`, `misplaced`, `duplicate`, `invalid` (a field the
    /// commands would refuse), `unknown-parent`, `unknown-dependency`, `unknown-role`,
    /// `cycle`.
    pub kind: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub files_checked: usize,
    pub problems: Vec<Problem>,
    /// Files under `.orchestrator/` that differ from HEAD (written, not committed). Not a
    /// problem: `--no-commit` and `commit = "off"` leave committing to the user.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uncommitted: Vec<String>,
}

impl Problem {
    /// A problem of a whole file (no line).
    pub(super) fn at(path: impl Into<String>, kind: &'static str, message: String) -> Problem {
        Problem {
            path: path.into(),
            line: None,
            kind,
            message,
        }
    }

    /// A file that could not be read or parsed.
    pub(super) fn parse(path: String, error: &crate::format::FormatError) -> Problem {
        if error.is_conflict_markers() {
            return Problem {
                message: error.at_path(&path),
                path,
                line: error.line,
                kind: "conflict-markers",
            };
        }
        Problem {
            path,
            line: error.line,
            kind: "parse",
            message: error.message.clone(),
        }
    }

    pub(super) fn unreadable(u: &super::state::Unreadable) -> Problem {
        Problem::parse(u.path.clone(), &u.error)
    }
}

impl CheckReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl State {
    /// Everything wrong with this state.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        out.extend(self.unreadable.iter().map(Problem::unreadable));
        for (path, id) in &self.misplaced {
            out.push(Problem {
                path: path.clone(),
                line: None,
                kind: "misplaced",
                message: format!("holds task {id}, which belongs in {}", task_path(id)),
            });
        }
        for (path, id) in &self.duplicates {
            out.push(Problem {
                path: path.clone(),
                line: None,
                kind: "duplicate",
                message: format!(
                    "task id {id} is already in {}; this copy is ignored",
                    task_path(id)
                ),
            });
        }
        for task in self.task_values() {
            self.task_field_problems(task, &mut out);
            self.task_link_problems(task, &mut out);
        }
        if let Some(cycle) = self.find_dependency_cycle() {
            out.push(Problem {
                path: task_path(&cycle[0]),
                line: None,
                kind: "cycle",
                message: format!(
                    "dependency cycle: {}",
                    cycle
                        .iter()
                        .map(|i| i.as_str())
                        .collect::<Vec<_>>()
                        .join(" -> ")
                ),
            });
        }
        out
    }

    /// A task's title and labels, by the rules the commands apply when they write them.
    fn task_field_problems(&self, task: &Task, out: &mut Vec<Problem>) {
        let path = task_path(&task.id);
        // The rules the commands apply when they write a title.
        if let Err(e) = super::tasks::validate_title(&task.title) {
            out.push(Problem {
                path: path.clone(),
                line: None,
                kind: "invalid",
                message: format!("title: {e}"),
            });
        }
        // And when they write labels: valid, sorted, each once.
        for l in &task.labels {
            if let Err(e) = crate::model::check_label(l).and_then(|c| {
                (c == *l)
                    .then_some(())
                    .ok_or_else(|| format!("the label {l:?} has blanks around it"))
            }) {
                out.push(Problem {
                    path: path.clone(),
                    line: None,
                    kind: "invalid",
                    message: format!("labels: {e}"),
                });
            }
        }
        if task.labels.windows(2).any(|w| w[0] >= w[1]) {
            out.push(Problem {
                path: path.clone(),
                line: None,
                kind: "invalid",
                message: "labels: not sorted or listed twice; orc keeps them sorted, each once"
                    .into(),
            });
        }
    }

    /// A task's parent, dependencies and role that do not exist, and a parent loop.
    fn task_link_problems(&self, task: &Task, out: &mut Vec<Problem>) {
        let path = task_path(&task.id);
        if let Some(p) = &task.parent
            && !self.is_known(p)
        {
            out.push(Problem {
                path: path.clone(),
                line: None,
                kind: "unknown-parent",
                message: format!("parent {p} does not exist"),
            });
        }
        for d in &task.depends_on {
            if !self.is_known(d) {
                out.push(Problem {
                    path: path.clone(),
                    line: None,
                    kind: "unknown-dependency",
                    message: format!("depends on {d}, which does not exist"),
                });
            }
        }
        if let Some(role) = &task.role
            && !self.config.has_role(role)
        {
            out.push(Problem {
                path: path.clone(),
                line: None,
                kind: "unknown-role",
                message: format!("role {role:?} is neither built in nor in config.toml"),
            });
        }
        if let Some(cycle) = self.find_parent_cycle(&task.id)
            && cycle.first() == cycle.last()
        {
            out.push(Problem {
                path: path.clone(),
                line: None,
                kind: "cycle",
                message: format!(
                    "parent loop: {}",
                    cycle
                        .iter()
                        .map(|i| i.as_str())
                        .collect::<Vec<_>>()
                        .join(" -> ")
                ),
            });
        }
    }
}

impl Orc {
    /// Validates every file. A broken config is reported as a problem, not an error.
    /// Files under `.orchestrator/` that differ from HEAD are listed as uncommitted.
    pub fn check(&self) -> Result<CheckReport> {
        let mut report = self.check_files()?;
        report.uncommitted = self.store.uncommitted_orc_files()?;
        Ok(report)
    }

    /// [`Orc::check`] of the files alone, without asking git what is committed.
    pub(super) fn check_files(&self) -> Result<CheckReport> {
        match self.state() {
            Ok(state) => self.check_state(&state),
            Err(Error::Parse { source, .. }) => Ok(CheckReport {
                files_checked: 1,
                problems: vec![Problem::parse(CONFIG_PATH.to_owned(), &source)],
                uncommitted: Vec::new(),
            }),
            Err(Error::NotAFile { path }) => Ok(CheckReport {
                files_checked: 1,
                problems: vec![Problem {
                    path: path.display().to_string(),
                    line: None,
                    kind: "parse",
                    message: "expected a file, found a directory".into(),
                }],
                uncommitted: Vec::new(),
            }),
            Err(e) => Err(e),
        }
    }

    /// [`Orc::check`] of a state already loaded (the config read): for callers that
    /// need the state too, so the tasks are read once.
    pub fn check_state(&self, state: &State) -> Result<CheckReport> {
        let mut report = CheckReport {
            files_checked: 1 + state.tasks.len() + state.unreadable.len(),
            problems: state.problems(),
            uncommitted: Vec::new(),
        };
        let (sessions, bad) = self.load_sessions()?;
        report.files_checked += sessions.len() + bad.len();
        report
            .problems
            .extend(bad.into_iter().map(|b| Problem::parse(b.path, &b.error)));
        let (files, problems) = self.decision_problems(state)?;
        report.files_checked += files;
        report.problems.extend(problems);
        let (files, problems) = self.manifest_problems(state)?;
        report.files_checked += files;
        report.problems.extend(problems);
        let (files, problems) = self.import_map_problems()?;
        report.files_checked += files;
        report.problems.extend(problems);
        Ok(report)
    }
}
