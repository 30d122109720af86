//! Page requests and API versions.

use atlas_keys_model::{ApiVersion, PageRequest};
use proptest::prelude::*;

#[test]
fn page_request_default_matches_the_api_defaults() {
    let p = PageRequest::default();
    assert_eq!(
        (p.page_num(), p.items_per_page(), p.include_count()),
        (1, 100, true)
    );
    assert_eq!(
        p.with_include_count(false).query_pairs(),
        [
            ("pageNum", "1".to_owned()),
            ("itemsPerPage", "100".to_owned()),
            ("includeCount", "false".to_owned())
        ]
    );
}

#[test]
fn page_request_bounds_name_their_fields() {
    assert_eq!(PageRequest::new(0, 10).unwrap_err().field(), "pageNum");
    assert_eq!(PageRequest::new(1, 0).unwrap_err().field(), "itemsPerPage");
    assert_eq!(PageRequest::new(1, 501).unwrap_err().value(), "501");
    assert!(PageRequest::new(1, 500).is_ok());
    assert_eq!(PageRequest::new(u32::MAX, 1).unwrap().next_page(), None);
}

#[test]
fn only_2023_01_01_exists_and_resolution_picks_it_on_or_after() {
    assert_eq!(ApiVersion::KNOWN, &[ApiVersion::V2023_01_01]);
    let v = |s| ApiVersion::parse(s).unwrap();
    assert_eq!(
        ApiVersion::resolve(v("2023-01-01")),
        Some(ApiVersion::V2023_01_01)
    );
    assert_eq!(
        ApiVersion::resolve(v("2030-12-31")),
        Some(ApiVersion::V2023_01_01)
    );
    assert_eq!(ApiVersion::resolve(v("2022-12-31")), None);
}

#[test]
fn api_version_rejects_impossible_dates() {
    for bad in [
        "2023-02-29",
        "2023-13-01",
        "2023-00-10",
        "2023-04-31",
        "2023-1-01",
        "20230101",
        "",
        "2023-01-01x",
        "+023-01-01",
    ] {
        let err = ApiVersion::parse(bad).unwrap_err();
        assert_eq!(err.field(), "apiVersion", "{bad:?}");
    }
    assert!(ApiVersion::parse("2024-02-29").is_ok());
    assert!(ApiVersion::parse("2000-02-29").is_ok());
    assert!(ApiVersion::parse("1900-02-29").is_err());
}

#[test]
fn media_type_parsing_tolerates_parameters_and_case() {
    let v = ApiVersion::V2023_01_01;
    assert_eq!(v.media_type(), "application/vnd.atlas.2023-01-01+json");
    for ok in [
        "application/vnd.atlas.2023-01-01+json",
        "application/vnd.atlas.2023-01-01+json;charset=utf-8",
        "Application/VND.Atlas.2023-01-01+JSON ; charset=UTF-8",
    ] {
        assert_eq!(ApiVersion::from_media_type(ok).unwrap(), v, "{ok}");
    }
    for bad in [
        "application/json",
        "application/vnd.atlas.2023-02-30+json",
        "application/vnd.atlas.2023-01-01+xml",
    ] {
        assert_eq!(
            ApiVersion::from_media_type(bad).unwrap_err().field(),
            "mediaType",
            "{bad}"
        );
    }
}

proptest! {
    #[test]
    fn valid_page_requests_are_accepted(page in 1u32.., items in 1u32..=500, count in any::<bool>()) {
        let p = PageRequest::new(page, items).unwrap().with_include_count(count);
        prop_assert_eq!((p.page_num(), p.items_per_page(), p.include_count()), (page, items, count));
    }

    #[test]
    fn oversized_pages_are_rejected_as_items_per_page(items in 501u32..) {
        let err = PageRequest::new(1, items).unwrap_err();
        prop_assert_eq!(err.field(), "itemsPerPage");
    }

    #[test]
    fn dates_round_trip_through_display_serde_and_media_type(y in 1000u16..=9999, m in 1u8..=12, d in 1u8..=28) {
        let s = format!("{y:04}-{m:02}-{d:02}");
        let v: ApiVersion = s.parse().unwrap();
        prop_assert_eq!(v.to_string(), s.clone());
        prop_assert_eq!(ApiVersion::from_media_type(&v.media_type()).unwrap(), v);
        let json = serde_json::to_string(&v).unwrap();
        prop_assert_eq!(serde_json::from_str::<ApiVersion>(&json).unwrap(), v);
        prop_assert_eq!(ApiVersion::resolve(v), (v >= ApiVersion::V2023_01_01).then_some(ApiVersion::V2023_01_01));
    }
}
