//! What a request costs, before it is sent, and what a finished job cost.

use crate::assumptions as assumed;
use crate::json;
use crate::json::Json;
use crate::provider::Provider;
use crate::request::{effective_size, ImageRequest, Size};

/// Apiframe pay-as-you-go: $0.01 per credit.
pub const APIFRAME_PAYG_USD_PER_CREDIT: f64 = 0.01;
/// Apiframe Growth plan: $199 for 52,000 credits, $0.00383 per credit.
pub const APIFRAME_GROWTH_USD_PER_CREDIT: f64 = 0.00383;
/// GPTImage2.ai: 10 credits per image.
pub const GPTIMAGE2AI_CREDITS_PER_IMAGE: u64 = 10;
/// getimg.ai: $0.06 per 1K image.
pub const GETIMG_USD_1K: f64 = 0.06;
/// getimg.ai: $0.12 per 2K image.
pub const GETIMG_USD_2K: f64 = 0.12;
/// OpenAI per-image prices for 1024x1024 (low, medium, high).
pub const OPENAI_USD_1024: [(&str, f64); 3] = [("low", 0.006), ("medium", 0.053), ("high", 0.211)];
/// OpenAI token prices, USD per million: text input.
pub const OPENAI_TEXT_INPUT_PER_M: f64 = 5.0;
/// Image input, USD per million tokens.
pub const OPENAI_IMAGE_INPUT_PER_M: f64 = 8.0;
/// Cached image input, USD per million tokens.
pub const OPENAI_CACHED_IMAGE_INPUT_PER_M: f64 = 2.0;
/// Image output, USD per million tokens.
pub const OPENAI_IMAGE_OUTPUT_PER_M: f64 = 30.0;

/// Apiframe credits per image by quality (absent quality means auto).
pub fn apiframe_credits_per_image(quality: Option<&str>) -> u64 {
    match quality {
        Some("low") => 4,
        Some("medium") => 9,
        _ => 23,
    }
}

/// An Apiframe billing plan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Plan {
    /// Pay-as-you-go top-ups, $0.01 per credit.
    #[default]
    Payg,
    /// The Growth plan, $0.00383 per credit.
    Growth,
}

impl Plan {
    /// `payg` or `growth`.
    pub fn from_id(id: &str) -> Option<Plan> {
        match id {
            "payg" => Some(Plan::Payg),
            "growth" => Some(Plan::Growth),
            _ => None,
        }
    }
}

/// How to turn credits into dollars.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PriceOptions {
    /// Apiframe plan (ignored by the other providers).
    pub plan: Plan,
    /// Your price per credit; required for GPTImage2.ai USD, overrides Apiframe's plan.
    pub credit_price_usd: Option<f64>,
}

impl PriceOptions {
    /// USD per credit for a credit-priced provider, and words saying where it came from.
    fn usd_per_credit(&self, provider: Provider) -> Option<(f64, String)> {
        if let Some(p) = self.credit_price_usd.filter(|p| p.is_finite() && *p >= 0.0) {
            return Some((p, format!("${} per credit (given)", fmt_usd(p))));
        }
        match (provider, self.plan) {
            (Provider::Apiframe, Plan::Payg) => Some((
                APIFRAME_PAYG_USD_PER_CREDIT,
                "$0.01 per credit (pay-as-you-go)".to_string(),
            )),
            (Provider::Apiframe, Plan::Growth) => Some((
                APIFRAME_GROWTH_USD_PER_CREDIT,
                "$0.00383 per credit (Growth plan)".to_string(),
            )),
            _ => None,
        }
    }
}

/// A price: credits and/or dollars, and how they were worked out.
#[derive(Clone, Debug, PartialEq)]
pub struct Cost {
    /// The provider priced.
    pub provider: Provider,
    /// Images priced.
    pub images: u32,
    /// Credits, for credit-priced providers.
    pub credits: Option<u64>,
    /// US dollars, when known.
    pub usd: Option<f64>,
    /// Whether the figure is the provider's tariff (true) or an estimate.
    pub exact: bool,
    /// In words, how it was computed.
    pub basis: String,
}

