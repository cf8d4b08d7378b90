//! `orc mcp`: start the MCP server (the server itself lives in `crate::mcp`).

use std::path::PathBuf;

use clap::Args;

use crate::error::Result;
use crate::mcp::ServerOptions;

#[derive(Debug, Args)]
pub struct McpArgs {
    /// Repository to serve (default: the current directory, or `-C`).
    ///
    /// The server starts even where there is no repository yet; tools then answer
    /// with an error that says what to do.
    #[arg(long, value_name = "PATH")]
    pub repo: Option<PathBuf>,

    /// Tools to offer: core or all (default: `[mcp] tools` in config.toml, else all).
    ///
    /// core: the Python MCP Task Orchestrator's twelve tools plus orchestrator_claim_next,
    /// for a smaller tool list in every agent turn; all: also orc's own tools (tasks,
    /// decisions, files, recovery, log, import).
    #[arg(long, value_name = "SET", value_parser = ["core", "all"])]
    pub tools: Option<String>,
}

/// Serves until the client closes stdin. Logs go to stderr; stdout is the protocol.
pub fn run(
    args: McpArgs,
    directory: Option<PathBuf>,
    agent: Option<String>,
    no_commit: bool,
    claims_remote: Option<String>,
    local_claims: bool,
) -> Result<()> {
    let cwd = std::env::current_dir().map_err(|e| crate::Error::io(".", e))?;
    let start = cwd.join(directory.unwrap_or_default());
    crate::mcp::run(ServerOptions {
        root: args.repo.map_or(start.clone(), |r| start.join(r)),
        agent,
        no_commit,
        claims_remote,
        local_claims,
        now: None,
        seed: None,
        tools: args
            .tools
            .map(|t| t.parse().expect("clap allows core and all only")),
    })
}
