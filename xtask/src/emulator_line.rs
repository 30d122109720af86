//! The one line `atlas-keys-emulator` prints on stdout when it is ready: where it listens and
//! the credentials it made up. `demo`, `interop` and `bench` all start emulators and read it.
//!
//! It must not show the emulator's private key or client secret in Debug output: its `Debug`
//! prints `***` for them.

use std::fmt;

use serde::Deserialize;

/// The emulator's startup line, every field a non-empty string.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmulatorLine {
    pub(crate) base_url: String,
    pub(crate) org_id: String,
    pub(crate) project_id: String,
    pub(crate) public_key: String,
    pub(crate) private_key: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
}

impl fmt::Debug for EmulatorLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorLine")
            .field("base_url", &self.base_url)
            .field("org_id", &self.org_id)
            .field("project_id", &self.project_id)
            .field("public_key", &self.public_key)
            .field("private_key", &"***")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .finish()
    }
}

impl EmulatorLine {
    /// Reads the startup line; a missing, non-string or empty field is an error naming it.
    pub(crate) fn parse(line: &str) -> Result<EmulatorLine, String> {
        let parsed: EmulatorLine = serde_json::from_str(line.trim()).map_err(|error| {
            format!("startup line is not what the emulator prints ({error}): {line}")
        })?;
        for (key, value) in [
            ("baseUrl", &parsed.base_url),
            ("orgId", &parsed.org_id),
            ("projectId", &parsed.project_id),
            ("publicKey", &parsed.public_key),
            ("privateKey", &parsed.private_key),
            ("clientId", &parsed.client_id),
            ("clientSecret", &parsed.client_secret),
        ] {
            if value.is_empty() {
                return Err(format!("startup line has an empty `{key}`: {line}"));
            }
        }
        Ok(parsed)
    }

    /// The variables the CLI and the bench client read their target and credentials from.
    pub(crate) fn env(&self) -> [(&'static str, &str); 7] {
        [
            ("ATLAS_BASE_URL", &self.base_url),
            ("ATLAS_ORG_ID", &self.org_id),
            ("ATLAS_PROJECT_ID", &self.project_id),
            ("ATLAS_PUBLIC_KEY", &self.public_key),
            ("ATLAS_PRIVATE_KEY", &self.private_key),
            ("ATLAS_CLIENT_ID", &self.client_id),
            ("ATLAS_CLIENT_SECRET", &self.client_secret),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::EmulatorLine;

    const LINE: &str = r#"{"baseUrl":"http://127.0.0.1:41234","orgId":"0123456789abcdef01234567","projectId":"abcdefabcdefabcdefabcdef","publicKey":"abcdefgh","privateKey":"7f1c2b3a-1111-4222-8333-444455556666","clientId":"mdb_sa_id_1","clientSecret":"mdb_sa_sk_x"}"#;

    #[test]
    fn reads_the_startup_line() {
        let line = EmulatorLine::parse(&format!(" {LINE}\n")).expect("valid line");
        assert_eq!(line.base_url, "http://127.0.0.1:41234");
        assert_eq!(line.public_key, "abcdefgh");
        assert_eq!(line.client_secret, "mdb_sa_sk_x");
        assert_eq!(
            line.env()[4],
            ("ATLAS_PRIVATE_KEY", "7f1c2b3a-1111-4222-8333-444455556666")
        );
    }

    #[test]
    fn names_what_is_missing_or_empty() {
        let missing = r#"{"baseUrl":"http://127.0.0.1:1","orgId":"a"}"#;
        assert!(
            EmulatorLine::parse(missing)
                .expect_err("incomplete")
                .contains("projectId")
        );
        let empty = LINE.replace("mdb_sa_id_1", "");
        assert!(
            EmulatorLine::parse(&empty)
                .expect_err("empty")
                .contains("clientId")
        );
        assert!(EmulatorLine::parse("listening on 127.0.0.1:1").is_err());
    }

    #[test]
    fn debug_hides_the_secrets() {
        let shown = format!("{:?}", EmulatorLine::parse(LINE).expect("valid line"));
        assert!(shown.contains("abcdefgh"));
        assert!(
            !shown.contains("7f1c2b3a") && !shown.contains("mdb_sa_sk_x"),
            "{shown}"
        );
    }
}
