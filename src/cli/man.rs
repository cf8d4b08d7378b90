//! `orc man [--dir DIR]`.

use super::Output;
use crate::error::Result;

/// `orc man`: the man page in roff, for `man -l -`; with `dir`, every page as a file.
pub fn run(dir: Option<&std::path::Path>, out: &mut Output) -> Result<()> {
    let cmd = super::command();
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(|e| crate::Error::io(dir, e))?;
        clap_mangen::generate_to(cmd, dir).map_err(|e| crate::Error::io(dir, e))?;
        let mut pages: Vec<String> = std::fs::read_dir(dir)
            .map_err(|e| crate::Error::io(dir, e))?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| name.starts_with("orc") && name.ends_with(".1"))
            .collect();
        pages.sort();
        out.line(format!(
            "wrote {} man pages to {}",
            pages.len(),
            dir.display()
        ));
        return Ok(());
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut page)
        .expect("rendering into memory cannot fail");
    let _ = out.writer().write_all(&page);
    Ok(())
}
