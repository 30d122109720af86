//! Runs one parsed command against the API and prints its result.
//!
//! One file per command group; this one only builds the runtime and the client and
//! dispatches. This module must NOT parse flags (args does), format output (output does),
//! or print errors (exit does).

mod access_lists;
mod audit;
mod client;
mod confirm;
mod emulator;
mod list;
mod org_keys;
mod project_keys;
mod rotate;
mod settings;

use crate::args::{Cli, Command, OrgCommand, OrgSubcommand, OutputFormat};
use crate::exit::Failure;
use crate::output::Printer;

pub(crate) fn run(cli: Cli) -> Result<(), Failure> {
    let Cli {
        output,
        base_url,
        flavor,
        command,
    } = cli;
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if !matches!(command, Command::Emulator(_)) {
        // One command at a time needs little; two workers keep `--all` page fetches parallel.
        // The emulator is a server and keeps tokio's default of one worker per core.
        runtime.worker_threads(2);
    }
    let runtime = runtime
        .build()
        .map_err(|e| Failure::Api(format!("could not start the async runtime: {e}")))?;
    if matches!(output, OutputFormat::Csv | OutputFormat::Sarif)
        && !matches!(command, Command::Audit(_))
    {
        return Err(Failure::Usage(
            format!("-o {output:?} is for `audit` only: use -o table or -o json").to_lowercase(),
        ));
    }
    runtime.block_on(async move {
        // The client is built (and credentials checked) before any request, so a missing
        // variable is a usage error with nothing sent. The emulator needs neither.
        let setup = || -> Result<_, Failure> {
            Ok((
                client::build(base_url.as_deref(), flavor)?,
                Printer::new(output),
            ))
        };
        match command {
            Command::Emulator(args) => emulator::run(args).await,
            Command::Audit(args) => audit::run(&setup()?.0, output, args).await,
            Command::Organizations(OrgCommand {
                command: OrgSubcommand::Settings(args),
            }) => settings::run(&setup()?.0, output, args).await,
            Command::Organizations(org) => {
                let (client, printer) = setup()?;
                org_keys::run(&client, &printer, org).await
            }
            Command::Projects(project) => {
                let (client, printer) = setup()?;
                project_keys::run(&client, &printer, project).await
            }
            Command::Rotate(args) => {
                let (client, printer) = setup()?;
                rotate::run(&client, &printer, args).await
            }
        }
    })
}

impl From<atlas_keys::Error> for Failure {
    fn from(error: atlas_keys::Error) -> Self {
        match error.kind() {
            // Nothing was sent: the input or the configuration was wrong.
            atlas_keys::ErrorKind::Validation | atlas_keys::ErrorKind::Config => {
                Failure::Usage(error.to_string())
            }
            _ => Failure::Api(error.to_string()),
        }
    }
}
