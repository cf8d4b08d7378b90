//! Repository settings from `.orchestrator/config.toml`.

use serde::{Deserialize, Serialize};

/// The specialist roles every repository has.
pub const BUILTIN_ROLES: [&str; 7] = [
    "architect",
    "implementer",
    "tester",
    "documenter",
    "reviewer",
    "researcher",
    "debugger",
];

/// Whether orc commits its changes itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitMode {
    /// Every mutation is one commit.
    #[default]
    Auto,
    /// orc writes files and leaves committing to the user.
    Off,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_format")]
    pub format: u32,
    #[serde(default)]
    pub commit: CommitMode,
    /// An in-progress task untouched for longer than this is reported as stale.
    #[serde(default = "default_stale_hours")]
    pub stale_after_hours: u64,
    /// `orc maintenance archive` moves completed task trees older than this.
    #[serde(default = "default_archive_days")]
    pub archive_after_days: u64,
    /// Where claims are published and how long they last (`[claims]`).
    #[serde(default, skip_serializing_if = "ClaimsConfig::is_default")]
    pub claims: ClaimsConfig,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<CustomRole>,
    /// How `orc mcp` serves this repository (`[mcp]`).
    #[serde(default, skip_serializing_if = "McpConfig::is_default")]
    pub mcp: McpConfig,
}

/// Which tools `orc mcp` offers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolSet {
    /// The Python MCP Task Orchestrator's twelve tools plus `orchestrator_claim_next`.
    Core,
    /// Every tool.
    #[default]
    All,
}

impl std::str::FromStr for ToolSet {
    type Err = String;
    fn from_str(s: &str) -> Result<ToolSet, String> {
        match s {
            "core" => Ok(ToolSet::Core),
            "all" => Ok(ToolSet::All),
            other => Err(format!("unknown tool set {other:?}: use core or all")),
        }
    }
}

/// The `[mcp]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpConfig {
    /// The tools `orc mcp` offers unless `--tools` says otherwise.
    #[serde(default)]
    pub tools: ToolSet,
}

impl McpConfig {
    pub fn is_default(&self) -> bool {
        *self == McpConfig::default()
    }
}

/// The `[claims]` table: how agents on other clones learn who works on what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimsConfig {
    /// A git remote every claim is published to (compare-and-swap on the server), so
    /// clones of it see each other's claims. Unset: claims hold across the worktrees of
    /// this clone only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    /// How long a claim lasts without a renewal; any orc command by the holder on the
    /// task renews it.
    #[serde(default = "default_lease_hours")]
    pub lease_hours: u64,
}

fn default_lease_hours() -> u64 {
    4
}

impl Default for ClaimsConfig {
    fn default() -> Self {
        ClaimsConfig {
            remote: None,
            lease_hours: default_lease_hours(),
        }
    }
}

impl ClaimsConfig {
    pub fn is_default(&self) -> bool {
        *self == ClaimsConfig::default()
    }
}

/// A role defined by the repository in addition to the built-in ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomRole {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

fn default_format() -> u32 {
    super::FORMAT_VERSION
}
fn default_stale_hours() -> u64 {
    24
}
fn default_archive_days() -> u64 {
    30
}

impl Default for Config {
    fn default() -> Self {
        Config {
            format: default_format(),
            commit: CommitMode::default(),
            stale_after_hours: default_stale_hours(),
            archive_after_days: default_archive_days(),
            claims: ClaimsConfig::default(),
            roles: Vec::new(),
            mcp: McpConfig::default(),
        }
    }
}

impl Config {
    /// Built-in roles followed by the repository's custom roles.
    pub fn role_names(&self) -> Vec<&str> {
        BUILTIN_ROLES
            .iter()
            .copied()
            .chain(self.roles.iter().map(|r| r.name.as_str()))
            .collect()
    }

    pub fn has_role(&self, name: &str) -> bool {
        self.role_names().contains(&name)
    }
}
