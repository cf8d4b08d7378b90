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
mod params;
mod prompts;
mod records;
mod registry;
mod reply;
mod restart;
mod status;
mod tasks;
mod text;
mod transport;
mod words;
mod workflow;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CustomRequest, CustomResult, ErrorData,
    GetPromptRequestParams, GetPromptResponse, Implementation, ListPromptsResult,
    ListResourcesResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler, ServiceExt, tool_handler};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::service::{Context, Orc};

pub use registry::ToolSet;
pub use reply::Reply;

/// What the server tells the client on `initialize`; short, agents read it every session.
const INSTRUCTIONS: &str = "orc: git-native task orchestrator. Tasks live as files under \
.orchestrator/ in this git repository; every change a tool makes is one git commit. \
Start with orchestrator_initialize_session (after a lost context: orchestrator_recover_context); \
ids accept a unique prefix; relative file paths start from the server's working directory.";

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
    /// The time every call believes it is; `None`: the clock (or `ORC_NOW`).
    pub now: Option<jiff::Timestamp>,
    /// The seed of new ids; `None`: `ORC_SEED`, else at random.
    pub seed: Option<String>,
    /// The tools offered (`--tools`); `None`: `[mcp] tools` in config.toml, else all.
    pub tools: Option<ToolSet>,
}

/// The MCP server. Holds only how to open the repository; every call reads it afresh.
#[derive(Clone)]
pub struct OrcServer {
    options: ServerOptions,
    /// The repository served: `options.root` until `orchestrator_initialize_session`
    /// names another `working_directory` for this connection.
    root: Arc<Mutex<PathBuf>>,
    /// Restart requests of this process (`orchestrator_restart_server`), for
    /// `orchestrator_restart_status`.
    restarts: Arc<Mutex<Vec<Value>>>,
    tool_router: ToolRouter<OrcServer>,
}

impl OrcServer {
    pub fn new(options: ServerOptions) -> Self {
        let mut tool_router = Self::task_tools()
            + Self::status_tools()
            + Self::workflow_tools()
            + Self::maintenance_tools()
            + Self::record_tools()
            + Self::import_tools()
            + Self::restart_tools()
            + Self::message_tools();
        let set = options
            .tools
            .unwrap_or_else(|| configured_tools(&options.root));
        tool_router
            .map
            .retain(|name, _| registry::offered(name, set));
        for route in tool_router.map.values_mut() {
            let tool = &mut route.attr;
            let mut input = Value::Object((*tool.input_schema).clone());
            registry::portable(&mut input);
            if let Value::Object(input) = input {
                tool.input_schema = Arc::new(input);
            }
            tool.output_schema = Some(Arc::new(registry::output_schema(&tool.name)));
        }
        OrcServer {
            root: Arc::new(Mutex::new(options.root.clone())),
            options,
            restarts: Arc::new(Mutex::new(Vec::new())),
            tool_router,
        }
    }

    /// Closes the repository handle kept between calls; the next call opens it afresh
    /// (and so re-reads git config).
    fn forget_repository(&self) {
        OPEN.with_borrow_mut(|open| *open = None);
    }

    /// Whether this server offers the tool `name`.
    fn offers(&self, name: &str) -> bool {
        self.tool_router.has_route(name)
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
        ctx.words = &words::MCP;
        if self.options.agent.is_some() {
            ctx.agent.clone_from(&self.options.agent);
        }
        if self.options.claims_remote.is_some() {
            ctx.claims_remote.clone_from(&self.options.claims_remote);
        }
        ctx.local_claims |= self.options.local_claims;
        if let Some(now) = self.options.now {
            ctx.now = now;
        }
        if self.options.seed.is_some() {
            ctx.seed.clone_from(&self.options.seed);
        }
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

/// The tool set `.orchestrator/config.toml` names (`[mcp] tools`); all when there is no
/// repository, no orc or no setting yet.
fn configured_tools(root: &Path) -> ToolSet {
    Context::from_env()
        .and_then(|ctx| Orc::open(root, ctx))
        .and_then(|orc| crate::service::State::load_config(orc.store()))
        .map_or(ToolSet::All, |config| config.mcp.tools)
}

/// MCP methods whose requests the SDK turns into custom requests when their params do
/// not parse: answered with -32602 (invalid params), not -32601 (method not found).
const KNOWN_METHODS: &[&str] = &[
    "initialize",
    "ping",
    "tools/call",
    "tools/list",
    "prompts/get",
    "prompts/list",
    "resources/read",
    "resources/list",
    "resources/templates/list",
    "completion/complete",
    "logging/setLevel",
];

#[tool_handler(router = self.tool_router)]
impl ServerHandler for OrcServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_prompts()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("orc", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    /// Calls a tool; an unknown tool's error names it (and says when it is only in the
    /// `all` tool set).
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> std::result::Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        if !self.offers(&name) {
            let message = if registry::spec(&name).is_some() {
                format!(
                    "tool {name:?} is in the full tool set, not in the core set this server offers (tools = \"all\" under [mcp] in .orchestrator/config.toml, then restart the server)"
                )
            } else {
                format!("unknown tool {name:?}: tools/list names the tools this server offers")
            };
            return Err(ErrorData::invalid_params(
                message,
                Some(serde_json::json!({ "tool": name })),
            ));
        }
        let tcc = ToolCallContext::new(self, request, context);
        self.tool_router.call(tcc).await
    }

    /// One prompt per specialist role.
    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(self.role_prompts()))
    }

    /// A role's prompt, with `task_id` the task's brief in that role.
    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<GetPromptResponse, ErrorData> {
        self.role_prompt(&request.name, request.arguments.as_ref())
            .map(Into::into)
    }

    /// The recovery briefing.
    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(Self::resource_list()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ReadResourceResponse, ErrorData> {
        self.resource(&request.uri).map(Into::into)
    }

    /// Requests the SDK could not read: a known method with malformed params is -32602
    /// with what is wrong, a message the transport could not read (see
    /// [`transport::INVALID`]) the error it prepared; anything else is an unknown method.
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<CustomResult, ErrorData> {
        let CustomRequest { method, params, .. } = request;
        if method == transport::INVALID {
            return Err(transport::prepared_error(params));
        }
        if KNOWN_METHODS.contains(&method.as_str()) {
            let why = match method.as_str() {
                "tools/call" => {
                    match serde_json::from_value::<CallToolRequestParams>(
                        params.clone().unwrap_or(Value::Null),
                    ) {
                        Err(e) => e.to_string(),
                        Ok(_) => "params do not match the method".to_owned(),
                    }
                }
                _ => "params do not match the method".to_owned(),
            };
            return Err(ErrorData::invalid_params(
                format!("invalid params for {method}: {why}"),
                None,
            ));
        }
        Err(ErrorData::new(
            rmcp::model::ErrorCode::METHOD_NOT_FOUND,
            format!("unknown method {method:?}"),
            None,
        ))
    }
}

/// Serves MCP on newline-delimited JSON-RPC read from `read` and written to `write`
/// until the client disconnects.
pub async fn serve<R, W>(server: OrcServer, read: R, write: W) -> std::io::Result<()>
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
    W: tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let transport = transport::LineTransport::new(read, write);
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
        .block_on(async {
            let (read, write) = rmcp::transport::stdio_pipes();
            serve(server, read, write).await
        })
        .map_err(|e| Error::io("stdio", e))
}
