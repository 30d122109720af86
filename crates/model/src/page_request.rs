//! Paging parameters of a list request (`pageNum`, `itemsPerPage`, `includeCount`).
//!
//! This module must NOT build query strings or URLs; it hands out name/value pairs.

use crate::ValidationError;

/// Which page to ask for.
///
/// `pageNum` ≥ 1, `itemsPerPage` in 1..=500. Default: page 1, 100 items, with count.
///
/// ```
/// use atlas_keys_model::PageRequest;
///
/// let p = PageRequest::new(2, 500)?.with_include_count(false);
/// assert_eq!(p.page_num(), 2);
/// assert_eq!(PageRequest::new(1, 501).unwrap_err().field(), "itemsPerPage");
/// # Ok::<(), atlas_keys_model::ValidationError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageRequest {
    page_num: u32,
    items_per_page: u32,
    include_count: bool,
}

impl PageRequest {
    /// The largest page the API serves.
    pub const MAX_ITEMS_PER_PAGE: u32 = 500;
    /// The API's default page size.
    pub const DEFAULT_ITEMS_PER_PAGE: u32 = 100;

    /// Validates the page number and size; `include_count` starts `true`.
    pub fn new(page_num: u32, items_per_page: u32) -> Result<Self, ValidationError> {
        if page_num < 1 {
            return Err(ValidationError::new(
                "pageNum",
                "must be at least 1",
                page_num.to_string(),
            ));
        }
        if !(1..=Self::MAX_ITEMS_PER_PAGE).contains(&items_per_page) {
            return Err(ValidationError::new(
                "itemsPerPage",
                "must be between 1 and 500",
                items_per_page.to_string(),
            ));
        }
        Ok(Self {
            page_num,
            items_per_page,
            include_count: true,
        })
    }

    /// Sets whether the server should compute `totalCount`.
    pub fn with_include_count(self, include_count: bool) -> Self {
        Self {
            include_count,
            ..self
        }
    }

    /// The 1-based page number.
    pub fn page_num(&self) -> u32 {
        self.page_num
    }

    /// The page size.
    pub fn items_per_page(&self) -> u32 {
        self.items_per_page
    }

    /// Whether `totalCount` is requested.
    pub fn include_count(&self) -> bool {
        self.include_count
    }

    /// The request for the following page, or `None` on overflow.
    pub fn next_page(&self) -> Option<Self> {
        self.page_num
            .checked_add(1)
            .map(|page_num| Self { page_num, ..*self })
    }

    /// The query parameters as (name, value) pairs, in a fixed order.
    pub fn query_pairs(&self) -> [(&'static str, String); 3] {
        [
            ("pageNum", self.page_num.to_string()),
            ("itemsPerPage", self.items_per_page.to_string()),
            ("includeCount", self.include_count.to_string()),
        ]
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page_num: 1,
            items_per_page: Self::DEFAULT_ITEMS_PER_PAGE,
            include_count: true,
        }
    }
}
