//! Plain data: tasks, statuses, priorities, ids and configuration.
//!
//! Pure: no file system, no clock, no git. Times and random bits come in as arguments.

mod claim;
mod config;
mod decision;
mod id;
mod manifest;
mod plan;
mod session;
mod status;
mod task;
pub mod time;

pub use claim::{Claim, Holder};
pub use config::{BUILTIN_ROLES, ClaimsConfig, CommitMode, Config, CustomRole};
pub use decision::{Decision, DecisionStatus, number_from_file_name, number_str, slug};
pub use id::{IdError, TaskId};
pub use manifest::{FileOp, FileOpKind, Manifest};
pub use plan::{DepRef, PlanProblem, PlanSpec, SubtaskSpec};
pub use session::{ActiveSessions, Session, SessionId, SessionIdError};
pub use status::{Priority, Status};
pub use task::{Artifact, NextAction, Note, Task, check_label};

/// The on-disk format version this build writes and the newest it can read.
pub const FORMAT_VERSION: u32 = 1;
