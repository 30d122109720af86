//! Ids, descriptions, public keys and the shape of `ValidationError`.

use atlas_keys_model::{ApiKeyId, Description, OrgId, ProjectId, PublicKey, ValidationError};
use proptest::prelude::*;

use crate::strategies::{chars, hex24, not_hex24};

#[test]
fn validation_error_display_names_field_rule_and_value() {
    let err = "ABC".parse::<OrgId>().unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"invalid orgId: must be exactly 24 lowercase hex characters, got "ABC""#
    );
    assert_eq!(err.field(), "orgId");
    assert_eq!(err.rule(), "must be exactly 24 lowercase hex characters");
    assert_eq!(err.value(), "ABC");
}

#[test]
fn each_id_type_names_its_own_wire_field() {
    let bad = "4888442A3354817A7320EB61";
    assert_eq!(bad.parse::<OrgId>().unwrap_err().field(), "orgId");
    assert_eq!(bad.parse::<ProjectId>().unwrap_err().field(), "groupId");
    assert_eq!(bad.parse::<ApiKeyId>().unwrap_err().field(), "apiUserId");
}

#[test]
fn id_boundaries_23_and_25_chars_and_empty_are_rejected() {
    for bad in [
        "",
        &"a".repeat(23),
        &"a".repeat(25),
        "4888442a3354817a7320eb6g",
    ] {
        let err = OrgId::new(bad).unwrap_err();
        assert_eq!(err.value(), bad);
    }
    assert!(OrgId::new("a".repeat(24)).is_ok());
}

#[test]
fn id_deserialize_validates() {
    let err = serde_json::from_str::<ProjectId>(r#""NOT-AN-ID""#).unwrap_err();
    assert!(err.to_string().contains("invalid groupId"), "{err}");
}

#[test]
fn description_counts_chars_not_bytes() {
    // 250 two-byte chars = 500 bytes: still valid.
    assert!(Description::new("é".repeat(250)).is_ok());
    let err = Description::new("é".repeat(251)).unwrap_err();
    assert_eq!(err.field(), "desc");
    assert_eq!(Description::new("").unwrap_err().field(), "desc");
}

#[test]
fn description_deserialize_validates() {
    assert!(serde_json::from_str::<Description>(r#""""#).is_err());
    let d: Description = serde_json::from_str(r#""ok""#).unwrap();
    assert_eq!(d.as_str(), "ok");
}

#[test]
fn public_key_must_be_exactly_eight_chars() {
    assert!(PublicKey::new("zmmrboas").is_ok());
    for bad in ["zmmrboa", "zmmrboass", "", "zmmr boa"] {
        assert_eq!(
            PublicKey::new(bad).unwrap_err().field(),
            "publicKey",
            "{bad:?}"
        );
    }
}

fn assert_field(err: ValidationError, field: &str) {
    assert_eq!(err.field(), field, "{err}");
}

proptest! {
    #[test]
    fn valid_ids_round_trip_through_display_and_serde(s in hex24()) {
        let org: OrgId = s.parse().unwrap();
        prop_assert_eq!(org.to_string(), s.clone());
        prop_assert_eq!(org.as_str().parse::<OrgId>().unwrap(), org);
        let json = serde_json::to_string(&org).unwrap();
        prop_assert_eq!(serde_json::from_str::<OrgId>(&json).unwrap(), org);
        let p = ProjectId::try_from(s.clone()).unwrap();
        prop_assert_eq!(serde_json::from_str::<ProjectId>(&serde_json::to_string(&p).unwrap()).unwrap(), p);
        let k: ApiKeyId = s.parse().unwrap();
        prop_assert_eq!(k.as_str(), s.as_str());
    }

    #[test]
    fn invalid_ids_are_rejected_naming_the_field_and_value(s in not_hex24()) {
        let err = s.parse::<OrgId>().unwrap_err();
        prop_assert_eq!(err.value(), s.as_str());
        assert_field(err, "orgId");
        assert_field(s.parse::<ProjectId>().unwrap_err(), "groupId");
        assert_field(s.parse::<ApiKeyId>().unwrap_err(), "apiUserId");
        prop_assert!(serde_json::from_value::<ApiKeyId>(serde_json::Value::String(s)).is_err());
    }

    #[test]
    fn descriptions_of_1_to_250_chars_round_trip(s in chars(1..=250)) {
        let d = Description::new(s.clone()).unwrap();
        prop_assert_eq!(d.to_string(), s.clone());
        prop_assert_eq!(s.parse::<Description>().unwrap(), d.clone());
        let json = serde_json::to_string(&d).unwrap();
        prop_assert_eq!(serde_json::from_str::<Description>(&json).unwrap(), d);
    }

    #[test]
    fn descriptions_over_250_chars_are_rejected_as_desc(s in chars(251..=400)) {
        assert_field(Description::new(s.clone()).unwrap_err(), "desc");
        prop_assert!(serde_json::from_value::<Description>(serde_json::Value::String(s)).is_err());
    }

    #[test]
    fn public_keys_of_eight_letters_round_trip(s in "[a-z]{8}") {
        let k: PublicKey = s.parse().unwrap();
        prop_assert_eq!(k.to_string(), s);
        let json = serde_json::to_string(&k).unwrap();
        prop_assert_eq!(serde_json::from_str::<PublicKey>(&json).unwrap(), k);
    }

    #[test]
    fn public_keys_of_other_lengths_are_rejected(s in "[a-z]{0,7}|[a-z]{9,20}") {
        assert_field(PublicKey::new(s).unwrap_err(), "publicKey");
    }
}

proptest! {
    /// No parser may panic, whatever the text (the crate promises "no panics on any input").
    #[test]
    fn parsers_never_panic_on_arbitrary_text(s in ".*") {
        let _ = s.parse::<OrgId>();
        let _ = s.parse::<Description>();
        let _ = s.parse::<PublicKey>();
        let _ = s.parse::<atlas_keys_model::AccessListAddress>();
        let _ = s.parse::<atlas_keys_model::ApiVersion>();
        let _ = atlas_keys_model::ApiVersion::from_media_type(&s);
        let _ = s.parse::<atlas_keys_model::Flavour>();
        let _ = atlas_keys_model::OrgRole::parse(&s);
        let _ = atlas_keys_model::ProjectRole::custom(s.clone());
        let key = atlas_keys_model::PrivateKey::new(s.clone());
        let _ = (key.is_redacted(), key.redacted());
        let json = serde_json::Value::String(s);
        let _ = serde_json::from_value::<atlas_keys_model::ErrorCode>(json.clone());
        let _ = serde_json::from_value::<atlas_keys_model::AccessListEntryRequest>(
            serde_json::json!({"cidrBlock": json}),
        );
    }
}
