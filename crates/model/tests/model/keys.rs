//! The private key never leaks through `Debug`, and redaction matches the service's form.

use atlas_keys_model::{ApiKey, PrivateKey};
use proptest::prelude::*;

use crate::strategies::uuid;

#[test]
fn redacted_form_keeps_prefix_and_last_twelve_hex() {
    let key = PrivateKey::new("c8150efd-c7a0-4afd-8c4f-01bdd56c8977".to_owned());
    let red = key.redacted();
    assert_eq!(red.expose_private_key(), "********-****-****-01bdd56c8977");
    assert_eq!(red.expose_private_key().len(), 31);
    assert!(red.is_redacted());
    assert_eq!(red.redacted(), red, "redacting twice changes nothing");
}

#[test]
fn short_values_are_masked_entirely_when_redacted() {
    let red = PrivateKey::new("short".to_owned()).redacted();
    assert!(!red.expose_private_key().contains("short"));
}

#[test]
fn non_hex_tail_is_not_considered_redacted() {
    assert!(!PrivateKey::new("********-****-****-zzzzzzzzzzzz".to_owned()).is_redacted());
    assert!(!PrivateKey::new("********-****-****-01bdd56c897".to_owned()).is_redacted());
}

#[test]
fn private_key_serializes_redacted_unless_revealed_explicitly() {
    let key = PrivateKey::new("c8150efd-c7a0-4afd-8c4f-01bdd56c8977".to_owned());
    assert_eq!(
        serde_json::to_string(&key).unwrap(),
        r#""********-****-****-01bdd56c8977""#
    );
    let created: ApiKey = serde_json::from_str(
        r#"{"id":"6579a1b2c3d4e5f601234567","privateKey":"c8150efd-c7a0-4afd-8c4f-01bdd56c8977"}"#,
    )
    .unwrap();
    // A user's logging code serializes the key: no secret.
    let logged = serde_json::to_string(&created).unwrap();
    assert!(!logged.contains("c8150efd"), "{logged}");
    assert!(
        logged.contains("********-****-****-01bdd56c8977"),
        "{logged}"
    );
    // The one explicit way: the create response of a server, a CLI showing it once.
    let revealed = serde_json::to_string(&created.revealing()).unwrap();
    assert!(
        revealed.contains("c8150efd-c7a0-4afd-8c4f-01bdd56c8977"),
        "{revealed}"
    );
    let debug = format!("{created:?} {:?}", created.revealing());
    assert!(!debug.contains("c8150efd"), "{debug}");
    // A redacted copy forgets the secret even for `revealing`.
    let forgotten = serde_json::to_string(&created.clone().into_redacted().revealing()).unwrap();
    assert!(!forgotten.contains("c8150efd"), "{forgotten}");
}

proptest! {
    #[test]
    fn debug_of_private_key_and_api_key_never_shows_the_secret(secret in uuid()) {
        let key = PrivateKey::new(secret.clone());
        let shown = format!("{key:?} {key:#?}");
        prop_assert!(!shown.contains(&secret));
        let json = format!(
            r#"{{"id":"6579a1b2c3d4e5f601234567","privateKey":"{secret}","publicKey":"abcdefgh"}}"#
        );
        let api_key: ApiKey = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(api_key.private_key().unwrap().expose_private_key(), secret.as_str());
        let debug = format!("{api_key:?} {api_key:#?}");
        prop_assert!(!debug.contains(&secret));
        // Not even the part that survives redaction should leak from the full key's Debug.
        prop_assert!(!debug.contains(&secret[..8]));
    }

    #[test]
    fn redaction_of_any_uuid_is_recognised_and_keeps_the_last_group(secret in uuid()) {
        let red = PrivateKey::new(secret.clone()).redacted();
        prop_assert!(red.is_redacted());
        prop_assert!(!PrivateKey::new(secret.clone()).is_redacted());
        prop_assert_eq!(&red.expose_private_key()[19..], &secret[24..]);
    }
}
