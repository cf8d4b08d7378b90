//! `orc init`: create `.orchestrator/` with its config and commit it.

use serde::Serialize;

use super::{CONFIG_PATH, Orc, Outcome};
use crate::error::Result;
use crate::format;
use crate::model::Config;
use crate::store::Applied;

const README_PATH: &str = ".orchestrator/README.md";
const README: &str = include_str!("../../templates/init/README.md");

#[derive(Debug, Clone, Serialize)]
pub struct InitReport {
    /// False when the repository was already initialised; nothing was changed then.
    pub created: bool,
    pub config: String,
}

impl Orc {
    /// Creates `.orchestrator/config.toml` (and a README for people browsing the
    /// repository). Running it again changes nothing.
    pub fn init(&self) -> Result<Outcome<InitReport>> {
        let _lock = self.store.lock()?;
        if self.store.read(CONFIG_PATH)?.is_some() {
            return Ok(Outcome::new(
                InitReport {
                    created: false,
                    config: CONFIG_PATH.into(),
                },
                Applied::Unchanged,
            ));
        }
        let mut change = self.change("initialise .orchestrator/".into(), "init", None);
        change.write(CONFIG_PATH, format::config_to_toml(&Config::default()));
        if self.store.read(README_PATH)?.is_none() {
            change.write(README_PATH, README);
        }
        let applied = self.store.apply(&change, !self.ctx.no_commit)?;
        Ok(Outcome::new(
            InitReport {
                created: true,
                config: CONFIG_PATH.into(),
            },
            applied,
        ))
    }
}