impl Cost {
    /// Read back what [`Cost::to_json`] wrote.
    pub fn from_json(provider: Provider, c: &Json) -> Option<Cost> {
        c.as_object()?;
        Some(Cost {
            provider,
            images: c.get("images").and_then(Json::as_u64).unwrap_or(0) as u32,
            credits: c.get("credits").and_then(Json::as_u64),
            usd: c.get("usd").and_then(Json::as_f64),
            exact: c.get("exact").and_then(Json::as_bool).unwrap_or(false),
            basis: c
                .get("basis")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string(),
        })
    }

    /// `{ provider, images, credits, usd, exact, basis }`
    pub fn to_json(&self) -> Json {
        json!({
            "provider": self.provider.id(),
            "images": self.images,
            "credits": self.credits,
            "usd": self.usd,
            "exact": self.exact,
            "basis": self.basis,
        })
    }
}

/// Round to a millionth of a dollar, so sums print as people expect.
pub fn round_usd(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Dollars for people: at least two decimals, at most six (`0.06`, `0.00383`).
/// Written with integers only, so no float formatting code is linked.
pub(crate) fn fmt_usd(x: f64) -> String {
    let micros = (x.max(0.0) * 1e6).round() as u64;
    let (whole, frac) = (micros / 1_000_000, micros % 1_000_000);
    let mut digits = format!("{frac:06}");
    while digits.len() > 2 && digits.ends_with('0') {
        digits.pop();
    }
    format!("{whole}.{digits}")
}

/// A token or item count read as a JSON number, for messages.
fn fmt_count(x: f64) -> u64 {
    x.max(0.0).round() as u64
}

/// Credits times a price per credit, with the words for it.
pub(crate) fn credit_cost(
    provider: Provider,
    images: u32,
    credits: u64,
    words: String,
    opts: &PriceOptions,
) -> Cost {
    let (usd, basis) = match opts.usd_per_credit(provider) {
        Some((rate, rate_words)) => (
            Some(round_usd(credits as f64 * rate)),
            format!("{words} = {credits} credits at {rate_words}"),
        ),
        None => (
            None,
            format!("{words} = {credits} credits; no USD price per credit is published, pass creditPriceUsd"),
        ),
    };
    Cost {
        provider,
        images,
        credits: Some(credits),
        usd,
        exact: true,
        basis,
    }
}

/// The price of `req` on `provider` before sending it.
pub fn estimate(provider: Provider, req: &ImageRequest, opts: &PriceOptions) -> Cost {
    let n = req.images();
    let plural = if n == 1 { "image" } else { "images" };
    match provider {
        Provider::Apiframe => {
            let quality = req.quality.unwrap_or("auto");
            let per = apiframe_credits_per_image(Some(quality));
            let words = format!("{per} credits per {quality}-quality image x {n} {plural}");
            credit_cost(provider, n, per * u64::from(n), words, opts)
        }
        Provider::Gptimage2ai => {
            let per = GPTIMAGE2AI_CREDITS_PER_IMAGE;
            let words = format!("{per} credits per image x {n} {plural}");
            credit_cost(provider, n, per * u64::from(n), words, opts)
        }
        Provider::Getimg => {
            let res = req.resolution.unwrap_or("1K");
            let per = if res == "2K" {
                GETIMG_USD_2K
            } else {
                GETIMG_USD_1K
            };
            Cost {
                provider,
                images: n,
                credits: None,
                usd: Some(round_usd(per * f64::from(n))),
                exact: true,
                basis: format!("${} per {res} image x {n} {plural}", fmt_usd(per)),
            }
        }
        Provider::Openai => openai_estimate(req),
    }
}

fn openai_estimate(req: &ImageRequest) -> Cost {
    let n = req.images();
    let quality = req.quality.unwrap_or("auto");
    let priced_as = if quality == "auto" {
        assumed::OPENAI_AUTO_PRICED_AS
    } else {
        quality
    };
    let per_1024 = OPENAI_USD_1024
        .iter()
        .find(|(q, _)| *q == priced_as)
        .map_or(OPENAI_USD_1024[2].1, |(_, p)| *p);
    let (pixels, size_words) = match effective_size(req) {
        Size::Exact(w, h) => (f64::from(w) * f64::from(h), format!("{w}x{h}")),
        Size::Auto => (
            assumed::OPENAI_AUTO_SIZE_PIXELS,
            "auto (priced as 1536x1024)".to_string(),
        ),
    };
    let scale = pixels / (1024.0 * 1024.0);
    let per_image = per_1024 * scale;
    let prompt_tokens =
        (crate::text::char_count(&req.prompt) as f64 / assumed::CHARS_PER_TOKEN).ceil();
    let text = prompt_tokens * OPENAI_TEXT_INPUT_PER_M / 1e6;
    let usd = round_usd(per_image * f64::from(n) + text);
    let auto_note = if quality == "auto" {
        " (auto priced as high)"
    } else {
        ""
    };
    let refs_note = if req.references.is_empty() {
        ""
    } else {
        "; input image tokens of the references are not known before the upload and are not included"
    };
    Cost {
        provider: Provider::Openai,
        images: n,
        credits: None,
        usd: Some(usd),
        exact: false,
        basis: format!(
            "estimate: ${} per 1024x1024 {priced_as}-quality image{auto_note} scaled by area to {size_words} x {n}, plus ~{} prompt tokens at $5/M{refs_note}; the exact bill comes from the response's usage",
            fmt_usd(per_1024),
            fmt_count(prompt_tokens)
        ),
    }
}

/// The exact price of an OpenAI response from its `usage` block.
pub fn openai_cost_from_usage(usage: &Json, images: u32) -> Option<Cost> {
    let num = |v: &Json| v.as_f64().filter(|x| x.is_finite() && *x >= 0.0);
    let input = usage.get("input_tokens").and_then(num)?;
    let output = usage.get("output_tokens").and_then(num)?;
    let details = usage.get("input_tokens_details");
    let text = details.and_then(|d| d.get("text_tokens")).and_then(num);
    let image = details.and_then(|d| d.get("image_tokens")).and_then(num);
    let cached = details
        .and_then(|d| d.get("cached_tokens"))
        .and_then(num)
        .unwrap_or(0.0);
    let (usd, exact, words) = match (text, image) {
        (Some(text), Some(image)) => {
            let cached = cached.min(image);
            let usd = (text * OPENAI_TEXT_INPUT_PER_M
                + (image - cached) * OPENAI_IMAGE_INPUT_PER_M
                + cached * OPENAI_CACHED_IMAGE_INPUT_PER_M
                + output * OPENAI_IMAGE_OUTPUT_PER_M)
                / 1e6;
            let cached_words = if cached > 0.0 {
                format!(" ({} cached at $2/M)", fmt_count(cached))
            } else {
                String::new()
            };
            (
                usd,
                true,
                format!(
                    "{} text tokens at $5/M + {} image input tokens at $8/M{cached_words} + {} image output tokens at $30/M",
                    fmt_count(text),
                    fmt_count(image),
                    fmt_count(output)
                ),
            )
        }
        _ => (
            (input * OPENAI_TEXT_INPUT_PER_M + output * OPENAI_IMAGE_OUTPUT_PER_M) / 1e6,
            false,
            format!(
                "{} input tokens at $5/M (no breakdown given) + {} image output tokens at $30/M",
                fmt_count(input),
                fmt_count(output)
            ),
        ),
    };
    Some(Cost {
        provider: Provider::Openai,
        images,
        credits: None,
        usd: Some(round_usd(usd)),
        exact,
        basis: format!("from usage: {words}"),
    })
}
