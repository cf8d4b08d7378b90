//! `orc init`: create `.orchestrator/` with its config and commit it.

use serde::Serialize;

use super::hooks::{GITATTRIBUTES, register_driver, with_attribute_line};
use super::{CONFIG_PATH, Orc, Outcome, State, task_path};
use crate::error::{Error, Reason, Result};
use crate::format;
use crate::model::{CommitMode, Config};
use crate::store::Applied;

const README_PATH: &str = ".orchestrator/README.md";
const README: &str = include_str!("../../templates/init/README.md");

/// `.orchestrator-example/` file `$name`, written to `.orchestrator/$name`.
macro_rules! state {
    ($name:literal) => {
        (
            concat!(".orchestrator/", $name),
            include_str!(concat!("../../.orchestrator-example/", $name)),
        )
    };
}

/// A project file the example's records refer to, from `templates/example/`, written at
/// the same path in the repository.
macro_rules! project {
    ($path:literal) => {
        (
            $path,
            include_str!(concat!("../../templates/example/", $path)),
        )
    };
}

/// What `orc init --example` writes: the example state and the small project files its
/// artifacts, manifests and decisions refer to (so `orc files verify` passes). Embedded,
/// so it works from an installed binary; a test keeps the list equal to the directories.
const EXAMPLE: &[(&str, &str)] = &[
    state!("README.md"),
    state!("config.toml"),
    state!("decisions/0001-store-reset-tokens-only-as-sha-256-hashes.md"),
    state!("decisions/0002-end-all-other-sessions-after-a-password-reset.md"),
    state!("manifests/architect_dd7e35f0.toml"),
    state!("manifests/implementer_6a45badb.toml"),
    state!("roles/security.md"),
    state!("sessions/session_2425997c.toml"),
    state!("sessions/session_d0c9a0d5.toml"),
    state!("tasks/2/task_2f827e4f.toml"),
    state!("tasks/6/documenter_6421399d.toml"),
    state!("tasks/6/implementer_6a45badb.toml"),
    state!("tasks/8/documenter_85b2705c.toml"),
    state!("tasks/b/implementer_b9a347f6.toml"),
    state!("tasks/d/architect_dd7e35f0.toml"),
    state!("tasks/f/security_f79fcae4.toml"),
    state!("tasks/f/tester_fbf50bb1.toml"),
    project!("docs/design/password-reset.md"),
    project!("src/auth/reset.rs"),
    project!("src/auth/routes.rs"),
];

/// Directories under `.orchestrator/` whose files are work someone did.
const CONTENT_DIRS: [&str; 7] = [
    ".orchestrator/tasks",
    ".orchestrator/decisions",
    ".orchestrator/manifests",
    ".orchestrator/sessions",
    ".orchestrator/roles",
    ".orchestrator/archive/tasks",
    ".orchestrator/templates",
];

#[derive(Debug, Clone, Serialize)]
pub struct InitReport {
    /// False when the repository was already initialised; nothing was changed then.
    pub created: bool,
    pub config: String,
    /// True when this run registered orc's merge driver in the repository's git config
    /// (a fresh clone needs that once; git never clones config).
    pub merge_driver_registered: bool,
    /// With `--example`: the files written (empty when they were all there already).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub example_files: Vec<String>,
    /// In an initialised repository: task files moved to where they belong (from the
    /// flat `tasks/<id>.toml` layout of earlier versions, or misnamed), as `from -> to`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub moved_tasks: Vec<String>,
}

impl Orc {
    /// Creates `.orchestrator/config.toml` (and a README for people browsing the
    /// repository), routes `.orchestrator/` TOML files to orc's merge driver in
    /// `.gitattributes`, and registers the driver in git config. Running it again
    /// registers the driver when this clone lacks it and moves task files that are not
    /// where they belong (the flat layout of earlier versions) into place, in one commit.
    pub fn init(&self) -> Result<Outcome<InitReport>> {
        let _lock = self.store.lock()?;
        let merge_driver_registered = register_driver(&self.store)?;
        if self.store.read(CONFIG_PATH)?.is_some() {
            let (moved_tasks, applied) = self.move_task_files()?;
            return Ok(Outcome::new(
                InitReport {
                    created: false,
                    config: CONFIG_PATH.into(),
                    merge_driver_registered,
                    example_files: Vec::new(),
                    moved_tasks,
                },
                applied,
            ));
        }
        // Committed but left out of a sparse checkout: a new state would be a second one.
        if let err @ Error::OutsideSparseCheckout { .. } = State::missing_config(&self.store) {
            return Err(err);
        }
        let mut change = self.change("initialise .orchestrator/".into(), "init", None);
        change.write(CONFIG_PATH, format::config_to_toml(&Config::default()));
        if self.store.read(README_PATH)?.is_none() {
            change.write(README_PATH, README);
        }
        if let Some(text) = with_attribute_line(self.store.read(GITATTRIBUTES)?.as_deref()) {
            change.write(GITATTRIBUTES, text);
        }
        let applied = self.store.apply(&change, !self.ctx.no_commit)?;
        Ok(Outcome::new(
            InitReport {
                created: true,
                config: CONFIG_PATH.into(),
                merge_driver_registered,
                example_files: Vec::new(),
                moved_tasks: Vec::new(),
            },
            applied,
        ))
    }

