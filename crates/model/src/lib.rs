//! Pure types and validation for the MongoDB Atlas / Cloud Manager / Ops Manager Programmatic API Keys API. No I/O.
//!
//! Work in progress: see ARCHITECTURE.md.
#![deny(missing_docs)]
