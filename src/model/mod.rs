//! Plain data: tasks, statuses, priorities, ids and configuration.
//!
//! Pure: no file system, no clock, no git. Times and random bits come in as arguments.

mod claim;
mod config;
mod decision;
mod id;
mod manifest;
mod message;
mod plan;
mod reservation;
mod session;
mod status;
mod task;
pub mod time;

pub use claim::{Claim, Holder, ref_component};
pub use config::{BUILTIN_ROLES, ClaimsConfig, CommitMode, Config, CustomRole, McpConfig, ToolSet};
pub use decision::{Decision, DecisionStatus, number_from_file_name, number_str, slug};
pub use id::{IdError, TaskId};
pub use manifest::{FileOp, FileOpKind, Manifest};
pub use message::{Ack, Message, RecipientKind};
pub use plan::{DepRef, PlanProblem, PlanSpec, SubtaskSpec};
pub use reservation::{
    Reservation, Reservations, normalize_pattern, pattern_matches, patterns_overlap,
};
pub use session::{ActiveSessions, Session, SessionId, SessionIdError};
pub use status::{Priority, Status};
pub use task::{Artifact, NextAction, Note, Task, check_label};

/// The on-disk format version this build writes and the newest it can read.
pub const FORMAT_VERSION: u32 = 1;
