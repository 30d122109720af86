//! Pagination edges: 0 items, exactly one page, 501 items (one and several pages, with
//! and without `includeCount`), bounded concurrency, server order, the first error ends
//! the stream, and the server's `next` href is never followed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use atlas_keys::Client;
use atlas_keys::model::{AccessListAddress, ApiKey, Flavour, Link, Page};
use atlas_keys::transport::test_util::{MockTransport, ScriptedTransport};
use atlas_keys::transport::{Error as TransportError, Transport};
use atlas_keys_emulator::{Emulator, RateLimitConfig};
use bytes::Bytes;
use futures::StreamExt;

use crate::common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_items_and_exactly_one_page() {
    let emu = common::emulator(Flavour::AtlasV2).await;
    let client = common::builder(&emu, Flavour::AtlasV2).build().unwrap();
    let org = common::org(&emu);
    let key = client
        .org_keys()
        .create(&org)
        .desc("pages")
        .role(atlas_keys::model::OrgRole::Member)
        .send()
        .await
        .unwrap();

    // 0 items: one request, an empty page with a count of 0, an empty stream.
    let page = client
        .access_list()
        .list(&org, key.id())
        .send()
        .await
        .unwrap();
    assert!(page.results().is_empty());
    assert_eq!(page.total_count(), Some(0));
    let before = emu.stats().requests;
    let items = client
        .access_list()
        .list(&org, key.id())
        .items()
        .try_collect_vec()
        .await
        .unwrap();
    assert!(items.is_empty());
    assert_eq!(
        emu.stats().requests - before,
        1,
        "an empty list takes one request"
    );

    // Exactly one full page: one request, with and without a count.
    let addresses: Vec<AccessListAddress> = ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
    let mut create = client.access_list().create(&org, key.id());
    for a in &addresses {
        create = create.address(*a);
    }
    create.send().await.unwrap();
    for include_count in [true, false] {
        let before = emu.stats().requests;
        let items = client
            .access_list()
            .list(&org, key.id())
            .items_per_page(3)
            .include_count(include_count)
            .items()
            .try_collect_vec()
            .await
            .unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(
            emu.stats().requests - before,
            1,
            "one full page, includeCount={include_count}"
        );
    }
}

/// Counts requests in flight at the wire, to check the concurrency bound.
#[derive(Debug)]
struct InFlight {
    inner: Arc<dyn Transport>,
    now: AtomicUsize,
    max: AtomicUsize,
}

