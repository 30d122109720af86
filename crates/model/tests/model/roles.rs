//! Roles, flavours, role assignments and error codes: strict parse, lenient decode.

use atlas_keys_model::{
    CreateProjectKeyRule, ErrorCode, Flavour, OrgRole, ProjectRole, RoleAssignment,
};
use proptest::prelude::*;

use crate::strategies::upper_snake;

#[test]
fn known_lists_have_the_documented_sizes() {
    assert_eq!(OrgRole::KNOWN.len(), 7);
    assert_eq!(ProjectRole::KNOWN.len(), 30);
    assert!(
        OrgRole::KNOWN
            .iter()
            .all(|r| !matches!(r, OrgRole::Other(_)))
    );
}

#[test]
fn flavour_role_sets_follow_notes_b_and_j() {
    for f in [Flavour::AtlasV2, Flavour::AtlasV1] {
        assert_eq!(f.org_roles().len(), 7);
        assert_eq!(f.project_roles().len(), 26);
        assert!(f.accepts_org_role(&OrgRole::StreamProcessingAdmin));
        assert!(f.accepts_project_role(&ProjectRole::ClusterManager));
        assert!(!f.accepts_project_role(&ProjectRole::AutomationAdmin));
        assert_eq!(
            f.create_project_key_rule(),
            CreateProjectKeyRule::DescAndRoles
        );
    }
    for f in [Flavour::CloudManager, Flavour::OpsManager] {
        assert_eq!(f.org_roles().len(), 6);
        assert_eq!(f.project_roles().len(), 9);
        assert!(!f.accepts_org_role(&OrgRole::StreamProcessingAdmin));
        assert!(f.accepts_project_role(&ProjectRole::UserAdmin));
        assert!(!f.accepts_project_role(&ProjectRole::SearchIndexEditor));
        assert_eq!(
            f.create_project_key_rule(),
            CreateProjectKeyRule::DescOrRoles
        );
    }
}

#[test]
fn every_flavour_role_is_a_known_role() {
    for f in Flavour::ALL {
        assert!(
            f.org_roles()
                .iter()
                .all(|r| r.is_known() && OrgRole::KNOWN.contains(r))
        );
        assert!(
            f.project_roles()
                .iter()
                .all(|r| ProjectRole::KNOWN.contains(r))
        );
    }
}

#[test]
fn explicit_custom_roles_are_accepted_by_every_flavour() {
    let org = OrgRole::custom("ORG_SOMETHING_NEW").unwrap();
    let project = ProjectRole::custom("GROUP_SOMETHING_NEW").unwrap();
    for f in Flavour::ALL {
        assert!(f.accepts_org_role(&org));
        assert!(f.accepts_project_role(&project));
    }
}

#[test]
fn a_known_role_built_as_other_is_judged_as_the_known_role() {
    let sneaky = OrgRole::Other("ORG_STREAM_PROCESSING_ADMIN".to_owned());
    assert_eq!(sneaky, OrgRole::StreamProcessingAdmin);
    assert!(!Flavour::OpsManager.accepts_org_role(&sneaky));
}

#[test]
fn strict_parse_rejects_typos_naming_roles_and_value() {
    let err = OrgRole::parse("ORG_OWNR").unwrap_err();
    assert_eq!(err.field(), "roles");
    assert_eq!(err.value(), "ORG_OWNR");
    assert!(err.rule().contains("known organization role"), "{err}");
    assert!("GROUP_OWNER".parse::<OrgRole>().is_err());
    assert!("ORG_OWNER".parse::<ProjectRole>().is_err());
}

#[test]
fn custom_rejects_empty_and_whitespace_and_canonicalises_known() {
    assert_eq!(OrgRole::custom("").unwrap_err().field(), "roles");
    assert!(ProjectRole::custom("GROUP X").is_err());
    assert!(matches!(
        OrgRole::custom("ORG_OWNER").unwrap(),
        OrgRole::Owner
    ));
}

#[test]
fn flavour_names_round_trip_and_unknown_is_an_error() {
    for f in Flavour::ALL {
        assert_eq!(f.as_str().parse::<Flavour>().unwrap(), f);
        assert_eq!(f.to_string(), f.as_str());
    }
    assert_eq!("atlas".parse::<Flavour>().unwrap(), Flavour::AtlasV2);
    assert_eq!("mongo".parse::<Flavour>().unwrap_err().field(), "flavour");
}

