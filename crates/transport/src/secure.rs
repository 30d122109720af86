//! The rule for sending a reusable credential (a bearer token, a client secret) over plain HTTP.
//!
//! What it is for: [`BearerAuth`](crate::BearerAuth) and
//! [`ServiceAccountAuth`](crate::ServiceAccountAuth) refuse an `http://` URL whose host is not
//! loopback unless the caller opted in, so that a mistyped base URL or a hostile redirect of
//! configuration cannot put a secret on the network in clear. Digest is exempt: it never sends
//! the password, only a hash bound to one nonce.
//!
//! What it must NOT do: resolve a host name (only the literal `localhost` and loopback
//! addresses count as loopback: a name that resolves to 127.0.0.1 today may not tomorrow), or
//! do any I/O.

use std::net::IpAddr;
use std::sync::OnceLock;

use http::Uri;
use http::uri::Authority;

use crate::{Error, ErrorKind};

/// Whether `host` (as `Uri::host` gives it, IPv6 in brackets) is loopback: `localhost`
/// (or a name under `.localhost`, RFC 6761), 127.0.0.0/8 or ::1.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host.eq_ignore_ascii_case("localhost")
        || host
            .len()
            .checked_sub(".localhost".len())
            .and_then(|at| host.get(at..))
            .is_some_and(|tail| tail.eq_ignore_ascii_case(".localhost"))
    {
        return true;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<IpAddr>().is_ok_and(|ip| match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    })
}

/// `Ok` unless `uri` is plain `http://` to a non-loopback host and `allowed` is false. `what`
/// names the credential for the message ("bearer token", "client secret").
pub(crate) fn check_secure(uri: &Uri, allowed: bool, what: &str) -> Result<(), Error> {
    if allowed
        || !uri
            .scheme_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("http"))
    {
        return Ok(());
    }
    let host = uri.host().unwrap_or_default();
    if is_loopback_host(host) {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::InsecureHttp,
        format!(
            "refusing to send a {what} over plain http:// to {}: use https://, or opt in with \
             allow_insecure_http(true)",
            crate::sanitize::escape_untrusted_max(host, 256)
        ),
        false,
    ))
}

/// [`check_secure`] for one sender of a credential, remembering the plain-HTTP loopback
/// authority it approved: a client sends every request to one authority, so later requests
/// cost a comparison instead of parsing the host (~650 instructions a call against the
/// emulator's `http://127.0.0.1`, measured with callgrind). `https://` needs neither.
#[derive(Clone, Debug, Default)]
pub(crate) struct PlainHttpGate {
    allowed: bool,
    approved: OnceLock<Authority>,
}

impl PlainHttpGate {
    /// A gate that lets any plain-HTTP host through when `allowed`.
    pub(crate) fn new(allowed: bool) -> Self {
        PlainHttpGate {
            allowed,
            approved: OnceLock::new(),
        }
    }

    /// `Ok` unless `uri` is plain `http://` to a host that is not loopback and the gate does
    /// not allow that; `what` names the credential for the message.
    pub(crate) fn check(&self, uri: &Uri, what: &str) -> Result<(), Error> {
        let authority = uri.authority();
        // Byte equality: `Authority`'s own `==` ignores case a byte at a time, which costs
        // more than the check it would spare; a differently cased host takes the full check.
        if let (Some(a), Some(b)) = (authority, self.approved.get())
            && a.as_str() == b.as_str()
        {
            return Ok(());
        }
        check_secure(uri, self.allowed, what)?;
        // Never one with user info: the gate keeps no credential of any kind, not even in its
        // `Debug`.
        if !self.allowed
            && let Some(authority) = authority
            && !authority.as_str().contains('@')
            && uri
                .scheme_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("http"))
        {
            // The first approved loopback authority stays; another one is checked each time.
            let _ = self.approved.set(authority.clone());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_remembers_only_an_approved_loopback_authority() {
        let gate = PlainHttpGate::new(false);
        let local: Uri = "http://127.0.0.1:8080/a".parse().unwrap();
        let remote: Uri = "http://cloud.example.com:8080/a".parse().unwrap();
        assert!(gate.check(&remote, "x").unwrap_err().is_insecure_http());
        assert_eq!(gate.approved.get(), None);
        gate.check(&local, "x").unwrap();
        assert_eq!(
            gate.approved.get().map(Authority::as_str),
            Some("127.0.0.1:8080")
        );
        gate.check(&local, "x").unwrap();
        assert!(gate.check(&remote, "x").unwrap_err().is_insecure_http());
        // The same authority over https:// is fine too; the remembered one is plain HTTP's.
        gate.check(&"https://cloud.example.com/".parse().unwrap(), "x")
            .unwrap();
        let with_user = PlainHttpGate::new(false);
        with_user
            .check(&"http://u:pw@127.0.0.1:8080/a".parse().unwrap(), "x")
            .unwrap();
        assert_eq!(with_user.approved.get(), None);
        let open = PlainHttpGate::new(true);
        open.check(&remote, "x").unwrap();
        assert_eq!(open.approved.get(), None);
    }

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "LOCALHOST",
            "localhost.",
            "api.localhost",
            "127.0.0.1",
            "127.8.9.10",
            "[::1]",
            "[::ffff:127.0.0.1]",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "example.com",
            "localhost.example.com",
            "notlocalhost",
            "10.0.0.1",
            "128.0.0.1",
            "[::2]",
            "0.0.0.0",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn plain_http_to_a_remote_host_is_refused_unless_allowed() {
        let remote: Uri = "http://cloud.example.com/api".parse().unwrap();
        let err = check_secure(&remote, false, "bearer token").unwrap_err();
        assert!(err.is_insecure_http());
        assert!(!err.request_may_have_reached_server());
        let text = err.to_string();
        assert!(text.contains("cloud.example.com") && text.contains("allow_insecure_http"));
        assert!(check_secure(&remote, true, "bearer token").is_ok());
        for ok in [
            "https://cloud.example.com/",
            "http://127.0.0.1:8080/",
            "http://[::1]/",
        ] {
            assert!(
                check_secure(&ok.parse().unwrap(), false, "x").is_ok(),
                "{ok}"
            );
        }
    }
}
