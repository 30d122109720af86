//! `ApiError` responses: status, `errorCode`, detail and parameters, rendered the way the
//! service renders them (`{detail, error, errorCode, parameters, reason}`).
//!
//! This module must NOT decide which error a request deserves; handlers do. It must NOT
//! put secrets into `detail` or `parameters`.

use atlas_keys_model::{ApiErrorBody, ErrorCode, ErrorParameter};
use http::{HeaderName, HeaderValue, StatusCode};

/// An error answer in the making.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: ErrorCode,
    pub(crate) detail: String,
    pub(crate) parameters: Vec<ErrorParameter>,
    /// Extra headers (e.g. `Retry-After`).
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

/// A handler's result.
pub(crate) type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with a detail message and no parameters.
    pub(crate) fn new(
        status: StatusCode,
        code: impl Into<ErrorCode>,
        detail: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code: code.into(),
            detail: detail.into(),
            parameters: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// Adds a string parameter.
    pub(crate) fn param(mut self, p: impl Into<String>) -> Self {
        self.parameters.push(ErrorParameter::String(p.into()));
        self
    }

    /// Adds an integer parameter.
    pub(crate) fn int_param(mut self, p: i64) -> Self {
        self.parameters.push(ErrorParameter::Integer(p));
        self
    }

    /// Adds a response header.
    pub(crate) fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// 400 with `code`.
    pub(crate) fn bad_request(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 404 with `code`.
    pub(crate) fn not_found(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    /// 401 with `code` (the server adds the digest challenge).
    pub(crate) fn unauthorized(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, detail)
    }

    /// The JSON body as a value (so an envelope can wrap it). `parameters` is always
    /// present, as on the service, even when empty.
    pub(crate) fn body_value(&self) -> serde_json::Value {
        let body = ApiErrorBody {
            error: self.status.as_u16(),
            error_code: self.code.clone(),
            detail: Some(self.detail.clone()),
            reason: Some(self.status.canonical_reason().unwrap_or("Error").to_owned()),
            parameters: self.parameters.clone(),
            bad_request_detail: None,
        };
        let mut v = serde_json::to_value(&body).unwrap_or_else(|_| serde_json::json!({}));
        if let Some(obj) = v.as_object_mut() {
            obj.entry("parameters")
                .or_insert_with(|| serde_json::Value::Array(Vec::new()));
        }
        v
    }
}
