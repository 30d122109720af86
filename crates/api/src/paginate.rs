//! Paginated calls: [`ListBuilder`] (one page with `send()`, or every page or item as a
//! stream) and the streams it returns, [`PageStream`] and [`ItemStream`].
//!
//! How the stream fetches: page 1 first. If it has a `next` link and a `totalCount`, the
//! remaining pages are fetched with bounded concurrency (`buffered(n)`, so server order is
//! kept); without a count, pages are fetched one after the other while the last one has a
//! `next` link. Page numbers are ours (`pageNum + 1`): the server's `next` href is never
//! followed, so credentials only ever go to the client's base URL. Memory is bounded by
//! the pages in flight. The first error is yielded, then the stream ends.
//!
//! Bounds: a server that always says "more" must not page forever (one kept `list --all`
//! running for 4,174 pages and 1.4 GB in 40 s). A stream ends with a
//! [`LimitExceeded`](crate::ErrorKind::LimitExceeded) error that names the rule and the
//! figures when a page that says "more" is already the last one its own `totalCount` allows
//! (a list that grows while it is paged raises the count with it), when a page holds the same
//! ids as an earlier page or repeats an earlier `next` link, or when more than
//! [`ListBuilder::max_items`] items (default [`DEFAULT_MAX_ITEMS`]) have arrived. Memory for
//! these checks is two hashes per page.
//!
//! What it must NOT do: know which operation it pages (any list operation value whose
//! output is a `Page`), or retry (the transport does).

use std::collections::HashSet;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use atlas_keys_model::{AccessListEntry, ApiKey, Page, PageRequest};
use futures::future::{BoxFuture, ready};
use futures::stream::{self, BoxStream, Stream, StreamExt};

use crate::call::{ApiCall, Core, RequestOptions};
use crate::error::{Error, Result};
use crate::metadata::Response;
use crate::operations::Operation;

/// The default number of pages fetched at once by [`ListBuilder::items`].
///
/// 8 makes a 20-page listing 4× faster than page by page at 50 ms per response
/// (BENCHMARKS.md) and stays far inside Atlas's per-project rate-limit bucket.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// The default most items a stream yields before it fails ([`ListBuilder::max_items`]):
/// 100,000, far above the keys of any real organization (Atlas allows 500 per organization),
/// and about 100 MB of keys at most.
pub const DEFAULT_MAX_ITEMS: u64 = 100_000;

/// What identifies an item within a listing, for the repeated-page check.
pub(crate) trait PageItem {
    /// Feeds the item's identity (its id, or its address) to `state`.
    fn identify(&self, state: &mut impl Hasher);
}

impl PageItem for ApiKey {
    fn identify(&self, state: &mut impl Hasher) {
        self.id().as_str().hash(state);
    }
}

impl PageItem for AccessListEntry {
    fn identify(&self, state: &mut impl Hasher) {
        self.cidr_block().hash(state);
        self.ip_address().hash(state);
    }
}

/// Fetches one page of some list operation.
pub(crate) type FetchPage<T> = Arc<
    dyn Fn(PageRequest, RequestOptions) -> BoxFuture<'static, Result<Response<Page<T>>>>
        + Send
        + Sync,
>;

/// The fluent builder of a list operation.
///
/// - [`send`](ListBuilder::send): one page (`pageNum`, default 1).
/// - [`items`](ListBuilder::items) / [`into_stream`](ListBuilder::into_stream): every item,
///   across all pages, in server order.
/// - [`pages`](ListBuilder::pages): every page.
pub struct ListBuilder<T> {
    operation: Operation,
    fetch: FetchPage<T>,
    page_num: u32,
    items_per_page: u32,
    include_count: bool,
    concurrency: usize,
    max_items: u64,
    /// The identity hash of one item (from [`PageItem`]), fixed when the builder is made so
    /// that the public type needs no extra bound.
    identify: fn(&T, &mut dyn Hasher),
    options: RequestOptions,
}

impl<T> Clone for ListBuilder<T> {
    fn clone(&self) -> Self {
        ListBuilder {
            operation: self.operation,
            fetch: Arc::clone(&self.fetch),
            page_num: self.page_num,
            items_per_page: self.items_per_page,
            include_count: self.include_count,
            concurrency: self.concurrency,
            max_items: self.max_items,
            identify: self.identify,
            options: self.options,
        }
    }
}

impl<T> fmt::Debug for ListBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListBuilder")
            .field("operation", &self.operation)
            .field("page_num", &self.page_num)
            .field("items_per_page", &self.items_per_page)
            .field("include_count", &self.include_count)
            .field("concurrency", &self.concurrency)
            .field("max_items", &self.max_items)
            .field("options", &self.options)
            .finish()
    }
}

