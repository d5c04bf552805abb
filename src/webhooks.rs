//! Webhook verification, shared by `verifyWebhook` and the route's webhook
//! endpoint: the core reads each provider's scheme (headers, freshness, what
//! is signed); WebCrypto checks the signature, in constant time.

use gpt_image_core::provider::Webhooks;
use gpt_image_core::webhook::{self, FalDelivery, StandardDelivery, WebhookRefusal};
use gpt_image_core::Provider;
use wasm_bindgen::prelude::*;

use crate::runtime::{
    ed25519_verify_fal, header_value, hmac_sha256_verify, hmac_sha256_verify_any,
};

/// What verifies a provider's webhooks: Apiframe's API key, Replicate's
/// `whsec_` signing secret, fal's JWKS.
pub(crate) struct Credentials<'a> {
    /// The API key (Apiframe signs with it).
    pub api_key: Option<&'a str>,
    /// The signing secret (Standard Webhooks).
    pub secret: Option<&'a str>,
    /// A JWKS object (fal); `undefined` or `null`: fal's own, fetched and kept an hour.
    pub jwks: &'a JsValue,
}

/// The verdict on one delivery.
#[cfg(feature = "client")]
pub(crate) enum Verdict {
    /// Signed by the provider.
    Genuine {
        /// The provider's id of the delivery (the same on its retries), if it
        /// gives one.
        delivery_id: Option<String>,
        /// When the provider signed it, where the signature covers a time.
        signed_at_ms: Option<f64>,
    },
    /// Not a genuine delivery.
    Refused(Refusal),
}

/// Why a delivery is refused: words for the owner's log (never the key),
/// and whether it was refused as too old (a replay). Only the route reads them.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) struct Refusal {
    /// What was wrong.
    pub why: &'static str,
    /// Signed more than five minutes from now.
    pub stale: bool,
}

const fn refusal(why: &'static str) -> Refusal {
    Refusal { why, stale: false }
}

/// Whether `v` is an object whose `keys` is an array.
fn is_jwks(v: &JsValue) -> bool {
    v.is_object()
        && js_sys::Reflect::get(v, &JsValue::from_str("keys"))
            .is_ok_and(|k| js_sys::Array::is_array(&k))
}

/// The setup error for credentials a provider's scheme needs and lacks.
pub(crate) fn missing(p: Provider, creds: &Credentials<'_>) -> Option<String> {
    match p.webhooks() {
        Webhooks::None => Some(format!("{} documents no webhook signatures", p.display_name())),
        Webhooks::HmacOfKeyDigest if creds.api_key.is_none() => {
            Some("option `apiKey` is required".to_string())
        }
        Webhooks::StandardWebhooks => match creds.secret {
            None => Some(format!(
                "option `webhookSecret` (or `secret` for verifyWebhook) is required: {}'s webhook signing secret, whsec_…",
                p.display_name()
            )),
            Some(s) if webhook::standard_secret_key(s).is_none() => Some(
                "the webhook secret is not a signing secret (whsec_ followed by base64)".to_string(),
            ),
            Some(_) => None,
        },
        Webhooks::Ed25519Jwks if !creds.jwks.is_undefined() && !is_jwks(creds.jwks) => Some(
            "option `jwks` must be a JWKS, `{ keys: [...] }` (leave it out to use fal's own)"
                .to_string(),
        ),
        _ => None,
    }
}

/// A delivery read and sent to WebCrypto: the pending check of its
/// signature, and what the provider says about the delivery (which only the
/// route reads).
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) struct Check {
    /// Resolves to whether the signature matches.
    pub signature_matches: js_sys::Promise,
    /// The provider's id of the delivery (the same on its retries), if any.
    pub delivery_id: Option<String>,
    /// When the provider signed it, where the signature covers a time.
    pub signed_at_ms: Option<f64>,
}

