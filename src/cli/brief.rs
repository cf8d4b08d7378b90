//! `orc brief`: a task's brief, without claiming it.

use super::Output;
use crate::error::Result;
use crate::service::Orc;

pub fn run(orc: &Orc, id: &str, out: &mut Output) -> Result<()> {
    let context = orc.brief(id)?;
    out.emit(None, &context, |out| {
        out.line(crate::render::brief(&context).trim_end());
    });
    Ok(())
}
