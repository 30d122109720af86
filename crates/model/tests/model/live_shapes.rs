//! Real-shaped bodies of the live service (NOTES (j)): `null` for arrays, odd fields
//! beside a good `errorCode`, both access-list code spellings, roles this crate does not
//! know, and the 26 Atlas project roles with the deliberate `unchecked` escape hatch.

use atlas_keys_model::{
    AccessListEntry, ApiErrorBody, ApiKey, CreateOrgApiKey, CreateProjectApiKey,
    CreateProjectKeyRule, ErrorCode, ErrorParameter, Flavour, OrgRole, Page, ProjectId,
    ProjectRole, RoleAssignment,
};

/// A create-in-project body with a description, judged later by `validate_for`.
fn project_body(roles: Vec<ProjectRole>) -> CreateProjectApiKey {
    CreateProjectApiKey::new(
        CreateProjectKeyRule::DescOrRoles,
        Some("d".parse().unwrap()),
        roles,
    )
    .unwrap()
}

fn error(body: &str) -> ApiErrorBody {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{body}: {e}"))
}

#[test]
fn parameters_null_reads_as_empty() {
    let e = error(
        r#"{"detail":"No API key with ID 0123456789abcdef01234567 exists.","error":400,"errorCode":"API_KEY_NOT_FOUND","parameters":null,"reason":"Bad Request"}"#,
    );
    assert_eq!(e.error_code, ErrorCode::ApiKeyNotFound);
    assert!(e.parameters.is_empty());
    assert!(e.error_code.is_not_found());
}

#[test]
fn odd_fields_never_lose_the_error_code() {
    // Each body names its code; everything else is odd in a different way.
    let bodies = [
        r#"{"error":403,"errorCode":"IP_ADDRESS_NOT_ON_ACCESS_LIST","detail":5}"#,
        r#"{"error":403,"errorCode":"IP_ADDRESS_NOT_ON_ACCESS_LIST","parameters":{}}"#,
        r#"{"error":403,"errorCode":"IP_ADDRESS_NOT_ON_ACCESS_LIST","reason":null}"#,
        r#"{"error":"403","errorCode":"IP_ADDRESS_NOT_ON_ACCESS_LIST","detail":null}"#,
        r#"{"errorCode":"IP_ADDRESS_NOT_ON_ACCESS_LIST"}"#,
        r#"{"error":null,"errorCode":"IP_ADDRESS_NOT_ON_ACCESS_LIST","reason":["Forbidden"]}"#,
        r#"{"error":403,"errorCode":"IP_ADDRESS_NOT_ON_ACCESS_LIST","badRequestDetail":"x"}"#,
        r#"{"error":403,"errorCode":"IP_ADDRESS_NOT_ON_ACCESS_LIST","badRequestDetail":{"fields":null}}"#,
        r#"{"error":403,"errorCode":"IP_ADDRESS_NOT_ON_ACCESS_LIST","badRequestDetail":{"fields":["x",{"field":1,"description":null}]}}"#,
        r#"{"error":403,"errorCode":"IP_ADDRESS_NOT_ON_ACCESS_LIST","parameters":[[1],{"a":2},null,"203.0.113.7"],"extra":{"x":[]}}"#,
    ];
    for body in bodies {
        let e = error(body);
        assert_eq!(e.error_code, ErrorCode::IpAddressNotOnAccessList, "{body}");
        assert!(e.error_code.is_access_list_denied(), "{body}");
    }
    assert_eq!(error(bodies[0]).detail.as_deref(), Some("5"));
    assert_eq!(error(bodies[3]).error, 403);
    assert_eq!(error(bodies[4]).error, 0, "absent status reads as 0");
    let fields = error(bodies[8]).bad_request_detail.unwrap().fields;
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0].field, "1");
    assert_eq!(fields[0].description, "");
    assert_eq!(
        error(bodies[9]).parameters,
        [
            ErrorParameter::Unsupported,
            ErrorParameter::Unsupported,
            ErrorParameter::Null,
            ErrorParameter::String("203.0.113.7".into())
        ]
    );
}

#[test]
fn a_body_without_an_error_code_still_fails() {
    for body in [
        r#"{"error":403,"detail":"x"}"#,
        r#"{"error":403,"errorCode":7}"#,
        r#"{"results":[],"totalCount":0}"#,
        "[]",
    ] {
        assert!(
            serde_json::from_str::<ApiErrorBody>(body).is_err(),
            "{body}"
        );
    }
}

