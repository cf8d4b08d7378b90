//! Field-level three-way merge of orc's TOML files: the logic behind `orc merge-driver`.
//!
//! Works on TOML values, not on model types, so one set of rules serves tasks, manifests,
//! sessions and the config; a decision's YAML front matter is merged with the same rules
//! (its Markdown body needs git's line merge, which the caller runs). Pure: text in, text
//! out. Not for other Markdown and not for files outside `.orchestrator/`.

use std::cmp::Ordering;

use jiff::Timestamp;
use toml::{Table, Value};

use super::toml_doc::{FormatError, declared_format};
use crate::format::import::{ImportMap, import_map_to_toml};
use crate::format::{
    FormatError as DecisionError, config_to_toml, decision_from_markdown, decision_to_markdown,
    split_front_matter, task_to_toml,
};
use crate::model::{Config, Decision, DecisionStatus, Note, Status, Task};

/// Which orc file a path holds; decides the canonical text and the extra rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `.orchestrator/**/tasks/**/*.toml` (shard directories and the archive included).
    Task,
    /// `.orchestrator/**/manifests/*.toml`.
    Manifest,
    /// `.orchestrator/**/sessions/*.toml`.
    Session,
    /// `.orchestrator/config.toml`.
    Config,
    /// `.orchestrator/**/decisions/*.md`: front matter by fields, body by lines.
    Decision,
    /// `.orchestrator/imports/*.toml`: which task each imported record became.
    ImportMap,
}

impl FileKind {
    /// The kind of a repository-relative path, or `None` when orc has no field rules for
    /// it (Markdown, unknown directories): such files get git's line merge.
    pub fn of_path(path: &str) -> Option<FileKind> {
        let rest = path.strip_prefix(".orchestrator/")?;
        if let Some(dir) = rest.strip_suffix(".md").and_then(|r| r.rsplit_once('/')) {
            let parent = dir.0.rsplit('/').next();
            return (parent == Some("decisions")).then_some(FileKind::Decision);
        }
        if !rest.ends_with(".toml") {
            return None;
        }
        if rest == "config.toml" {
            return Some(FileKind::Config);
        }
        let mut dirs: Vec<&str> = rest.split('/').collect();
        dirs.pop();
        // The innermost known directory decides (`archive/tasks/…` is a task).
        dirs.iter().rev().find_map(|d| match *d {
            "tasks" => Some(FileKind::Task),
            "manifests" => Some(FileKind::Manifest),
            "sessions" => Some(FileKind::Session),
            "imports" => Some(FileKind::ImportMap),
            _ => None,
        })
    }
}

/// One scalar both sides changed to different values. The merge keeps `kept` (our side)
/// and writes both values into the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Dotted key, e.g. `title` or `limits.max`.
    pub key: String,
    /// Our value as TOML text (`<absent>` when our side removed the key).
    pub kept: String,
    /// Their value as TOML text.
    pub other: String,
}

impl Conflict {
    pub fn describe(&self) -> String {
        format!(
            "merge conflict on `{}`: kept {} (ours); the other side had {} (theirs)",
            self.key, self.kept, self.other
        )
    }
}

/// The merged file text and the conflicts recorded in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub text: String,
    pub conflicts: Vec<Conflict>,
}

/// Why a field-level merge was not possible; the caller falls back to a line merge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("{side} version does not parse: {error}")]
    Parse {
        side: &'static str,
        error: FormatError,
    },
    #[error("the merged file is not a valid {kind}: {message}")]
    Invalid { kind: &'static str, message: String },
}

