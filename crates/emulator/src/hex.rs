//! Lowercase hex encoding through a lookup table, shared by digest responses, token
//! hashes and generated ids.
//!
//! It exists because `format!("{b:02x}")` per byte allocates a `String` per byte and was
//! a visible share of CPU on every bearer-authenticated request. This module must NOT
//! decode, compare secrets or know what it encodes.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// `bytes` as lowercase hex, two characters per byte.
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    #[test]
    fn known_vectors() {
        assert_eq!(encode(&[]), "");
        assert_eq!(encode(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        // SHA-256("abc") from FIPS 180-2, appendix B.1.
        assert_eq!(
            encode(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn matches_format_for_every_byte() {
        let all: Vec<u8> = (0..=255).collect();
        let slow: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(encode(&all), slow);
    }
}
