//! `atlas-keys emulator …`: the emulator's own command line, run in this binary.
//!
//! Same flags and behaviour as `atlas-keys-emulator` (one JSON line on stdout, then serve
//! until Ctrl-C). This module must NOT add behaviour of its own.

use crate::exit::Failure;

pub(crate) async fn run(args: atlas_keys_emulator::cli::EmulatorArgs) -> Result<(), Failure> {
    atlas_keys_emulator::cli::run(args)
        .await
        .map_err(|e| Failure::Api(format!("emulator: {e}")))
}
