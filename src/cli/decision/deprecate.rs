//! `orc decision deprecate`.

use crate::cli::Output;
use crate::error::Result;
use crate::model::DecisionStatus;
use crate::service::Orc;

pub fn run(orc: &Orc, number: &str, out: &mut Output) -> Result<()> {
    super::set_status(orc, number, DecisionStatus::Deprecated, out)
}