#[test]
fn both_access_list_spellings_answer_the_same_predicates() {
    let pairs = [
        (
            "IP_ADDRESS_NOT_ON_ACCESS_LIST",
            "IP_ADDRESS_NOT_ON_WHITELIST",
        ),
        ("ORG_REQUIRES_ACCESS_LIST", "ORG_REQUIRES_WHITELIST"),
        (
            "RESOURCE_REQUIRES_ACCESS_LIST",
            "RESOURCE_REQUIRES_WHITELIST",
        ),
        (
            "API_KEY_ACCESS_LIST_ACCESS_DENIED",
            "API_KEY_WHITELIST_ACCESS_DENIED",
        ),
        (
            "ADDRESS_ALREADY_IN_ACCESS_LIST",
            "ADDRESS_ALREADY_IN_WHITELIST",
        ),
        (
            "API_KEY_ACCESS_LIST_ENTRY_NOT_FOUND",
            "API_KEY_WHITELIST_NOT_FOUND",
        ),
        (
            "CANNOT_REMOVE_CALLER_FROM_ACCESS_LIST",
            "CANNOT_REMOVE_CALLER_FROM_WHITELIST",
        ),
    ];
    for (live, retired) in pairs {
        let body = |code: &str| {
            error(&format!(
                r#"{{"error":403,"errorCode":"{code}","parameters":["203.0.113.7"],"detail":"IP address 203.0.113.7 is not allowed to access this resource.","reason":"Forbidden"}}"#
            ))
            .error_code
        };
        let (a, b) = (body(live), body(retired));
        assert!(a.is_known() && b.is_known(), "{live} / {retired}");
        let predicates: [fn(&ErrorCode) -> bool; 7] = [
            ErrorCode::is_access_list_denied,
            ErrorCode::is_ip_not_on_access_list,
            ErrorCode::is_access_list_required,
            ErrorCode::is_conflict,
            ErrorCode::is_not_found,
            ErrorCode::is_access_list_entry_not_found,
            ErrorCode::is_cannot_remove_caller,
        ];
        for (i, p) in predicates.iter().enumerate() {
            assert_eq!(p(&a), p(&b), "predicate {i} on {live} / {retired}");
        }
    }
    assert!(ErrorCode::from("PATH_PARAM_PARSE_ERROR").is_path_param_error());
}