#[async_trait]
impl Transport for InFlight {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
        let result = self.inner.send(request).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_and_one_items_in_server_order_with_bounded_concurrency() {
    let emu = Emulator::builder()
        .rate_limit(RateLimitConfig::Off)
        .bulk_project_keys(501)
        .latency(std::time::Duration::from_millis(5))
        .start()
        .await
        .unwrap();
    let wire = Arc::new(InFlight {
        inner: common::wire(),
        now: AtomicUsize::new(0),
        max: AtomicUsize::new(0),
    });
    let client = common::builder(&emu, Flavour::AtlasV2)
        .transport(wire.clone())
        .build()
        .unwrap();
    let project = common::project(&emu);

    // The reference: page by page, by hand.
    let mut reference: Vec<String> = Vec::new();
    let mut page_num = 1;
    loop {
        let page = client
            .project_keys()
            .list(&project)
            .page_num(page_num)
            .items_per_page(100)
            .send()
            .await
            .unwrap();
        reference.extend(page.results().iter().map(|k| k.id().to_string()));
        if page.is_last_page() {
            break;
        }
        page_num += 1;
    }
    let total = client
        .project_keys()
        .list(&project)
        .send()
        .await
        .unwrap()
        .total_count()
        .unwrap();
    assert!(total >= 501, "bulk keys are there: {total}");
    assert_eq!(reference.len() as u64, total);

    for (per_page, concurrency, include_count) in [
        (500, 4, true),
        (100, 4, true),
        (100, 1, true),
        (7, 16, true),
        (100, 4, false),
        (500, 2, false),
    ] {
        wire.max.store(0, Ordering::SeqCst);
        let ids: Vec<String> = client
            .project_keys()
            .list(&project)
            .items_per_page(per_page)
            .concurrency(concurrency)
            .include_count(include_count)
            .into_stream()
            .map(|k| k.unwrap().id().to_string())
            .collect()
            .await;
        assert_eq!(
            ids, reference,
            "per_page={per_page} concurrency={concurrency} count={include_count}"
        );
        let max = wire.max.load(Ordering::SeqCst);
        let bound = if include_count { concurrency } else { 1 };
        assert!(max <= bound, "{max} requests in flight, bound {bound}");
    }

    // 501 items at 500 a page: exactly two requests.
    let before = emu.stats().requests;
    let n = client
        .project_keys()
        .list(&project)
        .items_per_page(500)
        .items()
        .count()
        .await;
    assert_eq!(n as u64, total);
    assert_eq!(emu.stats().requests - before, total.div_ceil(500));
}

fn key(i: usize) -> ApiKey {
    serde_json::from_str(&format!(r#"{{"id":"{i:024x}"}}"#)).unwrap()
}

fn page(items: std::ops::Range<usize>, total: Option<u64>, next: bool) -> Page<ApiKey> {
    let mut links = vec![Link::new("https://evil.example/self", "self")];
    if next {
        links.push(Link::new("https://evil.example/steal?pageNum=99", "next"));
    }
    Page::new(items.map(key).collect(), total, links)
}

/// The page number a request asks for.
fn page_num(request: &http::Request<Bytes>) -> usize {
    let query = request.uri().query().unwrap_or("");
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("pageNum="))
        .and_then(|n| n.parse().ok())
        .expect("every list request names its page")
}

/// A 200 answer with `page` as its JSON body.
fn answer(page: &Page<ApiKey>) -> Result<http::Response<Bytes>, TransportError> {
    Ok(http::Response::new(Bytes::from(
        serde_json::to_vec(page).unwrap(),
    )))
}

/// A client over a fake transport that answers by page number, whatever the order in which
/// concurrent pages arrive.
fn paged_client(
    by_page: impl Fn(usize) -> Result<http::Response<Bytes>, TransportError> + Send + 'static,
) -> Client {
    let mut wire = MockTransport::new();
    wire.expect_send()
        .returning(move |request| by_page(page_num(&request)));
    Client::builder()
        .base_url("https://example.test")
        .transport(Arc::new(wire))
        .retry_policy(atlas_keys::transport::RetryPolicy::never())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_error_ends_the_stream() {
    let client = paged_client(|n| match n {
        1 => answer(&page(0..10, Some(30), true)),
        2 => {
            let mut response = http::Response::new(Bytes::from_static(
                br#"{"error":500,"errorCode":"UNEXPECTED_ERROR","parameters":[]}"#,
            ));
            *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
            Ok(response)
        }
        _ => answer(&page(20..30, Some(30), false)),
    });
    let project = "32b6e34b3d91647abb20e7b8".parse().unwrap();
    let mut stream = client
        .project_keys()
        .list(&project)
        .items_per_page(10)
        .items();
    let mut results = Vec::new();
    while let Some(item) = stream.next().await {
        results.push(item);
    }
    assert!(stream.next().await.is_none(), "fused after the error");
    assert_eq!(results.len(), 11, "10 items, then the error, then nothing");
    assert!(results[..10].iter().all(Result::is_ok));
    assert_eq!(results[10].as_ref().unwrap_err().status(), Some(500));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_links_are_never_followed_to_another_host() {
    let wire = ScriptedTransport::new();
    wire.push_json(
        200,
        &serde_json::to_string(&page(0..2, None, true)).unwrap(),
    );
    wire.push_json(
        200,
        &serde_json::to_string(&page(2..4, None, false)).unwrap(),
    );
    let client = Client::builder()
        .base_url("https://example.test")
        .transport(Arc::new(wire.clone()))
        .build()
        .unwrap();
    let project = "32b6e34b3d91647abb20e7b8".parse().unwrap();
    let items = client
        .project_keys()
        .list(&project)
        .items_per_page(2)
        .include_count(false)
        .items()
        .try_collect_vec()
        .await
        .unwrap();
    assert_eq!(items.len(), 4);
    let sent = wire.requests();
    assert_eq!(sent.len(), 2);
    for (i, r) in sent.iter().enumerate() {
        assert_eq!(r.uri().host(), Some("example.test"));
        assert!(
            r.uri()
                .query()
                .unwrap()
                .contains(&format!("pageNum={}", i + 1))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_page_parameters_are_refused_before_any_request() {
    let client = Client::builder()
        .transport(Arc::new(crate::errors::NeverCalled))
        .build()
        .unwrap();
    let project = "32b6e34b3d91647abb20e7b8".parse().unwrap();
    for (num, per) in [(0, 100), (1, 0), (1, 501)] {
        let err = client
            .project_keys()
            .list(&project)
            .page_num(num)
            .items_per_page(per)
            .send()
            .await
            .unwrap_err();
        assert!(err.is_validation(), "{err}");
        let mut stream = client
            .project_keys()
            .list(&project)
            .page_num(num)
            .items_per_page(per)
            .items();
        assert!(stream.next().await.unwrap().unwrap_err().is_validation());
        assert!(stream.next().await.is_none());
        assert!(stream.next().await.is_none(), "fused");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overestimated_total_stops_at_the_first_empty_page() {
    // The server claims a million items but has 15.
    let client = paged_client(|n| {
        let items = if n <= 2 {
            (n - 1) * 10..(n * 10).min(15)
        } else {
            0..0
        };
        answer(&page(items, Some(1_000_000), n < 2))
    });
    let project = "32b6e34b3d91647abb20e7b8".parse().unwrap();
    let items = client
        .project_keys()
        .list(&project)
        .items_per_page(10)
        .concurrency(8)
        .items()
        .try_collect_vec()
        .await
        .unwrap();
    assert_eq!(items.len(), 15);
}
