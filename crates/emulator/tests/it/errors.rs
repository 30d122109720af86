//! Every client mistake gets a 4xx ApiError with the right errorCode, never a 500 or a
//! dropped connection.

use crate::common::*;
use http::Method;
use serde_json::json;

#[tokio::test]
async fn body_errors() {
    let env = start().await;
    let o = env.emu.org_id().to_owned();
    let keys = format!("{V2}/orgs/{o}/apiKeys");
    let post =
        |body: &'static [u8], ct: &str| Req::new(Method::POST, &keys).raw_body(body.to_vec(), ct);
    env.owner(post(b"{\"desc\":", ACCEPT_V2))
        .await
        .expect_error(400, "MALFORMED_JSON");
    env.owner(post(b"not json", "application/json"))
        .await
        .expect_error(400, "MALFORMED_JSON");
    env.owner(post(b"\xff\xfe", "application/json"))
        .await
        .expect_error(400, "MALFORMED_JSON");
    env.owner(post(b"", "application/json"))
        .await
        .expect_error(400, "INVALID_JSON");
    env.owner(Req::new(Method::POST, &keys))
        .await
        .expect_error(400, "INVALID_JSON");
    env.owner(post(b"[1,2]", "application/json"))
        .await
        .expect_error(400, "INVALID_JSON");
    env.post(
        &keys,
        json!({"desc": "d", "roles": ["ORG_MEMBER"], "extra": 1}),
    )
    .await
    .expect_error(400, "INVALID_ATTRIBUTE");
    env.post(&keys, json!({"desc": 5, "roles": ["ORG_MEMBER"]}))
        .await
        .expect_error(400, "INVALID_JSON_ATTRIBUTE");
    env.post(&keys, json!({"desc": "d", "roles": "ORG_MEMBER"}))
        .await
        .expect_error(400, "INVALID_JSON_ATTRIBUTE");
    env.post(&keys, json!({"desc": "d", "roles": [1]}))
        .await
        .expect_error(400, "INVALID_JSON_ATTRIBUTE");
    env.post(&keys, json!({"roles": ["ORG_MEMBER"]}))
        .await
        .expect_error(400, "MISSING_ATTRIBUTE");
    env.post(&keys, json!({"desc": "d"}))
        .await
        .expect_error(400, "MISSING_ATTRIBUTE");
    env.post(&keys, json!({"desc": "d", "roles": []}))
        .await
        .expect_error(400, "MISSING_API_KEY_ROLES");
    env.post(&keys, json!({"desc": "", "roles": ["ORG_MEMBER"]}))
        .await
        .expect_error(400, "INVALID_API_KEY_DESC");
    env.post(
        &keys,
        json!({"desc": "x".repeat(251), "roles": ["ORG_MEMBER"]}),
    )
    .await
    .expect_error(400, "INVALID_API_KEY_DESC");
    env.post(
        &keys,
        json!({"desc": "é".repeat(250), "roles": ["ORG_MEMBER"]}),
    )
    .await
    .expect(200);
    // Repeated roles are allowed by the schema and collapse into one.
    let r = env
        .post(
            &keys,
            json!({"desc": "d", "roles": ["ORG_MEMBER", "ORG_MEMBER"]}),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["roles"].as_array().unwrap().len(), 1);
    // null is not a string.
    env.post(&keys, json!({"desc": null, "roles": ["ORG_MEMBER"]}))
        .await
        .expect_error(400, "MISSING_ATTRIBUTE");
    env.post(&keys, json!({"desc": "d", "roles": ["NOT_A_ROLE"]}))
        .await
        .expect_error(400, "INVALID_ROLE_FOR_ORG");

    let (id, _, _) = env.create_org_key(V2, "k", &["ORG_MEMBER"]).await;
    let one = format!("{keys}/{id}");
    env.patch(&one, json!({}))
        .await
        .expect_error(400, "MISSING_ONE_OF_ATTRIBUTES");
    env.patch(&one, json!({"roles": []}))
        .await
        .expect_error(400, "MISSING_API_KEY_ROLES");
    env.patch(&one, json!({"roles": ["GROUP_OWNER"]}))
        .await
        .expect_error(400, "INVALID_ROLE_FOR_ORG");
    env.patch(&one, json!({"desc": null, "roles": ["ORG_OWNER"]}))
        .await
        .expect_error(400, "INVALID_JSON_ATTRIBUTE");
    env.patch(&one, json!({"desc": "x", "roles": null}))
        .await
        .expect_error(400, "INVALID_JSON_ATTRIBUTE");
    let g = env.emu.project_id().to_owned();
    let assign = format!("{V2}/groups/{g}/apiKeys/{id}");
    env.post(&assign, json!({"roles": ["GROUP_OWNER"]}))
        .await
        .expect_error(400, "INVALID_JSON");
    env.post(&assign, json!([]))
        .await
        .expect_error(400, "MISSING_API_KEY_ROLES");
    env.post(&assign, json!([{"roles": ["ORG_OWNER"]}]))
        .await
        .expect_error(400, "INVALID_ROLE_FOR_GROUP");
    env.post(
        &assign,
        json!([{"roles": ["GROUP_OWNER"], "userId": "000000000000000000000000"}]),
    )
    .await
    .expect_error(400, "INVALID_ATTRIBUTE");
    env.post(&assign, json!([{"roles": ["GROUP_OWNER"], "userId": id}]))
        .await
        .expect(204);
    env.patch(&assign, json!({"desc": "x"}))
        .await
        .expect_error(400, "MISSING_ATTRIBUTE");
}

