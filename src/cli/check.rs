//! `orc check`: validate every file under `.orchestrator/`.

use super::Output;
use crate::error::Result;
use crate::render::count;
use crate::service::Orc;

pub fn run(orc: &Orc, out: &mut Output) -> Result<()> {
    let report = orc.check()?;
    out.emit(None, &serde_json::json!({ "ok": report.ok(), "files_checked": report.files_checked, "problems": report.problems, "uncommitted": report.uncommitted, }), |out| {
        for p in &report.problems {
            let line = p.line.map(|l| format!(":{l}")).unwrap_or_default();
            out.line(format!("{}{line}: {}: {}", p.path, p.kind, p.message));
        }
        if report.ok() {
            out.line(format!(
                "ok: {} checked, no problems",
                count(report.files_checked, "file")
            ));
        } else {
            out.line(format!(
                "{} in {} checked",
                count(report.problems.len(), "problem"),
                count(report.files_checked, "file")
            ));
        }
        for path in &report.uncommitted {
            out.line(format!(
                "{path}: uncommitted: differs from HEAD (commit it, or discard the change with git)"
            ));
        }
    });
    if !report.ok() {
        out.exit_code = 1;
    }
    Ok(())
}
