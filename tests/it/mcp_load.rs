//! `orc mcp` under load, driven by the official Python MCP SDK (tests/mcp/load.py):
//! many sequential calls with flat memory, and several clients on one repository at once
//! with no lost update. Sizes come from ORC_MCP_LOAD_CALLS / ORC_MCP_LOAD_CLIENTS (the
//! full run is 1,000 calls and 4 clients, see docs/benchmarks.md); runs when
//! ORC_MCP_PYTHON names a Python with `mcp` installed (`.ci/run` sets it up).

use std::path::Path;

use crate::harness::Repo;

#[test]
fn many_calls_and_concurrent_clients_lose_nothing() {
    let Some(python) = std::env::var_os("ORC_MCP_PYTHON") else {
        eprintln!("skipped the MCP load test: ORC_MCP_PYTHON is not set (`.ci/run` sets it up)");
        return;
    };
    let size = |var: &str, default: &str| std::env::var(var).unwrap_or_else(|_| default.into());
    let clients = size("ORC_MCP_LOAD_CLIENTS", "4");
    let repo = Repo::new();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/load.py");
    let out = repo
        .command(python)
        .arg(script)
        .arg("--orc")
        .arg(assert_cmd::cargo::cargo_bin!("orc"))
        .arg("--repo")
        .arg(&repo.root)
        .args(["--calls", &size("ORC_MCP_LOAD_CALLS", "100")])
        .args(["--clients", &clients])
        .args(["--per-client", "10"])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "load.py failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert!(report["sequential"]["mutations"].as_u64().unwrap() > 0);
    assert_eq!(report["concurrent"]["clients"].to_string(), clients);
}