#[tokio::test]
async fn deep_nesting_and_oversized_bodies_are_4xx() {
    let env = start().await;
    let keys = format!("{V2}/orgs/{}/apiKeys", env.emu.org_id());
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let r = env
        .owner(Req::new(Method::POST, &keys).raw_body(deep.into_bytes(), "application/json"))
        .await;
    assert!(r.status == 400 || r.status == 413, "{}", r.status);
    let deep = format!("{{\"desc\":{}1{}}}", "[".repeat(5000), "]".repeat(5000));
    env.owner(Req::new(Method::POST, &keys).raw_body(deep.into_bytes(), "application/json"))
        .await
        .expect_error(400, "MALFORMED_JSON");
    let big = vec![b' '; 70 * 1024];
    env.owner(Req::new(Method::POST, &keys).raw_body(big, "application/json"))
        .await
        .expect_error(413, "REQUEST_TOO_LARGE");
}

#[tokio::test]
async fn content_type_and_version_errors() {
    let env = start().await;
    let o = env.emu.org_id().to_owned();
    let keys = format!("{V2}/orgs/{o}/apiKeys");
    let body = br#"{"desc":"d","roles":["ORG_MEMBER"]}"#.to_vec();
    env.owner(Req::new(Method::POST, &keys).raw_body(body.clone(), "text/plain"))
        .await
        .expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
    env.owner(
        Req::new(Method::POST, &keys).raw_body(body.clone(), "application/x-www-form-urlencoded"),
    )
    .await
    .expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
    env.owner(
        Req::new(Method::POST, &keys).raw_body(body.clone(), "application/json; charset=utf-8"),
    )
    .await
    .expect(200);
    env.owner(
        Req::new(Method::POST, format!("{V1}/orgs/{o}/apiKeys")).raw_body(body.clone(), ACCEPT_V2),
    )
    .await
    .expect_error(415, "UNSUPPORTED_MEDIA_TYPE");

    for accept in [
        "application/vnd.atlas.2022-12-31+json",
        "application/vnd.atlas.2023-02-30+json",
        "application/vnd.atlas.latest+json",
        "application/json",
        "*/*",
    ] {
        let r = env
            .owner(Req::new(Method::GET, &keys).header("accept", accept))
            .await;
        let v = r.expect_error(406, "INVALID_VERSION_DATE");
        assert!(v["detail"].as_str().unwrap().contains(accept), "{v}");
    }
    env.owner(Req::new(Method::GET, &keys).no_header("accept"))
        .await
        .expect_error(406, "INVALID_VERSION_DATE");
    let r = env
        .owner(Req::new(Method::GET, &keys).header(
            "accept",
            "application/json, application/vnd.atlas.2030-01-01+json",
        ))
        .await;
    r.expect(200);
    assert_eq!(r.header("content-type"), Some(JSON_V2));
    // v1.0 and public ignore Accept versions.
    env.owner(Req::new(Method::GET, format!("{V1}/orgs/{o}/apiKeys")).header("accept", "*/*"))
        .await
        .expect(200);
}

