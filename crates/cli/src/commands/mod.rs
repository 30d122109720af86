//! Runs one parsed command against the API and prints its result.
//!
//! Placeholder until the api crate's client lands: every command reports that it is not
//! available yet. This module must NOT parse flags (args does) or format output (output does).

use crate::args::Cli;
use crate::exit::Failure;

pub(crate) fn run(cli: Cli) -> Result<(), Failure> {
    let _ = cli;
    Err(Failure::Api("this command needs the api crate, which is not built yet".into()))
}