impl<T: Send + 'static> ListBuilder<T> {
    /// The builder of list operation `op`; each page is one call of `op` with its paging
    /// query.
    pub(crate) fn new<O>(core: &Arc<Core>, op: O) -> Self
    where
        O: ApiCall<Output = Page<T>> + Clone,
        T: PageItem,
    {
        let core = Arc::clone(core);
        // A list operation is a few `Copy` ids: cloning it per page costs no allocation.
        let fetch: FetchPage<T> = Arc::new(move |page, options| {
            let (core, op) = (Arc::clone(&core), op.clone());
            Box::pin(async move { core.execute(&op, options, Some(page), true).await })
        });
        let defaults = PageRequest::default();
        ListBuilder {
            operation: O::OPERATION,
            fetch,
            page_num: defaults.page_num(),
            items_per_page: defaults.items_per_page(),
            include_count: defaults.include_count(),
            concurrency: DEFAULT_CONCURRENCY,
            max_items: DEFAULT_MAX_ITEMS,
            identify: |item, mut state| item.identify(&mut state),
            options: RequestOptions::default(),
        }
    }

    /// The page to fetch (1-based; default 1). A stream starts there.
    pub fn page_num(mut self, page_num: u32) -> Self {
        self.page_num = page_num;
        self
    }

    /// Items per page, 1 to 500 (default 100). Checked before any I/O.
    pub fn items_per_page(mut self, items_per_page: u32) -> Self {
        self.items_per_page = items_per_page;
        self
    }

    /// Whether the server counts the total (default true). Without a count a stream
    /// fetches one page at a time, following `next` links.
    pub fn include_count(mut self, include_count: bool) -> Self {
        self.include_count = include_count;
        self
    }

    /// How many pages a stream fetches at once once the total is known (default
    /// [`DEFAULT_CONCURRENCY`]; 0 is treated as 1).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// The most items a stream may yield (default [`DEFAULT_MAX_ITEMS`]); the page that
    /// crosses it ends the stream with a [`LimitExceeded`](crate::ErrorKind::LimitExceeded)
    /// error instead, so a server that never stops listing cannot exhaust memory or time.
    /// Raise it for a larger list; 0 is treated as 1.
    pub fn max_items(mut self, max_items: u64) -> Self {
        self.max_items = max_items.max(1);
        self
    }

    /// Asks the server to wrap each page in an envelope; the result is the same.
    pub fn envelope(mut self, envelope: bool) -> Self {
        self.options.envelope = envelope;
        self
    }

    /// Asks the server for pretty-printed JSON.
    pub fn pretty(mut self, pretty: bool) -> Self {
        self.options.pretty = pretty;
        self
    }

    /// Sets both query options at once.
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    fn page_request(&self) -> Result<PageRequest> {
        Ok(PageRequest::new(self.page_num, self.items_per_page)?
            .with_include_count(self.include_count))
    }

    /// Fetches one page.
    pub async fn send(self) -> Result<Page<T>> {
        self.send_with_metadata().await.map(Response::into_value)
    }

    /// Fetches one page, with the response metadata.
    pub async fn send_with_metadata(self) -> Result<Response<Page<T>>> {
        let page = self.page_request()?;
        (self.fetch)(page, self.options).await
    }

    /// Every page from `page_num` on, as a stream.
    pub fn pages(self) -> PageStream<T> {
        let first = match self.page_request() {
            Ok(first) => first,
            Err(e) => return PageStream::new(stream::iter([Err(e)]).boxed()),
        };
        let pager = Pager {
            fetch: self.fetch,
            options: self.options,
            concurrency: self.concurrency,
            operation: self.operation,
        };
        let mut bounds = Bounds::new(self.operation, self.max_items, self.identify);
        let after_first = pager.clone();
        let pages = stream::once(pager.fetch(first))
            .flat_map(move |result| match result {
                Ok(page) => {
                    let rest = after_first.rest(first, &page);
                    stream::iter([Ok(page)]).chain(rest).boxed()
                }
                Err(e) => stream::iter([Err(e)]).boxed(),
            })
            .map(move |result| result.and_then(|page| bounds.check(page)))
            .boxed();
        PageStream::new(stop_after_error(pages))
    }

    /// Every item from `page_num` on, across pages, in server order.
    pub fn items(self) -> ItemStream<T> {
        let items = self
            .pages()
            .flat_map(|result| match result {
                Ok(page) => stream::iter(page.into_results().into_iter().map(Ok)).boxed(),
                Err(e) => stream::iter([Err(e)]).boxed(),
            })
            .fuse()
            .boxed();
        ItemStream { inner: items }
    }

    /// The same as [`items`](ListBuilder::items).
    pub fn into_stream(self) -> ItemStream<T> {
        self.items()
    }
}

