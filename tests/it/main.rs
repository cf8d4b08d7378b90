//! Integration tests: real git repositories in temp dirs, the real `orc` binary, and the
//! real `git` CLI as the judge. One test binary (faster to link), one module per area.

mod harness;

mod board;
mod browser;
mod claims;
mod clones;
mod codebase;
mod commit_model;
mod crash;
mod decisions;
mod docs;
mod example;
mod files;
mod fuzz_corpus;
mod graph;
mod history;
mod hooks;
mod hostile;
mod housekeeping;
mod import;
mod kill;
mod maintenance;
mod mcp;
mod mcp_load;
mod merge;
mod messages;
mod notices;
mod plan;
mod progress;
mod props;
mod recover;
mod reservations;
mod search;
mod seeds;
mod serve;
mod shapes;
mod signing;
mod soak;
mod sync;
mod tasks;
mod torture;
mod unreadable;
mod workflow;
