//! Pagination edges, envelope and pretty.

use crate::common::*;
use atlas_keys_emulator::{Emulator, RateLimitConfig};
use serde_json::{Value, json};

fn rels(v: &Value) -> Vec<String> {
    v["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap().to_owned())
        .collect()
}

fn link(v: &Value, rel: &str) -> String {
    v["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == rel)
        .unwrap()["href"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn pages_of_501_keys() {
    let env = start_with(
        Emulator::builder()
            .rate_limit(RateLimitConfig::Off)
            .bulk_project_keys(501),
    )
    .await;
    let g = env.emu.project_id().to_owned();
    let base = env.emu.base_url().to_owned();
    let list = format!("{V2}/groups/{g}/apiKeys");

    let r = env
        .get(&format!("{list}?itemsPerPage=500&envelope=false"))
        .await;
    r.expect(200);
    let p1 = r.json();
    assert_eq!(p1["results"].as_array().unwrap().len(), 500);
    assert_eq!(p1["totalCount"], 501);
    assert_eq!(rels(&p1), ["self", "next"]);
    let next = link(&p1, "next");
    assert!(next.starts_with(&format!("{base}{list}?")), "{next}");
    assert!(
        next.contains("envelope=false")
            && next.contains("pageNum=2")
            && next.contains("itemsPerPage=500"),
        "{next}"
    );
    assert_eq!(p1["results"][0]["desc"], "bulk key 0");
    assert_eq!(p1["results"][499]["desc"], "bulk key 499");

    let r = env.get(&next[base.len()..]).await;
    let p2 = r.json();
    assert_eq!(p2["results"].as_array().unwrap().len(), 1);
    assert_eq!(p2["results"][0]["desc"], "bulk key 500");
    assert_eq!(rels(&p2), ["previous", "self"]);
    assert!(link(&p2, "previous").contains("pageNum=1"));

    // Default page size 100; includeCount=false leaves totalCount out.
    let r = env
        .get(&format!("{list}?includeCount=false&pageNum=3"))
        .await;
    let p = r.json();
    assert_eq!(p["results"].as_array().unwrap().len(), 100);
    assert!(p.get("totalCount").is_none());
    assert_eq!(p["results"][0]["desc"], "bulk key 200");
    assert_eq!(rels(&p), ["previous", "self", "next"]);

    // Past the end: empty results, no next.
    let r = env.get(&format!("{list}?pageNum=7")).await;
    let p = r.json();
    assert_eq!(p["results"], json!([]));
    assert_eq!(rels(&p), ["previous", "self"]);

    // Stable order across calls.
    let again = env.get(&format!("{list}?itemsPerPage=500")).await.json();
    assert_eq!(again["results"], p1["results"]);
    // The org list holds the owner and the bulk keys, all sorted by public key.
    let org = env
        .get(&format!(
            "{V2}/orgs/{}/apiKeys?itemsPerPage=500",
            env.emu.org_id()
        ))
        .await
        .json();
    assert_eq!(org["totalCount"], 502);
    let publics = public_keys(&org);
    assert!(publics.windows(2).all(|w| w[0] < w[1]), "{publics:?}");
    assert!(publics.contains(&env.emu.public_key().to_owned()));
}

fn public_keys(v: &Value) -> Vec<String> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["publicKey"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn empty_and_single_pages() {
    let env = start().await;
    let o = env.emu.org_id().to_owned();
    let (id, _, _) = env.create_org_key(V2, "pages", &["ORG_MEMBER"]).await;
    let al = format!("{V2}/orgs/{o}/apiKeys/{id}/accessList");
    let r = env.get(&al).await.json();
    assert_eq!(r["results"], json!([]));
    assert_eq!(r["totalCount"], 0);
    assert_eq!(rels(&r), ["self"]);
    env.post(
        &al,
        json!([{"ipAddress": "192.0.2.1"}, {"ipAddress": "192.0.2.2"}, {"ipAddress": "192.0.2.3"}]),
    )
    .await
    .expect(200);
    let r = env.get(&format!("{al}?itemsPerPage=3")).await.json();
    assert_eq!(r["results"].as_array().unwrap().len(), 3);
    assert_eq!(rels(&r), ["self"]);
    let r = env
        .get(&format!("{al}?itemsPerPage=2&pageNum=2"))
        .await
        .json();
    assert_eq!(r["results"][0]["ipAddress"], "192.0.2.3");
    assert_eq!(rels(&r), ["previous", "self"]);
    // An empty project.
    let g = env.emu.project_id().to_owned();
    let r = env
        .get(&format!("{PUBLIC}/groups/{g}/apiKeys"))
        .await
        .json();
    assert_eq!(r["results"], json!([]));
    assert_eq!(r["totalCount"], 0);
}

#[tokio::test]
async fn envelope_and_pretty() {
    let env = start().await;
    let o = env.emu.org_id().to_owned();
    let g = env.emu.project_id().to_owned();
    for prefix in [V2, V1, PUBLIC] {
        let keys = format!("{prefix}/orgs/{o}/apiKeys");
        // Single entity.
        let r = env
            .post(
                &format!("{keys}?envelope=true"),
                json!({"desc": "env", "roles": ["ORG_MEMBER"]}),
            )
            .await;
        r.expect(200);
        let v = r.json();
        assert_eq!(v["status"], 200);
        assert_eq!(v["content"]["desc"], "env");
        assert_eq!(v["content"]["privateKey"].as_str().unwrap().len(), 36);
        let id = v["content"]["id"].as_str().unwrap().to_owned();
        // List: status beside results.
        let v = env.get(&format!("{keys}?envelope=true")).await.json();
        assert_eq!(v["status"], 200);
        assert!(v["results"].is_array() && v.get("content").is_none());
        // Errors: HTTP 200 with the error as content.
        let r = env
            .get(&format!("{keys}/{}?envelope=true", "f".repeat(24)))
            .await;
        r.expect(200);
        let v = r.json();
        assert_eq!(v["status"], 400);
        assert_eq!(v["content"]["errorCode"], "API_KEY_NOT_FOUND");
        // No-content answers.
        let r = env
            .delete(&format!("{prefix}/groups/{g}/apiKeys/{id}?envelope=true"))
            .await;
        r.expect(200);
        assert_eq!(r.json()["status"], 404);
        let r = env.delete(&format!("{keys}/{id}?envelope=true")).await;
        r.expect(200);
        assert_eq!(r.json()["status"], 204);
        // Pretty.
        let r = env.get(&format!("{keys}?pretty=true")).await;
        let text = String::from_utf8(r.body.to_vec()).unwrap();
        assert!(text.contains("\n  \"results\""), "{text}");
        let compact = env.get(&keys).await;
        assert!(
            !String::from_utf8(compact.body.to_vec())
                .unwrap()
                .contains('\n')
        );
        let r = env
            .get(&format!(
                "{keys}/{}?pretty=true&envelope=true",
                "f".repeat(24)
            ))
            .await;
        assert!(
            String::from_utf8(r.body.to_vec())
                .unwrap()
                .contains("\n  \"content\"")
        );
    }
}

/// Late pages are served from the index without walking the keys before them; they must
/// still match the list order (by public key; bulk keys are handed out in that order)
/// exactly, also after writes in the middle of the list.
#[tokio::test]
async fn late_pages_follow_writes() {
    let env = start_with(
        Emulator::builder()
            .rate_limit(RateLimitConfig::Off)
            .bulk_project_keys(1201),
    )
    .await;
    let g = env.emu.project_id().to_owned();
    let o = env.emu.org_id().to_owned();
    let list = format!("{V1}/groups/{g}/apiKeys");
    let descs = |v: &Value| -> Vec<String> {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["desc"].as_str().unwrap().to_owned())
            .collect()
    };

    let p3 = env
        .get(&format!("{list}?itemsPerPage=500&pageNum=3"))
        .await
        .json();
    assert_eq!(p3["totalCount"], 1201);
    let d = descs(&p3);
    assert_eq!(d.len(), 201);
    assert_eq!(
        (d[0].as_str(), d[200].as_str()),
        ("bulk key 1000", "bulk key 1200")
    );
    let p1 = env.get(&format!("{list}?itemsPerPage=500")).await.json();
    let first = p1["results"][0]["id"].as_str().unwrap().to_owned();
    let middle = p1["results"][250]["id"].as_str().unwrap().to_owned();

    // Unassign the first key and delete one in the middle: every later rank shifts.
    env.delete(&format!("{list}/{first}")).await.expect(204);
    env.delete(&format!("{V1}/orgs/{o}/apiKeys/{middle}"))
        .await
        .expect(204);
    let p3 = env
        .get(&format!("{list}?itemsPerPage=500&pageNum=3"))
        .await
        .json();
    assert_eq!(p3["totalCount"], 1199);
    let d = descs(&p3);
    assert_eq!(d.len(), 199);
    assert_eq!(
        (d[0].as_str(), d[198].as_str()),
        ("bulk key 1002", "bulk key 1200")
    );
    let p2 = env
        .get(&format!("{list}?itemsPerPage=7&pageNum=36"))
        .await
        .json();
    // Ranks 245..252 of the list without keys 0 and 250.
    let want: Vec<String> = (246..254)
        .filter(|n| *n != 250)
        .map(|n| format!("bulk key {n}"))
        .collect();
    assert_eq!(descs(&p2), want);

    // Assigning the first key again puts it back at its rank, not at the end.
    env.patch(
        &format!("{list}/{first}"),
        json!({"roles": ["GROUP_READ_ONLY"]}),
    )
    .await
    .expect(200);
    let p1 = env.get(&format!("{list}?itemsPerPage=2")).await.json();
    assert_eq!(p1["totalCount"], 1200);
    assert_eq!(descs(&p1), ["bulk key 0", "bulk key 1"]);
    // The org list: the owner and the bulk keys less the deleted one, by public key.
    let org = env
        .get(&format!("{V1}/orgs/{o}/apiKeys?itemsPerPage=500&pageNum=3"))
        .await
        .json();
    assert_eq!(org["totalCount"], 1201);
    let owner_last = env.emu.public_key() > public_keys(&org).last().unwrap().as_str();
    assert_eq!(
        descs(&org).last().map(String::as_str),
        Some(if owner_last {
            "Emulator organization owner"
        } else {
            "bulk key 1200"
        })
    );
    assert_eq!(descs(&org).len(), 201);
}