#[test]
fn null_arrays_in_keys_pages_and_entries_read_as_empty() {
    let key: ApiKey = serde_json::from_str(
        r#"{"id":"5d1d12c087d9d63e6d3ef8d1","desc":"ci","publicKey":"zmmrboas","privateKey":"********-****-****-8c4f01bdd56c","roles":null,"links":null}"#,
    )
    .unwrap();
    assert!(key.roles().is_empty() && key.links().is_empty());

    let page: Page<ApiKey> =
        serde_json::from_str(r#"{"results":null,"links":null,"totalCount":0}"#).unwrap();
    assert!(page.is_empty() && page.links().is_empty() && page.is_last_page());

    let entry: AccessListEntry = serde_json::from_str(
        r#"{"cidrBlock":"203.0.113.7/32","ipAddress":"203.0.113.7","count":0,"created":"2026-08-01T10:00:00Z","lastUsed":null,"lastUsedAddress":null,"links":null}"#,
    )
    .unwrap();
    assert_eq!(entry.count(), Some(0));
    assert!(entry.links().is_empty() && entry.last_used().is_none());

    // A page must still say `results`: a body without it is not an empty page.
    assert!(serde_json::from_str::<Page<ApiKey>>(r#"{"links":null}"#).is_err());
}

#[test]
fn roles_the_client_does_not_know_survive_decoding() {
    let key: ApiKey = serde_json::from_str(
        r#"{"id":"5d1d12c087d9d63e6d3ef8d1","desc":"ci","publicKey":"zmmrboas","roles":[
            {"orgId":"4888442a3354817a7320eb61","roleName":"ORG_NEW_THING"},
            {"groupId":"32b6e34b3d91647abb20e7b8","roleName":"GROUP_NEW_THING"},
            {"groupId":"32b6e34b3d91647abb20e7b8","roleName":"GROUP_ACCESS_MANAGER"}]}"#,
    )
    .unwrap();
    let project: ProjectId = "32b6e34b3d91647abb20e7b8".parse().unwrap();
    assert_eq!(key.org_roles(), [&OrgRole::Other("ORG_NEW_THING".into())]);
    assert_eq!(
        key.project_roles(&project),
        [
            &ProjectRole::Other("GROUP_NEW_THING".into()),
            &ProjectRole::AccessManager
        ]
    );
    assert!(
        matches!(&key.roles()[1], RoleAssignment::Project { role: ProjectRole::Other(s), .. } if s == "GROUP_NEW_THING")
    );
}

#[test]
fn a_role_name_with_json_escapes_reads_as_the_role_and_writes_back_plain() {
    // Borrowed when it can be, copied when the JSON escapes it: the same role either way.
    let escaped = r#"{"orgId":"4888442a3354817a7320eb61","roleName":"ORG\u005fOWNER"}"#;
    let plain = r#"{"orgId":"4888442a3354817a7320eb61","roleName":"ORG_OWNER"}"#;
    let a: RoleAssignment = serde_json::from_str(escaped).unwrap();
    assert!(
        matches!(
            a,
            RoleAssignment::Org {
                role: OrgRole::Owner,
                ..
            }
        ),
        "{a:?}"
    );
    assert_eq!(serde_json::to_string(&a).unwrap(), plain);
    let from_value: RoleAssignment =
        serde_json::from_value(serde_json::from_str(escaped).unwrap()).unwrap();
    assert_eq!(from_value, a);
    let both = r#"{"orgId":"4888442a3354817a7320eb61","groupId":"32b6e34b3d91647abb20e7b8","roleName":"X"}"#;
    let err = serde_json::from_str::<RoleAssignment>(both).unwrap_err();
    assert!(err.to_string().contains("not both"), "{err}");
}

#[test]
fn atlas_accepts_the_26_project_roles_of_notes_j() {
    let notes_j = "GROUP_OWNER, GROUP_CLUSTER_MANAGER, GROUP_CLUSTER_CREATOR, GROUP_CLUSTER_LOG_VIEWER, GROUP_CLUSTER_RESILIENCE_TESTER, GROUP_REPLICA_SET_MANAGER, GROUP_STREAM_PROCESSING_OWNER, GROUP_ACCESS_MANAGER, GROUP_DATA_ACCESS_ADMIN, GROUP_DATA_ACCESS_READ_WRITE, GROUP_DATA_ACCESS_READ_ONLY, GROUP_DATABASE_ACCESS_ADMIN, GROUP_BACKUP_MANAGER, GROUP_BACKUP_CREATOR, GROUP_BACKUP_RECOVERY_OPERATOR, GROUP_BACKUP_EXPORT_OPERATOR, GROUP_NETWORK_ACCESS_MANAGER, GROUP_OBSERVABILITY_VIEWER, GROUP_TRIGGER_MANAGER, GROUP_READ_ONLY, GROUP_INDEX_MANAGER, GROUP_SEARCH_INDEX_EDITOR, GROUP_REAL_TIME_PERFORMANCE_OPERATOR, GROUP_SUPPORT_ACCESS_MANAGER, GROUP_ALERTS_MANAGER, GROUP_MODEL_OWNER";
    let names: Vec<&str> = notes_j.split(", ").collect();
    assert_eq!(names.len(), 26);
    for flavour in [Flavour::AtlasV2, Flavour::AtlasV1] {
        let set: Vec<&str> = flavour.project_roles().iter().map(|r| r.as_str()).collect();
        assert_eq!(set, names, "{flavour}");
        for name in &names {
            let role = ProjectRole::parse(name).unwrap();
            assert!(role.is_known());
            let body = project_body(vec![role]);
            assert!(body.validate_for(flavour).is_ok(), "{name} in {flavour}");
        }
    }
    // Cloud/Ops Manager keep their own 9.
    assert!(!Flavour::CloudManager.accepts_project_role(&ProjectRole::AccessManager));
    assert_eq!(Flavour::OpsManager.project_roles().len(), 9);
}

#[test]
fn unchecked_roles_pass_validation_when_well_shaped() {
    let new = ProjectRole::unchecked("GROUP_NEW_THING_2");
    assert!(matches!(&new, ProjectRole::Other(s) if s == "GROUP_NEW_THING_2"));
    for flavour in Flavour::ALL {
        let body = project_body(vec![new.clone()]);
        assert!(body.validate_for(flavour).is_ok(), "{flavour}");
        let org = CreateOrgApiKey::new(
            "d".parse().unwrap(),
            vec![OrgRole::unchecked("ORG_NEW_THING")],
        )
        .unwrap();
        assert!(org.validate_for(flavour).is_ok(), "{flavour}");
    }
    for bad in [
        "group_new_thing",
        "GROUP_",
        "ORG_NEW_THING",
        "GROUP NEW",
        "GROUP_NÉ",
        "",
    ] {
        let role = ProjectRole::unchecked(bad);
        assert!(!role.is_well_shaped(), "{bad:?}");
        let body = project_body(vec![role]);
        let err = body.validate_for(Flavour::AtlasV2).unwrap_err();
        assert_eq!(err.field(), "roles");
    }
    // A known role goes to its variant, and is still judged per flavour.
    assert_eq!(
        ProjectRole::unchecked("GROUP_AUTOMATION_ADMIN"),
        ProjectRole::AutomationAdmin
    );
    let wrong = project_body(vec![ProjectRole::unchecked("GROUP_AUTOMATION_ADMIN")]);
    assert!(wrong.validate_for(Flavour::AtlasV2).is_err());
}

#[test]
fn a_role_wrong_for_the_flavour_fails_listing_the_valid_ones() {
    let body = project_body(vec![ProjectRole::UserAdmin]);
    let err = body.validate_for(Flavour::AtlasV2).unwrap_err();
    for role in Flavour::AtlasV2.project_roles() {
        assert!(err.rule().contains(role.as_str()), "{err}");
    }
    assert_eq!(err.value(), "GROUP_USER_ADMIN");
}
