//! The `atlas-keys` command line. Work in progress: see ARCHITECTURE.md.

fn main() {}