#[tokio::test]
async fn path_and_query_errors() {
    let env = start().await;
    let o = env.emu.org_id().to_owned();
    let g = env.emu.project_id().to_owned();
    // A malformed path id is the service's 400 PATH_PARAM_PARSE_ERROR naming the path
    // (it was 404 INVALID_ORG_ID / INVALID_GROUP_ID / INVALID_KEY_ID before NOTES (j)).
    for path in [
        format!("{V2}/orgs/not-an-id/apiKeys"),
        format!("{V2}/orgs/{}/apiKeys", o.to_uppercase()),
        format!("{V2}/groups/xyz/apiKeys"),
        format!("{V2}/orgs/{o}/apiKeys/short"),
    ] {
        let v = env
            .get(&path)
            .await
            .expect_error(400, "PATH_PARAM_PARSE_ERROR");
        assert_eq!(
            v["detail"],
            format!("One or more path parameter in the request URI {path} is malformed.")
        );
        assert_eq!(v["parameters"], json!([path]));
    }
    env.get(&format!("{V2}/orgs/{}/apiKeys", "a".repeat(24)))
        .await
        .expect_error(404, "ORG_NOT_FOUND");
    env.get(&format!("{V2}/groups/{}/apiKeys", "b".repeat(24)))
        .await
        .expect_error(404, "GROUP_NOT_FOUND");
    // An unknown key id is a 400 on the service, not a 404 (NOTES (j)).
    let v = env
        .get(&format!("{V2}/orgs/{o}/apiKeys/{}", "c".repeat(24)))
        .await
        .expect_error(400, "API_KEY_NOT_FOUND");
    assert_eq!(
        v["detail"],
        format!("No API key with ID {} exists.", "c".repeat(24))
    );
    env.patch(
        &format!("{V2}/groups/{g}/apiKeys/{}", "c".repeat(24)),
        json!({"roles": ["GROUP_OWNER"]}),
    )
    .await
    .expect_error(400, "API_KEY_NOT_FOUND");
    env.get(&format!("{V2}/orgs/{o}/nothing"))
        .await
        .expect_error(404, "RESOURCE_NOT_FOUND");
    env.get("/api/atlas/v3/orgs")
        .await
        .expect_error(404, "RESOURCE_NOT_FOUND");
    env.get("/").await.expect_error(404, "RESOURCE_NOT_FOUND");
    env.owner(Req::new(Method::PUT, format!("{V2}/orgs/{o}/apiKeys")))
        .await
        .expect_error(405, "METHOD_NOT_ALLOWED");
    for q in [
        "pageNum=0",
        "pageNum=-1",
        "pageNum=x",
        "itemsPerPage=0",
        "itemsPerPage=501",
        "includeCount=maybe",
        "envelope=1",
        "pretty=yes",
    ] {
        env.get(&format!("{V2}/orgs/{o}/apiKeys?{q}"))
            .await
            .expect_error(400, "INVALID_QUERY_PARAMETER");
    }
    env.get(&format!("{V2}/orgs/{o}/apiKeys?unknown=1&pageNum=1"))
        .await
        .expect_error(400, "INVALID_QUERY_PARAMETER");
    env.get(&format!("{V2}/orgs/{o}/apiKeys?pageNum=198767527425976"))
        .await
        .expect(200);
    let r = env
        .owner(Req::new(Method::TRACE, format!("{V2}/orgs/{o}/apiKeys")))
        .await;
    r.expect_error(405, "METHOD_NOT_ALLOWED");
    assert_eq!(r.header("allow"), Some("GET, POST"));
}

