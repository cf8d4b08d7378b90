//! Loading everything under `.orchestrator/` into memory.

use std::collections::BTreeMap;
use std::collections::btree_map::Values;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::format::{self, FormatError};
use crate::model::{Config, Status, Task, TaskId};
use crate::store::{Change, Store};

pub const CONFIG_PATH: &str = ".orchestrator/config.toml";
pub const TASKS_DIR: &str = ".orchestrator/tasks";

/// Repository-relative path of a task's file: `.orchestrator/tasks/<shard>/<id>.toml`,
/// where the shard is the first character of the id's random part (see
/// [`TaskId::shard`]).
pub fn task_path(id: &TaskId) -> String {
    format!("{TASKS_DIR}/{}/{id}.toml", id.shard())
}

/// Where versions before the sharded layout kept a task's file. Still read; moved to
/// [`task_path`] when the task is next written, or by `orc init`.
pub fn flat_task_path(id: &TaskId) -> String {
    format!("{TASKS_DIR}/{id}.toml")
}

/// `path == task_path(id)`, without building the path.
pub(super) fn is_task_path(path: &str, id: &TaskId) -> bool {
    path.strip_prefix(TASKS_DIR)
        .and_then(|p| p.strip_prefix('/'))
        .and_then(|p| p.strip_prefix(id.shard()))
        .and_then(|p| p.strip_prefix('/'))
        .and_then(|p| p.strip_suffix(".toml"))
        == Some(id.as_str())
}

/// The text of a task's file and where it was found: at [`task_path`], or else at
/// [`flat_task_path`]; `None` when neither exists.
pub fn read_task_file(store: &Store, id: &TaskId) -> Result<Option<(String, String)>> {
    for path in [task_path(id), flat_task_path(id)] {
        if let Some(text) = store.read(&path)? {
            return Ok(Some((path, text)));
        }
    }
    Ok(None)
}

/// Adds to `change`, for every task file it writes or deletes, the deletion of the file
/// the task was read from when that is another one (`found_at`): a task file in the flat
/// layout of earlier versions, or one not named after its id, moves to [`task_path`].
pub fn relocate_tasks(change: &mut Change, found_at: impl Fn(&TaskId) -> Option<String>) {
    let mut moved = Vec::new();
    for (path, _) in &change.files {
        if let Some(id) = task_id_of_path(path)
            && *path == task_path(&id)
            && let Some(old) = found_at(&id)
            && old != *path
            && !change.files.iter().any(|(p, _)| *p == old)
        {
            moved.push(old);
        }
    }
    for old in moved {
        change.delete(old);
    }
}

/// The task id a path under [`TASKS_DIR`] is named after (either layout), if any.
pub fn task_id_of_path(path: &str) -> Option<TaskId> {
    let name = path.strip_prefix(TASKS_DIR)?.strip_prefix('/')?;
    let name = name.rsplit('/').next()?.strip_suffix(".toml")?;
    TaskId::parse(name).ok()
}

/// [`State::task_values`].
pub type TaskValues<'a> = std::iter::Map<Values<'a, TaskId, Box<Task>>, fn(&Box<Task>) -> &Task>;

/// A file that could not be read; the rest of the state is still usable.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub path: String,
    pub error: FormatError,
}

/// Everything orc knows, as read from the work tree.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub config: Config,
    pub tasks: BTreeMap<TaskId, Box<Task>>,
    /// Task files that did not parse.
    pub unreadable: Vec<Unreadable>,
    /// Files whose `id` differs from their name (still loaded).
    pub misplaced: Vec<(String, TaskId)>,
    /// Files holding an id that another file already has (ignored).
    pub duplicates: Vec<(String, TaskId)>,
}

impl State {
    /// Reads `.orchestrator/config.toml`; fails when orc is not initialised.
    pub fn load_config(store: &Store) -> Result<Config> {
        let Some(config_text) = store.read(CONFIG_PATH)? else {
            return Err(Self::missing_config(store));
        };
        format::config_from_toml(&config_text).map_err(|source| Error::Parse {
            path: PathBuf::from(CONFIG_PATH),
            source,
        })
    }

