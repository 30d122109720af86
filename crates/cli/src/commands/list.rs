//! The paging flags applied to any list, and `--all` as a stream with a progress line.
//!
//! This module must NOT print results; it hands pages and items back to the caller.

use atlas_keys::ListBuilder;
use futures::StreamExt;

use crate::args::PagingArgs;
use crate::exit::Failure;
use crate::progress::Progress;

/// What a list command fetched: one page, or every item.
pub(crate) enum Fetched<T> {
    Page {
        page: atlas_keys_model::Page<T>,
        page_num: u32,
    },
    All(Vec<T>),
}

/// Applies `--page`, `--limit`, `--omitCount` and `--all`, then fetches.
pub(crate) async fn fetch<T: Send + 'static>(
    builder: ListBuilder<T>,
    paging: &PagingArgs,
    noun: &'static str,
) -> Result<Fetched<T>, Failure> {
    let mut builder = builder.include_count(!paging.omit_count);
    if let Some(limit) = paging.limit {
        builder = builder.items_per_page(limit);
    }
    if paging.all {
        let mut stream = builder.items();
        let mut progress = Progress::on_stderr(noun);
        let mut items = Vec::new();
        while let Some(item) = stream.next().await {
            items.push(item?);
            progress.tick();
        }
        Ok(Fetched::All(items))
    } else {
        let page_num = paging.page.unwrap_or(1);
        let page = builder.page_num(page_num).send().await?;
        Ok(Fetched::Page { page, page_num })
    }
}
