//! `orc completions SHELL`.

use super::Output;
use crate::error::Result;

/// `orc completions SHELL`: the script that registers orc's (dynamic) completion.
pub fn run(shell: clap_complete::Shell, out: &mut Output) -> Result<()> {
    // A closed pipe (`orc completions bash | head`) is not an error worth reporting.
    let _ = out
        .writer()
        .write_all(&super::complete::registration(shell));
    Ok(())
}
