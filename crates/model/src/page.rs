//! One page of a list response (`PaginatedApi…View`: `links`, `results`, `totalCount`).
//!
//! "No `next` link" means last page (NOTES (d)). This module must NOT follow links or
//! build URLs; it only finds them.

use crate::Link;

/// A page of results.
///
/// `results` is required (as in the spec) so that a non-list body is not mistaken for
/// an empty page; `"results": null` reads as empty (NOTES (j)), as does `"links": null`.
/// `totalCount` is absent when `includeCount=false`.
///
/// ```
/// use atlas_keys_model::Page;
///
/// let page: Page<u8> = serde_json::from_str(
///     r#"{"results":[1],"links":[{"href":"h","rel":"self"}]}"#,
/// ).unwrap();
/// assert!(page.is_last_page());
/// assert_eq!(page.total_count(), None);
/// assert_eq!(page.results(), [1]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(bound(deserialize = "T: serde::Deserialize<'de>"))]
#[non_exhaustive]
pub struct Page<T> {
    #[serde(deserialize_with = "crate::lenient::null_as_empty")]
    results: Vec<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    total_count: Option<u64>,
    #[serde(default, deserialize_with = "crate::lenient::null_as_empty")]
    links: Vec<Link>,
}

impl<T> Page<T> {
    /// A page. For servers and test fakes: clients get pages from responses.
    pub fn new(results: Vec<T>, total_count: Option<u64>, links: Vec<Link>) -> Self {
        Page {
            results,
            total_count,
            links,
        }
    }

    /// The items of this page.
    pub fn results(&self) -> &[T] {
        &self.results
    }

    /// The items of this page, owned.
    pub fn into_results(self) -> Vec<T> {
        self.results
    }

    /// The number of items on this page.
    pub fn len(&self) -> usize {
        self.results.len()
    }

    /// True when this page has no items.
    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }

    /// The same page with each item mapped by `f` (links and count kept).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            results: self.results.into_iter().map(f).collect(),
            total_count: self.total_count,
            links: self.links,
        }
    }

    /// The (estimated) total over all pages, when requested.
    pub fn total_count(&self) -> Option<u64> {
        self.total_count
    }

    /// Every link of the page.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// The `next` link, absent on the last page.
    pub fn next_link(&self) -> Option<&Link> {
        Link::find(&self.links, "next")
    }

    /// The `previous` link, absent on the first page.
    pub fn previous_link(&self) -> Option<&Link> {
        Link::find(&self.links, "previous")
    }

    /// The `self` link.
    pub fn self_link(&self) -> Option<&Link> {
        Link::find(&self.links, "self")
    }

    /// True when there is no `next` link.
    pub fn is_last_page(&self) -> bool {
        self.next_link().is_none()
    }
}
