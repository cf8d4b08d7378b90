//! `orc init`: create `.orchestrator/` with its config and commit it.

use serde::Serialize;

use super::hooks::{GITATTRIBUTES, register_driver, with_attribute_line};
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
    /// True when this run registered orc's merge driver in the repository's git config
    /// (a fresh clone needs that once; git never clones config).
    pub merge_driver_registered: bool,
}

impl Orc {
    /// Creates `.orchestrator/config.toml` (and a README for people browsing the
    /// repository), routes `.orchestrator/` TOML files to orc's merge driver in
    /// `.gitattributes`, and registers the driver in git config. Running it again only
    /// registers the driver when this clone lacks it.
    pub fn init(&self) -> Result<Outcome<InitReport>> {
        let _lock = self.store.lock()?;
        let merge_driver_registered = register_driver(&self.store)?;
        if self.store.read(CONFIG_PATH)?.is_some() {
            return Ok(Outcome::new(
                InitReport {
                    created: false,
                    config: CONFIG_PATH.into(),
                    merge_driver_registered,
                },
                Applied::Unchanged,
            ));
        }
        let mut change = self.change("initialise .orchestrator/".into(), "init", None);
        change.write(CONFIG_PATH, format::config_to_toml(&Config::default()));
        if self.store.read(README_PATH)?.is_none() {
            change.write(README_PATH, README);
        }
        if let Some(text) = with_attribute_line(self.store.read(GITATTRIBUTES)?.as_deref()) {
            change.write(GITATTRIBUTES, text);
        }
        let applied = self.store.apply(&change, !self.ctx.no_commit)?;
        Ok(Outcome::new(
            InitReport {
                created: true,
                config: CONFIG_PATH.into(),
                merge_driver_registered,
            },
            applied,
        ))
    }
}
