//! Webhook signatures. Apiframe: `X-Webhook-Signature: sha256=<hex>`, an
//! HMAC-SHA256 of the raw body keyed with SHA-256(apiKey). Standard Webhooks
//! (Replicate): `webhook-id`, `webhook-timestamp` and `webhook-signature`
//! (space-separated `v1,<base64>` entries), an HMAC-SHA256 of
//! `{id}.{timestamp}.{body}` keyed with the bytes of a `whsec_` secret.
//!
//! This module reads deliveries; the package verifies their signatures
//! with WebCrypto. Its tests hold both to native HMAC checks.

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

/// The headers of a Standard Webhooks delivery, read and checked: well
/// formed, and signed within five minutes of now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandardDelivery {
    /// `webhook-id`: the same on every retry, so the deduplication key.
    pub id: String,
    /// `webhook-timestamp`, in seconds since 1970.
    pub timestamp_s: u64,
    /// Every `v1` signature listed (32 bytes each); one must match.
    pub signatures: Vec<Vec<u8>>,
}

/// Why a webhook is refused before its signature is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookRefusal {
    /// A header is missing or not in the scheme's form.
    Malformed,
    /// Signed more than five minutes before (or after) now: a replay.
    Stale,
}

/// Longest `webhook-id` taken.
const WEBHOOK_ID_MAX: usize = 256;

impl StandardDelivery {
    /// Reads the three headers; `now_ms` judges the timestamp.
    pub fn read(
        id: Option<&str>,
        timestamp: Option<&str>,
        signature: Option<&str>,
        now_ms: f64,
    ) -> Result<StandardDelivery, WebhookRefusal> {
        let id = id.map(str::trim).filter(|i| {
            !i.is_empty()
                && i.len() <= WEBHOOK_ID_MAX
                && i.bytes().all(|b| b.is_ascii_graphic() && b != b'.')
        });
        // Seconds since 1970: up to 12 digits (no sign, no spaces inside).
        let timestamp_s = timestamp.and_then(epoch_seconds);
        let signatures: Vec<Vec<u8>> = signature
            .unwrap_or_default()
            .split(' ')
            .filter_map(|entry| entry.strip_prefix("v1,"))
            .filter_map(crate::image::decode_base64)
            .filter(|sig| sig.len() == 32)
            .collect();
        let (Some(id), Some(timestamp_s)) = (id, timestamp_s) else {
            return Err(WebhookRefusal::Malformed);
        };
        if signatures.is_empty() {
            return Err(WebhookRefusal::Malformed);
        }
        if !crate::route::webhook_fresh(timestamp_s as f64 * 1000.0, now_ms) {
            return Err(WebhookRefusal::Stale);
        }
        Ok(StandardDelivery {
            id: id.to_string(),
            timestamp_s,
            signatures,
        })
    }

    /// What is signed: `{id}.{timestamp}.` then the raw body.
    pub fn signed_content(&self, body: &[u8]) -> Vec<u8> {
        let mut out = format!("{}.{}.", self.id, self.timestamp_s).into_bytes();
        out.extend_from_slice(body);
        out
    }
}

/// The headers of a fal webhook delivery, read and checked: well formed,
/// and signed within five minutes of now. What fal signs with Ed25519 is four
/// lines: the request id, the user id, the timestamp and the hex SHA-256 of
/// the raw body ([`FalDelivery::signed_prefix`] is the first three).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FalDelivery {
    /// `X-Fal-Webhook-Request-Id`.
    pub request_id: String,
    /// `X-Fal-Webhook-User-Id`.
    pub user_id: String,
    /// `X-Fal-Webhook-Timestamp`, in seconds since 1970.
    pub timestamp_s: u64,
    /// `X-Fal-Webhook-Signature`: 64 bytes (written in hex).
    pub signature: Vec<u8>,
}

/// Whether `s` is a header value fit to sign: printable ASCII, no line break.
fn token_like(s: &str) -> bool {
    !s.is_empty() && s.len() <= WEBHOOK_ID_MAX && s.bytes().all(|b| b.is_ascii_graphic())
}

/// Seconds since 1970 written in up to 12 digits.
fn epoch_seconds(t: &str) -> Option<u64> {
    let t = t.trim();
    (!t.is_empty() && t.len() <= 12 && t.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0')))
}

impl FalDelivery {
    /// Reads the four headers; `now_ms` judges the timestamp.
    pub fn read(
        request_id: Option<&str>,
        user_id: Option<&str>,
        timestamp: Option<&str>,
        signature_hex: Option<&str>,
        now_ms: f64,
    ) -> Result<FalDelivery, WebhookRefusal> {
        let request_id = request_id.map(str::trim).filter(|s| token_like(s));
        let user_id = user_id.map(str::trim).filter(|s| token_like(s));
        let timestamp_s = timestamp.and_then(epoch_seconds);
        let signature = signature_hex
            .map(str::trim)
            .and_then(unhex)
            .filter(|s| s.len() == 64);
        let (Some(request_id), Some(user_id), Some(timestamp_s), Some(signature)) =
            (request_id, user_id, timestamp_s, signature)
        else {
            return Err(WebhookRefusal::Malformed);
        };
        if !crate::route::webhook_fresh(timestamp_s as f64 * 1000.0, now_ms) {
            return Err(WebhookRefusal::Stale);
        }
        Ok(FalDelivery {
            request_id: request_id.to_string(),
            user_id: user_id.to_string(),
            timestamp_s,
            signature,
        })
    }

    /// The first three signed lines, each ended by a line break; the fourth
    /// (the body's hex SHA-256) follows.
    pub fn signed_prefix(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.request_id, self.user_id, self.timestamp_s
        )
    }
}

