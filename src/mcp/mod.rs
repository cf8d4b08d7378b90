//! `orc mcp`: a stdio Model Context Protocol server, drop-in for the Python MCP Task
//! Orchestrator. Thin adapters onto [`crate::service`]: each tool call reads the
//! repository afresh, calls one service function and renders its result as text plus
//! JSON.
//!
//! The only module with async code and tokio. It keeps no task state between calls, so
//! the CLI can run beside it in the same clone: the repository lock orders the writers.

mod import;
mod maintenance;
mod messages;
mod records;
mod reply;
mod status;
mod tasks;
mod text;
mod workflow;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ServerHandler, ServiceExt, tool_handler};

use crate::error::{Error, Result};
use crate::service::{Context, Orc};

pub use reply::Reply;

/// What the server tells the client on `initialize`; short, agents read it every session.
const INSTRUCTIONS: &str = "orc: git-native task orchestrator. Tasks live as files under \
.orchestrator/ in this git repository; every change a tool makes is one git commit. \
Start with orchestrator_initialize_session (after a lost context: orchestrator_recover_context); \
ids accept a unique prefix; file paths are relative to the repository root.";

thread_local! {
    /// The repository the last call on this thread used. gix handles cannot move between
    /// threads; with the current-thread runtime every call runs on one thread.
    static OPEN: std::cell::RefCell<Option<(PathBuf, Orc)>> = const { std::cell::RefCell::new(None) };
}

/// How the server finds its repository and who it acts as.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// A directory inside the repository to serve.
    pub root: PathBuf,
    /// Recorded as note author and assignee (`--agent` / `ORC_AGENT`).
    pub agent: Option<String>,
    /// Write files without committing (`--no-commit`).
    pub no_commit: bool,
    /// Claim through this remote (`--claims-remote`; else `ORC_CLAIMS_REMOTE`, config.toml).
    pub claims_remote: Option<String>,
    /// Claim in this clone only (`--local`; else `ORC_LOCAL_CLAIMS`).
    pub local_claims: bool,
}

/// The MCP server. Holds only how to open the repository; every call reads it afresh.
#[derive(Clone)]
pub struct OrcServer {
    options: ServerOptions,
    /// The repository served: `options.root` until `orchestrator_initialize_session`
    /// names another `working_directory` for this connection.
    root: Arc<Mutex<PathBuf>>,
    tool_router: ToolRouter<OrcServer>,
}

impl OrcServer {
    pub fn new(options: ServerOptions) -> Self {
        OrcServer {
            root: Arc::new(Mutex::new(options.root.clone())),
            options,
            tool_router: Self::task_tools()
                + Self::status_tools()
                + Self::workflow_tools()
                + Self::maintenance_tools()
                + Self::record_tools()
                + Self::import_tools()
                + Self::message_tools(),
        }
    }

    /// The directory the tools work in.
    fn root(&self) -> PathBuf {
        self.root
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Serves `root` from now on (`orchestrator_initialize_session`).
    fn set_root(&self, root: PathBuf) {
        *self
            .root
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = root;
    }

    /// Runs `f` on the repository with a context for this call (the current time).
    ///
    /// The git handle is kept between calls on the runtime's thread (opening costs
    /// about 0.1 ms, a third of a typical call). Refs, the index and `.orchestrator/`
    /// are re-read on every use; only git config (the commit identity) is as it was when
    /// the handle was opened. Opening is retried while it fails (e.g. the server was
    /// started before `git init`).
    fn with_orc<T>(&self, f: impl FnOnce(&Orc) -> Result<T>) -> Result<T> {
        self.with_orc_at(&self.root(), f)
    }

    /// [`OrcServer::with_orc`] on the repository containing `root`.
    fn with_orc_at<T>(&self, root: &Path, f: impl FnOnce(&Orc) -> Result<T>) -> Result<T> {
        let mut ctx = Context::from_env()?;
        ctx.no_commit = self.options.no_commit;
        if self.options.agent.is_some() {
            ctx.agent.clone_from(&self.options.agent);
        }
        if self.options.claims_remote.is_some() {
            ctx.claims_remote.clone_from(&self.options.claims_remote);
        }
        ctx.local_claims |= self.options.local_claims;
        OPEN.with_borrow_mut(|open| {
            let orc = match open {
                Some((open_root, orc)) if open_root == root => {
                    orc.set_context(ctx);
                    orc
                }
                _ => {
                    let orc = Orc::open(root, ctx)?;
                    for notice in orc.notices() {
                        eprintln!("orc mcp: {notice}");
                    }
                    &mut open.insert((root.to_path_buf(), orc)).1
                }
            };
            f(orc)
        })
    }

    /// Runs one tool call against the repository; service errors become tool errors.
    /// Files the call could not read are added to its reply (`problems`).
    fn call(&self, f: impl FnOnce(&Orc) -> Result<Reply>) -> rmcp::model::CallToolResult {
        let result = self.with_orc(|orc| {
            orc.take_problems();
            let reply = f(orc);
            Ok(reply.map(|r| r.with_problems(orc.take_problems())))
        });
        match result.and_then(|r| r) {
            Ok(reply) => reply.into_result(),
            Err(e) => reply::failure(&e),
        }
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for OrcServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("orc", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }
}

/// Serves MCP on `transport` until the client disconnects.
pub async fn serve<T, E, A>(server: OrcServer, transport: T) -> std::io::Result<()>
where
    T: rmcp::transport::IntoTransport<rmcp::RoleServer, E, A>,
    E: std::error::Error + Send + Sync + 'static,
{
    let running = match server.serve(transport).await {
        Ok(running) => running,
        // The client went away before initializing: nothing to serve, not a failure.
        Err(rmcp::service::ServerInitializeError::ConnectionClosed(_)) => return Ok(()),
        Err(e) => return Err(std::io::Error::other(e)),
    };
    running.waiting().await.map_err(std::io::Error::other)?;
    Ok(())
}

/// Blocks of this size and more go back to the system when freed (glibc keeps them by
/// default, raising the threshold to the largest block freed so far): each git object a
/// commit writes allocates a ~370 KiB zlib compressor, which a long-running server would
/// otherwise keep for good.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks() {
    // SAFETY: mallopt only sets an allocator parameter; called before any other thread
    // of this process exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks() {}

/// `orc mcp`: serves on stdin/stdout until EOF. The tokio runtime lives only here.
pub fn run(options: ServerOptions) -> Result<()> {
    return_large_blocks();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("tokio runtime", e))?;
    eprintln!(
        "orc mcp {}: serving {} on stdio",
        env!("CARGO_PKG_VERSION"),
        options.root.display()
    );
    let server = OrcServer::new(options);
    // Non-blocking pipes when stdin/stdout are pipes (how MCP clients start servers),
    // else tokio's blocking stdio; created inside the runtime, as it requires.
    runtime
        .block_on(async { serve(server, rmcp::transport::stdio_pipes()).await })
        .map_err(|e| Error::io("stdio", e))
}
