//! Headless Chromium for the tests that need a real browser (the Mermaid parser, the
//! page of `orc serve`). Without Chromium those tests say so and skip, unless
//! `ORC_REQUIRE_CHROMIUM=1` (set by CI) makes that a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Chromium binary, or `None` after printing why the calling test skips.
pub fn chromium(test: &str) -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|p| p.join(name))
                    .find(|p| p.is_file())
            })
        });
    if found.is_none() {
        assert!(
            std::env::var("ORC_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "{test}: ORC_REQUIRE_CHROMIUM=1 but no chromium on PATH (apt-get install chromium)"
        );
        eprintln!("SKIPPED {test}: no chromium on PATH (apt-get install chromium)");
    }
    found
}

/// Headless Chromium with a fresh profile in `profile`, loading `url`, run to the end
/// of `budget_ms` of virtual time; `extra` flags go before the url.
pub fn headless(
    chrome: &Path,
    profile: &Path,
    extra: &[&str],
    url: &str,
    budget_ms: u32,
) -> Command {
    let mut cmd = Command::new(chrome);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg(format!("--virtual-time-budget={budget_ms}"))
    .args(extra)
    .arg(url);
    cmd
}

/// The DOM of `url` after its scripts ran.
pub fn dump_dom(chrome: &Path, profile: &Path, url: &str, budget_ms: u32) -> String {
    let out = headless(chrome, profile, &["--dump-dom"], url, budget_ms)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