/// Merges `ours` and `theirs` against their common ancestor `base` (empty when both
/// sides added the file). Rules, by key:
///
/// - `updated`: the later time.
/// - `status` (tasks): the furthest-progressed state ([`Status::progress_rank`]); between
///   `completed` and `needs_revision` the side updated later wins, since each undoes the
///   other. `started`/`completed` follow the side whose status won.
/// - arrays (`notes`, `depends_on`, `labels`, `operations`, `artifacts`, …): a set
///   merge — what either side added is kept, what either side removed is dropped,
///   duplicates go, and arrays of tables with an `at` time are sorted by it. A missing
///   key counts as an empty array (orc leaves empty lists out of the file). A task's
///   labels stay sorted.
/// - tables: merged key by key with these rules.
/// - any other value: the side that changed it wins; when both changed it differently,
///   ours is kept and the conflict is written into the file: as a note on tasks, as a
///   comment at the top of other files.
pub fn merge(kind: FileKind, base: &str, ours: &str, theirs: &str) -> Result<Merged, MergeError> {
    let base = parse(base, "base")?;
    let ours = parse(ours, "our")?;
    let theirs = parse(theirs, "their")?;
    let mut conflicts = Vec::new();
    let mut merged = merge_table(
        "",
        Some(&base),
        &ours,
        &theirs,
        kind == FileKind::Task,
        &mut conflicts,
    );
    if kind == FileKind::Task {
        merge_lifecycle(&base, &ours, &theirs, &mut merged);
    }
    let text = match kind {
        FileKind::Task => {
            let mut task: Task = Value::Table(merged)
                .try_into()
                .map_err(|e: toml::de::Error| invalid("task", e))?;
            task.labels.sort();
            task.labels.dedup();
            for c in &conflicts {
                task.notes.push(Note {
                    at: task.updated,
                    author: Some("orc merge".into()),
                    text: c.describe(),
                });
            }
            task_to_toml(&task)
        }
        FileKind::Config => {
            let config: Config = Value::Table(merged)
                .try_into()
                .map_err(|e: toml::de::Error| invalid("config", e))?;
            with_comments(config_to_toml(&config), &conflicts)
        }
        FileKind::ImportMap => {
            let map: ImportMap = Value::Table(merged)
                .try_into()
                .map_err(|e: toml::de::Error| invalid("import map", e))?;
            with_comments(import_map_to_toml(&map), &conflicts)
        }
        FileKind::Manifest | FileKind::Session => {
            let body = toml::to_string_pretty(&merged).expect("TOML tables serialise");
            with_comments(body, &conflicts)
        }
        FileKind::Decision => {
            return Err(MergeError::Invalid {
                kind: "TOML file",
                message: "decisions merge through `merge_decision`".into(),
            });
        }
    };
    Ok(Merged { text, conflicts })
}

/// A decision whose front matter is merged; the body is left to a line merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionMerge {
    /// The merged front matter; `body` is empty.
    pub decision: Decision,
    /// The three bodies, for a line merge: base, ours, theirs.
    pub bodies: [String; 3],
    pub conflicts: Vec<Conflict>,
}

impl DecisionMerge {
    /// The body when at most one side changed it; `None` when both did differently
    /// (the caller merges lines).
    pub fn trivial_body(&self) -> Option<&str> {
        let [b, o, t] = &self.bodies;
        if o == t || t == b {
            Some(o)
        } else if o == b {
            Some(t)
        } else {
            None
        }
    }

    /// The file text with `body`, the conflicts recorded at the end of the body.
    pub fn text(&self, body: &str) -> String {
        let mut d = self.decision.clone();
        d.body = body.trim_end().to_owned();
        for c in &self.conflicts {
            d.body.push_str("\n\n> orc ");
            d.body.push_str(&c.describe().replace('\n', " "));
        }
        decision_to_markdown(&d)
    }
}

/// Keys of a decision's front matter whose value follows from `status`.
const DECISION_LIFECYCLE: [&str; 2] = ["status", "superseded_by"];

