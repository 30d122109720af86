//! The service's documented rate limits (NOTES (h) and (j)) as a classifier for the
//! transport's [`Pacer`]: which bucket an API-keys or org-settings request draws from.
//!
//! Here because only the API crate may know paths. Every client built by `ClientBuilder`
//! installs one [`atlas_pacer`] between `Retry` and its auth layer (unless `.pacing(false)`),
//! so all its calls share the buckets and a call takes one token, not one per digest
//! challenge: the service documents that a request it processes consumes a token, and the
//! emulator counts challenges nowhere. Also reachable as `atlas_keys::audit::limits`.
//!
//! It must NOT be the only defence: the limits are "not part of the API contract", so the
//! pacer corrects them from `RateLimit-*` headers, and `Retry` still handles a 429.

use std::sync::Arc;

use atlas_keys_transport::pace::{BucketKey, BucketSpec, Classifier, Pacer};
use bytes::Bytes;

/// `/orgs/{orgId}/apiKeys…`: organization scope, 500 capacity, refill 250 a minute.
pub const ORG_KEYS: BucketSpec = BucketSpec::new(500, 250);
/// `/groups/{groupId}/apiKeys…`: project scope, 1200 capacity, refill 500 a minute.
pub const GROUP_KEYS: BucketSpec = BucketSpec::new(1200, 500);
/// `/orgs/{orgId}/settings`: 10 capacity, refill 5 a minute.
pub const ORG_SETTINGS: BucketSpec = BucketSpec::new(10, 5);

/// The bucket of a request path (any flavour's prefix; the query is not part of `path`):
/// `org-keys:{orgId}`, `group-keys:{groupId}` or `org-settings:{orgId}`; `None` for a path
/// with no documented limit.
///
/// ```
/// use atlas_keys::pacing::{ORG_KEYS, classify_path};
/// let (key, spec) = classify_path("/api/atlas/v2/orgs/4888442a3354817a7320eb61/apiKeys/x/accessList").unwrap();
/// assert_eq!(key, "org-keys:4888442a3354817a7320eb61");
/// assert_eq!(spec, ORG_KEYS);
/// ```
pub fn classify_path(path: &str) -> Option<(BucketKey, BucketSpec)> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segments.windows(3).find_map(|w| match w {
        ["orgs", id, "apiKeys"] => Some((format!("org-keys:{id}"), ORG_KEYS)),
        ["orgs", id, "settings"] => Some((format!("org-settings:{id}"), ORG_SETTINGS)),
        ["groups", id, "apiKeys"] => Some((format!("group-keys:{id}"), GROUP_KEYS)),
        _ => None,
    })
}

/// [`classify_path`] as a pacer classifier.
pub fn classifier() -> Classifier {
    Arc::new(|request: &http::Request<Bytes>| classify_path(request.uri().path()))
}

/// A pacer seeded with the documented limits. Share one per client.
pub fn atlas_pacer() -> Pacer {
    Pacer::with_max_buckets(
        classifier(),
        atlas_keys_transport::pace::DEFAULT_MAX_BUCKETS,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_keys_path_has_its_bucket() {
        let org = "4888442a3354817a7320eb61";
        let group = "5e2211c17a3e5a48f5497de3";
        for prefix in ["/api/atlas/v2", "/api/atlas/v1.0", "/api/public/v1.0"] {
            for tail in [
                "apiKeys",
                "apiKeys/k",
                "apiKeys/k/accessList",
                "apiKeys/k/accessList/1.2.3.4",
            ] {
                let path = format!("{prefix}/orgs/{org}/{tail}");
                assert_eq!(
                    classify_path(&path),
                    Some((format!("org-keys:{org}"), ORG_KEYS))
                );
            }
            let path = format!("{prefix}/groups/{group}/apiKeys/k");
            assert_eq!(
                classify_path(&path),
                Some((format!("group-keys:{group}"), GROUP_KEYS))
            );
        }
        assert_eq!(
            classify_path(&format!("/api/atlas/v2/orgs/{org}/settings")),
            Some((format!("org-settings:{org}"), ORG_SETTINGS))
        );
        assert_eq!(classify_path("/api/atlas/v2/orgs"), None);
        assert_eq!(classify_path("/api/oauth/token"), None);
        assert_eq!(
            classify_path(&format!("/api/atlas/v2/orgs/{org}/users")),
            None
        );
    }

    #[test]
    fn classifier_reads_the_request_path_not_the_query() {
        let request = http::Request::get(
            "https://cloud.mongodb.com/api/atlas/v2/orgs/o1/apiKeys?pageNum=2&x=/groups/g/apiKeys",
        )
        .body(Bytes::new())
        .unwrap();
        assert_eq!(
            classifier()(&request),
            Some(("org-keys:o1".to_owned(), ORG_KEYS))
        );
        assert_eq!(atlas_pacer().bucket_count(), 0);
    }
}
