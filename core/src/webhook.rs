//! Apiframe webhook signatures: `X-Webhook-Signature: sha256=<hex>`, an
//! HMAC-SHA256 of the raw body keyed with SHA-256(apiKey).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

fn mac_for(api_key: &str) -> HmacSha256 {
    let key = Sha256::digest(api_key.as_bytes());
    // ok: HMAC takes keys of any length, so this cannot fail.
    HmacSha256::new_from_slice(&key).unwrap_or_else(|_| unreachable!())
}

/// The signature Apiframe sends for `body`, as `sha256=<lowercase hex>`.
pub fn apiframe_signature(api_key: &str, body: &[u8]) -> String {
    let mut mac = mac_for(api_key);
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::from("sha256=");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16);
    let b = s.as_bytes();
    if b.len() % 2 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() / 2);
    for pair in b.chunks_exact(2) {
        out.push((digit(pair[0])? * 16 + digit(pair[1])?) as u8);
    }
    Some(out)
}

/// The 32 signature bytes of an `X-Webhook-Signature` header value
/// (`sha256=<hex>` or bare `<hex>`), if it is well-formed.
pub fn parse_signature(header: &str) -> Option<Vec<u8>> {
    let hex = header.trim();
    let hex = hex.strip_prefix("sha256=").unwrap_or(hex);
    unhex(hex).filter(|b| b.len() == 32)
}

/// Whether `signature` (`sha256=<hex>` or bare `<hex>`) signs `body` for this
/// key. The comparison takes the same time whatever the bytes.
pub fn verify_apiframe(api_key: &str, body: &[u8], signature: &str) -> bool {
    let Some(expected) = parse_signature(signature) else {
        return false;
    };
    let mut mac = mac_for(api_key);
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_and_hmac_match_known_vectors() {
        // FIPS 180-2 "abc".
        let d = Sha256::digest(b"abc");
        assert_eq!(
            format!("{d:x}"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // RFC 4231 test case 2.
        let mut mac = HmacSha256::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let out = mac.finalize().into_bytes();
        assert_eq!(
            format!("{out:x}"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn signature_round_trips_and_rejects_tampering() {
        let body = br#"{"event":"completed","jobId":"1"}"#;
        let sig = apiframe_signature("afk_test", body);
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        assert!(verify_apiframe("afk_test", body, &sig));
        assert!(verify_apiframe("afk_test", body, &sig["sha256=".len()..]));
        assert!(verify_apiframe(
            "afk_test",
            body,
            &sig.to_uppercase().replace("SHA256=", "sha256=")
        ));
        assert!(!verify_apiframe("afk_other", body, &sig));
        assert!(!verify_apiframe("afk_test", b"{}", &sig));
        assert!(!verify_apiframe("afk_test", body, "sha256=zz"));
        assert!(!verify_apiframe("afk_test", body, ""));
        assert!(!verify_apiframe("afk_test", body, &sig[..sig.len() - 2]));
    }
}