    /// Moves every task file that is not at its [`task_path`] there, unchanged, in one
    /// commit. A file whose task already has a file in place is a duplicate, left for
    /// `orc check` to report.
    fn move_task_files(&self) -> Result<(Vec<String>, Applied)> {
        let state = State::load(&self.store)?;
        if state.misplaced.is_empty() {
            return Ok((Vec::new(), Applied::Unchanged));
        }
        let count = state.misplaced.len();
        let mut change = self.change(
            format!(
                "move {} into .orchestrator/tasks/<shard>/",
                crate::render::count(count, "task file")
            ),
            "init.relayout",
            None,
        );
        let mut moved = Vec::new();
        for (from, id) in &state.misplaced {
            let Some(text) = self.store.read(from)? else {
                continue;
            };
            let to = task_path(id);
            change.delete(from.clone());
            change.write(to.clone(), text);
            moved.push(format!("{from} -> {to}"));
        }
        let commit = !self.ctx.no_commit && state.config.commit == CommitMode::Auto;
        let applied = self.store.apply(&change, commit)?;
        Ok((moved, applied))
    }

    /// `orc init --example`: writes the example project state (`.orchestrator-example/`)
    /// to `.orchestrator/`, with the project files it refers to, in one commit. Refuses,
    /// writing nothing, when `.orchestrator/` already holds work or a file the example
    /// would write exists with other content; a default config (plain `orc init`) and an
    /// existing `.orchestrator/README.md` are fine.
    pub fn init_example(&self) -> Result<Outcome<InitReport>> {
        let _lock = self.store.lock()?;
        let mut existing = Vec::new();
        for dir in CONTENT_DIRS {
            existing.extend(self.store.list_nested(dir, "")?);
        }
        let own: Vec<&str> = existing
            .iter()
            .map(String::as_str)
            .filter(|p| !EXAMPLE.iter().any(|(path, _)| path == p))
            .collect();
        if let Some(first) = own.first() {
            let more = match own.len() {
                1 => String::new(),
                n => format!(" and {} more", crate::render::count(n - 1, "file")),
            };
            return Err(Reason::ExampleOverWork {
                found: format!("{first}{more}"),
            }
            .into());
        }
        let default_config = format::config_to_toml(&Config::default());
        let mut change = self.change(
            "initialise .orchestrator/ with the example project".into(),
            "init.example",
            None,
        );
        let mut written = Vec::new();
        let mut conflicts = Vec::new();
        for (path, text) in EXAMPLE {
            match self.store.read(path)? {
                Some(current) if current == *text => {}
                Some(_) if *path == README_PATH => {}
                Some(current) if *path == CONFIG_PATH && current == default_config => {
                    change.write(*path, *text);
                    written.push((*path).to_owned());
                }
                Some(_) => conflicts.push(*path),
                None => {
                    change.write(*path, *text);
                    written.push((*path).to_owned());
                }
            }
        }
        if !conflicts.is_empty() {
            return Err(Reason::ExampleWouldOverwrite {
                paths: conflicts.iter().map(|p| p.to_string()).collect(),
            }
            .into());
        }
        let merge_driver_registered = register_driver(&self.store)?;
        if let Some(text) = with_attribute_line(self.store.read(GITATTRIBUTES)?.as_deref()) {
            change.write(GITATTRIBUTES, text);
        }
        let applied = if written.is_empty() {
            Applied::Unchanged
        } else {
            self.store.apply(&change, !self.ctx.no_commit)?
        };
        Ok(Outcome::new(
            InitReport {
                created: !written.is_empty(),
                config: CONFIG_PATH.into(),
                merge_driver_registered,
                example_files: written,
                moved_tasks: Vec::new(),
            },
            applied,
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn files(dir: &Path, prefix: &str, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            let rel = format!("{prefix}{name}");
            if entry.file_type().unwrap().is_dir() {
                files(&entry.path(), &format!("{rel}/"), out);
            } else {
                out.push((rel, std::fs::read_to_string(entry.path()).unwrap()));
            }
        }
    }

    #[test]
    fn the_embedded_example_is_the_example_directory() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut on_disk = Vec::new();
        files(
            &root.join(".orchestrator-example"),
            ".orchestrator/",
            &mut on_disk,
        );
        files(&root.join("templates/example"), "", &mut on_disk);
        on_disk.sort();
        let embedded: Vec<(String, String)> = EXAMPLE
            .iter()
            .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
            .collect();
        let names = |v: &[(String, String)]| v.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&embedded),
            names(&on_disk),
            "list every file of .orchestrator-example/ and templates/example/ in EXAMPLE, sorted"
        );
        assert_eq!(embedded, on_disk);
        assert_eq!(
            EXAMPLE[0],
            (README_PATH, README),
            "the example's README is the init one"
        );
    }
}
