//! Text formats of the files under `.orchestrator/`: model values to file text and back.
//!
//! Pure: callers pass text in and get text out; errors carry the line and column so the
//! store can name the file. No file system access here.

pub mod merge;
mod toml_doc;
pub mod trailers;

pub use toml_doc::{FormatError, config_from_toml, config_to_toml, task_from_toml, task_to_toml};