/// Read one delivery of `p`'s webhooks (its raw `body`, its `headers` as a
/// `Headers` or a plain object) and start checking its signature; `Err`
/// says why it is refused before any check. `signature` stands for the
/// header where a caller passed Apiframe's signature alone.
pub(crate) fn check(
    p: Provider,
    creds: &Credentials<'_>,
    headers: &JsValue,
    signature: Option<String>,
    body: &[u8],
) -> Result<Check, Refusal> {
    let header = |name: &str| header_value(headers, name);
    match p.webhooks() {
        Webhooks::None => Err(refusal("the provider signs no webhooks")),
        Webhooks::HmacOfKeyDigest => {
            let text = signature.or_else(|| header("x-webhook-signature"));
            let Some(sig) = text.as_deref().and_then(webhook::parse_signature) else {
                return Err(refusal(
                    "a webhook without a well-formed signature was refused",
                ));
            };
            let key = creds.api_key.unwrap_or_default();
            Ok(Check {
                signature_matches: hmac_sha256_verify(key, body, &sig),
                delivery_id: None,
                signed_at_ms: None,
            })
        }
        Webhooks::Ed25519Jwks => {
            let read = FalDelivery::read(
                header("x-fal-webhook-request-id").as_deref(),
                header("x-fal-webhook-user-id").as_deref(),
                header("x-fal-webhook-timestamp").as_deref(),
                header("x-fal-webhook-signature").as_deref(),
                js_sys::Date::now(),
            );
            let delivery = match read {
                Ok(d) => d,
                Err(WebhookRefusal::Malformed) => return Err(refusal(
                    "a webhook without well-formed X-Fal-Webhook-Request-Id, -User-Id, -Timestamp and -Signature headers was refused",
                )),
                Err(WebhookRefusal::Stale) => return Err(Refusal {
                    why: "a signed webhook more than five minutes old (or ahead) was refused as a replay",
                    stale: true,
                }),
            };
            let jwks = if creds.jwks.is_undefined() {
                &JsValue::NULL
            } else {
                creds.jwks
            };
            Ok(Check {
                signature_matches: ed25519_verify_fal(
                    &delivery.signed_prefix(),
                    body,
                    &delivery.signature,
                    jwks,
                ),
                delivery_id: Some(delivery.request_id),
                signed_at_ms: Some(delivery.timestamp_s as f64 * 1000.0),
            })
        }
        Webhooks::StandardWebhooks => {
            let read = StandardDelivery::read(
                header("webhook-id").as_deref(),
                header("webhook-timestamp").as_deref(),
                header("webhook-signature").as_deref(),
                js_sys::Date::now(),
            );
            let delivery = match read {
                Ok(d) => d,
                Err(WebhookRefusal::Malformed) => return Err(refusal(
                    "a webhook without well-formed webhook-id, webhook-timestamp and webhook-signature headers was refused",
                )),
                Err(WebhookRefusal::Stale) => return Err(Refusal {
                    why: "a signed webhook more than five minutes old (or ahead) was refused as a replay",
                    stale: true,
                }),
            };
            let Some(key) = creds.secret.and_then(webhook::standard_secret_key) else {
                return Err(refusal("no webhook signing secret is set"));
            };
            let signatures = js_sys::Array::new();
            for s in &delivery.signatures {
                signatures.push(&js_sys::Uint8Array::from(s.as_slice()));
            }
            let content = delivery.signed_content(body);
            Ok(Check {
                signature_matches: hmac_sha256_verify_any(&key, &content, signatures),
                delivery_id: Some(delivery.id),
                signed_at_ms: Some(delivery.timestamp_s as f64 * 1000.0),
            })
        }
    }
}

/// [`check`], awaited: the verdict on one delivery.
#[cfg(feature = "client")]
pub(crate) async fn verify(
    p: Provider,
    creds: &Credentials<'_>,
    headers: &JsValue,
    body: &[u8],
) -> Result<Verdict, JsValue> {
    let check = match check(p, creds, headers, None, body) {
        Ok(c) => c,
        Err(r) => return Ok(Verdict::Refused(r)),
    };
    let matches = wasm_bindgen_futures::JsFuture::from(check.signature_matches).await?;
    if matches != JsValue::TRUE {
        return Ok(Verdict::Refused(refusal(
            "a webhook whose signature does not match its body was refused",
        )));
    }
    Ok(Verdict::Genuine {
        delivery_id: check.delivery_id,
        signed_at_ms: check.signed_at_ms,
    })
}
