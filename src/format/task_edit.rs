//! The text a person edits in `$EDITOR` for `orc task add|edit --editor`: a readable
//! template with a title, a description and (when editing) a new note, and its parser.
//!
//! Sections start with a line `==> Title`, `==> Description` or `==> New note`; lines
//! starting with `#` before the first section are help text and ignored. Inside a section
//! every line is kept as written, so a Markdown description may use `#` headings.

use super::FormatError;

/// What the person wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EditedTask {
    pub title: String,
    pub description: String,
    /// The text of a note to add; empty for none.
    pub note: String,
}

const TITLE: &str = "==> Title";
const DESCRIPTION: &str = "==> Description";
const NOTE: &str = "==> New note";

/// The buffer to edit. `notes` (already on the task) are shown as help text for context;
/// with `with_note` the buffer has a section for a new note.
pub fn task_edit_template(
    heading: &str,
    title: &str,
    description: &str,
    notes: &[String],
    with_note: bool,
) -> String {
    let mut out = format!(
        "# {heading}\n\
         # Write the title (one line) under \"{TITLE}\" and the description (Markdown) under\n\
         # \"{DESCRIPTION}\". Lines starting with '#' up here are ignored. Saving the buffer\n\
         # unchanged, or with an empty title, aborts without writing anything.\n"
    );
    if with_note {
        out.push_str(&format!(
            "# Text under \"{NOTE}\" is added to the task as a note.\n"
        ));
    }
    if !notes.is_empty() {
        out.push_str("#\n# Notes so far:\n");
        for n in notes {
            for (i, line) in n.lines().enumerate() {
                let lead = if i == 0 { "#   " } else { "#     " };
                out.push_str(lead);
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out.push_str(&format!("{TITLE}\n{title}\n{DESCRIPTION}\n"));
    if !description.is_empty() {
        out.push_str(description.trim_end());
        out.push('\n');
    }
    if with_note {
        out.push_str(&format!("{NOTE}\n"));
    }
    out
}

/// Reads an edited buffer. Errors name the 1-based line.
pub fn task_edit_from_text(text: &str) -> Result<EditedTask, FormatError> {
    let err = |line: usize, message: String| FormatError {
        line: Some(line),
        column: None,
        message,
    };
    let mut section: Option<&str> = None;
    let mut seen: Vec<&str> = Vec::new();
    let mut title: Vec<(usize, &str)> = Vec::new();
    let mut description: Vec<&str> = Vec::new();
    let mut note: Vec<&str> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let trimmed = line.trim_end();
        if let Some(name) = trimmed.strip_prefix("==> ") {
            let name = match trimmed {
                TITLE | DESCRIPTION | NOTE => trimmed,
                _ => {
                    return Err(err(
                        n,
                        format!(
                            "unknown section {name:?}; the sections are \"{TITLE}\", \"{DESCRIPTION}\" and \"{NOTE}\""
                        ),
                    ));
                }
            };
            if seen.contains(&name) {
                return Err(err(n, format!("\"{name}\" appears twice")));
            }
            seen.push(name);
            section = Some(name);
            continue;
        }
        match section {
            None if trimmed.is_empty() || trimmed.starts_with('#') => {}
            None => {
                return Err(err(
                    n,
                    format!("text before \"{TITLE}\"; help lines up here start with '#'"),
                ));
            }
            Some(TITLE) => {
                if !trimmed.is_empty() {
                    title.push((n, trimmed));
                }
            }
            Some(DESCRIPTION) => description.push(line),
            Some(_) => note.push(line),
        }
    }
    if !seen.contains(&TITLE) {
        return Err(err(
            text.lines().count().max(1),
            format!("no \"{TITLE}\" section"),
        ));
    }
    if let Some((n, _)) = title.get(1) {
        return Err(err(
            *n,
            "the title is one line; put the rest under \"==> Description\"".into(),
        ));
    }
    Ok(EditedTask {
        title: title
            .first()
            .map(|(_, t)| t.trim().to_owned())
            .unwrap_or_default(),
        description: description.join("\n").trim().to_owned(),
        note: note.join("\n").trim().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_reads_back_as_written() {
        let text = task_edit_template(
            "Editing task_1",
            "Parse input",
            "## Goal\n\nTokens, then a tree.",
            &["2026-01-01 alice: started".into()],
            true,
        );
        let parsed = task_edit_from_text(&text).unwrap();
        assert_eq!(parsed.title, "Parse input");
        assert_eq!(parsed.description, "## Goal\n\nTokens, then a tree.");
        assert_eq!(parsed.note, "");
        let edited = text.replace("==> New note\n", "==> New note\nLooks good.\n");
        assert_eq!(task_edit_from_text(&edited).unwrap().note, "Looks good.");
    }

    #[test]
    fn mistakes_are_reported_with_their_line() {
        let e = task_edit_from_text("stray\n==> Title\nx\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        let e = task_edit_from_text("==> Title\none\ntwo\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("one line"), "{e:?}");
        let e = task_edit_from_text("==> Title\nx\n==> Notes\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("unknown section"), "{e:?}");
        let e = task_edit_from_text("# only help\n").unwrap_err();
        assert!(e.message.contains("no \"==> Title\""), "{e:?}");
    }
}
