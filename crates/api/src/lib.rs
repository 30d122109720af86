//! A client for the MongoDB Atlas, Cloud Manager and Ops Manager Programmatic API Keys API.
//!
//! Work in progress: see ARCHITECTURE.md.
#![deny(missing_docs)]
