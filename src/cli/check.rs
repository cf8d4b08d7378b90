//! `orc check`: validate every file under `.orchestrator/`.

use super::Output;
use crate::error::Result;
use crate::service::Orc;

pub fn run(orc: &Orc, out: &mut Output) -> Result<()> {
    let report = orc.check()?;
    if out.json {
        out.json(
            None,
            &serde_json::json!({
                "ok": report.ok(),
                "files_checked": report.files_checked,
                "problems": report.problems,
                "uncommitted": report.uncommitted,
            }),
        );
    } else {
        for p in &report.problems {
            let line = p.line.map(|l| format!(":{l}")).unwrap_or_default();
            out.line(format!("{}{line}: {}: {}", p.path, p.kind, p.message));
        }
        if report.ok() {
            out.line(format!(
                "ok: {} files checked, no problems",
                report.files_checked
            ));
        } else {
            out.line(format!(
                "{} problem(s) in {} files checked",
                report.problems.len(),
                report.files_checked
            ));
        }
        for path in &report.uncommitted {
            out.line(format!(
                "{path}: uncommitted: differs from HEAD (commit it, or discard the change with git)"
            ));
        }
    }
    if !report.ok() {
        out.exit_code = 1;
    }
    Ok(())
}
