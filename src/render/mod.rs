//! Reports as text, defined once for both faces.
//!
//! Pure functions from service values to text: no I/O, no printing, no git. Each face
//! prints what they return (the CLI through `cli::output`, the MCP server in its replies)
//! and names its own commands or tools through [`crate::service::Words`]. Where the faces
//! deliberately differ — the CLI pads columns for people at a terminal, MCP is compact for
//! a model and leaves empty fields out — a function takes a [`Style`].
//!
//! The plural helpers ([`count`], [`plural`]) depend on nothing and serve every layer that
//! words something, commit messages of the service layer included.

pub mod brief;
pub mod mail;
pub mod recover;
pub mod report;
pub mod session;

pub use brief::brief;
pub use recover::briefing;
pub use report::{Style, log_line, message_line, note, plan, status_counts};
pub use session::session;

/// `1 task`, `2 tasks`: a count and its noun, plural by adding `s`.
pub fn count(n: usize, noun: &str) -> String {
    format!("{n} {}", plural(n, noun, &format!("{noun}s")))
}

/// `1 dependency`, `2 dependencies`: a count and its noun, with an irregular plural.
pub fn count_as(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", plural(n, one, many))
}

/// A commit id or content hash as orc shows it in text: its first 12 hex digits.
pub fn short_id(hex: &str) -> &str {
    &hex[..12.min(hex.len())]
}

/// The singular or plural of a word for `n` things (`is`/`are`, `task`/`tasks`).
pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_say_one_thing_in_the_singular() {
        assert_eq!(count(0, "task"), "0 tasks");
        assert_eq!(count(1, "task"), "1 task");
        assert_eq!(count(2, "task"), "2 tasks");
        assert_eq!(count_as(1, "dependency", "dependencies"), "1 dependency");
        assert_eq!(count_as(3, "dependency", "dependencies"), "3 dependencies");
        assert_eq!(plural(1, "is", "are"), "is");
        assert_eq!(plural(0, "is", "are"), "are");
    }
}
