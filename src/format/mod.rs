//! Text formats of the files under `.orchestrator/`: model values to file text and back.
//!
//! Pure: callers pass text in and get text out; errors carry the line and column so the
//! store can name the file. No file system access here.

mod decision;
pub mod import;
mod manifest;
pub mod merge;
mod plan;
mod task_edit;
mod toml_doc;
pub mod trailers;

pub use decision::{
    decision_draft_from_markdown, decision_from_markdown, decision_to_markdown, lf_endings,
    split_front_matter,
};
pub use manifest::{manifest_from_toml, manifest_to_toml};
pub use plan::{PlanSyntax, plan_from_text, subtasks_from_json};
pub use task_edit::{EditedTask, task_edit_from_text, task_edit_template};
pub use toml_doc::{
    FormatError, claim_from_toml, claim_to_toml, config_from_toml, config_to_toml, task_from_toml,
    task_to_toml,
};
pub use toml_doc::{
    ack_from_toml, ack_to_toml, message_from_toml, message_to_toml, reservations_from_toml,
    reservations_to_toml,
};
pub use toml_doc::{
    active_sessions_from_toml, active_sessions_to_toml, session_from_toml, session_to_toml,
};
