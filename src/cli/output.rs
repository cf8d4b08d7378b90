//! Where command output goes, and the JSON envelope every `--json` answer uses.
//!
//! The text-or-JSON choice is made here and nowhere else: a command hands its report to
//! [`Output::emit`] with the words for people as a closure, and `--json` prints the report
//! under its envelope instead. Command files never look at the flag themselves (CI greps
//! for `out.json` outside this file).

use std::io::{self, Write};

use serde::Serialize;

use crate::service::Outcome;

/// Version of the JSON shapes printed with `--json`; bumped on incompatible changes.
pub const JSON_VERSION: u32 = 1;

pub struct Output {
    w: Box<dyn Write>,
    /// `--json`: every report is printed as JSON (see [`Output::emit`]).
    json: bool,
    /// Columns of the terminal stdout is on; `None` when it is not a terminal (a pipe or a
    /// file gets whole lines).
    width: Option<usize>,
    /// Exit code for a run that did not fail with an error (e.g. `check` finding problems).
    pub exit_code: i32,
    /// Notices already printed: each is said once per command.
    noticed: Vec<String>,
    /// Files the command could not read; JSON output carries them as `problems`.
    pub problems: Option<crate::service::Problems>,
    /// Styles reach the reader (see [`super::style`]); never with `--json`.
    pub styled: bool,
}

impl Output {
    pub fn new(w: Box<dyn Write>) -> Self {
        Output {
            w,
            json: false,
            width: None,
            exit_code: 0,
            noticed: Vec::new(),
            problems: None,
            styled: false,
        }
    }

    /// Output to the process's stdout: rows are fitted to the terminal when it is one,
    /// and styled when `color` (with `NO_COLOR`, `CLICOLOR_FORCE` and whether stdout is
    /// a terminal) says so; `--json` is never styled.
    pub fn stdout(color: super::style::ColorWhen, json: bool) -> Self {
        let stdout = io::stdout();
        let width = terminal_size::terminal_size_of(&stdout).map(|(w, _)| usize::from(w.0));
        let choice = if json {
            anstream::ColorChoice::Never
        } else {
            color.choice()
        };
        let stream = anstream::AutoStream::new(stdout.lock(), choice);
        let styled = stream.current_choice() != anstream::ColorChoice::Never;
        let mut out = Output::new(Box::new(stream));
        out.width = width.filter(|w| *w > 0);
        out.styled = styled;
        out
    }

    /// Prints a report: as `{"version": 1, "<key>": value}` (or, without a key, the
    /// value's own fields with `version` added) under `--json`, else as the text `text`
    /// writes for people.
    pub fn emit<T: Serialize>(
        &mut self,
        key: Option<&str>,
        value: &T,
        text: impl FnOnce(&mut Output),
    ) {
        self.emit_or_json(false, key, value, text);
    }

    /// Like [`Output::emit`], and JSON also when the command's own option asks for it
    /// (`orc recover --format json`).
    pub fn emit_or_json<T: Serialize>(
        &mut self,
        json: bool,
        key: Option<&str>,
        value: &T,
        text: impl FnOnce(&mut Output),
    ) {
        if self.json || json {
            self.json(key, value);
        } else {
            text(self);
        }
    }

    /// Prints a report under `--json` and nothing otherwise (`orc merge-driver`: git reads
    /// its stdout; what people should see goes to stderr).
    pub fn emit_json_only<T: Serialize>(&mut self, key: Option<&str>, value: &T) {
        self.emit(key, value, |_| {});
    }

    /// Makes every report JSON from here on (`--json`).
    pub fn set_json(&mut self, json: bool) {
        self.json = json;
    }

    /// Says on stderr, for people only, that some files could not be read and were left
    /// out; with `--json` the envelope carries them as `problems` instead.
    pub fn warn_unreadable(&mut self, problems: &[crate::service::UnreadableFile]) {
        if self.json || problems.is_empty() {
            return;
        }
        say!(
            "warning: {} under .orchestrator/ could not be read and {} left out (`orc check` lists every problem):",
            crate::render::count(problems.len(), "file"),
            crate::render::plural(problems.len(), "is", "are"),
        );
        for p in problems {
            if p.error.contains(&p.path) {
                say!("  {}", p.error);
            } else {
                say!("  {}: {}", p.path, p.error);
            }
        }
    }

