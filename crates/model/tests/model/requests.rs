//! Request bodies: constructors and `Deserialize` enforce the same rules.

use atlas_keys_model::{
    AssignProjectApiKey, CreateOrgApiKey, CreateProjectApiKey, CreateProjectKeyRule, Description,
    Flavour, OrgRole, ProjectRole, UpdateOrgApiKey, UpdateProjectApiKeyRoles,
    UserAccessRoleAssignment,
};
use proptest::prelude::*;
use serde_json::json;

fn desc(s: &str) -> Description {
    Description::new(s).unwrap()
}

#[test]
fn create_org_key_serializes_camel_case_and_round_trips() {
    let body = CreateOrgApiKey::new(desc("ci"), vec![OrgRole::Member, OrgRole::ReadOnly]).unwrap();
    let v = serde_json::to_value(&body).unwrap();
    assert_eq!(
        v,
        json!({"desc": "ci", "roles": ["ORG_MEMBER", "ORG_READ_ONLY"]})
    );
    assert_eq!(serde_json::from_value::<CreateOrgApiKey>(v).unwrap(), body);
}

#[test]
fn create_org_key_needs_a_role_and_no_duplicates_on_both_paths() {
    assert_eq!(
        CreateOrgApiKey::new(desc("ci"), vec![])
            .unwrap_err()
            .field(),
        "roles"
    );
    let dup = CreateOrgApiKey::new(desc("ci"), vec![OrgRole::Owner, OrgRole::Owner]).unwrap_err();
    assert_eq!(dup.value(), "ORG_OWNER");
    for bad in [
        json!({"desc": "ci", "roles": []}),
        json!({"desc": "ci", "roles": ["ORG_OWNER", "ORG_OWNER"]}),
        json!({"desc": "", "roles": ["ORG_OWNER"]}),
        json!({"roles": ["ORG_OWNER"]}),
        json!({"desc": "ci"}),
    ] {
        assert!(
            serde_json::from_value::<CreateOrgApiKey>(bad.clone()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn validate_for_names_the_role_and_the_flavour() {
    let body = CreateOrgApiKey::new(desc("ci"), vec![OrgRole::StreamProcessingAdmin]).unwrap();
    assert!(body.validate_for(Flavour::AtlasV2).is_ok());
    let err = body.validate_for(Flavour::CloudManager).unwrap_err();
    assert_eq!(err.field(), "roles");
    assert_eq!(err.value(), "ORG_STREAM_PROCESSING_ADMIN");
    assert!(err.rule().contains("cloud-manager"), "{err}");
}

#[test]
fn update_org_key_needs_desc_or_non_empty_roles() {
    assert!(UpdateOrgApiKey::new(None, None).is_err());
    assert!(UpdateOrgApiKey::new(None, Some(vec![])).is_err());
    assert!(UpdateOrgApiKey::new(Some(desc("x")), None).is_ok());
    let only_roles = UpdateOrgApiKey::new(None, Some(vec![OrgRole::Owner])).unwrap();
    assert_eq!(
        serde_json::to_value(&only_roles).unwrap(),
        json!({"roles": ["ORG_OWNER"]})
    );
    assert!(serde_json::from_value::<UpdateOrgApiKey>(json!({})).is_err());
    assert!(serde_json::from_value::<UpdateOrgApiKey>(json!({"roles": []})).is_err());
    assert_eq!(
        serde_json::from_value::<UpdateOrgApiKey>(json!({"desc": "x"}))
            .unwrap()
            .desc(),
        Some(&desc("x"))
    );
}

#[test]
fn create_project_key_applies_the_flavour_rule() {
    let and = CreateProjectKeyRule::DescAndRoles;
    let or = CreateProjectKeyRule::DescOrRoles;
    assert_eq!(
        CreateProjectApiKey::new(and, None, vec![ProjectRole::Owner])
            .unwrap_err()
            .field(),
        "desc"
    );
    assert_eq!(
        CreateProjectApiKey::new(and, Some(desc("x")), vec![])
            .unwrap_err()
            .field(),
        "roles"
    );
    assert!(CreateProjectApiKey::new(or, None, vec![]).is_err());
    let only_desc = CreateProjectApiKey::new(or, Some(desc("x")), vec![]).unwrap();
    assert_eq!(
        serde_json::to_value(&only_desc).unwrap(),
        json!({"desc": "x"})
    );
    assert!(only_desc.validate_for(Flavour::OpsManager).is_ok());
    assert!(only_desc.validate_for(Flavour::AtlasV2).is_err());
    let mgr_role =
        CreateProjectApiKey::new(and, Some(desc("x")), vec![ProjectRole::AutomationAdmin]).unwrap();
    assert!(mgr_role.validate_for(Flavour::CloudManager).is_ok());
    assert_eq!(
        mgr_role.validate_for(Flavour::AtlasV1).unwrap_err().value(),
        "GROUP_AUTOMATION_ADMIN"
    );
}

#[test]
fn create_project_key_decodes_with_the_weaker_rule() {
    let body: CreateProjectApiKey = serde_json::from_value(json!({"desc": "x"})).unwrap();
    assert!(body.roles().is_empty());
    assert!(serde_json::from_value::<CreateProjectApiKey>(json!({})).is_err());
    assert!(
        serde_json::from_value::<CreateProjectApiKey>(
            json!({"roles": ["GROUP_OWNER", "GROUP_OWNER"]})
        )
        .is_err()
    );
}

#[test]
fn update_project_roles_and_assign_need_at_least_one_role() {
    assert!(UpdateProjectApiKeyRoles::new(Some(desc("x")), vec![]).is_err());
    assert!(AssignProjectApiKey::new(vec![]).is_err());
    assert!(UserAccessRoleAssignment::new(vec![], None).is_err());
    assert!(serde_json::from_value::<UpdateProjectApiKeyRoles>(json!({"desc": "x"})).is_err());
    assert!(serde_json::from_value::<AssignProjectApiKey>(json!({"roles": []})).is_err());
    assert!(
        serde_json::from_value::<Vec<UserAccessRoleAssignment>>(json!([{"roles": []}])).is_err()
    );
}

#[test]
fn v2_assign_body_is_an_array_of_role_lists_with_optional_user_id() {
    let body = vec![UserAccessRoleAssignment::new(vec![ProjectRole::ReadOnly], None).unwrap()];
    let v = serde_json::to_value(&body).unwrap();
    assert_eq!(v, json!([{"roles": ["GROUP_READ_ONLY"]}]));
    let with_id: Vec<UserAccessRoleAssignment> = serde_json::from_value(
        json!([{"roles": ["GROUP_OWNER"], "userId": "6579a1b2c3d4e5f601234567"}]),
    )
    .unwrap();
    assert_eq!(
        with_id[0].user_id().unwrap().as_str(),
        "6579a1b2c3d4e5f601234567"
    );
    assert!(
        serde_json::from_value::<Vec<UserAccessRoleAssignment>>(
            json!([{"roles": ["GROUP_OWNER"], "userId": "nope"}])
        )
        .is_err()
    );
}

proptest! {
    #[test]
    fn valid_request_bodies_round_trip_through_json(
        d in "[a-z ]{1,40}",
        org in proptest::sample::subsequence(OrgRole::KNOWN.to_vec(), 1..=7),
        project in proptest::sample::subsequence(ProjectRole::KNOWN.to_vec(), 1..=15),
    ) {
        let c = CreateOrgApiKey::new(desc(&d), org.clone()).unwrap();
        prop_assert_eq!(serde_json::from_value::<CreateOrgApiKey>(serde_json::to_value(&c).unwrap()).unwrap(), c);
        let u = UpdateOrgApiKey::new(None, Some(org)).unwrap();
        prop_assert_eq!(serde_json::from_value::<UpdateOrgApiKey>(serde_json::to_value(&u).unwrap()).unwrap(), u);
        let p = CreateProjectApiKey::new(CreateProjectKeyRule::DescAndRoles, Some(desc(&d)), project.clone()).unwrap();
        prop_assert_eq!(serde_json::from_value::<CreateProjectApiKey>(serde_json::to_value(&p).unwrap()).unwrap(), p);
        let r = UpdateProjectApiKeyRoles::new(None, project.clone()).unwrap();
        prop_assert_eq!(serde_json::from_value::<UpdateProjectApiKeyRoles>(serde_json::to_value(&r).unwrap()).unwrap(), r);
        let a = AssignProjectApiKey::new(project).unwrap();
        prop_assert_eq!(serde_json::from_value::<AssignProjectApiKey>(serde_json::to_value(&a).unwrap()).unwrap(), a);
    }

    #[test]
    fn a_role_list_with_a_repeat_is_rejected(roles in proptest::sample::subsequence(ProjectRole::KNOWN.to_vec(), 1..=15), pick in any::<proptest::sample::Index>()) {
        let mut dup = roles.clone();
        dup.push(pick.get(&roles).clone());
        let err = AssignProjectApiKey::new(dup).unwrap_err();
        prop_assert_eq!(err.field(), "roles");
    }
}
