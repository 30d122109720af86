//! Builds the rustls `ClientConfig` shared by both backends: the ring provider, webpki roots and
//! any extra PEM root certificates, ALPN `http/1.1` (for reqwest;
//! hyper-rustls sets it itself).
//!
//! What it is for: one place where TLS policy is decided, so that both backends trust exactly
//! the same roots. What it must NOT do: use OpenSSL, aws-lc or the platform verifier, or
//! ever disable certificate verification.

use std::sync::Arc;

use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::Error;

/// Parses every certificate in a PEM bundle. An input with no certificate is an error, so a
/// mistyped file is caught when the transport is built rather than at the first handshake.
pub(crate) fn parse_pem_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, Error> {
    let mut out = Vec::new();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert =
            cert.map_err(|e| Error::builder("invalid PEM root certificate").with_source(e))?;
        out.push(cert);
    }
    if out.is_empty() {
        return Err(Error::builder(
            "no certificate found in PEM root certificate input",
        ));
    }
    Ok(out)
}

/// The client configuration: ring provider, safe default protocol versions, webpki roots plus
/// `extra_roots`, no client certificate. With `set_alpn`, ALPN offers `http/1.1` only; hyper-rustls
/// insists on setting ALPN itself (it panics on a preset one), reqwest uses ours as given.
pub(crate) fn client_config(
    extra_roots: &[CertificateDer<'static>],
    set_alpn: bool,
) -> Result<ClientConfig, Error> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in extra_roots {
        roots
            .add(cert.clone())
            .map_err(|e| Error::builder("unusable root certificate").with_source(e))?;
    }
    let mut config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::builder("TLS configuration").with_source(e))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    if set_alpn {
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
    }
    Ok(config)
}
