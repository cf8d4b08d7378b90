//! Progress bars on stderr: drawn on a terminal (a pty from `script`), never into a pipe.

use crate::harness::{Repo, add};

/// Runs `orc ARGS` on a pseudo-terminal (util-linux `script`); `None` without `script`.
fn on_terminal(repo: &Repo, args: &str) -> Option<String> {
    let orc = repo.orc_cmd(&[]).get_program().to_owned();
    let line = format!("{} {args}", orc.to_str().unwrap());
    let out = repo
        .command("script")
        .env("TERM", "xterm")
        .args(["-qec", &line, "/dev/null"])
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn files_verify_draws_a_bar_on_a_terminal_and_nothing_into_a_pipe() {
    let repo = Repo::init();
    let id = add(&repo, &["Make many files"]);
    repo.ok(&["start", &id]);
    for i in 0..250 {
        repo.write(&format!("src/f{i}.txt"), &format!("{i}\n"));
    }
    repo.ok(&["files", "record", "src"]);
    let piped = repo.orc_cmd(&["files", "verify"]).output().unwrap();
    assert!(piped.status.success());
    assert_eq!(String::from_utf8_lossy(&piped.stderr), "");
    let Some(shown) = on_terminal(&repo, "files verify") else {
        eprintln!("SKIPPED the terminal half: no `script` (util-linux) to make a pty");
        return;
    };
    assert!(
        shown.contains("verifying files [") && shown.contains("250/250"),
        "{shown:?}"
    );
    // The bar is cleared before the report.
    assert!(shown.contains("\u{1b}[2Kverified"), "{shown:?}");
}
