//! Task status machine and priorities.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a task is in its life. `archived` is not a status: archiving moves the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    InProgress,
    Blocked,
    NeedsRevision,
    Completed,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Pending,
        Status::InProgress,
        Status::Blocked,
        Status::NeedsRevision,
        Status::Completed,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::InProgress => "in_progress",
            Status::Blocked => "blocked",
            Status::NeedsRevision => "needs_revision",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
        }
    }

    /// The statuses a task in this status may move to.
    pub fn next(self) -> &'static [Status] {
        use Status::*;
        match self {
            Pending => &[InProgress, Blocked, Cancelled],
            InProgress => &[Completed, Blocked, NeedsRevision, Pending, Cancelled],
            Blocked => &[Pending, InProgress, Cancelled],
            NeedsRevision => &[InProgress, Pending, Blocked, Cancelled],
            Completed => &[NeedsRevision, Pending],
            Cancelled => &[Pending],
        }
    }

    pub fn can_move_to(self, to: Status) -> bool {
        self.next().contains(&to)
    }

    /// Open work: not completed and not cancelled.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Completed | Status::Cancelled)
    }

    /// How far along the life of a task this status is; used to pick a winner when two
    /// branches moved the same task to different statuses.
    pub fn progress_rank(self) -> u8 {
        match self {
            Status::Pending => 0,
            Status::Blocked => 1,
            Status::InProgress => 2,
            Status::NeedsRevision => 3,
            Status::Completed => 4,
            Status::Cancelled => 5,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == norm || (norm == "done" && *st == Status::Completed))
            .ok_or_else(|| {
                format!(
                    "unknown status {s:?}; expected one of: {}",
                    Status::ALL.map(Status::as_str).join(", ")
                )
            })
    }
}

/// Task priority. Lower rank means more urgent; `ready` lists lower ranks first.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Critical,
    High,
    #[default]
    Medium,
    Low,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Critical,
        Priority::High,
        Priority::Medium,
        Priority::Low,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Critical => "critical",
            Priority::High => "high",
            Priority::Medium => "medium",
            Priority::Low => "low",
        }
    }

    /// 0 (critical) to 3 (low).
    pub fn rank(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Priority {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let norm = s.trim().to_ascii_lowercase();
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str() == norm || p.rank().to_string() == norm)
            .ok_or_else(|| {
                format!("unknown priority {s:?}; expected critical, high, medium, low or 0-3")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_machine() {
        assert!(Status::Pending.can_move_to(Status::InProgress));
        assert!(!Status::Pending.can_move_to(Status::Completed));
        assert!(Status::Completed.can_move_to(Status::Pending));
        assert!(!Status::Cancelled.can_move_to(Status::Completed));
        for s in Status::ALL {
            assert!(!s.can_move_to(s), "{s} may not move to itself");
        }
    }

    #[test]
    fn parses_names_and_numbers() {
        assert_eq!("in-progress".parse::<Status>().unwrap(), Status::InProgress);
        assert_eq!("done".parse::<Status>().unwrap(), Status::Completed);
        assert!(
            "finished"
                .parse::<Status>()
                .unwrap_err()
                .contains("pending")
        );
        assert_eq!("0".parse::<Priority>().unwrap(), Priority::Critical);
        assert_eq!("High".parse::<Priority>().unwrap(), Priority::High);
        assert!("4".parse::<Priority>().is_err());
    }
}
