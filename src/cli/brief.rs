//! `orc brief`: a task's brief, without claiming it.

use super::Output;
use crate::error::Result;
use crate::service::Orc;

pub fn run(orc: &Orc, id: &str, out: &mut Output) -> Result<()> {
    let context = orc.brief(id)?;
    if out.json {
        out.json(None, &context);
    } else {
        out.line(context.markdown().trim_end());
    }
    Ok(())
}