    /// Why `.orchestrator/config.toml` is not in the work tree: orc is not initialised, or
    /// its state is committed but outside the sparse checkout.
    pub fn missing_config(store: &Store) -> Error {
        let path = store.workdir().to_path_buf();
        match store.orc_dir_outside_sparse_checkout() {
            Ok(true) => Error::OutsideSparseCheckout { path },
            Ok(false) => Error::NotInitialized { path },
            Err(e) => e,
        }
    }

    /// Reads every task (through the parse cache).
    pub fn load(store: &Store) -> Result<State> {
        let config = Self::load_config(store)?;
        let mut state = State {
            config,
            ..State::default()
        };
        // Files named after their task's id, in id order (the listing is sorted by name):
        // collected first so that the map is built in one pass.
        let mut canonical: Vec<(TaskId, Box<Task>)> = Vec::new();
        let mut strays: Vec<(String, Box<Task>)> = Vec::new();
        // Boxed from the decoder on: tasks are 400 bytes, moved as pointers from here on.
        let parse = |text: &str| format::task_from_toml(text).map(Box::new);
        store.load_dir_cached(
            TASKS_DIR,
            ".toml",
            "tasks",
            parse,
            |path, parsed| match parsed {
                Ok(task) if is_task_path(path, &task.id) => canonical.push((task.id.clone(), task)),
                Ok(task) => strays.push((path.to_owned(), task)),
                Err(error) => state.unreadable.push(Unreadable {
                    path: path.to_owned(),
                    error,
                }),
            },
        )?;
        state.tasks = canonical.into_iter().collect();
        // A task file not named after its id is still read; the file named after the id
        // wins over it, and of several strays with one id the first (by path) is read.
        for (path, task) in strays {
            if state.tasks.contains_key(&task.id) {
                state.duplicates.push((path, task.id.clone()));
            } else {
                state.misplaced.push((path, task.id.clone()));
                state.tasks.insert(task.id.clone(), task);
            }
        }
        Ok(state)
    }

    /// The file `id` was read from: [`task_path`], or where a misplaced task file is.
    pub fn task_file(&self, id: &TaskId) -> String {
        self.misplaced
            .iter()
            .find(|(_, m)| m == id)
            .map_or_else(|| task_path(id), |(path, _)| path.clone())
    }