/// What the stream needs to fetch pages after the first.
struct Pager<T> {
    fetch: FetchPage<T>,
    options: RequestOptions,
    concurrency: usize,
    operation: Operation,
}

impl<T> Clone for Pager<T> {
    fn clone(&self) -> Self {
        Pager {
            fetch: Arc::clone(&self.fetch),
            options: self.options,
            concurrency: self.concurrency,
            operation: self.operation,
        }
    }
}

impl<T: Send + 'static> Pager<T> {
    fn fetch(&self, page: PageRequest) -> BoxFuture<'static, Result<Page<T>>> {
        let fut = (self.fetch)(page, self.options);
        Box::pin(async move { fut.await.map(Response::into_value) })
    }

    /// The pages after `first`, given what `first` said.
    fn rest(&self, first: PageRequest, page: &Page<T>) -> BoxStream<'static, Result<Page<T>>> {
        if !has_more(page) {
            return stream::empty().boxed();
        }
        let per_page = u64::from(first.items_per_page());
        let last = page
            .total_count()
            .filter(|_| first.include_count())
            .map(|total| total.div_ceil(per_page));
        match last {
            Some(last) if last > u64::from(first.page_num()) => self.concurrent(first, last),
            // No count: trust the links, one page at a time. A count that says we are done
            // although the page says `next` is an error (`after`).
            _ => match self.after(first, page) {
                Ok(next) => self.sequential(next),
                Err(e) => stream::iter([Err(e)]).boxed(),
            },
        }
    }

    /// The page after `request`, given its answer `page`: none on the last page, and an
    /// error when the page says "more" but its own `totalCount` says it is the last.
    fn after(&self, request: PageRequest, page: &Page<T>) -> Result<Option<PageRequest>> {
        if !has_more(page) {
            return Ok(None);
        }
        let per_page = u64::from(request.items_per_page());
        if request.include_count()
            && let Some(total) = page.total_count()
        {
            let pages = total.div_ceil(per_page).max(1);
            let n = u64::from(request.page_num());
            if n >= pages {
                return Err(Error::limit_exceeded(format!(
                    "the listing does not end: page {n} links a next page, but its totalCount \
                     of {total} items is {pages} page(s) of {per_page}"
                ))
                .with_operation(self.operation));
            }
        }
        Ok(request.next_page())
    }

    /// Pages `first+1 ..= last` with bounded concurrency, then (if the count was low and
    /// the last page still has `next`) one at a time.
    fn concurrent(&self, first: PageRequest, last: u64) -> BoxStream<'static, Result<Page<T>>> {
        let continue_from: Arc<Mutex<Option<Result<PageRequest>>>> = Arc::new(Mutex::new(None));
        let numbers =
            (u64::from(first.page_num()) + 1..=last).filter_map(|n| u32::try_from(n).ok());
        let this = self.clone();
        let checker = self.clone();
        let record = Arc::clone(&continue_from);
        let known = stream::iter(numbers)
            .map(move |n| {
                let request = PageRequest::new(n, first.items_per_page())
                    .map(|p| p.with_include_count(first.include_count()));
                let fetch = request.map(|r| (r, this.fetch(r)));
                async move {
                    let (request, fut) = fetch?;
                    fut.await.map(|page| (request, page))
                }
            })
            .buffered(self.concurrency)
            .map(move |result| {
                result.map(|(request, page)| {
                    if u64::from(request.page_num()) == last
                        && has_more(&page)
                        && let Ok(mut slot) = record.lock()
                    {
                        *slot = checker.after(request, &page).transpose();
                    }
                    page
                })
            })
            // `totalCount` is an estimate: an empty page means the list ended early, so the
            // pages still in flight are dropped rather than yielded.
            .take_while(|result| ready(!matches!(result, Ok(page) if page.results().is_empty())));
        let this = self.clone();
        let tail =
            stream::once(async move { continue_from.lock().ok().and_then(|mut slot| slot.take()) })
                .flat_map(move |next| match next {
                    Some(Err(e)) => stream::iter([Err(e)]).boxed(),
                    Some(Ok(next)) => this.sequential(Some(next)),
                    None => stream::empty().boxed(),
                });
        known.chain(tail).boxed()
    }

    /// Pages from `next` on, one at a time, while each has a `next` link.
    fn sequential(&self, next: Option<PageRequest>) -> BoxStream<'static, Result<Page<T>>> {
        let this = self.clone();
        stream::unfold(next.map(Ok), move |state: Option<Result<PageRequest>>| {
            let this = this.clone();
            async move {
                let request = match state? {
                    Ok(request) => request,
                    Err(e) => return Some((Err(e), None)),
                };
                match this.fetch(request).await {
                    Ok(page) => {
                        let next = this.after(request, &page).transpose();
                        Some((Ok(page), next))
                    }
                    Err(e) => Some((Err(e), None)),
                }
            }
        })
        .boxed()
    }
}