/// The key bytes of a Standard Webhooks secret (`whsec_<base64>`, or the
/// base64 alone), if it is one.
pub fn standard_secret_key(secret: &str) -> Option<Vec<u8>> {
    let b64 = secret.trim();
    let b64 = b64.strip_prefix("whsec_").unwrap_or(b64);
    crate::image::decode_base64(b64).filter(|k| !k.is_empty())
}

/// Native checks of the same schemes, with the `hmac` crate: the oracle
/// the tests hold the readers and the specification's examples to (the
/// package verifies with WebCrypto, so the crate is a test dependency only).
#[cfg(test)]
mod native {
    use super::*;
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};

    pub(super) type HmacSha256 = Hmac<Sha256>;

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

    /// Whether a Standard Webhooks delivery is genuine, natively: one of its
    /// signatures matches (each compared in constant time).
    pub fn verify_standard(secret: &str, delivery: &StandardDelivery, body: &[u8]) -> bool {
        let Some(key) = standard_secret_key(secret) else {
            return false;
        };
        let content = delivery.signed_content(body);
        delivery.signatures.iter().any(|sig| {
            // ok: HMAC takes keys of any length, so this cannot fail.
            let mut mac = HmacSha256::new_from_slice(&key).unwrap_or_else(|_| unreachable!());
            mac.update(&content);
            mac.verify_slice(sig).is_ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::native::*;
    use super::*;
    use hmac::Mac;
    use sha2::{Digest, Sha256};

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

    #[test]
    fn standard_webhooks_verify_the_specs_example_and_refuse_the_rest() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let (id, ts) = ("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330");
        let good = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        let now = 1_614_265_330_000.0;
        let read = |sig: &str, at: f64| StandardDelivery::read(Some(id), Some(ts), Some(sig), at);
        let d = read(good, now).unwrap();
        assert!(verify_standard(secret, &d, body));
        // One of several listed signatures may match (a key being rotated).
        let other = "v1,bm9wZW5vcGVub3Blbm9wZW5vcGVub3Blbm9wZW5vcGU=";
        let several = read(&format!("{other} v2,xyz {good}"), now).unwrap();
        assert_eq!(several.signatures.len(), 2);
        assert!(verify_standard(secret, &several, body));
        // A changed body, a wrong key, a lone wrong signature.
        assert!(!verify_standard(secret, &d, br#"{"test": 2432232315}"#));
        assert!(!verify_standard("whsec_bm90IHRoZSBrZXk=", &d, body));
        assert!(!verify_standard(secret, &read(other, now).unwrap(), body));
        // Ten minutes old, or ahead: stale before any HMAC.
        assert_eq!(read(good, now + 600_000.0), Err(WebhookRefusal::Stale));
        assert_eq!(read(good, now - 600_000.0), Err(WebhookRefusal::Stale));
        assert!(read(good, now + 299_000.0).is_ok());
        // Malformed headers.
        for (i, t, sig) in [
            (None, Some(ts), Some(good)),
            (Some(id), None, Some(good)),
            (Some(id), Some("16x"), Some(good)),
            (Some(id), Some(ts), None),
            (Some(id), Some(ts), Some("v2,abc")),
            (Some("a.b"), Some(ts), Some(good)),
        ] {
            assert_eq!(
                StandardDelivery::read(i, t, sig, now),
                Err(WebhookRefusal::Malformed)
            );
        }
    }

    #[test]
    fn fal_deliveries_are_read_and_refused_when_stale_or_malformed() {
        let sig = "ab".repeat(64);
        let now = 1_764_000_000_000.0;
        let read = |rid: Option<&str>, uid: Option<&str>, ts: Option<&str>, s: Option<&str>| {
            FalDelivery::read(rid, uid, ts, s, now)
        };
        let d = read(
            Some("req-1"),
            Some("user-1"),
            Some("1764000000"),
            Some(&sig),
        )
        .unwrap();
        assert_eq!(d.signed_prefix(), "req-1\nuser-1\n1764000000\n");
        assert_eq!(d.signature.len(), 64);
        assert_eq!(
            read(
                Some("req-1"),
                Some("user-1"),
                Some("1763999400"),
                Some(&sig)
            ),
            Err(WebhookRefusal::Stale)
        );
        for (rid, uid, ts, s) in [
            (None, Some("u"), Some("1764000000"), Some(sig.as_str())),
            (Some("r"), None, Some("1764000000"), Some(sig.as_str())),
            (Some("r"), Some("u"), Some("-1"), Some(sig.as_str())),
            (Some("r"), Some("u"), Some("1764000000"), Some("abcd")),
            (
                Some("r\nx"),
                Some("u"),
                Some("1764000000"),
                Some(sig.as_str()),
            ),
        ] {
            assert_eq!(read(rid, uid, ts, s), Err(WebhookRefusal::Malformed));
        }
    }
}
