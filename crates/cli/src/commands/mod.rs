//! Runs one parsed command against the API and prints its result.
//!
//! One file per command group; this one only builds the runtime, the printer and the
//! client, and dispatches. This module must NOT parse flags (args does), format output
//! (output does), or print errors (exit does).

mod access_lists;
mod audit;
mod auth;
mod ci_access;
mod client;
mod completion;
mod confirm;
mod emulator;
mod list;
mod org_keys;
mod project_keys;
mod rotate;
mod settings;

use std::process::ExitCode;

use crate::args::{Cli, Command, OrgCommand, OrgSubcommand, OutputFormat};
use crate::config::Resolved;
use crate::exit::Failure;
use crate::output::Printer;

/// Runs the command and reports its outcome (as JSON on stderr under `-o json`).
pub(crate) fn run(cli: Cli, resolved: Resolved) -> ExitCode {
    let printer = Printer::from_config(&resolved, cli.compact);
    let json_errors = printer.as_ref().is_ok_and(Printer::is_json);
    match run_inner(cli, &resolved, printer) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(json_errors),
    }
}

fn run_inner(
    cli: Cli,
    resolved: &Resolved,
    printer: Result<Printer, Failure>,
) -> Result<(), Failure> {
    let Cli {
        base_url,
        flavor,
        timeout,
        allow_insecure_http,
        command,
        ..
    } = cli;
    let network = client::Network {
        timeout,
        allow_insecure_http,
    };
    // Commands that neither print results nor need the API run before anything else.
    match command {
        Command::Completion(args) => return completion::completion(args.shell),
        Command::Man(args) => return completion::man_pages(&args.dir),
        Command::Auth(ref auth) => return auth::run(auth, resolved, &printer?),
        _ => {}
    }
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
    let output = printer
        .as_ref()
        .map_or(OutputFormat::Table, Printer::format);
    if matches!(output, OutputFormat::Csv | OutputFormat::Sarif)
        && !matches!(command, Command::Audit(_))
    {
        return Err(Failure::Usage(
            format!("-o {output:?} is for `audit` only: use -o table or -o json").to_lowercase(),
        ));
    }
    runtime.block_on(async move {
        // The client is built (and credentials checked) before any request, so a missing
        // credential is a usage error with nothing sent. The emulator needs neither.
        let setup = || -> Result<_, Failure> {
            // The output format first: a bad -o is the user's latest mistake.
            let printer = printer?;
            Ok((
                client::build(resolved, base_url.as_deref(), flavor, network)?,
                printer,
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
            Command::CiAccess(args) => {
                let (client, printer) = setup()?;
                ci_access::run(&client, &printer, args).await
            }
            Command::Auth(_) | Command::Completion(_) | Command::Man(_) => Ok(()),
        }
    })
}

impl From<atlas_keys::Error> for Failure {
    fn from(error: atlas_keys::Error) -> Self {
        crate::hints::note(&error);
        match error.kind() {
            // Nothing was sent: the input or the configuration was wrong.
            atlas_keys::ErrorKind::Validation | atlas_keys::ErrorKind::Config => {
                Failure::Usage(error.to_string())
            }
            _ => match error.api_error() {
                // The service answered: keep its status and code for `-o json` errors.
                Some(api) => Failure::Service {
                    status: api.status,
                    code: api.code.as_ref().map(|c| c.as_str().to_owned()),
                    message: error.to_string(),
                },
                None => Failure::Api(error.to_string()),
            },
        }
    }
}