/// A page is followed by another when it has a `next` link and is not empty (an empty
/// page with `next` would otherwise loop forever).
fn has_more<T>(page: &Page<T>) -> bool {
    !page.is_last_page() && !page.results().is_empty()
}

/// The checks on the pages of one stream, in server order: repeated pages, repeated `next`
/// links, and the item cap.
struct Bounds<T> {
    operation: Operation,
    max_items: u64,
    identify: fn(&T, &mut dyn Hasher),
    /// Keyed per stream, so a server cannot aim collisions at a known hash.
    hasher: RandomState,
    items: u64,
    pages: u64,
    /// Each page's hash of its item ids (order-free) with its page ordinal.
    seen_pages: HashSet<(u64, usize)>,
    seen_next_links: HashSet<u64>,
}

impl<T> Bounds<T> {
    fn new(operation: Operation, max_items: u64, identify: fn(&T, &mut dyn Hasher)) -> Self {
        Bounds {
            operation,
            max_items,
            identify,
            hasher: RandomState::new(),
            items: 0,
            pages: 0,
            seen_pages: HashSet::new(),
            seen_next_links: HashSet::new(),
        }
    }

    fn check(&mut self, page: Page<T>) -> Result<Page<T>> {
        self.pages += 1;
        let n = self.pages;
        self.items += page.results().len() as u64;
        if self.items > self.max_items {
            return Err(self.error(format!(
                "the listing passed the limit of {} items at its page {n} ({} items so far); \
                 raise max_items if the list really is that long",
                self.max_items, self.items
            )));
        }
        if page.results().is_empty() {
            return Ok(page);
        }
        // An order-free sum of item hashes: the same ids in another order are the same page.
        let ids = page.results().iter().fold(0u64, |sum, item| {
            let mut h = self.hasher.build_hasher();
            (self.identify)(item, &mut h);
            sum.wrapping_add(h.finish())
        });
        if !self.seen_pages.insert((ids, page.results().len())) {
            return Err(self.error(format!(
                "the listing repeats itself: page {n} holds the same {} ids as an earlier page",
                page.results().len()
            )));
        }
        if let Some(next) = page.next_link() {
            let href = self.hasher.hash_one(next.href());
            if !self.seen_next_links.insert(href) {
                return Err(self.error(format!(
                    "the listing repeats itself: page {n} links the same next page as an \
                     earlier page"
                )));
            }
        }
        Ok(page)
    }

    fn error(&self, message: String) -> Error {
        Error::limit_exceeded(message).with_operation(self.operation)
    }
}

/// Ends a stream right after its first error, without polling it again: the pages in flight
/// are dropped (cancelled) and no further request is made.
fn stop_after_error<T: Send + 'static>(
    pages: BoxStream<'static, Result<T>>,
) -> BoxStream<'static, Result<T>> {
    stream::unfold(Some(pages), |state| async move {
        let mut pages = state?;
        let item = pages.next().await?;
        let keep_going = item.is_ok();
        Some((item, keep_going.then_some(pages)))
    })
    .boxed()
}

/// A stream of pages; ends after the first error.
pub struct PageStream<T> {
    inner: BoxStream<'static, Result<Page<T>>>,
}

impl<T> PageStream<T> {
    fn new(inner: BoxStream<'static, Result<Page<T>>>) -> Self
    where
        T: Send + 'static,
    {
        // Fused: polling again after the end (or after the error) keeps returning `None`.
        PageStream {
            inner: inner.fuse().boxed(),
        }
    }
}

impl<T> fmt::Debug for PageStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PageStream")
    }
}

impl<T> Stream for PageStream<T> {
    type Item = Result<Page<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// A stream of items across pages; ends after the first error.
pub struct ItemStream<T> {
    inner: BoxStream<'static, Result<T>>,
}

impl<T> ItemStream<T> {
    /// Collects every item, or returns the first error. Memory grows with the total: use
    /// the stream directly for large lists.
    pub async fn try_collect_vec(mut self) -> Result<Vec<T>> {
        let mut out = Vec::new();
        while let Some(item) = self.inner.next().await {
            out.push(item?);
        }
        Ok(out)
    }
}

impl<T> fmt::Debug for ItemStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ItemStream")
    }
}

