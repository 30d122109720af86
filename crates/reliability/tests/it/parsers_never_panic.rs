//! Property equivalents of the cargo-fuzz targets in `fuzz/`, so the normal test suite always
//! exercises the same parsers: the model's lenient JSON decoding of every response type, the
//! access-list address parser, the transport's `WWW-Authenticate` parser and the emulator's
//! `Authorization` parser (`atlas_keys_emulator::auth::authorization_parser`).
//!
//! Each property calls the parser exactly as the matching fuzz target does (see
//! `fuzz/fuzz_targets/`), with both arbitrary bytes and structure-aware input, and checks the
//! same invariants. This file must NOT grow slow: proptest's default 256 cases per property,
//! no I/O, no servers.

use atlas_keys_emulator::auth::authorization_parser::parse_authorization;
use atlas_keys_model::{
    AccessListAddress, AccessListEntry, AccessListEntryRequest, ApiErrorBody, ApiKey,
    AssignProjectApiKey, CreateOrgApiKey, CreateProjectApiKey, Envelope, EnvelopedPage, Link, Page,
    UpdateOrgApiKey, UpdateProjectApiKeyRoles,
};
use atlas_keys_transport::parse_challenges;
use proptest::prelude::*;
use serde_json::Value;

/// Decodes `text` as every response (and request) type the model offers; panics are the only
/// failure this can produce. Mirrors `fuzz/fuzz_targets/model_json.rs`.
fn decode_every_type(text: &str) {
    fn one<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) -> Option<T> {
        let value = serde_json::from_str::<T>(text).ok()?;
        // Debug must be total too (it is what logs and errors print).
        let _ = format!("{value:?}");
        Some(value)
    }
    if let Some(key) = one::<ApiKey>(text) {
        // A decoded key must re-encode and decode back to an equal value: the CLI prints
        // keys as JSON and the emulator stores them.
        let again = serde_json::to_string(&key).expect("an ApiKey always encodes");
        let back: ApiKey = serde_json::from_str(&again).expect("an encoded ApiKey decodes");
        // Encoding redacts a full private key (by design), so compare with the redacted key.
        assert_eq!(back, key.clone().into_redacted());
        let _ = (key.org_roles(), key.project_ids());
    }
    if let Some(entry) = one::<AccessListEntry>(text) {
        let _ = entry.address();
        let again = serde_json::to_string(&entry).expect("an entry always encodes");
        let back: AccessListEntry = serde_json::from_str(&again).expect("an entry decodes");
        assert_eq!(back, entry);
    }
    if let Some(page) = one::<Page<ApiKey>>(text) {
        let _ = (page.next_link(), page.previous_link(), page.is_last_page());
    }
    let _ = one::<Page<AccessListEntry>>(text);
    let _ = one::<EnvelopedPage<ApiKey>>(text);
    let _ = one::<EnvelopedPage<AccessListEntry>>(text);
    let _ = one::<Envelope<ApiKey>>(text);
    let _ = one::<Envelope<AccessListEntry>>(text);
    if let Some(error) = one::<ApiErrorBody>(text) {
        let _ = serde_json::to_string(&error).expect("an error body always encodes");
    }
    let _ = one::<Link>(text);
    let _ = one::<CreateOrgApiKey>(text);
    let _ = one::<UpdateOrgApiKey>(text);
    let _ = one::<CreateProjectApiKey>(text);
    let _ = one::<UpdateProjectApiKeyRoles>(text);
    let _ = one::<AssignProjectApiKey>(text);
    let _ = one::<Vec<AccessListEntryRequest>>(text);
}

/// Parses `text` as an access-list address and, when it parses, checks that every printed
/// form parses back to the same value. Mirrors `fuzz/fuzz_targets/access_list_address.rs`.
fn check_address(text: &str) {
    let Ok(address) = AccessListAddress::parse(text) else {
        return;
    };
    for form in [
        address.to_string(),
        address.to_path_segment(),
        address.to_cidr_string(),
    ] {
        let back = AccessListAddress::parse(&form)
            .unwrap_or_else(|e| panic!("{text:?} printed as {form:?} does not parse: {e}"));
        assert_eq!(back, address, "{text:?} -> {form:?}");
    }
    let request = AccessListEntryRequest::from(address);
    assert_eq!(request.address(), address);
}

