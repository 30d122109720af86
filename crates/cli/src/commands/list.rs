//! The paging flags applied to any list, and `--all` as a stream of pages with a
//! `fetched N of TOTAL` progress line.
//!
//! This module must NOT print results; it hands pages and items back to the caller.

use std::io::Write;

use atlas_keys::ListBuilder;
use futures::StreamExt;

use crate::args::PagingArgs;
use crate::exit::Failure;
use crate::output::PageAt;
use crate::progress::Progress;

/// What a list command fetched: one page, or every item.
pub(crate) enum Fetched<T> {
    Page {
        page: atlas_keys_model::Page<T>,
        page_num: PageAt,
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
        if paging.omit_count {
            // Without a count the number of pages is unknown, so they cannot be fetched
            // side by side; say why a long list is slower. (Not eprintln!: a closed stderr
            // must not panic.)
            let _ = writeln!(
                std::io::stderr().lock(),
                "note: --omitCount with --all: without a total, pages are fetched one by one"
            );
        }
        let mut pages = builder.pages();
        let mut progress = Progress::on_stderr(noun);
        let mut items = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page?;
            let total = page.total_count();
            let results = page.into_results();
            progress.add(results.len(), total);
            items.extend(results);
        }
        Ok(Fetched::All(items))
    } else {
        let num = paging.page.unwrap_or(1);
        let page = builder.page_num(num).send().await?;
        Ok(Fetched::Page {
            page,
            page_num: PageAt {
                num,
                limit: paging.limit,
            },
        })
    }
}