#[test]
fn role_assignment_with_both_ids_or_neither_fails_to_decode() {
    let both = r#"{"orgId":"4888442a3354817a7320eb61","groupId":"32b6e34b3d91647abb20e7b8","roleName":"GROUP_OWNER"}"#;
    assert!(serde_json::from_str::<RoleAssignment>(both).is_err());
    assert!(serde_json::from_str::<RoleAssignment>(r#"{"roleName":"GROUP_OWNER"}"#).is_err());
}

#[test]
fn role_assignment_serializes_only_the_id_it_has() {
    let a = RoleAssignment::Project {
        project_id: "32b6e34b3d91647abb20e7b8".parse().unwrap(),
        role: ProjectRole::ReadOnly,
    };
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        r#"{"groupId":"32b6e34b3d91647abb20e7b8","roleName":"GROUP_READ_ONLY"}"#
    );
}

#[test]
fn error_code_predicates_classify_the_documented_codes() {
    assert!(ErrorCode::RateLimited.is_rate_limited());
    assert!(ErrorCode::from("RATE_LIMITED_TOKEN_BUCKET").is_rate_limited());
    assert!(ErrorCode::ResourceNotFound.is_not_found());
    assert!(ErrorCode::ApiKeyWhitelistNotFound.is_not_found());
    assert!(ErrorCode::AddressAlreadyInWhitelist.is_conflict());
    assert!(ErrorCode::VersionGone.is_version_gone());
    assert!(ErrorCode::InvalidRoleForOrg.is_invalid_role());
    assert!(ErrorCode::IpAddressNotOnWhitelist.is_access_list_denied());
    assert!(ErrorCode::NotAtlasOrg.is_wrong_api_family());
    assert!(!ErrorCode::Other("NEW".into()).is_not_found());
    assert!(ErrorCode::Other("RATE_LIMITED".into()).is_rate_limited());
}

#[test]
fn every_known_error_code_round_trips_through_its_string() {
    for code in ErrorCode::KNOWN {
        assert!(code.is_known());
        assert_eq!(&ErrorCode::from_wire(code.as_str()), code);
        let json = serde_json::to_string(code).unwrap();
        assert_eq!(&serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
    }
}

proptest! {
    #[test]
    fn known_roles_round_trip_through_parse_display_and_serde(i in 0usize..7, j in 0usize..30) {
        let org = OrgRole::KNOWN[i].clone();
        prop_assert_eq!(org.to_string().parse::<OrgRole>().unwrap(), org.clone());
        let json = serde_json::to_string(&org).unwrap();
        prop_assert_eq!(serde_json::from_str::<OrgRole>(&json).unwrap(), org);
        let project = ProjectRole::KNOWN[j].clone();
        prop_assert_eq!(project.as_str().parse::<ProjectRole>().unwrap(), project.clone());
        let json = serde_json::to_string(&project).unwrap();
        prop_assert_eq!(serde_json::from_str::<ProjectRole>(&json).unwrap(), project);
    }

    #[test]
    fn unknown_values_decode_to_other_and_survive_a_round_trip(s in upper_snake()) {
        let org: OrgRole = serde_json::from_value(serde_json::Value::String(s.clone())).unwrap();
        let project: ProjectRole = serde_json::from_value(serde_json::Value::String(s.clone())).unwrap();
        let code: ErrorCode = serde_json::from_value(serde_json::Value::String(s.clone())).unwrap();
        prop_assert_eq!(serde_json::to_value(&org).unwrap(), serde_json::Value::String(s.clone()));
        prop_assert_eq!(serde_json::to_value(&project).unwrap(), serde_json::Value::String(s.clone()));
        prop_assert_eq!(code.to_string(), s.clone());
        if !org.is_known() {
            prop_assert!(matches!(org, OrgRole::Other(_)));
            let err = OrgRole::parse(&s).unwrap_err();
            prop_assert_eq!(err.field(), "roles");
            prop_assert_eq!(err.value(), s.as_str());
            prop_assert_eq!(OrgRole::custom(s.clone()).unwrap(), OrgRole::Other(s.clone()));
        }
        if !project.is_known() {
            prop_assert!(ProjectRole::parse(&s).is_err());
        }
        if !code.is_known() {
            prop_assert_eq!(code, ErrorCode::Other(s));
        }
    }
}
