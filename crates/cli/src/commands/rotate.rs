//! `atlas-keys rotate KEY_ID --orgId ID`: the api's rotation, shown to a person.
//!
//! The new private key is printed once. If the rotation stops after the new key was
//! created, that key is printed too (it would otherwise be lost) before the error, which
//! says which keys exist. This module must NOT reorder or reimplement the rotation steps:
//! `atlas_keys::rotate` owns them.

use atlas_keys::Client;

use crate::args::RotateArgs;
use crate::exit::Failure;
use crate::output::Printer;

pub(crate) async fn run(
    client: &Client,
    printer: &Printer,
    args: RotateArgs,
) -> Result<(), Failure> {
    match atlas_keys::rotate::rotate_key(client, &args.org.org_id, &args.key_id).await {
        Ok(rotated) => {
            printer.rotated(&rotated)?;
            Ok(())
        }
        Err(error) => {
            if let Some(new_key) = &error.new_key {
                printer.created_key(new_key)?;
            }
            // Nothing was created when reading the old key failed: a plain API error.
            match error.new_key {
                None if error.step == atlas_keys::rotate::RotateStep::ReadOldKey => {
                    Err(error.source.into())
                }
                _ => Err(Failure::Api(error.to_string())),
            }
        }
    }
}
