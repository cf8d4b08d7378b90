//! `orc roles [NAME]`: the specialist roles, or one role's prompt.

use super::Output;
use crate::error::Result;
use crate::service::Orc;

pub fn run(orc: &Orc, name: Option<String>, out: &mut Output) -> Result<()> {
    match name {
        Some(name) => {
            let role = orc.role(&name)?;
            out.emit(Some("role"), &role, |out| {
                out.line(role.prompt.trim_end());
            });
        }
        None => {
            let roles = orc.roles()?;
            out.emit(Some("roles"), &roles, |out| {
                for r in &roles {
                    out.line(format!(
                        "{:<12} {:<9} {}",
                        r.name,
                        r.source.as_str(),
                        r.description
                    ));
                }
            });
        }
    }
    Ok(())
}