/// Merges the front matter of three versions of a decision file field by field, with the
/// rules of [`merge`]; `status` and `superseded_by` go together: the side that changed the
/// status wins, `superseded` (final) wins over any other change, and two other different
/// changes keep ours and record a conflict. Both sides adding the file (no base) is not
/// merged: two decisions may have taken the same name.
pub fn merge_decision(base: &str, ours: &str, theirs: &str) -> Result<DecisionMerge, MergeError> {
    let side = |text: &str, side: &'static str| -> Result<(Table, String), MergeError> {
        let located = |error| MergeError::Parse { side, error };
        let d = decision_from_markdown(text).map_err(located)?;
        let normalized = text.replace("\r\n", "\n");
        let (yaml, _) = split_front_matter(&normalized).map_err(located)?;
        let value: yaml_serde::Value = yaml_serde::from_str(yaml)
            .map_err(|e| located(DecisionError::at_offset(yaml, None, e.to_string())))?;
        let table = Value::try_from(value)
            .ok()
            .and_then(|v| v.as_table().cloned())
            .ok_or_else(|| MergeError::Invalid {
                kind: "decision",
                message: format!("{side} front matter is not `key: value` lines"),
            })?;
        Ok((table, d.body))
    };
    let (base, base_body) = side(base, "base")?;
    let (ours, our_body) = side(ours, "our")?;
    let (theirs, their_body) = side(theirs, "their")?;
    let mut conflicts = Vec::new();
    let (b, o, t) = (
        strip_keys(&base, &DECISION_LIFECYCLE),
        strip_keys(&ours, &DECISION_LIFECYCLE),
        strip_keys(&theirs, &DECISION_LIFECYCLE),
    );
    let mut merged = merge_table("", Some(&b), &o, &t, false, &mut conflicts);
    let status = |t: &Table| t.get("status").and_then(Value::as_str).map(str::to_owned);
    let superseded = Some(DecisionStatus::Superseded.as_str().to_owned());
    let (so, st) = (status(&ours), status(&theirs));
    let lifecycle = |t: &Table| -> Vec<Option<Value>> {
        DECISION_LIFECYCLE
            .iter()
            .map(|k| t.get(*k).cloned())
            .collect()
    };
    let (lb, lo, lt) = (lifecycle(&base), lifecycle(&ours), lifecycle(&theirs));
    let winner = if lo == lt || lt == lb {
        &ours
    } else if lo == lb {
        &theirs
    } else if so == st {
        // Same status, different links: both superseded by different decisions.
        conflicts.push(Conflict {
            key: "superseded_by".into(),
            kept: show(ours.get("superseded_by")),
            other: show(theirs.get("superseded_by")),
        });
        &ours
    } else if st == superseded && so != superseded {
        &theirs
    } else if so == superseded {
        &ours
    } else {
        conflicts.push(Conflict {
            key: "status".into(),
            kept: show(ours.get("status")),
            other: show(theirs.get("status")),
        });
        &ours
    };
    for key in DECISION_LIFECYCLE {
        if let Some(v) = winner.get(key) {
            merged.insert(key.to_owned(), v.clone());
        }
    }
    let mut decision: Decision =
        Value::Table(merged)
            .try_into()
            .map_err(|e: toml::de::Error| MergeError::Invalid {
                kind: "decision",
                message: e.message().trim().to_owned(),
            })?;
    decision.body = String::new();
    Ok(DecisionMerge {
        decision,
        bodies: [base_body, our_body, their_body],
        conflicts,
    })
}

