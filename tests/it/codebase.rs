//! Rules about the code itself that keep it a place one can find one's way in
//! (docs/architecture.md): checked on the source text, so they fail in `cargo test` the
//! moment they are broken rather than in a later review.

use std::path::{Path, PathBuf};

/// A function longer than this many lines, counted from `fn` to its closing brace, needs
/// a `// Long on purpose: <why>` comment above it.
const MAX_FN_LINES: usize = 80;

/// What marks a function as long on purpose, with the reason after it.
const LONG_ON_PURPOSE: &str = "Long on purpose:";

#[test]
fn no_function_in_src_is_longer_than_80_lines_without_saying_why() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut long = Vec::new();
    for path in rust_files(&root) {
        let text = std::fs::read_to_string(&path).unwrap();
        for f in functions(&text) {
            if f.lines > MAX_FN_LINES && !f.explained {
                let shown = path.strip_prefix(&root).unwrap().display().to_string();
                long.push(format!(
                    "src/{shown}:{} {} ({} lines)",
                    f.line, f.name, f.lines
                ));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines: split them at their phases, or say why they must \
         stay whole in a `// {LONG_ON_PURPOSE} …` comment above them:\n  {}",
        long.join("\n  ")
    );
}

#[test]
fn the_function_scanner_measures_bodies_and_skips_braces_in_strings_and_comments() {
    let src = r##"
/// Doc.
pub(crate) fn short(a: &str) -> String {
    let s = "{ not a brace }";
    let c = '{';
    let r = r#"}"#; // }
    /* { */
    format!("{a}{s}{c}{r}")
}

// Long on purpose: a table.
#[inline]
fn table<'a>(x: &'a str) -> &'a str {
    x
}

trait T {
    fn declared(&self);
}
"##;
    let found = functions(src);
    let summary: Vec<_> = found
        .iter()
        .map(|f| (f.name.as_str(), f.line, f.lines, f.explained))
        .collect();
    assert_eq!(
        summary,
        [("short", 3, 7, false), ("table", 13, 3, true)],
        "{found:#?}"
    );
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// One function found in a source file.
#[derive(Debug)]
struct Function {
    name: String,
    /// 1-based line of its `fn`.
    line: usize,
    /// Lines from `fn` to the closing brace, both included.
    lines: usize,
    /// A `// Long on purpose:` comment stands among the comments and attributes above it.
    explained: bool,
}

/// Every function with a body in `src`, nested ones included.
fn functions(src: &str) -> Vec<Function> {
    let code = blank_out_strings_and_comments(src);
    let lines: Vec<&str> = src.lines().collect();
    let code_lines: Vec<&str> = code.lines().collect();
    let mut found = Vec::new();
    for (i, line) in code_lines.iter().enumerate() {
        let Some(name) = fn_name(line) else { continue };
        if let Some(end) = body_end(&code_lines[i..]) {
            found.push(Function {
                name,
                line: i + 1,
                lines: end + 1,
                explained: explained(&lines[..i]),
            });
        }
    }
    found
}

/// The name declared by a line that starts a function item, if it does.
fn fn_name(line: &str) -> Option<String> {
    let mut rest = line.trim_start();
    for prefix in ["pub(crate) ", "pub(super) ", "pub(in crate) ", "pub "] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r;
            break;
        }
    }
    for qualifier in ["const ", "async ", "unsafe ", "extern \"C\" "] {
        rest = rest.strip_prefix(qualifier).unwrap_or(rest);
    }
    let rest = rest.strip_prefix("fn ")?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// How many lines after the first the body that starts on `lines[0]` ends, or `None`
/// for a declaration without a body.
fn body_end(lines: &[&str]) -> Option<usize> {
    let mut depth = 0usize;
    let mut opened = false;
    for (n, line) in lines.iter().enumerate() {
        for c in line.chars() {
            match c {
                ';' if !opened => return None,
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' if opened => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(n);
                    }
                }
                _ => {}
            }
        }
    }
    None
}

/// Whether the doc comments, comments and attributes right above a function say why it
/// is long.
fn explained(above: &[&str]) -> bool {
    above
        .iter()
        .rev()
        .map(|l| l.trim_start())
        .take_while(|l| l.starts_with("//") || l.starts_with("#["))
        .any(|l| l.contains(LONG_ON_PURPOSE))
}

/// `src` with the contents of string and char literals and of comments replaced by
/// spaces (newlines kept), so that only the code's own braces and semicolons are left.
fn blank_out_strings_and_comments(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && matches!(next, Some('"') | Some('#')) && !ident_before(&chars, i) {
            // A raw string: r"…", r#"…"#, …
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            out.push('"');
            i += 2 + hashes;
            while i < chars.len() && !chars[i..].starts_with(&close) {
                out.push(blank(chars[i]));
                i += 1;
            }
            out.push('"');
            i += close.len();
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push('"');
            i += 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{7f}') rather than a lifetime ('a).
            let len = match next {
                Some('\\') => chars[i + 2..]
                    .iter()
                    .position(|&q| q == '\'')
                    .map(|p| p + 3),
                Some(_) if chars.get(i + 2) == Some(&'\'') => Some(3),
                _ => None,
            };
            match len {
                Some(len) => {
                    out.push_str("' '");
                    out.extend(std::iter::repeat_n(' ', len - 3));
                    i += len;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether the character before `i` continues an identifier (so `r` at `i` is not the
/// start of a raw string, as in `for"` or `br"`).
fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}
