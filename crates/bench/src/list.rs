//! Listing every key of a project through the SDK, two ways:
//!
//! - `stream`: the SDK's all-items stream (`list(..).items()`), which fetches page 1, then the
//!   remaining pages with bounded concurrency;
//! - `pages`: page after page with `send()`, each request waiting for the previous answer — what
//!   every other client (and a hand-written loop) does.
//!
//! Items are counted and dropped as they arrive, as a program that processes keys one by one
//! would, so the process's peak RSS shows what the listing itself holds: the pages in flight.
//!
//! What it must NOT do: collect the items (that would make memory grow with the key count by
//! design), or run two listings in one process (peak RSS is per process).

use std::time::{Duration, Instant};

use atlas_keys::Client;
use atlas_keys_model::ProjectId;
use futures::StreamExt;

use crate::BoxError;

/// How the keys are listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ListMode {
    Stream,
    Pages,
}

/// What one listing did.
#[derive(Debug)]
pub(crate) struct Listed {
    pub(crate) items: u64,
    pub(crate) pages: u64,
    pub(crate) elapsed: Duration,
}

/// Lists every key of `project` and counts them.
pub(crate) async fn list_all(
    client: &Client,
    project: &ProjectId,
    mode: ListMode,
    items_per_page: u32,
    concurrency: usize,
) -> Result<Listed, BoxError> {
    let started = Instant::now();
    let mut items = 0u64;
    let mut pages = 0u64;
    match mode {
        ListMode::Stream => {
            let mut stream = client
                .project_keys()
                .list(project)
                .items_per_page(items_per_page)
                .concurrency(concurrency)
                .items();
            while let Some(key) = stream.next().await {
                std::hint::black_box(key?);
                items += 1;
            }
            pages = items.div_ceil(u64::from(items_per_page));
        }
        ListMode::Pages => {
            let mut page_num = 1;
            loop {
                let page = client
                    .project_keys()
                    .list(project)
                    .items_per_page(items_per_page)
                    .page_num(page_num)
                    .send()
                    .await?;
                pages += 1;
                for key in page.results().iter() {
                    std::hint::black_box(key);
                    items += 1;
                }
                if page.is_last_page() {
                    break;
                }
                page_num += 1;
            }
        }
    }
    Ok(Listed {
        items,
        pages,
        elapsed: started.elapsed(),
    })
}
