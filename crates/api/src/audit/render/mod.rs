//! Renderers of an [`AuditReport`](super::AuditReport): [`json`], [`csv`], [`sarif`] (2.1.0)
//! and a plain-text [`table`].
//!
//! Each is a pure function writing to an `impl Write` (and a `*_string` twin). They must NOT
//! reorder or filter the report (its order is the contract) nor read anything but the
//! report. Only the table is meant for terminals, so only the table escapes control
//! characters (with [`sanitize`](super::sanitize)); the others carry text verbatim in
//! formats whose readers escape it.

pub mod csv;
pub mod json;
pub mod sarif;
pub mod table;

#[cfg(test)]
pub(crate) mod fixture;
