//! `orc`: a git-native task orchestrator for people and AI coding agents.
//!
//! Tasks, decisions and file-operation manifests live as TOML/Markdown files under
//! `.orchestrator/`; every change is one git commit. Layers, from the bottom:
//! [`model`] (plain data), [`format`] (file text), [`store`] (git and disk),
//! [`service`] (use cases), and on top [`cli`] (the command line) and [`mcp`] (the MCP
//! server).

pub mod cli;
pub mod error;
pub mod format;
pub mod mcp;
pub mod model;
pub mod render;
pub mod service;
pub mod store;

pub use error::{Error, Result};
