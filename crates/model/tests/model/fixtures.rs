//! Every response shape parses from a fixture and re-serializes to the same JSON.
//!
//! Fixture provenance is in `tests/fixtures/README.md`.

use atlas_keys_model::{
    AccessListAddress, AccessListEntry, ApiErrorBody, ApiKey, Envelope, EnvelopedPage, ErrorCode,
    ErrorParameter, OrgRole, Page, ProjectId, ProjectRole,
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

fn load(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Parses a fixture, and checks that serializing gives back exactly the fixture JSON.
fn parse_exact<T: DeserializeOwned + Serialize>(name: &str) -> T {
    let text = load(name);
    let parsed: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let original: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        serde_json::to_value(&parsed).unwrap(),
        original,
        "{name} did not round-trip"
    );
    parsed
}

#[test]
fn created_key_carries_the_full_private_key() {
    let text = load("api_key_created.json");
    let key: ApiKey = serde_json::from_str(&text).unwrap();
    let original: Value = serde_json::from_str(&text).unwrap();
    // The full key round-trips only when asked for explicitly; plain serializing redacts.
    assert_eq!(serde_json::to_value(key.revealing()).unwrap(), original);
    let mut redacted = original.clone();
    redacted["privateKey"] = Value::from("********-****-****-5c2d1e0f7a6b");
    assert_eq!(serde_json::to_value(&key).unwrap(), redacted);
    let private = key.private_key().unwrap();
    assert!(!private.is_redacted());
    assert_eq!(
        private.redacted().expose_private_key(),
        "********-****-****-5c2d1e0f7a6b"
    );
    assert_eq!(key.public_key().unwrap().as_str(), "qwertzui");
    assert_eq!(key.org_roles(), vec![&OrgRole::Member]);
}

#[test]
fn redacted_key_keeps_unknown_roles_and_groups_project_roles() {
    let key: ApiKey = parse_exact("api_key_redacted.json");
    assert!(key.private_key().unwrap().is_redacted());
    assert_eq!(
        key.org_roles(),
        vec![
            &OrgRole::Member,
            &OrgRole::Other("ORG_FUTURE_AUDITOR".into())
        ]
    );
    let project: ProjectId = "32b6e34b3d91647abb20e7b8".parse().unwrap();
    assert_eq!(
        key.project_roles(&project),
        vec![
            &ProjectRole::ReadOnly,
            &ProjectRole::Other("GROUP_FUTURE_VIEWER".into())
        ]
    );
    let ids: Vec<&str> = key.project_ids().iter().map(|p| p.as_str()).collect();
    assert_eq!(
        ids,
        ["32b6e34b3d91647abb20e7b8", "aaaaaaaaaaaaaaaaaaaaaaaa"]
    );
}

#[test]
fn middle_page_has_next_previous_and_total() {
    let page: Page<ApiKey> = parse_exact("api_keys_page_middle.json");
    assert_eq!(page.total_count(), Some(3));
    assert!(!page.is_last_page());
    assert!(page.next_link().unwrap().href().contains("pageNum=3"));
    assert!(page.previous_link().unwrap().href().contains("pageNum=1"));
    assert!(page.self_link().unwrap().href().contains("pageNum=2"));
}

#[test]
fn page_without_total_count_and_next_is_the_last_page() {
    let page: Page<ApiKey> = parse_exact("api_keys_page_no_total.json");
    assert_eq!(page.total_count(), None);
    assert!(page.is_last_page());
    assert_eq!(page.results().len(), 1);
}

#[test]
fn enveloped_entity_and_enveloped_page_parse() {
    let single: Envelope<ApiKey> = parse_exact("envelope_api_key.json");
    assert_eq!(single.status, 200);
    assert_eq!(single.content.org_roles(), vec![&OrgRole::Owner]);
    let list: EnvelopedPage<ApiKey> = parse_exact("envelope_page.json");
    assert_eq!((list.status, list.page.total_count()), (200, Some(0)));
    assert!(list.page.results().is_empty());
    assert!(list.page.is_last_page());
}

#[test]
fn access_list_page_parses_entries_with_missing_optional_fields() {
    let page: Page<AccessListEntry> = parse_exact("access_list_page.json");
    let block: AccessListAddress = "192.0.2.0/24".parse().unwrap();
    assert_eq!(page.results()[0].address(), Some(block));
    assert_eq!(page.results()[0].count(), Some(12));
    assert_eq!(
        page.results()[1].address(),
        Some("2001:db8::7".parse().unwrap())
    );
    assert_eq!(page.results()[1].last_used(), None);
}

#[test]
fn not_found_error_parses() {
    let e: ApiErrorBody = parse_exact("error_404_resource_not_found.json");
    assert_eq!(e.error, 404);
    assert!(e.error_code.is_not_found());
    assert_eq!(e.reason.as_deref(), Some("Not Found"));
}

#[test]
fn rate_limit_error_keeps_string_and_integer_parameters() {
    let e: ApiErrorBody = parse_exact("error_429_rate_limited_token_bucket.json");
    assert!(e.error_code.is_rate_limited());
    assert_eq!(
        e.parameters,
        vec![
            ErrorParameter::String("api/atlas/v2/orgs".into()),
            ErrorParameter::Integer(55),
            ErrorParameter::Integer(10),
            ErrorParameter::Integer(5),
            ErrorParameter::Integer(60),
        ]
    );
}

#[test]
fn bad_request_error_keeps_field_detail_and_every_scalar_kind() {
    let e: ApiErrorBody = parse_exact("error_400_bad_request_detail.json");
    assert_eq!(e.error_code, ErrorCode::InvalidAttribute);
    let fields = &e.bad_request_detail.as_ref().unwrap().fields;
    assert_eq!(fields[0].field, "desc");
    assert_eq!(
        e.parameters,
        vec![
            ErrorParameter::String("desc".into()),
            ErrorParameter::Integer(-3),
            ErrorParameter::Float(2.5),
            ErrorParameter::Bool(true),
            ErrorParameter::Null,
        ]
    );
}

#[test]
fn conflict_error_is_a_conflict() {
    let e: ApiErrorBody = parse_exact("error_409_address_already_in_whitelist.json");
    assert!(e.error_code.is_conflict());
}

#[test]
fn unknown_error_code_becomes_other_and_round_trips() {
    let text = load("error_unknown_code.json");
    let e: ApiErrorBody = serde_json::from_str(&text).unwrap();
    assert_eq!(e.error, 418);
    assert_eq!(
        e.error_code,
        ErrorCode::Other("SOME_CODE_FROM_THE_FUTURE".into())
    );
    let again: ApiErrorBody = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
    assert_eq!(again, e);
}

#[test]
fn nested_error_parameters_do_not_fail_the_body() {
    let e: ApiErrorBody = serde_json::from_str(
        r#"{"error":400,"errorCode":"VALIDATION_ERROR","parameters":[{"a":[1]},[1,2],"x",18446744073709551615]}"#,
    )
    .unwrap();
    assert_eq!(e.parameters[0], ErrorParameter::Unsupported);
    assert_eq!(e.parameters[1], ErrorParameter::Unsupported);
    assert_eq!(e.parameters[2], ErrorParameter::String("x".into()));
    assert!(matches!(e.parameters[3], ErrorParameter::Float(_)));
}

#[test]
fn a_list_body_is_not_mistaken_for_an_error_and_vice_versa() {
    assert!(
        serde_json::from_str::<Page<ApiKey>>(&load("error_404_resource_not_found.json")).is_err()
    );
    assert!(serde_json::from_str::<ApiErrorBody>(&load("api_keys_page_middle.json")).is_err());
}

#[test]
fn minimal_key_with_only_an_id_parses() {
    let key: ApiKey =
        serde_json::from_str(r#"{"id":"6579a1b2c3d4e5f601234567","future":1}"#).unwrap();
    assert!(key.desc().is_none() && key.private_key().is_none() && key.roles().is_empty());
}
