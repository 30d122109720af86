//! `atlas-keys emulator …`: the emulator's own command line, run in this binary.
//!
//! Same flags and behaviour as `atlas-keys-emulator` (one JSON line on stdout, then serve
//! until Ctrl-C). This module must NOT add behaviour of its own.

use crate::exit::Failure;

pub(crate) fn run(args: atlas_keys_emulator::cli::EmulatorArgs) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Api(format!("could not start the async runtime: {e}")))?;
    runtime
        .block_on(atlas_keys_emulator::cli::run(args))
        .map_err(|e| Failure::Api(format!("emulator: {e}")))
}
