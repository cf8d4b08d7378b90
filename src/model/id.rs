//! Task identifiers: `<prefix>_<hex>`, e.g. `task_3f9c2a1b` or `implementer_08ba71c4`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Number of random hex digits in a newly generated id (32 bits).
pub const ID_HEX_LEN: usize = 8;

/// A task id. Lower-case ASCII letters, digits, `-` and `_`, at most 64 characters,
/// starting with a letter; safe to use as a file name on every platform.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaskId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid task id {0:?}: ids are lower-case letters, digits, '-' and '_', start with a letter and are at most 64 characters"
)]
pub struct IdError(pub String);

impl TaskId {
    /// Builds a new id from a prefix (a role name or `task`) and random bits.
    pub fn generate(prefix: &str, random: u32) -> Result<Self, IdError> {
        Self::parse(&format!("{prefix}_{random:0width$x}", width = ID_HEX_LEN))
    }

    pub fn parse(s: &str) -> Result<Self, IdError> {
        let valid = !s.is_empty()
            && s.len() <= 64
            && s.as_bytes()[0].is_ascii_lowercase()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The random part after the last `_` (the whole id when there is none).
    pub fn hex(&self) -> &str {
        self.0.rsplit_once('_').map_or(&self.0, |(_, hex)| hex)
    }

    /// The directory (one character) that holds the task's file: the first character of
    /// [`TaskId::hex`], or of the id when that part is empty. Random ids spread over 16
    /// directories, so that a commit rewrites a small tree instead of one with an entry
    /// per task.
    pub fn shard(&self) -> &str {
        let hex = self.hex();
        let from = if hex.is_empty() { &self.0 } else { hex };
        // Ids are ASCII (checked by `parse`): the first byte is a whole character.
        &from[..1]
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TaskId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}

impl From<TaskId> for String {
    fn from(id: TaskId) -> String {
        id.0
    }
}

impl AsRef<str> for TaskId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_have_prefix_and_eight_hex_digits() {
        let id = TaskId::generate("implementer", 0x08ba71c4).unwrap();
        assert_eq!(id.as_str(), "implementer_08ba71c4");
        assert_eq!(id.hex(), "08ba71c4");
        assert_eq!(
            TaskId::generate("task", 1).unwrap().as_str(),
            "task_00000001"
        );
    }

    #[test]
    fn shard_is_the_first_character_of_the_random_part() {
        let shard = |s: &str| TaskId::parse(s).unwrap().shard().to_owned();
        assert_eq!(shard("implementer_08ba71c4"), "0");
        assert_eq!(shard("task_f0000000"), "f");
        assert_eq!(shard("my-task"), "m");
        assert_eq!(shard("a_b_c9"), "c");
        assert_eq!(shard("ends_"), "e");
    }

    #[test]
    fn rejects_unsafe_ids() {
        for bad in ["", "../x", "Task_1", "a/b", "1abc", "a b", &"a".repeat(65)] {
            assert!(TaskId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
