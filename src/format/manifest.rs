//! File-operation manifests as TOML: `format`, `task`, then `[[operations]]`.

use super::FormatError;
use super::toml_doc::{from_toml, to_toml};
use crate::model::Manifest;

/// Parses a manifest file. Unknown keys are ignored.
pub fn manifest_from_toml(text: &str) -> Result<Manifest, FormatError> {
    from_toml(text)
}

/// The canonical text of a manifest: operations in recorded order.
pub fn manifest_to_toml(manifest: &Manifest) -> String {
    to_toml(manifest, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileOp, FileOpKind, TaskId};

    #[test]
    fn round_trips() {
        let task = TaskId::parse("task_00000001").unwrap();
        let mut m = Manifest::new(task.clone());
        m.operations.push(FileOp {
            path: "src/a.rs".into(),
            op: FileOpKind::Rename,
            from: Some("src/b.rs".into()),
            sha256: Some("ab".repeat(32)),
            size: Some(3),
            at: "2026-01-15T10:00:00Z".parse().unwrap(),
            task,
            session: None,
            agent: None,
        });
        let text = manifest_to_toml(&m);
        assert!(
            text.starts_with("format = 1\ntask = \"task_00000001\"\n\n[[operations]]\npath = \"src/a.rs\"\nop = \"rename\"\nfrom = \"src/b.rs\"\n"),
            "{text}"
        );
        assert_eq!(manifest_from_toml(&text).unwrap(), m);
        let err = manifest_from_toml(
            "format = 1\ntask = \"task_00000001\"\n[[operations]]\npath = \"x\"\nop = \"copy\"\n",
        )
        .unwrap_err();
        assert_eq!(err.line, Some(5), "{err}");
    }
}
