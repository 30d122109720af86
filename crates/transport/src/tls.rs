//! Builds the rustls `ClientConfig` shared by both backends: the ring provider; the bundled
//! webpki roots, the system trust store (or the `SSL_CERT_FILE` / `SSL_CERT_DIR` bundle that
//! replaces it) and any PEM roots given to the builder (`ca_file`, `add_root_certificate_pem`);
//! ALPN `http/1.1`.
//!
//! What it is for: one place where TLS policy is decided, so that both backends trust exactly
//! the same roots. What it must NOT do: use OpenSSL or aws-lc, or ever disable certificate
//! verification.
//!
//! The system store is read with `rustls-native-certs` (already in the tree through reqwest's
//! `rustls-platform-verifier`) into the same `RootCertStore` as the webpki roots, rather than
//! through the platform verifier: one verifier (webpki's) on every platform means one set of
//! certificate errors to classify, and the roots a user adds are always honoured alike.

use std::path::Path;
use std::sync::{Arc, Mutex};

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

/// Reads a PEM bundle from `path`; errors name the file.
pub(crate) fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let pem = std::fs::read(path).map_err(|e| {
        Error::builder(format!("cannot read CA file {}: {e}", path.display())).with_source(e)
    })?;
    parse_pem_certificates(&pem).map_err(|e| {
        Error::builder(format!(
            "CA file {}: {}",
            path.display(),
            e.to_string().trim_start_matches("builder error: ")
        ))
    })
}

/// The environment variables that redirect `rustls-native-certs` from the system store.
const CERT_ENV: [&str; 2] = ["SSL_CERT_FILE", "SSL_CERT_DIR"];

type NativeKey = [Option<std::ffi::OsString>; 2];

/// The last system roots read, keyed by the variables that chose them: reading and parsing the
/// system bundle (~150 certificates) on every `build()` would cost every client construction a
/// few milliseconds, while a changed `SSL_CERT_FILE` must still be honoured.
static NATIVE: Mutex<Option<(NativeKey, Arc<[CertificateDer<'static>]>)>> = Mutex::new(None);

/// The system's trusted roots, or those of `SSL_CERT_FILE` / `SSL_CERT_DIR` when set. A
/// variable that names nothing usable is an error naming it (a user who set it expects it to be
/// used); a system without a trust store is not (the bundled roots still apply).
fn native_roots() -> Result<Arc<[CertificateDer<'static>]>, Error> {
    let key: NativeKey = CERT_ENV.map(std::env::var_os);
    let mut cache = NATIVE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((cached_key, roots)) = cache.as_ref()
        && *cached_key == key
    {
        return Ok(Arc::clone(roots));
    }
    let result = rustls_native_certs::load_native_certs();
    if let Some(file) = &key[0]
        && (result.certs.is_empty() || !result.errors.is_empty())
    {
        let why = result
            .errors
            .first()
            .map_or_else(|| "no certificate in it".to_owned(), ToString::to_string);
        return Err(Error::builder(format!(
            "SSL_CERT_FILE={}: {why}",
            Path::new(file).display()
        )));
    }
    let roots: Arc<[CertificateDer<'static>]> = result.certs.into();
    *cache = Some((key, Arc::clone(&roots)));
    Ok(roots)
}

/// The client configuration: ring provider, safe default protocol versions, webpki roots, the
/// system roots when `system_roots`, plus `extra_roots`; no client certificate. With `set_alpn`,
/// ALPN offers `http/1.1` only; hyper-rustls insists on setting ALPN itself in its builder (it
/// panics on a preset one), reqwest uses ours as given.
pub(crate) fn client_config(
    extra_roots: &[CertificateDer<'static>],
    system_roots: bool,
    set_alpn: bool,
) -> Result<ClientConfig, Error> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if system_roots {
        // A system bundle may hold a certificate webpki cannot parse (old, odd extensions):
        // skipped, as every TLS client does, rather than failing every client.
        let _ = roots.add_parsable_certificates(native_roots()?.iter().cloned());
    }
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
