//! Task access for mutations: the [`Tasks`] trait, implemented by the fully loaded
//! [`State`] and by [`Partial`], which reads only the task files a change touches — so
//! `orc task add`/`status`/`note`/`edit` cost the same with 10 or 10,000 tasks.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{State, TASKS_DIR, read_task_file, task_path};
use crate::error::{Error, Reason, Result};
use crate::format;
use crate::model::{Config, Status, Task, TaskId};
use crate::store::Store;

/// The tasks a mutation can look at and change in memory.
pub trait Tasks {
    fn config(&self) -> &Config;
    /// Resolves an id or unique prefix (see [`State::resolve`]).
    fn resolve(&mut self, input: &str) -> Result<TaskId>;
    fn get(&mut self, id: &TaskId) -> Result<&Task>;
    fn contains(&self, id: &TaskId) -> bool;
    /// Records a new or changed task in memory (the caller also writes its file).
    fn put(&mut self, task: Task);

    /// Dependencies of `task` that are not completed (unknown ones included).
    fn unfinished_dependencies(&mut self, task: &Task) -> Vec<TaskId> {
        task.depends_on
            .iter()
            .filter(|d| self.get(d).map_or(true, |t| t.status != Status::Completed))
            .cloned()
            .collect()
    }

    /// A path of `depends_on` edges from `from` to `to`, if there is one.
    fn dependency_path(&mut self, from: &TaskId, to: &TaskId) -> Option<Vec<TaskId>> {
        let mut stack = vec![vec![from.clone()]];
        let mut seen = vec![from.clone()];
        while let Some(path) = stack.pop() {
            let last = path.last().expect("paths are never empty");
            if last == to {
                return Some(path);
            }
            let deps = self
                .get(last)
                .map(|t| t.depends_on.clone())
                .unwrap_or_default();
            for d in deps {
                if !seen.contains(&d) {
                    seen.push(d.clone());
                    let mut next = path.clone();
                    next.push(d);
                    stack.push(next);
                }
            }
        }
        None
    }

    /// Refuses a change that puts `id` into a dependency cycle or a parent loop. Only the
    /// edges of `id` changed, so any new cycle passes through it.
    fn check_graph(&mut self, id: &TaskId) -> Result<()> {
        let task = self.get(id)?.clone();
        if task.parent.as_ref() == Some(id) {
            return Err(Error::invalid(format!("{id} cannot be its own parent")));
        }
        for dep in &task.depends_on {
            if let Some(path) = self.dependency_path(dep, id) {
                let mut cycle = vec![id.clone()];
                cycle.extend(path);
                return Err(Error::DependencyCycle { cycle });
            }
        }
        let mut chain = vec![id.clone()];
        let mut cur = task.parent;
        while let Some(p) = cur {
            let looped = chain.contains(&p);
            chain.push(p.clone());
            if looped {
                return Err(Error::invalid(format!(
                    "parent loop: {}",
                    chain
                        .iter()
                        .map(TaskId::as_str)
                        .collect::<Vec<_>>()
                        .join(" -> ")
                )));
            }
            cur = self.get(&p).ok().and_then(|t| t.parent.clone());
        }
        Ok(())
    }
}

impl Tasks for State {
    fn config(&self) -> &Config {
        &self.config
    }
    fn resolve(&mut self, input: &str) -> Result<TaskId> {
        State::resolve(self, input)
    }
    fn get(&mut self, id: &TaskId) -> Result<&Task> {
        self.task(id)
    }
    fn contains(&self, id: &TaskId) -> bool {
        self.tasks.contains_key(id)
    }
    fn put(&mut self, task: Task) {
        self.tasks.insert(task.id.clone(), Box::new(task));
    }
}

/// Reads task files on demand.
pub struct Partial<'s> {
    store: &'s Store,
    pub config: Config,
    loaded: BTreeMap<TaskId, Task>,
    /// Tasks read from a file other than [`task_path`] (the flat layout of earlier
    /// versions), and that file.
    elsewhere: BTreeMap<TaskId, String>,
    names: Option<Vec<TaskId>>,
}

impl<'s> Partial<'s> {
    pub fn new(store: &'s Store, config: Config) -> Self {
        Partial {
            store,
            config,
            loaded: BTreeMap::new(),
            elsewhere: BTreeMap::new(),
            names: None,
        }
    }

    fn load(&mut self, id: &TaskId) -> Result<Option<&Task>> {
        if !self.loaded.contains_key(id) {
            let Some((path, text)) = read_task_file(self.store, id)? else {
                return Ok(None);
            };
            let task = format::task_from_toml(&text).map_err(|source| Error::Parse {
                path: PathBuf::from(&path),
                source,
            })?;
            if &task.id != id {
                return Err(Reason::MisplacedTask {
                    path,
                    holds: task.id,
                    id: id.clone(),
                }
                .into());
            }
            if path != task_path(id) {
                self.elsewhere.insert(id.clone(), path);
            }
            self.loaded.insert(id.clone(), task);
        }
        Ok(self.loaded.get(id))
    }

    /// The file a task was read from, when it is not [`task_path`].
    pub fn found_elsewhere(&self, id: &TaskId) -> Option<String> {
        self.elsewhere.get(id).cloned()
    }

    /// Ids of all task files, from the directory listing alone (no file is read).
    fn names(&mut self) -> Result<&[TaskId]> {
        if self.names.is_none() {
            let ids = self
                .store
                .list_nested(TASKS_DIR, ".toml")?
                .iter()
                .filter_map(|p| {
                    let name = p.rsplit('/').next()?.strip_suffix(".toml")?;
                    TaskId::parse(name).ok()
                })
                .collect();
            self.names = Some(ids);
        }
        Ok(self.names.as_deref().expect("just set"))
    }
}

impl Tasks for Partial<'_> {
    fn config(&self) -> &Config {
        &self.config
    }

    fn resolve(&mut self, input: &str) -> Result<TaskId> {
        let input = input.trim();
        if let Ok(id) = TaskId::parse(input)
            && self.load(&id)?.is_some()
        {
            return Ok(id);
        }
        if input.is_empty() {
            return Err(Error::UnknownTask(input.to_owned()));
        }
        let names = self.names()?;
        let mut matches: Vec<&TaskId> = names
            .iter()
            .filter(|id| id.as_str().starts_with(input))
            .collect();
        if matches.is_empty() {
            matches = names
                .iter()
                .filter(|id| id.hex().starts_with(input))
                .collect();
        }
        match matches.as_slice() {
            [one] => {
                let id = (*one).clone();
                self.load(&id)?;
                Ok(id)
            }
            [] => Err(Error::UnknownTask(input.to_owned())),
            many => Err(Error::AmbiguousId {
                input: input.to_owned(),
                candidates: many.iter().take(10).map(|id| id.to_string()).collect(),
            }),
        }
    }

    fn get(&mut self, id: &TaskId) -> Result<&Task> {
        self.load(id)?
            .ok_or_else(|| Error::UnknownTask(id.to_string()))
    }

    fn contains(&self, id: &TaskId) -> bool {
        self.loaded.contains_key(id)
            || self.store.abs(&task_path(id)).exists()
            || self.store.abs(&super::flat_task_path(id)).exists()
    }

    fn put(&mut self, task: Task) {
        self.loaded.insert(task.id.clone(), task);
    }
}
