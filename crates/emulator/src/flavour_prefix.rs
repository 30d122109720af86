//! Maps a URL path prefix to the API flavour it serves: `/api/atlas/v2` (Atlas v2),
//! `/api/atlas/v1.0` (legacy Atlas) and `/api/public/v1.0` (Cloud or Ops Manager).
//!
//! This module must NOT parse anything after the prefix; `routes` does that.

use atlas_keys_model::Flavour;

/// The Atlas v2 prefix.
pub const ATLAS_V2: &str = "/api/atlas/v2";
/// The legacy Atlas v1.0 prefix.
pub const ATLAS_V1: &str = "/api/atlas/v1.0";
/// The Cloud Manager / Ops Manager prefix.
pub const PUBLIC_V1: &str = "/api/public/v1.0";

/// Splits `path` into its flavour, the prefix and the rest (starting with `/`).
/// `public` is the flavour served under `/api/public/v1.0`.
pub(crate) fn split(path: &str, public: Flavour) -> Option<(Flavour, &'static str, &str)> {
    for (prefix, flavour) in [
        (ATLAS_V2, Flavour::AtlasV2),
        (ATLAS_V1, Flavour::AtlasV1),
        (PUBLIC_V1, public),
    ] {
        if let Some(rest) = path.strip_prefix(prefix)
            && rest.starts_with('/')
        {
            return Some((flavour, prefix, rest));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits() {
        let (f, p, r) = split("/api/atlas/v2/orgs/x", Flavour::CloudManager).unwrap();
        assert_eq!((f, p, r), (Flavour::AtlasV2, ATLAS_V2, "/orgs/x"));
        let (f, _, _) = split("/api/public/v1.0/groups/x", Flavour::OpsManager).unwrap();
        assert_eq!(f, Flavour::OpsManager);
        assert!(split("/api/atlas/v2", Flavour::CloudManager).is_none());
        assert!(split("/api/atlas/v20/x", Flavour::CloudManager).is_none());
    }
}
