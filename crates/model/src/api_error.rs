//! The JSON body of an error response (the spec's `ApiError`).
//!
//! Decoding is lenient: only `errorCode` is required. The live service sends
//! `"parameters": null` and other odd shapes (NOTES (j)); every field but `errorCode`
//! forgives them (see `lenient.rs`), so a body that names its code never loses it.
//! `parameters` holds scalars without needing a JSON value type (no serde_json here).
//! This module must NOT decide retries or map errors to Rust error types.

use crate::ErrorCode;

/// An API error body, e.g.
/// `{"error":404,"errorCode":"RESOURCE_NOT_FOUND","detail":"…","reason":"Not Found"}`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorBody {
    /// The HTTP status; `0` when the body left it out or gave something not a number.
    #[serde(default, deserialize_with = "crate::lenient::any_as_status")]
    pub error: u16,
    /// The machine-readable code.
    pub error_code: ErrorCode,
    /// A human-readable explanation (a number or boolean there is kept as text).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::lenient::any_as_text"
    )]
    pub detail: Option<String>,
    /// The HTTP reason phrase.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::lenient::any_as_text"
    )]
    pub reason: Option<String>,
    /// Values substituted into `detail`, e.g. `["api/atlas/v2/orgs", 55, 10, 5, 60]`.
    /// `null` or an object reads as empty; a lone scalar as a one-element list.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::lenient::any_as_vec"
    )]
    pub parameters: Vec<ErrorParameter>,
    /// Per-field problems of a 400; absent when the server sent anything but an object.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::lenient::any_as_object"
    )]
    pub bad_request_detail: Option<BadRequestDetail>,
}

/// One entry of `parameters`: a JSON scalar.
///
/// Decoded by hand rather than `#[serde(untagged)]` so that an array or object (the
/// spec types the items as `object`) becomes [`ErrorParameter::Unsupported`] instead
/// of failing the whole body.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ErrorParameter {
    /// A string.
    String(String),
    /// An integer that fits `i64`.
    Integer(i64),
    /// Any other number.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// `null`.
    Null,
    /// An array or object; its content is dropped. Serializes as `null`.
    Unsupported,
}

impl serde::Serialize for ErrorParameter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ErrorParameter::String(v) => s.serialize_str(v),
            ErrorParameter::Integer(v) => s.serialize_i64(*v),
            ErrorParameter::Float(v) => s.serialize_f64(*v),
            ErrorParameter::Bool(v) => s.serialize_bool(*v),
            ErrorParameter::Null | ErrorParameter::Unsupported => s.serialize_unit(),
        }
    }
}

impl<'de> serde::Deserialize<'de> for ErrorParameter {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ParamVisitor)
    }
}

struct ParamVisitor;

impl<'de> serde::de::Visitor<'de> for ParamVisitor {
    type Value = ErrorParameter;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<ErrorParameter, E> {
        Ok(ErrorParameter::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<ErrorParameter, E> {
        Ok(ErrorParameter::Integer(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<ErrorParameter, E> {
        // Integers beyond i64 are rare; keep them as the nearest float.
        Ok(i64::try_from(v).map_or(ErrorParameter::Float(v as f64), ErrorParameter::Integer))
    }
    fn visit_f64<E>(self, v: f64) -> Result<ErrorParameter, E> {
        Ok(ErrorParameter::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<ErrorParameter, E> {
        Ok(ErrorParameter::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<ErrorParameter, E> {
        Ok(ErrorParameter::String(v))
    }
    fn visit_unit<E>(self) -> Result<ErrorParameter, E> {
        Ok(ErrorParameter::Null)
    }
    fn visit_none<E>(self) -> Result<ErrorParameter, E> {
        Ok(ErrorParameter::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<ErrorParameter, D::Error> {
        d.deserialize_any(ParamVisitor)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> Result<ErrorParameter, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(ErrorParameter::Unsupported)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<ErrorParameter, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(ErrorParameter::Unsupported)
    }
}

/// Field-level detail of a 400 (`badRequestDetail`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BadRequestDetail {
    /// The offending fields (`null` reads as empty; entries that are not objects are dropped).
    #[serde(default, deserialize_with = "crate::lenient::any_as_objects")]
    pub fields: Vec<FieldViolation>,
}

/// One field problem inside [`BadRequestDetail`].
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldViolation {
    /// The field path as the server names it.
    #[serde(default, deserialize_with = "crate::lenient::any_as_string")]
    pub field: String,
    /// What is wrong with it.
    #[serde(default, deserialize_with = "crate::lenient::any_as_string")]
    pub description: String,
}