/// Parses `text` as a `WWW-Authenticate` value. Mirrors `fuzz/fuzz_targets/www_authenticate.rs`.
fn check_challenges(text: &str) {
    let challenges = parse_challenges(text);
    // Every challenge starts with at least one token byte of the input.
    assert!(challenges.len() <= text.len());
    for challenge in &challenges {
        let _ = (
            challenge.param("nonce"),
            challenge.token68(),
            format!("{challenge:?}"),
        );
    }
}

/// Parses `text` as an `Authorization` value and prints the result. Mirrors
/// `fuzz/fuzz_targets/authorization_header.rs`.
fn check_authorization(text: &str) {
    let _ = format!("{:?}", parse_authorization(text));
}

/// An `Authorization`-shaped value: schemes, digest parameters, quotes, escapes, commas.
fn authorization_text() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        Just("Digest ".to_owned()),
        Just("Bearer ".to_owned()),
        Just("Basic ".to_owned()),
        Just(", ".to_owned()),
        Just("username=\"abcdefgh\"".to_owned()),
        Just("nonce=\"".to_owned()),
        Just("nc=00000001".to_owned()),
        Just("uri=\"/api/atlas/v2?x=1\"".to_owned()),
        Just("response=".to_owned()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("=".to_owned()),
        "[ -~]{0,12}",
        ".{0,4}",
    ];
    prop::collection::vec(part, 0..16).prop_map(|parts| parts.concat())
}

/// Any JSON value, up to a few levels deep, with the field names the model knows mixed in so
/// the decoders get past their first field.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("id".to_owned()),
        Just("desc".to_owned()),
        Just("publicKey".to_owned()),
        Just("privateKey".to_owned()),
        Just("roles".to_owned()),
        Just("roleName".to_owned()),
        Just("orgId".to_owned()),
        Just("groupId".to_owned()),
        Just("links".to_owned()),
        Just("href".to_owned()),
        Just("rel".to_owned()),
        Just("results".to_owned()),
        Just("totalCount".to_owned()),
        Just("status".to_owned()),
        Just("content".to_owned()),
        Just("error".to_owned()),
        Just("errorCode".to_owned()),
        Just("detail".to_owned()),
        Just("parameters".to_owned()),
        Just("badRequestDetail".to_owned()),
        Just("fields".to_owned()),
        Just("cidrBlock".to_owned()),
        Just("ipAddress".to_owned()),
        Just("count".to_owned()),
        "[a-zA-Z]{0,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[a-f0-9]{24}".prop_map(Value::String),
        "(ORG|GROUP)_[A-Z_]{0,20}".prop_map(Value::String),
        "[0-9./:%a-fA-F]{0,45}".prop_map(Value::String),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// An IPv4 or IPv6 address text with an optional (possibly wrong) prefix, in each of the
/// separators the parser accepts.
fn address_text() -> impl Strategy<Value = String> {
    let v4 = any::<[u8; 4]>().prop_map(|o| std::net::Ipv4Addr::from(o).to_string());
    let v6 = any::<u128>().prop_map(|n| std::net::Ipv6Addr::from(n).to_string());
    let sep = prop_oneof![Just("/"), Just("%2F"), Just("%2f"), Just("%2"), Just("//")];
    let prefix = prop_oneof![(0u16..=140).prop_map(|p| p.to_string()), "[0-9+\\- ]{0,5}",];
    (prop_oneof![v4, v6], prop::option::of((sep, prefix))).prop_map(|(addr, tail)| match tail {
        Some((sep, prefix)) => format!("{addr}{sep}{prefix}"),
        None => addr,
    })
}

