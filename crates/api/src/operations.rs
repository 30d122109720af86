//! The operation table, re-exported from the model (where the emulator reads it too), and
//! the one conversion the client needs on top of it: the table's method as `http` knows it.
//!
//! What it must NOT do: hold a second copy of any row; paths and statuses live in
//! [`atlas_keys_model::operations`] only.

pub use atlas_keys_model::operations::*;

/// The table's method as `http` knows it.
pub(crate) fn http_method(method: HttpMethod) -> http::Method {
    match method {
        HttpMethod::Get => http::Method::GET,
        HttpMethod::Post => http::Method::POST,
        HttpMethod::Patch => http::Method::PATCH,
        HttpMethod::Delete => http::Method::DELETE,
    }
}
