//! `atlas-keys completion SHELL` and the hidden `atlas-keys __man DIR`: both generated from
//! the command tree itself, so they cannot drift from it.
//!
//! `__man` exists so `cargo xtask man` can write the pages without linking this crate
//! (xtask runs the built binary). This module must NOT need credentials or the network.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use crate::args::Cli;
use crate::exit::Failure;

/// Writes the completion script on stdout.
pub(crate) fn completion(shell: clap_complete::Shell) -> Result<(), Failure> {
    let mut command = Cli::command();
    // Generated into memory first: clap_complete panics on a write error, and a closed
    // pipe must end quietly.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "atlas-keys", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(())
}

/// Writes `atlas-keys.1` and one `atlas-keys-<sub>-….1` per visible subcommand into `dir`.
pub(crate) fn man_pages(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::Usage(format!("could not create {}: {e}", dir.display())))?;
    let mut command = Cli::command();
    command.build();
    let mut written = 0;
    write_page(&command, "atlas-keys", dir, &mut written)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{written} man pages written to {}", dir.display())?;
    Ok(())
}

fn write_page(
    command: &clap::Command,
    name: &str,
    dir: &Path,
    written: &mut usize,
) -> Result<(), Failure> {
    // The page's title is the full command ("atlas-keys-organizations-apiKeys-list"), as
    // git and cargo name theirs.
    let page = command.clone().name(name.to_owned());
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .map_err(Failure::Output)?;
    let path = dir.join(format!("{name}.1"));
    std::fs::write(&path, roff)
        .map_err(|e| Failure::Usage(format!("could not write {}: {e}", path.display())))?;
    *written += 1;
    for sub in command.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        write_page(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}