/// A `WWW-Authenticate`-shaped value: schemes, parameters, quotes, escapes and separators.
fn challenge_text() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        Just("Digest ".to_owned()),
        Just("Basic ".to_owned()),
        Just("Bearer abc== ".to_owned()),
        Just(", ".to_owned()),
        Just("realm=\"MMS Public API\"".to_owned()),
        Just("nonce=".to_owned()),
        Just("qop=\"auth,auth-int\"".to_owned()),
        Just("algorithm=MD5".to_owned()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("=".to_owned()),
        "[ -~]{0,12}",
    ];
    prop::collection::vec(part, 0..16).prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn model_decoding_of_arbitrary_text_never_panics(text in ".{0,200}") {
        decode_every_type(&text);
    }

    #[test]
    fn model_decoding_of_arbitrary_json_never_panics_and_round_trips(value in json_value()) {
        decode_every_type(&value.to_string());
        // The same value wrapped the way list and envelope responses wrap their items.
        decode_every_type(&serde_json::json!({"results": [value.clone()], "totalCount": 1}).to_string());
        decode_every_type(&serde_json::json!({"status": 200, "content": value}).to_string());
    }

    #[test]
    fn access_list_parser_never_panics_on_arbitrary_text(text in ".{0,60}") {
        check_address(&text);
    }

    #[test]
    fn access_list_forms_round_trip_for_address_shaped_text(text in address_text()) {
        check_address(&text);
    }

    #[test]
    fn www_authenticate_parser_never_panics_on_arbitrary_text(text in ".{0,300}") {
        check_challenges(&text);
    }

    #[test]
    fn www_authenticate_parser_never_panics_on_header_shaped_text(text in challenge_text()) {
        check_challenges(&text);
    }

    #[test]
    fn authorization_parser_never_panics_on_arbitrary_text(text in ".{0,300}") {
        check_authorization(&text);
    }

    #[test]
    fn authorization_parser_never_panics_on_header_shaped_text(text in authorization_text()) {
        check_authorization(&text);
    }
}

#[test]
fn a_decoded_private_key_never_shows_in_debug_output() {
    let secret = "c8150efd-c7a0-4afd-8c4f-01bdd56c8977";
    let text = format!(
        r#"{{"id":"5d1113b25a115342acc2d1aa","publicKey":"zmmrboas","privateKey":"{secret}","roles":[]}}"#
    );
    let key: ApiKey = serde_json::from_str(&text).expect("a valid key body");
    let page: Page<ApiKey> =
        serde_json::from_str(&format!(r#"{{"results":[{text}]}}"#)).expect("a valid page");
    let envelope: Envelope<ApiKey> =
        serde_json::from_str(&format!(r#"{{"status":200,"content":{text}}}"#))
            .expect("an envelope");
    for printed in [
        format!("{key:?}"),
        format!("{key:#?}"),
        format!("{page:?}"),
        format!("{envelope:?}"),
    ] {
        assert!(!printed.contains(secret), "secret in {printed}");
        assert!(
            !printed.contains("01bdd56c8977"),
            "secret tail in {printed}"
        );
    }
}

#[test]
fn known_tricky_inputs_do_not_panic_any_parser() {
    let inputs = [
        "",
        "{",
        "[",
        "null",
        "\u{0}",
        &"[".repeat(10_000),
        &"{\"a\":".repeat(5_000),
        r#"{"id":"5d1113b25a115342acc2d1aa","roles":[{"roleName":"ORG_OWNER"}]}"#,
        r#"{"id":"5d1113b25a115342acc2d1aa","roles":[{"roleName":"GROUP_OWNER","orgId":"5d1113b25a115342acc2d1aa","groupId":"5d1113b25a115342acc2d1aa"}]}"#,
        r#"{"error":429,"errorCode":"RATE_LIMITED","parameters":[1e400,-0,[1],{"a":1},null,true,"x",18446744073709551616]}"#,
        r#"{"status":65536,"content":{}}"#,
        r#"{"results":[],"totalCount":-1}"#,
        "::ffff:1.2.3.4/128",
        "1.2.3.4/33",
        "0.0.0.0/0",
        "::/0",
        "1.2.3.4%2F",
        "1.2.3.4%2F%2F32",
        "Digest realm=\"\\",
        "Digest nonce=\"\u{fffd}\", , ,",
    ];
    for input in inputs {
        decode_every_type(input);
        check_address(input);
        check_challenges(input);
        check_authorization(input);
    }
}
