//! `.orchestrator/imports/<source>.toml`: which orc task each imported record became.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::super::toml_doc::{FormatError, from_toml};
use crate::model::{FORMAT_VERSION, TaskId};

/// The import map of one source: source id → orc task and the record's digest when it
/// was last imported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportMap {
    #[serde(default = "format_version")]
    pub format: u32,
    /// `beads`, `backlog`, `taskmaster` or `task-orchestrator`.
    pub source: String,
    #[serde(default)]
    pub tasks: BTreeMap<String, MapEntry>,
}

fn format_version() -> u32 {
    FORMAT_VERSION
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapEntry {
    pub task: TaskId,
    pub digest: String,
}

pub fn import_map_from_toml(text: &str) -> Result<ImportMap, FormatError> {
    from_toml(text)
}

pub fn import_map_to_toml(map: &ImportMap) -> String {
    let mut map = map.clone();
    map.format = FORMAT_VERSION;
    toml::to_string(&map).expect("import maps serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_one_table_per_record() {
        let mut map = ImportMap {
            format: FORMAT_VERSION,
            source: "beads".into(),
            tasks: BTreeMap::new(),
        };
        map.tasks.insert(
            "bd-a1b2".into(),
            MapEntry {
                task: TaskId::parse("task_3f9c2a1b").unwrap(),
                digest: "0011223344556677".into(),
            },
        );
        let text = import_map_to_toml(&map);
        assert!(
            text.contains("[tasks.bd-a1b2]\ntask = \"task_3f9c2a1b\""),
            "{text}"
        );
        assert_eq!(import_map_from_toml(&text).unwrap(), map);
        let err = import_map_from_toml("format = 1\nsource = \"beads\"\n[tasks.x]\ntask = 5\n")
            .unwrap_err();
        assert_eq!(err.line, Some(4), "{err}");
    }
}