fn strip_keys(t: &Table, keys: &[&str]) -> Table {
    t.iter()
        .filter(|(k, _)| !keys.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn invalid(kind: &'static str, e: toml::de::Error) -> MergeError {
    MergeError::Invalid {
        kind,
        message: e.message().trim().to_owned(),
    }
}

fn parse(text: &str, side: &'static str) -> Result<Table, MergeError> {
    let located = |error| MergeError::Parse { side, error };
    declared_format(text).map_err(located)?;
    toml::from_str(text).map_err(|e: toml::de::Error| {
        located(FormatError::at_offset(
            text,
            e.span().map(|s| s.start),
            e.message().trim().to_owned(),
        ))
    })
}

fn with_comments(body: String, conflicts: &[Conflict]) -> String {
    let mut out = String::new();
    for c in conflicts {
        out.push_str("# orc ");
        out.push_str(&c.describe().replace('\n', " "));
        out.push('\n');
    }
    out.push_str(&body);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Keys of a task whose value follows from `status`; merged by [`merge_lifecycle`].
const LIFECYCLE: [&str; 3] = ["status", "started", "completed"];

fn merge_table(
    prefix: &str,
    base: Option<&Table>,
    ours: &Table,
    theirs: &Table,
    task_top: bool,
    conflicts: &mut Vec<Conflict>,
) -> Table {
    let mut keys: Vec<&String> = ours.keys().collect();
    keys.extend(theirs.keys().filter(|k| !ours.contains_key(*k)));
    let mut out = Table::new();
    for key in keys {
        if task_top && LIFECYCLE.contains(&key.as_str()) {
            continue;
        }
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let b = base.and_then(|t| t.get(key));
        let o = ours.get(key);
        let t = theirs.get(key);
        let value = if prefix.is_empty() && key == "updated" {
            latest(o, t)
        } else {
            merge_value(&path, b, o, t, conflicts)
        };
        if let Some(v) = value {
            out.insert(key.clone(), v);
        }
    }
    out
}

fn merge_value(
    path: &str,
    base: Option<&Value>,
    ours: Option<&Value>,
    theirs: Option<&Value>,
    conflicts: &mut Vec<Conflict>,
) -> Option<Value> {
    if ours == theirs {
        return ours.cloned();
    }
    match (ours, theirs) {
        (Some(Value::Table(o)), Some(Value::Table(t))) => {
            let b = base.and_then(Value::as_table);
            return Some(Value::Table(merge_table(path, b, o, t, false, conflicts)));
        }
        (Some(Value::Array(o)), Some(Value::Array(t))) => {
            let b = base.and_then(Value::as_array).map_or(&[][..], |a| &a[..]);
            return Some(Value::Array(merge_array(b, o, t)));
        }
        // An empty list is left out of the file: a side without the key has an empty
        // list, so removing the last element merges with the other side's additions.
        (Some(Value::Array(o)), None) | (None, Some(Value::Array(o)))
            if base.is_none_or(Value::is_array) =>
        {
            let b = base.and_then(Value::as_array).map_or(&[][..], |a| &a[..]);
            let merged = if ours.is_some() {
                merge_array(b, o, &[])
            } else {
                merge_array(b, &[], o)
            };
            return (!merged.is_empty()).then_some(Value::Array(merged));
        }
        _ => {}
    }
    if ours == base {
        return theirs.cloned();
    }
    if theirs == base {
        return ours.cloned();
    }
    conflicts.push(Conflict {
        key: path.to_owned(),
        kept: show(ours),
        other: show(theirs),
    });
    ours.cloned()
}

fn show(v: Option<&Value>) -> String {
    match v {
        None => "<absent>".into(),
        Some(Value::String(s)) => format!("{s:?}"),
        Some(v) => v.to_string(),
    }
}

/// Three-way set merge: keeps every element either side added, drops every element
/// either side removed, removes duplicates. Our order first, then their additions;
/// arrays of tables that all carry an `at` time are then sorted by it (stable).
fn merge_array(base: &[Value], ours: &[Value], theirs: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(ours.len() + theirs.len());
    for v in ours {
        let removed_by_them = base.contains(v) && !theirs.contains(v);
        if !removed_by_them && !out.contains(v) {
            out.push(v.clone());
        }
    }
    for v in theirs {
        let removed_by_us = base.contains(v) && !ours.contains(v);
        if !removed_by_us && !out.contains(v) {
            out.push(v.clone());
        }
    }
    let times: Option<Vec<Timestamp>> = out.iter().map(at_time).collect();
    if let Some(times) = times {
        let mut pairs: Vec<(Timestamp, Value)> = times.into_iter().zip(out).collect();
        pairs.sort_by_key(|p| p.0);
        out = pairs.into_iter().map(|(_, v)| v).collect();
    }
    out
}

fn at_time(v: &Value) -> Option<Timestamp> {
    time_of(v.as_table()?.get("at")?)
}

fn time_of(v: &Value) -> Option<Timestamp> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Datetime(d) => d.to_string().parse().ok(),
        _ => None,
    }
}

/// The later of two times; the present one when only one is; text order as a fallback.
fn latest(a: Option<&Value>, b: Option<&Value>) -> Option<Value> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if later_or_equal(a, b) { a } else { b }.clone()),
        (a, b) => a.or(b).cloned(),
    }
}

fn later_or_equal(a: &Value, b: &Value) -> bool {
    match (time_of(a), time_of(b)) {
        (Some(x), Some(y)) => x >= y,
        _ => a.to_string() >= b.to_string(),
    }
}

/// Which side's status a merge takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Ours,
    Theirs,
    /// Both sides agree on the status.
    Same,
}

fn status_of(t: &Table) -> Option<Status> {
    t.get("status")?.as_str()?.parse().ok()
}

/// Picks the status of a task both sides may have moved, and carries the timestamps
/// that belong to it (`started`, `completed`) from the same side.
fn merge_lifecycle(base: &Table, ours: &Table, theirs: &Table, out: &mut Table) {
    let side = match (status_of(base), status_of(ours), status_of(theirs)) {
        (_, Some(o), Some(t)) if o == t => Side::Same,
        (b, Some(o), Some(_)) if Some(o) == b => Side::Theirs,
        (b, Some(_), Some(t)) if Some(t) == b => Side::Ours,
        (_, Some(o), Some(t)) => pick_status(o, t, ours.get("updated"), theirs.get("updated")),
        (_, Some(_), None) => Side::Ours,
        (_, None, Some(_)) => Side::Theirs,
        (_, None, None) => Side::Same,
    };
    // Task files are written through `Task`, so the insertion order does not matter.
    for key in LIFECYCLE {
        let value = match side {
            Side::Ours => ours.get(key).cloned(),
            Side::Theirs => theirs.get(key).cloned(),
            Side::Same if key == "status" => ours.get(key).cloned(),
            // Both reached the same status at different times: one side's change wins,
            // two changes keep the later time. Never a conflict.
            Side::Same => {
                let (b, o, t) = (base.get(key), ours.get(key), theirs.get(key));
                if o == b {
                    t.cloned()
                } else if t == b {
                    o.cloned()
                } else {
                    latest(o, t)
                }
            }
        };
        if let Some(v) = value {
            out.insert(key.to_owned(), v);
        }
    }
}

