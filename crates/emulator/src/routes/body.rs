//! Request-body checks that give each client mistake its own `errorCode`: malformed
//! JSON, wrong top-level type, unknown fields, wrong field types, missing fields, bad
//! descriptions and roles invalid for the scope. The body is then decoded into the
//! model's request type, so the emulator only ever acts on a body the model accepts.
//!
//! This module must NOT touch state. serde_json's recursion limit (128) stays on, so
//! deeply nested JSON is a 400, not a stack overflow.

use atlas_keys_model::{ErrorCode, Flavour};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::errors::{ApiError, ApiResult};

/// Parses the raw body as JSON.
pub(crate) fn json(body: &[u8]) -> ApiResult<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidJson,
            "The request body is missing.",
        ));
    }
    let malformed = |e: serde_json::Error| {
        ApiError::bad_request(
            ErrorCode::MalformedJson,
            format!("Received JSON is malformed: {e}."),
        )
    };
    // `Value` keeps the last of two equal keys; the service, and our client's decoder,
    // refuse such a body, so a first pass rejects duplicates before the real parse.
    serde_json::from_slice::<NoDuplicateKeys>(body).map_err(malformed)?;
    serde_json::from_slice(body).map_err(malformed)
}

/// A JSON document in which no object names a key twice; it keeps nothing.
///
/// Hand-written: serde_json has no switch for duplicate keys, and this visitor is the
/// smallest way to check them at any depth (the parser's recursion limit still applies).
struct NoDuplicateKeys;

impl<'de> serde::Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NoDuplicateKeysVisitor)
    }
}

struct NoDuplicateKeysVisitor;

impl<'de> serde::de::Visitor<'de> for NoDuplicateKeysVisitor {
    type Value = NoDuplicateKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key) {
                return Err(serde::de::Error::custom("an attribute is named twice"));
            }
            map.next_value::<NoDuplicateKeys>()?;
        }
        Ok(NoDuplicateKeys)
    }
}

/// The body as an object with only `allowed` fields.
pub(crate) fn object<'v>(v: &'v Value, allowed: &[&str]) -> ApiResult<&'v Map<String, Value>> {
    let obj = v.as_object().ok_or_else(|| {
        ApiError::bad_request(ErrorCode::InvalidJson, "Received JSON must be an object.")
    })?;
    if let Some(unknown) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        let shown: String = unknown.chars().take(64).collect();
        return Err(ApiError::bad_request(
            ErrorCode::InvalidAttribute,
            format!("Invalid attribute {shown} specified."),
        )
        .param(shown));
    }
    Ok(obj)
}

/// The body as an array.
pub(crate) fn array(v: &Value) -> ApiResult<&Vec<Value>> {
    v.as_array().ok_or_else(|| {
        ApiError::bad_request(ErrorCode::InvalidJson, "Received JSON must be an array.")
    })
}

fn wrong_type(field: &str, expected: &str) -> ApiError {
    ApiError::bad_request(
        ErrorCode::InvalidJsonAttribute,
        format!(
            "Received JSON for the {field} attribute does not match expected format: {expected}."
        ),
    )
    .param(field.to_owned())
}

/// A missing required attribute.
pub(crate) fn missing(field: &str) -> ApiError {
    ApiError::bad_request(
        ErrorCode::MissingAttribute,
        format!("The required attribute {field} was not specified."),
    )
    .param(field.to_owned())
}

/// Checks `desc` when present (string, 1–250 characters; `null` only counts as absent
/// where the field is required); `required` makes it mandatory.
pub(crate) fn check_desc(obj: &Map<String, Value>, required: bool) -> ApiResult<()> {
    match obj.get("desc") {
        None | Some(Value::Null) if required => Err(missing("desc")),
        None => Ok(()),
        Some(Value::String(s)) => {
            let n = s.chars().count();
            if (1..=250).contains(&n) {
                Ok(())
            } else {
                Err(ApiError::bad_request(
                    ErrorCode::InvalidApiKeyDesc,
                    "The API key description must be 1 to 250 characters long.",
                ))
            }
        }
        Some(_) => Err(wrong_type("desc", "a string")),
    }
}

/// Which scope roles are checked against.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RoleScope {
    Org,
    Project,
}

/// Checks `roles` when present (array of strings valid for the scope and flavour;
/// repeats are allowed and dropped later by `decode`).
/// Returns how many roles were given (`None` when absent).
pub(crate) fn check_roles(
    obj: &Map<String, Value>,
    scope: RoleScope,
    flavour: Flavour,
    required: bool,
) -> ApiResult<Option<usize>> {
    let roles = match obj.get("roles") {
        None | Some(Value::Null) if required => return Err(missing("roles")),
        None => return Ok(None),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(wrong_type("roles", "an array of role names")),
    };
    for r in roles {
        let Some(name) = r.as_str() else {
            return Err(wrong_type("roles", "an array of role names"));
        };
        let known = match scope {
            RoleScope::Org => flavour.org_roles().iter().any(|k| k.as_str() == name),
            RoleScope::Project => flavour.project_roles().iter().any(|k| k.as_str() == name),
        };
        let shown: String = name.chars().take(64).collect();
        if !known {
            let (code, what) = match scope {
                RoleScope::Org => (ErrorCode::InvalidRoleForOrg, "an organization"),
                RoleScope::Project => (ErrorCode::InvalidRoleForGroup, "a project"),
            };
            return Err(ApiError::bad_request(
                code,
                format!("Role {shown} is not valid for {what}."),
            )
            .param(shown));
        }
    }
    Ok(Some(roles.len()))
}

/// Drops repeated role names (the schema allows repeats; the model does not), in `v`
/// itself or in each element when `v` is an array.
pub(crate) fn dedupe_roles(v: &mut Value) {
    fn one(obj: &mut Value) {
        if let Some(Value::Array(roles)) = obj.get_mut("roles") {
            let mut seen: Vec<Value> = Vec::with_capacity(roles.len());
            roles.retain(|r| {
                if seen.contains(r) {
                    false
                } else {
                    seen.push(r.clone());
                    true
                }
            });
        }
    }
    match v {
        Value::Array(items) => items.iter_mut().for_each(one),
        other => one(other),
    }
}

/// Decodes a checked value into the model's request type.
pub(crate) fn decode<T: DeserializeOwned>(mut v: Value) -> ApiResult<T> {
    dedupe_roles(&mut v);
    serde_json::from_value(v).map_err(|e| {
        ApiError::bad_request(
            ErrorCode::ValidationError,
            format!("The request body is invalid: {e}."),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::json;

    #[test]
    fn an_attribute_named_twice_is_malformed_at_any_depth() {
        for body in [
            &br#"{"desc":"first","desc":"second","roles":["ORG_MEMBER"]}"#[..],
            br#"[{"ipAddress":"192.0.2.1","ipAddress":"192.0.2.2"}]"#,
            br#"{"a":{"b":1,"b":2}}"#,
        ] {
            let error = json(body).expect_err("a duplicate key is refused");
            assert_eq!(error.status.as_u16(), 400);
        }
    }

    #[test]
    fn distinct_attributes_and_nesting_pass() {
        let value = json(br#"{"desc":"x","roles":["ORG_MEMBER"],"nested":[{"desc":1}]}"#)
            .expect("a valid body");
        assert_eq!(value["desc"], "x");
    }
}
