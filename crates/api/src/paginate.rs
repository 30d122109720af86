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
//! What it must NOT do: know which operation it pages (any list operation value whose
//! output is a `Page`), or retry (the transport does).

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use atlas_keys_model::{Page, PageRequest};
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
    {
        let core = Arc::clone(core);
        // A list operation is a few `Copy` ids: cloning it per page costs no allocation.
        let fetch: FetchPage<T> = Arc::new(move |page, options| {
            let (core, op) = (Arc::clone(&core), op.clone());
            Box::pin(async move { core.execute(&op, options, Some(page)).await })
        });
        let defaults = PageRequest::default();
        ListBuilder {
            operation: O::OPERATION,
            fetch,
            page_num: defaults.page_num(),
            items_per_page: defaults.items_per_page(),
            include_count: defaults.include_count(),
            concurrency: DEFAULT_CONCURRENCY,
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
        };
        let after_first = pager.clone();
        let pages = stream::once(pager.fetch(first))
            .flat_map(move |result| match result {
                Ok(page) => {
                    let rest = after_first.rest(first, &page);
                    stream::iter([Ok(page)]).chain(rest).boxed()
                }
                Err(e) => stream::iter([Err(e)]).boxed(),
            })
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
}

impl<T> Clone for Pager<T> {
    fn clone(&self) -> Self {
        Pager {
            fetch: Arc::clone(&self.fetch),
            options: self.options,
            concurrency: self.concurrency,
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
            // No count, or a count that says we are done although the page says `next`:
            // trust the links, one page at a time.
            _ => self.sequential(first.next_page()),
        }
    }

    /// Pages `first+1 ..= last` with bounded concurrency, then (if the count was low and
    /// the last page still has `next`) one at a time.
    fn concurrent(&self, first: PageRequest, last: u64) -> BoxStream<'static, Result<Page<T>>> {
        let continue_from: Arc<Mutex<Option<PageRequest>>> = Arc::new(Mutex::new(None));
        let numbers =
            (u64::from(first.page_num()) + 1..=last).filter_map(|n| u32::try_from(n).ok());
        let this = self.clone();
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
                        *slot = request.next_page();
                    }
                    page
                })
            })
            // `totalCount` is an estimate: an empty page means the list ended early, so the
            // pages still in flight are dropped rather than yielded.
            .take_while(|result| ready(!matches!(result, Ok(page) if page.results().is_empty())));
        let this = self.clone();
        let tail = stream::once(async move { continue_from.lock().ok().and_then(|slot| *slot) })
            .flat_map(move |next| this.sequential(next));
        known.chain(tail).boxed()
    }

    /// Pages from `next` on, one at a time, while each has a `next` link.
    fn sequential(&self, next: Option<PageRequest>) -> BoxStream<'static, Result<Page<T>>> {
        let this = self.clone();
        stream::unfold(next, move |state| {
            let this = this.clone();
            async move {
                let request = state?;
                match this.fetch(request).await {
                    Ok(page) => {
                        let next = if has_more(&page) {
                            request.next_page()
                        } else {
                            None
                        };
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

/// Ends a stream right after its first error.
fn stop_after_error<T: Send + 'static>(
    pages: BoxStream<'static, Result<T>>,
) -> BoxStream<'static, Result<T>> {
    pages
        .scan(false, |failed, item| {
            if *failed {
                return ready(None);
            }
            *failed = item.is_err();
            ready(Some(item))
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
