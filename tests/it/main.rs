//! Integration tests: real git repositories in temp dirs, the real `orc` binary, and the
//! real `git` CLI as the judge. One test binary (faster to link), one module per area.

mod harness;

mod commit_model;
mod mcp;
mod tasks;
