//! Specialist roles: built-in prompts from `templates/roles/`, per-repo overrides in
//! `.orchestrator/roles/<role>.md`, and custom roles from `config.toml`.

use serde::Serialize;

use super::{Orc, State};
use crate::error::{Error, Result};
use crate::model::BUILTIN_ROLES;

/// Directory of per-repository role prompts.
pub const ROLES_DIR: &str = ".orchestrator/roles";

/// The built-in role prompts, embedded in the binary.
const BUILTIN_PROMPTS: [(&str, &str); 7] = [
    (
        "architect",
        include_str!("../../templates/roles/architect.md"),
    ),
    (
        "implementer",
        include_str!("../../templates/roles/implementer.md"),
    ),
    ("tester", include_str!("../../templates/roles/tester.md")),
    (
        "documenter",
        include_str!("../../templates/roles/documenter.md"),
    ),
    (
        "reviewer",
        include_str!("../../templates/roles/reviewer.md"),
    ),
    (
        "researcher",
        include_str!("../../templates/roles/researcher.md"),
    ),
    (
        "debugger",
        include_str!("../../templates/roles/debugger.md"),
    ),
];

/// The orchestrator's own guidance, printed when a session starts.
pub const ORCHESTRATOR_GUIDE: &str = include_str!("../../templates/orchestrator.md");

/// Where a role's prompt comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoleSource {
    /// Embedded in orc.
    BuiltIn,
    /// A built-in role whose prompt the repository replaced in `.orchestrator/roles/`.
    Override,
    /// Defined under `[[roles]]` in config.toml.
    Custom,
}

impl RoleSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RoleSource::BuiltIn => "built-in",
            RoleSource::Override => "override",
            RoleSource::Custom => "custom",
        }
    }
}

/// A specialist role and its prompt.
#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub name: String,
    pub source: RoleSource,
    /// One line: what this specialist is for.
    pub description: String,
    /// The full prompt (Markdown) given to an agent working in this role.
    pub prompt: String,
    /// The file the prompt was read from, for overrides and custom roles that have one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// The first paragraph line of a Markdown prompt that is not a heading.
fn first_line(prompt: &str) -> String {
    prompt
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("")
        .to_owned()
}

fn builtin_prompt(name: &str) -> Option<&'static str> {
    BUILTIN_PROMPTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, p)| *p)
}

fn role_path(name: &str) -> String {
    format!("{ROLES_DIR}/{name}.md")
}

impl Orc {
    /// One role with its prompt, or an error naming the known roles.
    pub(super) fn role_in(&self, state: &State, name: &str) -> Result<Role> {
        let path = role_path(name);
        let file = if name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            self.store.read(&path)?
        } else {
            None
        };
        if let Some(builtin) = builtin_prompt(name) {
            let (source, prompt, path) = match file {
                Some(text) => (RoleSource::Override, text, Some(path)),
                None => (RoleSource::BuiltIn, builtin.to_owned(), None),
            };
            return Ok(Role {
                name: name.to_owned(),
                source,
                description: first_line(&prompt),
                prompt,
                path,
            });
        }
        let custom = state
            .config
            .roles
            .iter()
            .find(|r| r.name == name)
            .ok_or_else(|| {
                Error::invalid_with_hint(
                    format!(
                        "unknown role {name:?}; known roles: {}",
                        state.config.role_names().join(", ")
                    ),
                    "add custom roles under [[roles]] in .orchestrator/config.toml",
                )
            })?;
        let description = if custom.description.trim().is_empty() {
            file.as_deref().map(first_line).unwrap_or_default()
        } else {
            custom.description.trim().to_owned()
        };
        let (prompt, path) = match file {
            Some(text) => (text, Some(path)),
            None => (
                format!(
                    "# {}\n\n{}\n\nWork on the task below in this role. Keep to its scope, \
                     record what you did and why, and list every file you created or changed.\n",
                    custom.name,
                    if description.is_empty() {
                        "A specialist role defined by this repository."
                    } else {
                        &description
                    }
                ),
                None,
            ),
        };
        Ok(Role {
            name: custom.name.clone(),
            source: RoleSource::Custom,
            description,
            prompt,
            path,
        })
    }

    /// Every role: the built-in ones (or their overrides), then the custom ones.
    pub fn roles(&self) -> Result<Vec<Role>> {
        let state = self.state()?;
        self.roles_in(&state)
    }

    pub(super) fn roles_in(&self, state: &State) -> Result<Vec<Role>> {
        BUILTIN_ROLES
            .iter()
            .copied()
            .chain(state.config.roles.iter().map(|r| r.name.as_str()))
            .map(|name| self.role_in(state, name))
            .collect()
    }

    /// One role with its full prompt.
    pub fn role(&self, name: &str) -> Result<Role> {
        let state = self.state()?;
        self.role_in(&state, name.trim())
    }
}