    /// Columns of the terminal stdout is on, else `COLUMNS` from the environment.
    pub fn columns(&self) -> Option<usize> {
        self.width.or_else(|| {
            std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.trim().parse().ok())
                .filter(|w| *w > 0)
        })
    }

    /// Prints one row of a list: on a terminal, a row longer than its width is cut with
    /// `…` rather than wrapped under the next row's columns. JSON keeps the whole text.
    pub fn row(&mut self, s: impl AsRef<str>) {
        let s = s.as_ref();
        match self.width {
            Some(w) if s.chars().count() > w => {
                let cut: String = s.chars().take(w.saturating_sub(1)).collect();
                self.line(format!("{}…", cut.trim_end()));
            }
            _ => self.line(s),
        }
    }

    /// Prints one line of human output, its ids and status words styled when styles
    /// are on.
    pub fn line(&mut self, s: impl AsRef<str>) {
        if self.styled {
            let styled = super::style::highlight(s.as_ref());
            self.raw_line(&styled);
        } else {
            self.raw_line(s.as_ref());
        }
    }

    /// Prints a line as it is (already styled, or JSON).
    pub fn raw_line(&mut self, s: &str) {
        // A closed pipe (`orc task list | head`) is not an error worth reporting.
        let _ = writeln!(self.w, "{s}");
    }

    /// Prints `{"version": 1, "<key>": value}` or, for an object, its fields with
    /// `version` added.
    fn json<T: Serialize>(&mut self, key: Option<&str>, value: &T) {
        let problems = self.problems.as_ref().map(|p| {
            p.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .iter()
                .map(|(path, error)| serde_json::json!({ "path": path, "error": error }))
                .collect::<Vec<_>>()
        });
        let problems = problems.filter(|p| !p.is_empty());
        if let Some(key) = key {
            // Streamed into a buffer over stdout, without building a JSON tree first:
            // long lists (`task list --json`) are most of the command's time otherwise.
            let envelope = Keyed {
                key,
                value,
                problems: problems.as_deref().filter(|_| key != "problems"),
            };
            self.write_json(&envelope);
            return;
        }
        let value = serde_json::to_value(value).expect("output types serialise to JSON");
        let mut map = serde_json::Map::new();
        map.insert("version".into(), JSON_VERSION.into());
        match value {
            serde_json::Value::Object(fields) => map.extend(fields),
            v => {
                map.insert("value".into(), v);
            }
        }
        if let Some(problems) = problems {
            map.entry("problems").or_insert(problems.into());
        }
        self.write_json(&serde_json::Value::Object(map));
    }

    /// Writes one JSON document and a newline: indented for a person at a terminal, one
    /// compact line for programs (a tenth of the bytes for a long list).
    fn write_json<T: Serialize>(&mut self, value: &T) {
        let mut w = io::BufWriter::with_capacity(1 << 16, &mut self.w);
        let written = if self.width.is_some() {
            serde_json::to_writer_pretty(&mut w, value)
        } else {
            serde_json::to_writer(&mut w, value)
        };
        if let Err(e) = written {
            // A closed pipe (`orc task list --json | head -c 100`) is not worth reporting.
            assert!(e.is_io(), "output types serialise to JSON: {e}");
            return;
        }
        let _ = w.write_all(b"\n").and_then(|()| w.flush());
    }

    /// Tells the user on stderr when a change was written but not committed, and what
    /// they should know about a commit (once per command).
    pub fn commit_note<T>(&mut self, outcome: &Outcome<T>) {
        if let Some(reason) = &outcome.not_committed {
            say!("note: changes written but not committed: {reason}");
        }
        for notice in &outcome.notices {
            if !self.noticed.contains(notice) {
                say!("note: {notice}");
                self.noticed.push(notice.clone());
            }
        }
    }

    /// The raw output stream, for generated text (completions, man page).
    pub fn writer(&mut self) -> &mut dyn Write {
        &mut self.w
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// `{"version": 1, "<key>": value, "problems": [...]}`, serialised without an
/// intermediate `serde_json::Value`.
struct Keyed<'a, T> {
    key: &'a str,
    value: &'a T,
    problems: Option<&'a [serde_json::Value]>,
}

impl<T: Serialize> Serialize for Keyed<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("version", &JSON_VERSION)?;
        map.serialize_entry(self.key, self.value)?;
        if let Some(p) = self.problems {
            map.serialize_entry("problems", p)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer whose bytes the test reads back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn printed(json: bool) -> String {
        let buf = Shared::default();
        let mut out = Output::new(Box::new(buf.clone()));
        out.set_json(json);
        out.emit(Some("tasks"), &["a", "b"], |out| out.line("two tasks"));
        out.emit(None, &serde_json::json!({ "ok": true }), |out| {
            out.line("ok")
        });
        let bytes = buf.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn emit_prints_the_text_or_the_json_envelope_never_both() {
        assert_eq!(printed(false), "two tasks\nok\n");
        assert_eq!(
            printed(true),
            "{\"version\":1,\"tasks\":[\"a\",\"b\"]}\n{\"ok\":true,\"version\":1}\n"
        );
    }

    #[test]
    fn only_this_file_looks_at_the_json_flag() {
        let cli = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cli");
        let mut offenders = Vec::new();
        for entry in walkdir::WalkDir::new(&cli) {
            let entry = entry.unwrap();
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("output.rs") {
                continue;
            }
            let text = std::fs::read_to_string(path).unwrap();
            if text.contains("out.json") {
                offenders.push(path.display().to_string());
            }
        }
        assert!(
            offenders.is_empty(),
            "branch on --json through Output::emit: {offenders:?}"
        );
    }
}
