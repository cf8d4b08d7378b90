//! `orc mcp` under load, driven by the official Python MCP SDK (tests/mcp/load.py):
//! many sequential calls with flat memory, and several clients on one repository at once
//! with no lost update. Sizes come from ORC_MCP_LOAD_CALLS / ORC_MCP_LOAD_CLIENTS (the
//! full run is 1,000 calls and 4 clients, see docs/benchmarks.md); ignored unless asked
//! for (`--include-ignored`), with ORC_MCP_PYTHON naming a Python with `mcp` installed
//! (`.ci/run` sets it up and runs it).

use std::path::Path;

use crate::harness::Repo;

#[test]
#[ignore = "needs ORC_MCP_PYTHON, a Python with the mcp package (.ci/run sets it up)"]
fn many_calls_and_concurrent_clients_lose_nothing() {
    let python = std::env::var_os("ORC_MCP_PYTHON")
        .expect("ORC_MCP_PYTHON names a Python with the mcp package (`.ci/run` sets it up)");
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