#[tokio::test]
async fn access_list_errors() {
    let env = start().await;
    let o = env.emu.org_id().to_owned();
    let (id, _, _) = env.create_org_key(V2, "al", &["ORG_MEMBER"]).await;
    let al = format!("{V2}/orgs/{o}/apiKeys/{id}/accessList");
    env.post(&al, json!([{"ipAddress": "300.1.1.1"}]))
        .await
        .expect_error(400, "INVALID_IP_ADDRESS_OR_CIDR_NOTATION");
    env.post(&al, json!([{"cidrBlock": "10.0.0.1/8"}]))
        .await
        .expect_error(400, "INVALID_IP_ADDRESS_OR_CIDR_NOTATION");
    env.get(&format!("{al}/10.1.2.3%2F8"))
        .await
        .expect_error(400, "INVALID_IP_ADDRESS_OR_CIDR_NOTATION");
    env.post(&al, json!([{"cidrBlock": "10.0.0.0/33"}]))
        .await
        .expect_error(400, "INVALID_IP_ADDRESS_OR_CIDR_NOTATION");
    env.post(
        &al,
        json!([{"ipAddress": "1.2.3.4", "cidrBlock": "1.2.3.4/32"}]),
    )
    .await
    .expect_error(400, "INVALID_IP_ADDRESS_OR_CIDR_NOTATION");
    env.post(&al, json!([{}]))
        .await
        .expect_error(400, "MISSING_ONE_OF_ATTRIBUTES");
    env.post(&al, json!([{"ip": "1.2.3.4"}]))
        .await
        .expect_error(400, "INVALID_ATTRIBUTE");
    env.post(&al, json!([]))
        .await
        .expect_error(400, "BAD_WHITELIST_ADD_REQUEST");
    env.post(&al, json!({"ipAddress": "1.2.3.4"}))
        .await
        .expect_error(400, "INVALID_JSON");
    env.post(
        &al,
        json!([{"ipAddress": "1.2.3.4"}, {"cidrBlock": "1.2.3.4/32"}]),
    )
    .await
    .expect_error(400, "DUPLICATE_ADDRESSES_IN_INPUT");
    env.post(
        &al,
        json!([{"ipAddress": "10.0.0.1"}, {"ipAddress": "10.0.0.1"}]),
    )
    .await
    .expect_error(400, "DUPLICATE_ADDRESSES_IN_INPUT");
    env.post(&al, json!([{"ipAddress": "1.2.3.4"}]))
        .await
        .expect(200);
    env.post(&al, json!([{"cidrBlock": "1.2.3.4/32"}]))
        .await
        .expect_error(409, "ADDRESS_ALREADY_IN_ACCESS_LIST");
    env.post(&al, json!([{"ipAddress": "2001:db8::1"}]))
        .await
        .expect(200);
    env.get(&format!("{al}/1.2.3.5"))
        .await
        .expect_error(404, "API_KEY_ACCESS_LIST_ENTRY_NOT_FOUND");
    env.get(&format!("{al}/nonsense"))
        .await
        .expect_error(400, "INVALID_IP_ADDRESS_OR_CIDR_NOTATION");
    env.delete(&format!("{al}/9.9.9.9"))
        .await
        .expect_error(404, "API_KEY_ACCESS_LIST_ENTRY_NOT_FOUND");
    env.get(&format!("{al}/2001:db8::1")).await.expect(200);
}

#[tokio::test]
async fn garbage_requests_never_get_500() {
    let env = start().await;
    let o = env.emu.org_id().to_owned();
    let paths = [
        format!("{V2}/orgs/{o}/apiKeys/%00"),
        format!("{V2}/orgs/{o}/apiKeys/{}/accessList/%ZZ", "a".repeat(24)),
        format!("{V2}/orgs/{o}/apiKeys/{}/accessList/%E2%82", "a".repeat(24)),
        format!("{V2}/groups/{}/apiKeys/{}", "a".repeat(24), "b".repeat(24)),
        format!("{V2}//orgs"),
        // A huge but well-formed pageNum is a valid page past the end (the schema sets no
        // maximum); these are malformed.
        format!("{PUBLIC}/orgs/{o}/apiKeys?pageNum=1e99"),
        format!("{PUBLIC}/orgs/{o}/apiKeys?pageNum=9%009"),
    ];
    for p in paths {
        for m in [Method::GET, Method::POST, Method::PATCH, Method::DELETE] {
            let r = env
                .owner(
                    Req::new(m.clone(), &p).raw_body(b"{\"a\":[[[[".to_vec(), "application/json"),
                )
                .await;
            assert!((400..500).contains(&r.status), "{m} {p}: {}", r.status);
        }
    }
    assert_eq!(env.stats().await["byStatus"].get("500"), None);
}
