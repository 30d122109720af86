//! A small HTTP Digest signer (RFC 7616, qop=auth, MD5 and SHA-256), independent of the
//! transport crate, so hostile-input tests can forge exactly the header they need: a wrong
//! password, a replayed `nc`, a `uri` other than the request target, an old nonce.
//!
//! This module must NOT be used to test the transport's own digest code against itself (it
//! is the emulator's adversary) and must NOT log the password.

use md5::Md5;
use sha2::{Digest as _, Sha256};

/// The parts of a server challenge a signer needs.
#[derive(Debug, Clone)]
pub struct Challenge {
    /// `realm`.
    pub realm: String,
    /// `nonce`.
    pub nonce: String,
    /// `algorithm` (`MD5` or `SHA-256`).
    pub algorithm: String,
}

impl Challenge {
    /// Reads the first Digest challenge of a `WWW-Authenticate` value (the server sends MD5
    /// first), with the transport's public parser.
    pub fn parse(header: &str) -> Option<Challenge> {
        let challenge = atlas_keys_transport::parse_challenges(header)
            .into_iter()
            .find(|c| c.is_scheme("digest"))?;
        Some(Challenge {
            realm: challenge.param("realm")?.to_owned(),
            nonce: challenge.param("nonce")?.to_owned(),
            algorithm: challenge.param("algorithm").unwrap_or("MD5").to_owned(),
        })
    }
}

/// Everything that goes into one `Authorization: Digest …` header.
#[derive(Debug, Clone)]
pub struct Signer<'a> {
    /// The user (the API key's public key).
    pub username: &'a str,
    /// The password (the API key's private key).
    pub password: &'a str,
    /// The challenge answered.
    pub challenge: &'a Challenge,
    /// The method hashed.
    pub method: &'a str,
    /// The `uri` parameter (and what is hashed); normally the request target.
    pub uri: &'a str,
    /// The nonce count, 1 for the first use of a nonce.
    pub nc: u32,
    /// The client nonce.
    pub cnonce: &'a str,
}

impl Signer<'_> {
    /// The header value.
    pub fn header(&self) -> String {
        let sha = self.challenge.algorithm.eq_ignore_ascii_case("SHA-256");
        let hash = |text: String| -> String {
            if sha {
                hex(&Sha256::digest(text.as_bytes()))
            } else {
                hex(&Md5::digest(text.as_bytes()))
            }
        };
        let nc = format!("{:08x}", self.nc);
        let ha1 = hash(format!(
            "{}:{}:{}",
            self.username, self.challenge.realm, self.password
        ));
        let ha2 = hash(format!("{}:{}", self.method, self.uri));
        let response = hash(format!(
            "{ha1}:{}:{nc}:{}:auth:{ha2}",
            self.challenge.nonce, self.cnonce
        ));
        format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", algorithm={}, qop=auth, nc={nc}, cnonce=\"{}\", response=\"{response}\"",
            self.username,
            self.challenge.realm,
            self.challenge.nonce,
            self.uri,
            self.challenge.algorithm,
            self.cnonce
        )
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::{Challenge, Signer};

    #[test]
    fn matches_the_rfc_2617_example() {
        // RFC 2617 §3.5 (MD5, qop=auth), the classic "Mufasa" vector.
        let challenge = Challenge {
            realm: "testrealm@host.com".into(),
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093".into(),
            algorithm: "MD5".into(),
        };
        let header = Signer {
            username: "Mufasa",
            password: "Circle Of Life",
            challenge: &challenge,
            method: "GET",
            uri: "/dir/index.html",
            nc: 1,
            cnonce: "0a4f113b",
        }
        .header();
        assert!(
            header.contains("response=\"6629fae49393a05397450978507c4ef1\""),
            "{header}"
        );
    }
}
