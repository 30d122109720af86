//! Integration tests of `atlas-keys-model`: one test binary, one module per concept.
//!
//! Property tests pin down validation and round trips; fixture tests pin down that
//! realistic responses parse (see `tests/fixtures/README.md` for where data comes from).

mod access_list;
mod fixtures;
mod ids_and_text;
mod keys;
mod live_shapes;
mod paging_and_version;
mod requests;
mod roles;
mod strategies;