    /// Every task, in id order.
    pub fn task_values(&self) -> TaskValues<'_> {
        self.tasks.values().map(|t| &**t)
    }

    /// Resolves user input to a task id: an exact id, a unique prefix of an id, or a
    /// unique prefix of the hex part (`3f9c` for `task_3f9c2a1b`).
    pub fn resolve(&self, input: &str) -> Result<TaskId> {
        let input = input.trim();
        if let Ok(id) = TaskId::parse(input)
            && self.tasks.contains_key(&id)
        {
            return Ok(id);
        }
        if let Ok(id) = TaskId::parse(input)
            && let Some(u) = self
                .unreadable
                .iter()
                .find(|u| u.path == task_path(&id) || u.path == flat_task_path(&id))
        {
            return Err(Error::Parse {
                path: PathBuf::from(&u.path),
                source: u.error.clone(),
            });
        }
        if input.is_empty() {
            return Err(Error::UnknownTask(input.to_owned()));
        }
        let mut matches: Vec<&TaskId> = self
            .tasks
            .keys()
            .filter(|id| id.as_str().starts_with(input))
            .collect();
        if matches.is_empty() {
            matches = self
                .tasks
                .keys()
                .filter(|id| id.hex().starts_with(input))
                .collect();
        }
        match matches.as_slice() {
            [one] => Ok((*one).clone()),
            [] => {
                // A task whose file does not parse is still found by its id: say why it
                // cannot be used rather than that it does not exist.
                let broken = self.unreadable.iter().find(|u| {
                    task_id_of_path(&u.path).is_some_and(|id| {
                        id.as_str().starts_with(input) || id.hex().starts_with(input)
                    })
                });
                Err(match broken {
                    Some(u) => Error::Parse {
                        path: PathBuf::from(&u.path),
                        source: u.error.clone(),
                    },
                    None => Error::UnknownTask(input.to_owned()),
                })
            }
            many => Err(Error::AmbiguousId {
                input: input.to_owned(),
                candidates: many.iter().take(10).map(|id| id.to_string()).collect(),
            }),
        }
    }

    /// Whether a task file for `id` exists: read, or present but unreadable. References
    /// to an unreadable task are not reported as dangling: its parse error says enough.
    pub fn is_known(&self, id: &TaskId) -> bool {
        self.tasks.contains_key(id)
            || self
                .unreadable
                .iter()
                .any(|u| task_id_of_path(&u.path).as_ref() == Some(id))
    }

    pub fn task(&self, id: &TaskId) -> Result<&Task> {
        self.tasks
            .get(id)
            .map(|t| &**t)
            .ok_or_else(|| Error::UnknownTask(id.to_string()))
    }

    pub fn children<'a>(&'a self, id: &'a TaskId) -> impl Iterator<Item = &'a Task> + 'a {
        self.task_values()
            .filter(move |t| t.parent.as_ref() == Some(id))
    }

    /// All descendants of `id`, depth first, children before grandchildren.
    pub fn descendants(&self, id: &TaskId) -> Vec<TaskId> {
        let mut out = Vec::new();
        let mut stack = vec![id.clone()];
        while let Some(cur) = stack.pop() {
            for child in self.children(&cur) {
                if !out.contains(&child.id) && &child.id != id {
                    out.push(child.id.clone());
                    stack.push(child.id.clone());
                }
            }
        }
        out
    }

    /// Dependencies of `task` that are not completed (unknown ones included).
    pub fn unfinished_dependencies(&self, task: &Task) -> Vec<TaskId> {
        task.depends_on
            .iter()
            .filter(|d| {
                self.tasks
                    .get(*d)
                    .is_none_or(|t| t.status != Status::Completed)
            })
            .cloned()
            .collect()
    }

    /// Every dependency of `task` is completed (none is missing).
    pub fn dependencies_done(&self, task: &Task) -> bool {
        task.depends_on.iter().all(|d| {
            self.tasks
                .get(d)
                .is_some_and(|t| t.status == Status::Completed)
        })
    }

    /// Pending, every dependency completed, and no subtasks other than cancelled ones (a
    /// parent with open subtasks is finished by finishing them, one whose subtasks are
    /// done by `orc synthesize`).
    pub fn is_ready(&self, task: &Task) -> bool {
        task.status == Status::Pending
            && self.dependencies_done(task)
            && self
                .children(&task.id)
                .all(|c| c.status == Status::Cancelled)
    }

    /// A dependency cycle through the `depends_on` edges, if any, as a closed path.
    pub fn find_dependency_cycle(&self) -> Option<Vec<TaskId>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            Visiting,
            Done,
        }
        let mut marks: BTreeMap<&TaskId, Mark> = BTreeMap::new();
        for start in self.tasks.keys() {
            if marks.contains_key(start) {
                continue;
            }
            // Iterative DFS with an explicit path.
            let mut path: Vec<(&TaskId, usize)> = vec![(start, 0)];
            marks.insert(start, Mark::Visiting);
            while let Some((node, next)) = path.last_mut() {
                let deps = self.tasks.get(*node).map_or(&[][..], |t| &t.depends_on[..]);
                if *next < deps.len() {
                    let dep = &deps[*next];
                    *next += 1;
                    match marks.get(dep) {
                        Some(Mark::Visiting) => {
                            let pos = path.iter().position(|(n, _)| *n == dep).expect("on path");
                            let mut cycle: Vec<TaskId> =
                                path[pos..].iter().map(|(n, _)| (*n).clone()).collect();
                            cycle.push(dep.clone());
                            return Some(cycle);
                        }
                        Some(Mark::Done) => {}
                        None => {
                            if self.tasks.contains_key(dep) {
                                marks.insert(dep, Mark::Visiting);
                                path.push((dep, 0));
                            }
                        }
                    }
                } else {
                    marks.insert(*node, Mark::Done);
                    path.pop();
                }
            }
        }
        None
    }

    /// A loop in the parent chain starting at `id`, if any.
    pub fn find_parent_cycle(&self, id: &TaskId) -> Option<Vec<TaskId>> {
        let mut seen = vec![id.clone()];
        let mut cur = self.tasks.get(id)?.parent.clone();
        while let Some(p) = cur {
            if seen.contains(&p) {
                seen.push(p);
                return Some(seen);
            }
            seen.push(p.clone());
            cur = self.tasks.get(&p).and_then(|t| t.parent.clone());
        }
        None
    }
}
