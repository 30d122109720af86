//! The query parameters every operation shares: `envelope`, `pretty`, `pageNum`,
//! `itemsPerPage`, `includeCount`, and the page links built from them.
//!
//! Values that do not parse, and parameters the spec does not declare, are a 400
//! `INVALID_QUERY_PARAMETER` (the spec's query objects allow no additional properties). This module must NOT look at paths or bodies.

use atlas_keys_model::{ErrorCode, Link, PageRequest};

use crate::errors::ApiError;

/// Parsed query options.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryOpts {
    pub(crate) envelope: bool,
    pub(crate) pretty: bool,
    pub(crate) page: PageRequest,
    /// Parameters other than the three paging ones (in order), kept for page links.
    others: Vec<(String, String)>,
}

fn invalid(name: &str, value: &str, rule: &str) -> ApiError {
    ApiError::bad_request(
        ErrorCode::InvalidQueryParameter,
        format!("Invalid query parameter {name}={value}: {rule}."),
    )
    .param(name.to_owned())
}

fn parse_bool(name: &str, value: &str) -> Result<bool, ApiError> {
    if value.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(invalid(name, value, "must be true or false"))
    }
}

/// A page number: decimal digits worth at least 1. The schema sets no maximum, so a number
/// too large for any integer type is still valid: it names a page past the end, which is
/// empty, and saturates to `u32::MAX` (itself far past any list this server holds).
fn parse_page_num(value: &str) -> Option<u32> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = value.trim_start_matches('0');
    if significant.is_empty() {
        return None;
    }
    Some(significant.parse::<u32>().unwrap_or(u32::MAX))
}

impl QueryOpts {
    /// Parses a raw query string (without `?`).
    pub(crate) fn parse(raw: Option<&str>) -> Result<QueryOpts, ApiError> {
        let mut q = QueryOpts::default();
        let mut page_num = 1u32;
        let mut items = PageRequest::DEFAULT_ITEMS_PER_PAGE;
        let mut include_count = true;
        for (k, v) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            match k.as_ref() {
                "envelope" => {
                    q.envelope = parse_bool("envelope", &v)?;
                    q.others.push((k.into_owned(), v.into_owned()));
                }
                "pretty" => {
                    q.pretty = parse_bool("pretty", &v)?;
                    q.others.push((k.into_owned(), v.into_owned()));
                }
                "includeCount" => include_count = parse_bool("includeCount", &v)?,
                "pageNum" => {
                    page_num = parse_page_num(&v).ok_or_else(|| {
                        invalid("pageNum", &v, "must be an integer of at least 1")
                    })?;
                }
                "itemsPerPage" => {
                    items = v
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=PageRequest::MAX_ITEMS_PER_PAGE).contains(n))
                        .ok_or_else(|| {
                            invalid("itemsPerPage", &v, "must be an integer from 1 to 500")
                        })?;
                }
                _ => {
                    let shown: String = k.chars().take(64).collect();
                    return Err(ApiError::bad_request(
                        ErrorCode::InvalidQueryParameter,
                        format!("Invalid query parameter {shown} specified."),
                    )
                    .param(shown));
                }
            }
        }
        q.page = PageRequest::new(page_num, items)
            .map_err(|e| invalid(e.field(), e.value(), e.rule()))?
            .with_include_count(include_count);
        Ok(q)
    }

    /// The zero-based range of items on the requested page, clamped to `total`.
    pub(crate) fn window(&self, total: usize) -> (usize, usize) {
        let per = self.page.items_per_page() as usize;
        let start = (self.page.page_num() as usize - 1)
            .saturating_mul(per)
            .min(total);
        (start, (start + per).min(total))
    }

    fn href(&self, base: &str, page_num: u32) -> String {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.others {
            ser.append_pair(k, v);
        }
        ser.append_pair(
            "includeCount",
            if self.page.include_count() {
                "true"
            } else {
                "false"
            },
        );
        ser.append_pair("pageNum", &page_num.to_string());
        ser.append_pair("itemsPerPage", &self.page.items_per_page().to_string());
        format!("{base}?{}", ser.finish())
    }

    /// `self`, `previous` (not on page 1) and `next` (not on the last page) links.
    pub(crate) fn page_links(&self, base: &str, total: usize) -> Vec<Link> {
        let n = self.page.page_num();
        let mut links = Vec::with_capacity(3);
        if n > 1 {
            links.push(Link::new(self.href(base, n - 1), "previous"));
        }
        links.push(Link::new(self.href(base, n), "self"));
        let (_, end) = self.window(total);
        if end < total {
            links.push(Link::new(self.href(base, n + 1), "next"));
        }
        links
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_links() {
        let q = QueryOpts::parse(Some("pageNum=2&itemsPerPage=2&pretty=true")).unwrap();
        assert!(q.pretty && !q.envelope);
        assert_eq!(q.window(5), (2, 4));
        let links = q.page_links("http://h/x", 5);
        let rels: Vec<_> = links.iter().map(|l| l.rel()).collect();
        assert_eq!(rels, ["previous", "self", "next"]);
        assert_eq!(
            links[1].href(),
            "http://h/x?pretty=true&includeCount=true&pageNum=2&itemsPerPage=2"
        );
        assert_eq!(q.window(1), (1, 1));
        let far = QueryOpts::parse(Some("pageNum=99999999999999")).unwrap();
        assert_eq!(far.window(10), (10, 10));
        // Past every integer type (schemathesis found this one): still a page past the end.
        let beyond = QueryOpts::parse(Some("pageNum=34178255496987843586900885504")).unwrap();
        assert_eq!(beyond.window(10), (10, 10));
        let padded = QueryOpts::parse(Some("pageNum=0002")).unwrap();
        assert_eq!(padded.page.page_num(), 2);
        for bad in [
            "pageNum=0",
            "itemsPerPage=501",
            "itemsPerPage=0",
            "envelope=yes",
            "pageNum=x",
            "pageNum=-1",
            "pageNum=000",
            "pageNum=",
            "pageNum=+3",
            "foo=1",
        ] {
            assert!(QueryOpts::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}