/// Between two different statuses both sides moved to: `completed` and `needs_revision`
/// undo each other, so the later change wins; otherwise the furthest progressed.
fn pick_status(o: Status, t: Status, o_at: Option<&Value>, t_at: Option<&Value>) -> Side {
    use Status::{Completed, NeedsRevision};
    let rank = || match o.progress_rank().cmp(&t.progress_rank()) {
        Ordering::Less => Side::Theirs,
        _ => Side::Ours,
    };
    if matches!(
        (o, t),
        (Completed, NeedsRevision) | (NeedsRevision, Completed)
    ) {
        return match (o_at.and_then(time_of), t_at.and_then(time_of)) {
            (Some(a), Some(b)) if a > b => Side::Ours,
            (Some(a), Some(b)) if b > a => Side::Theirs,
            _ => rank(),
        };
    }
    rank()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::task_from_toml;
    use crate::model::TaskId;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn base_task() -> Task {
        let mut t = Task::new(
            TaskId::parse("implementer_08ba71c4").unwrap(),
            "Add parser".into(),
            ts("2026-01-01T00:00:00Z"),
        );
        t.depends_on = vec![TaskId::parse("architect_00aa11bb").unwrap()];
        t.add_note("first".into(), None, ts("2026-01-01T01:00:00Z"));
        t
    }

    /// Merges three task versions and parses the result back.
    fn merge_tasks(base: &Task, ours: &Task, theirs: &Task) -> (Task, Merged) {
        let m = merge(
            FileKind::Task,
            &task_to_toml(base),
            &task_to_toml(ours),
            &task_to_toml(theirs),
        )
        .unwrap();
        let task = task_from_toml(&m.text).unwrap();
        assert_eq!(task_to_toml(&task), m.text, "output is canonical");
        (task, m)
    }

    #[test]
    fn import_maps_keep_the_records_of_both_sides() {
        let base = "format = 1\nsource = \"beads\"\n\n[tasks.bd-1]\ntask = \"task_00000001\"\ndigest = \"aa\"\n";
        let ours = format!("{base}\n[tasks.bd-2]\ntask = \"task_00000002\"\ndigest = \"bb\"\n");
        let theirs = base.replace("digest = \"aa\"", "digest = \"cc\"")
            + "\n[tasks.bd-3]\ntask = \"task_00000003\"\ndigest = \"dd\"\n";
        let m = merge(FileKind::ImportMap, base, &ours, &theirs).unwrap();
        assert!(m.conflicts.is_empty(), "{:?}", m.conflicts);
        let map = crate::format::import::import_map_from_toml(&m.text).unwrap();
        let keys: Vec<&str> = map.tasks.keys().map(String::as_str).collect();
        assert_eq!(keys, ["bd-1", "bd-2", "bd-3"]);
        assert_eq!(map.tasks["bd-1"].digest, "cc");
    }

    #[test]
    fn kinds_follow_the_directory() {
        use FileKind::*;
        for (path, kind) in [
            (".orchestrator/tasks/task_1.toml", Some(Task)),
            (".orchestrator/tasks/1/task_1.toml", Some(Task)),
            (".orchestrator/archive/tasks/task_1.toml", Some(Task)),
            (".orchestrator/archive/2026/tasks/task_1.toml", Some(Task)),
            (".orchestrator/manifests/task_1.toml", Some(Manifest)),
            (".orchestrator/sessions/s_1.toml", Some(Session)),
            (
                ".orchestrator/imports/beads.toml",
                Some(FileKind::ImportMap),
            ),
            (".orchestrator/config.toml", Some(Config)),
            (".orchestrator/decisions/0001-x.md", Some(Decision)),
            (".orchestrator/archive/decisions/0001-x.md", Some(Decision)),
            (".orchestrator/roles/architect.md", None),
            (".orchestrator/other/x.toml", None),
            ("tasks/task_1.toml", None),
        ] {
            assert_eq!(FileKind::of_path(path), kind, "{path}");
        }
    }

    #[test]
    fn notes_are_unioned_in_time_order() {
        let base = base_task();
        let mut ours = base.clone();
        ours.add_note("ours later".into(), None, ts("2026-01-03T00:00:00Z"));
        let mut theirs = base.clone();
        theirs.add_note("theirs earlier".into(), None, ts("2026-01-02T00:00:00Z"));
        theirs.add_note("ours later".into(), None, ts("2026-01-03T00:00:00Z"));
        let (t, m) = merge_tasks(&base, &ours, &theirs);
        let texts: Vec<&str> = t.notes.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(texts, ["first", "theirs earlier", "ours later"]);
        assert!(m.conflicts.is_empty());
        assert_eq!(t.updated, ts("2026-01-03T00:00:00Z"), "updated is the max");
    }

    #[test]
    fn dependencies_merge_as_sets_with_removals() {
        let base = base_task();
        let a = TaskId::parse("architect_00aa11bb").unwrap();
        let b = TaskId::parse("tester_11111111").unwrap();
        let c = TaskId::parse("tester_22222222").unwrap();
        let mut ours = base.clone();
        ours.depends_on.retain(|d| d != &a);
        ours.depends_on.push(b.clone());
        let mut theirs = base.clone();
        theirs.depends_on.push(c.clone());
        let (t, m) = merge_tasks(&base, &ours, &theirs);
        assert_eq!(t.depends_on, [b, c], "a removed by us, b and c added");
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn a_scalar_changed_on_one_side_wins() {
        let base = base_task();
        let mut ours = base.clone();
        ours.title = "Add the parser".into();
        let mut theirs = base.clone();
        theirs.stream = Some("core".into());
        theirs.description = "longer".into();
        let (t, m) = merge_tasks(&base, &ours, &theirs);
        assert_eq!(t.title, "Add the parser");
        assert_eq!(t.stream.as_deref(), Some("core"));
        assert_eq!(t.description, "longer");
        assert!(m.conflicts.is_empty());

        // A removal on one side wins too.
        let mut with_stream = base.clone();
        with_stream.stream = Some("core".into());
        let mut removed = with_stream.clone();
        removed.stream = None;
        let (t, _) = merge_tasks(&with_stream, &with_stream, &removed);
        assert_eq!(t.stream, None);
    }

    #[test]
    fn a_true_conflict_keeps_ours_and_records_both() {
        let base = base_task();
        let mut ours = base.clone();
        ours.title = "Ours".into();
        ours.updated = ts("2026-01-02T00:00:00Z");
        let mut theirs = base.clone();
        theirs.title = "Theirs".into();
        let (t, m) = merge_tasks(&base, &ours, &theirs);
        assert_eq!(t.title, "Ours");
        assert_eq!(m.conflicts.len(), 1);
        let note = t.notes.last().unwrap();
        assert_eq!(note.author.as_deref(), Some("orc merge"));
        assert_eq!(note.at, ts("2026-01-02T00:00:00Z"));
        assert_eq!(
            note.text,
            "merge conflict on `title`: kept \"Ours\" (ours); the other side had \"Theirs\" (theirs)"
        );
    }

    #[test]
    fn status_takes_the_furthest_progress_with_its_timestamps() {
        let mut base = base_task();
        base.set_status(Status::InProgress, ts("2026-01-02T00:00:00Z"));
        let mut ours = base.clone();
        ours.set_status(Status::Blocked, ts("2026-01-04T00:00:00Z"));
        let mut theirs = base.clone();
        theirs.set_status(Status::Completed, ts("2026-01-03T00:00:00Z"));
        theirs.result = Some("done".into());
        let (t, m) = merge_tasks(&base, &ours, &theirs);
        assert_eq!(t.status, Status::Completed);
        assert_eq!(t.completed, Some(ts("2026-01-03T00:00:00Z")));
        assert_eq!(t.started, Some(ts("2026-01-02T00:00:00Z")));
        assert_eq!(t.result.as_deref(), Some("done"));
        assert_eq!(t.updated, ts("2026-01-04T00:00:00Z"));
        assert!(m.conflicts.is_empty());

        // Only one side moved: that side wins even when it moves back.
        let mut done = base.clone();
        done.set_status(Status::Completed, ts("2026-01-03T00:00:00Z"));
        let mut reopened = done.clone();
        reopened.set_status(Status::Pending, ts("2026-01-05T00:00:00Z"));
        let (t, _) = merge_tasks(&done, &done, &reopened);
        assert_eq!(t.status, Status::Pending);
        assert_eq!((t.started, t.completed), (None, None));
    }

    #[test]
    fn completed_and_needs_revision_take_the_later_change() {
        let mut base = base_task();
        base.set_status(Status::InProgress, ts("2026-01-02T00:00:00Z"));
        let mut done = base.clone();
        done.set_status(Status::Completed, ts("2026-01-03T00:00:00Z"));
        let mut revise = base.clone();
        revise.set_status(Status::NeedsRevision, ts("2026-01-04T00:00:00Z"));
        let (t, _) = merge_tasks(&base, &done, &revise);
        assert_eq!(t.status, Status::NeedsRevision);
        assert_eq!(t.completed, None);
        let (t, _) = merge_tasks(&base, &revise, &done);
        assert_eq!(t.status, Status::NeedsRevision);

        revise.updated = ts("2026-01-02T12:00:00Z");
        let (t, _) = merge_tasks(&base, &revise, &done);
        assert_eq!(t.status, Status::Completed);
        assert_eq!(t.completed, Some(ts("2026-01-03T00:00:00Z")));
    }

    #[test]
    fn same_status_on_both_sides_keeps_the_later_time() {
        let base = base_task();
        let mut ours = base.clone();
        ours.set_status(Status::InProgress, ts("2026-01-02T00:00:00Z"));
        let mut theirs = base.clone();
        theirs.set_status(Status::InProgress, ts("2026-01-03T00:00:00Z"));
        let (t, m) = merge_tasks(&base, &ours, &theirs);
        assert_eq!(t.status, Status::InProgress);
        assert_eq!(t.started, Some(ts("2026-01-03T00:00:00Z")));
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn both_sides_adding_the_same_file_merge_against_nothing() {
        let mut ours = base_task();
        ours.add_note("ours".into(), None, ts("2026-01-02T00:00:00Z"));
        let mut theirs = base_task();
        theirs.add_note("theirs".into(), None, ts("2026-01-03T00:00:00Z"));
        let m = merge(
            FileKind::Task,
            "",
            &task_to_toml(&ours),
            &task_to_toml(&theirs),
        )
        .unwrap();
        let t = task_from_toml(&m.text).unwrap();
        assert_eq!(t.notes.len(), 3);
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn generic_files_keep_key_order_and_comment_conflicts() {
        let base = "format = 1\ntask = \"t_1\"\nlabel = \"a\"\n\n[[operations]]\nat = \"2026-01-01T00:00:00Z\"\npath = \"a.rs\"\n";
        let ours = format!(
            "{}\n[[operations]]\nat = \"2026-01-03T00:00:00Z\"\npath = \"c.rs\"\n",
            base.replace("\"a\"", "\"ours\"")
        );
        let theirs = format!(
            "{}\n[[operations]]\nat = \"2026-01-02T00:00:00Z\"\npath = \"b.rs\"\n",
            base.replace("\"a\"", "\"theirs\"")
        );
        let m = merge(FileKind::Manifest, base, &ours, &theirs).unwrap();
        assert_eq!(
            m.text,
            "# orc merge conflict on `label`: kept \"ours\" (ours); the other side had \"theirs\" (theirs)\n\
             format = 1\ntask = \"t_1\"\nlabel = \"ours\"\n\n\
             [[operations]]\nat = \"2026-01-01T00:00:00Z\"\npath = \"a.rs\"\n\n\
             [[operations]]\nat = \"2026-01-02T00:00:00Z\"\npath = \"b.rs\"\n\n\
             [[operations]]\nat = \"2026-01-03T00:00:00Z\"\npath = \"c.rs\"\n"
        );
        // Re-merging the result with itself changes nothing.
        let again = merge(FileKind::Manifest, &m.text, &m.text, &m.text).unwrap();
        assert!(again.conflicts.is_empty());
        assert_eq!(
            again.text,
            m.text.lines().skip(1).collect::<Vec<_>>().join("\n") + "\n"
        );
    }

    #[test]
    fn nested_tables_merge_key_by_key() {
        let base = "[limits]\na = 1\nb = 2\n";
        let ours = "[limits]\na = 5\nb = 2\n";
        let theirs = "[limits]\na = 1\nb = 7\nc = 3\n";
        let m = merge(FileKind::Session, base, ours, theirs).unwrap();
        assert_eq!(m.text, "[limits]\na = 5\nb = 7\nc = 3\n");
    }

    #[test]
    fn config_merges_through_its_type() {
        let base =
            "format = 1\ncommit = \"auto\"\nstale_after_hours = 24\narchive_after_days = 30\n";
        let ours = base.replace("24", "48");
        let theirs = format!("{base}\n[[roles]]\nname = \"ops\"\n");
        let m = merge(FileKind::Config, base, &ours, &theirs).unwrap();
        assert!(m.text.contains("stale_after_hours = 48"), "{}", m.text);
        assert!(m.text.contains("name = \"ops\""), "{}", m.text);
    }

    fn decision_text(status: &str, extra: &str, body: &str) -> String {
        format!(
            "---\nformat: 1\nnumber: 1\ntitle: Use TOML\nstatus: {status}\ndate: 2026-01-15\n{extra}---\n\n{body}\n"
        )
    }

    #[test]
    fn decision_status_rules() {
        let base = decision_text("accepted", "tags:\n- a\n", "# 1. Use TOML");
        let superseded = decision_text(
            "superseded",
            "tags:\n- a\nsuperseded_by: 2\n",
            "# 1. Use TOML",
        );
        let deprecated = decision_text("deprecated", "tags:\n- a\n- b\n", "# 1. Use TOML");
        for (ours, theirs) in [(&superseded, &deprecated), (&deprecated, &superseded)] {
            let m = merge_decision(&base, ours, theirs).unwrap();
            assert_eq!(m.decision.status, DecisionStatus::Superseded);
            assert_eq!(m.decision.superseded_by, Some(2));
            assert_eq!(m.decision.tags, ["a", "b"], "other fields still merge");
            assert!(m.conflicts.is_empty());
        }
        let by_three = decision_text(
            "superseded",
            "tags:\n- a\nsuperseded_by: 3\n",
            "# 1. Use TOML",
        );
        let m = merge_decision(&base, &superseded, &by_three).unwrap();
        assert_eq!(m.decision.superseded_by, Some(2), "ours kept");
        assert_eq!(m.conflicts[0].key, "superseded_by");

        let proposed = decision_text("proposed", "", "# 1. Use TOML");
        let accepted = decision_text("accepted", "", "# 1. Use TOML");
        let rejected = decision_text("rejected", "", "# 1. Use TOML");
        let m = merge_decision(&proposed, &accepted, &rejected).unwrap();
        assert_eq!(m.decision.status, DecisionStatus::Accepted);
        assert_eq!(m.conflicts[0].key, "status");
        let text = m.text(m.trivial_body().unwrap());
        assert!(
            text.ends_with("\n\n> orc merge conflict on `status`: kept \"accepted\" (ours); the other side had \"rejected\" (theirs)\n"),
            "{text}"
        );
        assert_eq!(
            crate::format::decision_from_markdown(&text).unwrap().status,
            DecisionStatus::Accepted
        );
    }

    #[test]
    fn decision_bodies_changed_on_both_sides_need_a_line_merge() {
        let base = decision_text("accepted", "", "a\n\nb");
        let ours = decision_text("accepted", "", "A\n\nb");
        let theirs = decision_text("accepted", "", "a\n\nB");
        let m = merge_decision(&base, &ours, &theirs).unwrap();
        assert_eq!(m.trivial_body(), None);
        let m = merge_decision(&base, &ours, &base).unwrap();
        assert_eq!(m.trivial_body(), Some("A\n\nb\n"));
    }

    #[test]
    fn unparsable_or_newer_input_is_refused() {
        let good = task_to_toml(&base_task());
        let err = merge(FileKind::Task, &good, "title = \n", &good).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("our version does not parse: line 1"),
            "{err}"
        );
        let err = merge(FileKind::Task, &good, &good, "format = 9\n").unwrap_err();
        assert!(err.to_string().contains("newer"), "{err}");
        let err = merge(FileKind::Task, &good, &good, "format = 1\nid = \"x\"\n").unwrap_err();
        assert!(matches!(err, MergeError::Invalid { .. }), "{err}");
    }
}
