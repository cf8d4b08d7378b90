//! Running the user's editor on a file, as git does: `$VISUAL`, then `$EDITOR`, then `vi`,
//! through the shell so the setting may carry arguments.

use std::path::Path;

use crate::error::{Error, Result};

/// Opens `path` in the editor and returns what was saved. On failure the file is left
/// where it is, so nothing the user typed is lost.
pub(super) fn edit_file(path: &Path) -> Result<String> {
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|e| !e.trim().is_empty())
        })
        .unwrap_or_else(|| "vi".to_owned());
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(&editor)
        .arg(path)
        .status()
        .map_err(|e| {
            Error::invalid_with_hint(
                format!("could not start the editor {editor:?}: {e}"),
                "set $EDITOR, or pass the text as options",
            )
        })?;
    if !status.success() {
        return Err(Error::invalid_with_hint(
            format!("the editor {editor:?} exited with {status}; nothing was recorded"),
            format!("your text is kept in {}", path.display()),
        ));
    }
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}