impl<T> Stream for ItemStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use atlas_keys_model::Link;

    use super::*;

    fn key(i: u64) -> ApiKey {
        serde_json::from_str(&format!(r#"{{"id":"{i:024x}"}}"#)).unwrap()
    }

    /// A builder over `answer(page number)`, counting requests.
    fn builder(
        answer: impl Fn(u32) -> Page<ApiKey> + Send + Sync + 'static,
    ) -> (ListBuilder<ApiKey>, Arc<AtomicU32>) {
        let calls = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&calls);
        let answer = Arc::new(answer);
        let fetch: FetchPage<ApiKey> = Arc::new(move |page: PageRequest, _| {
            counter.fetch_add(1, Ordering::SeqCst);
            let page = answer(page.page_num());
            Box::pin(async move { Ok(Response::new(page)) })
        });
        let builder = ListBuilder {
            operation: Operation::ListOrgApiKeys,
            fetch,
            page_num: 1,
            items_per_page: 10,
            include_count: true,
            concurrency: 4,
            max_items: DEFAULT_MAX_ITEMS,
            identify: |item: &ApiKey, mut state| item.identify(&mut state),
            options: RequestOptions::default(),
        };
        (builder, calls)
    }

    fn next(n: u32) -> Vec<Link> {
        vec![Link::new(
            format!("https://x.test/?pageNum={}", n + 1),
            "next",
        )]
    }

    async fn last_error(stream: ItemStream<ApiKey>) -> (usize, Error) {
        let items: Vec<_> = stream.collect().await;
        let ok = items.iter().filter(|r| r.is_ok()).count();
        let err = items.into_iter().find_map(Result::err).expect("an error");
        (ok, err)
    }

    #[tokio::test]
    async fn a_page_that_says_more_beyond_its_total_count_ends_the_listing() {
        // Every page says "more" and counts 30 items: pages 1..=3, then an error, not page 4.
        let (b, calls) = builder(|n| {
            let start = u64::from(n - 1) * 10;
            Page::new((start..start + 10).map(key).collect(), Some(30), next(n))
        });
        let (ok, err) = last_error(b.items()).await;
        assert_eq!(ok, 30);
        assert!(err.is_limit_exceeded(), "{err}");
        assert!(
            err.to_string().contains("page 3 links a next page"),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("totalCount of 30 items is 3 page(s) of 10")
        );
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_repeated_page_or_next_link_ends_the_listing() {
        // No count: the same ten ids on every page.
        let (b, _) = builder(|n| Page::new((0..10).map(key).collect(), None, next(n)));
        let (ok, err) = last_error(b.include_count(false).items()).await;
        assert_eq!(ok, 10);
        assert!(
            err.to_string().contains("page 2 holds the same 10 ids"),
            "{err}"
        );
        // New ids, but the same `next` link every time.
        let (b, _) = builder(|n| {
            let start = u64::from(n) * 10;
            let links = vec![Link::new("https://x.test/?pageNum=2", "next")];
            Page::new((start..start + 10).map(key).collect(), None, links)
        });
        let (ok, err) = last_error(b.include_count(false).items()).await;
        assert_eq!(ok, 10);
        assert!(
            err.to_string().contains("page 2 links the same next page"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn an_endless_listing_of_new_ids_stops_at_max_items() {
        let (b, calls) = builder(|n| {
            let start = u64::from(n) * 10;
            Page::new((start..start + 10).map(key).collect(), None, next(n))
        });
        let (ok, err) = last_error(b.include_count(false).max_items(95).items()).await;
        assert_eq!(ok, 90, "the page that crosses the cap is not yielded");
        assert!(err.is_limit_exceeded());
        assert!(
            err.to_string()
                .contains("limit of 95 items at its page 10 (100 items so far)"),
            "{err}"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 10);
    }

    #[tokio::test]
    async fn a_list_that_grows_while_paged_is_followed() {
        // The count grows by a page on every answer, until page 5 says it is the last.
        let (b, _) = builder(|n| {
            let start = u64::from(n - 1) * 10;
            let links = if n < 5 { next(n) } else { Vec::new() };
            let total = u64::from(n + 1) * 10;
            Page::new((start..start + 10).map(key).collect(), Some(total), links)
        });
        let items = b.concurrency(1).items().try_collect_vec().await.unwrap();
        assert_eq!(items.len(), 50);
    }
}
