//! What a request costs, before it is sent, and what a finished job cost,
//! worked out from the tariff each model declares (its provider's module
//! holds the figures: `crate::provider::Tariff`).

use crate::assumptions as assumed;
use crate::json;
use crate::json::Json;
use crate::provider::{Model, PartialImages, Provider, Tariff, TokenTariff};
use crate::request::{effective_size, ImageRequest, Size};

/// A billing plan of a credit-priced provider.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Plan {
    /// Pay-as-you-go top-ups.
    #[default]
    Payg,
    /// A monthly plan with cheaper credits (Apiframe's Growth plan).
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

    /// `payg` or `growth`.
    pub fn id(self) -> &'static str {
        match self {
            Plan::Payg => "payg",
            Plan::Growth => "growth",
        }
    }
}

/// How to turn credits into dollars, and what the call adds to the request.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PriceOptions {
    /// The plan, for providers whose tariff has plans.
    pub plan: Plan,
    /// Your price per credit; required for USD where none is published, and
    /// overrides the plan's.
    pub credit_price_usd: Option<f64>,
    /// Partial images streamed before each final image (each adds output tokens).
    pub partial_images: u8,
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

/// The entry of `table` for `key`, or its last entry.
pub(crate) fn lookup<T: Copy>(table: &[(&str, T)], key: &str) -> Option<T> {
    table
        .iter()
        .find(|(k, _)| *k == key)
        .or(table.last())
        .map(|(_, v)| *v)
}

/// Credits per image of a credit tariff at `quality` (absent: its default).
pub(crate) fn credits_per_image(tariff: &Tariff, quality: Option<&str>) -> u64 {
    match tariff {
        Tariff::CreditsPerQuality {
            credits,
            default_quality,
            ..
        } => lookup(credits, quality.unwrap_or(default_quality)).unwrap_or(0),
        Tariff::CreditsPerImage(c) => *c,
        _ => 0,
    }
}

/// USD per credit, and words saying where it came from: the caller's price,
/// else the plan's, where the tariff has plans.
fn usd_per_credit(model: &Model, opts: &PriceOptions) -> Option<(f64, String)> {
    if let Some(p) = opts.credit_price_usd.filter(|p| p.is_finite() && *p >= 0.0) {
        return Some((p, format!("${} per credit (given)", fmt_usd(p))));
    }
    match model.tariff {
        Tariff::CreditsPerQuality { plans, .. } => plans
            .iter()
            .find(|(plan, _, _)| *plan == opts.plan)
            .map(|(_, usd, words)| (*usd, (*words).to_string())),
        _ => None,
    }
}

/// Credits times a price per credit, with the words for it.
pub(crate) fn credit_cost(
    provider: Provider,
    model: &Model,
    images: u32,
    credits: u64,
    words: String,
    opts: &PriceOptions,
) -> Cost {
    let (usd, basis) = match usd_per_credit(model, opts) {
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

/// The price of `req` (validated for `provider`) before sending it, by its
/// model's tariff.
pub fn estimate(provider: Provider, req: &ImageRequest, opts: &PriceOptions) -> Cost {
    let n = req.images();
    let plural = if n == 1 { "image" } else { "images" };
    match req.rules.tariff {
        Tariff::CreditsPerQuality {
            default_quality, ..
        } => {
            let quality = req.quality.unwrap_or(default_quality);
            let per = credits_per_image(&req.rules.tariff, Some(quality));
            let words = format!("{per} credits per {quality}-quality image x {n} {plural}");
            credit_cost(provider, req.rules, n, per * u64::from(n), words, opts)
        }
        Tariff::CreditsPerImage(per) => {
            let words = format!("{per} credits per image x {n} {plural}");
            credit_cost(provider, req.rules, n, per * u64::from(n), words, opts)
        }
        Tariff::UsdPerResolution(table) => {
            let res = req.resolution.unwrap_or(table[0].0);
            let per = lookup(table, res).unwrap_or(0.0);
            Cost {
                provider,
                images: n,
                credits: None,
                usd: Some(round_usd(per * f64::from(n))),
                exact: true,
                basis: format!("${} per {res} image x {n} {plural}", fmt_usd(per)),
            }
        }
        Tariff::UsdPerQuality {
            usd,
            default_quality,
            source,
        } => {
            let quality = req.quality.unwrap_or(default_quality);
            let per = lookup(usd, quality).unwrap_or(0.0);
            Cost {
                provider,
                images: n,
                credits: None,
                usd: Some(round_usd(per * f64::from(n))),
                exact: false,
                basis: format!(
                    "${} per {quality}-quality image x {n} {plural} ({source})",
                    fmt_usd(per)
                ),
            }
        }
        Tariff::Tokens(t) => {
            // A provider that takes no count of partial images may send up to its most.
            let partials = match provider.partial_images() {
                PartialImages::Uncounted(most) if opts.partial_images > 0 => most,
                _ => opts.partial_images,
            };
            token_estimate(provider, t, req, partials)
        }
    }
}

/// Image input tokens of one reference (or mask): from its size when it is
/// given as bytes, else the most any image can cost (see
/// [`assumed::image_input_tokens`]); and whether its size was known.
fn reference_tokens(image: &str, high_fidelity: bool) -> (u64, bool) {
    let size = crate::image::DataUrl::parse(image)
        .and_then(Result::ok)
        .and_then(|d| d.head(64 * 1024))
        .and_then(|head| crate::image::dimensions(&head));
    match size {
        Some((w, h)) => (assumed::image_input_tokens(w, h, high_fidelity), true),
        None => (assumed::image_input_tokens_max(high_fidelity), false),
    }
}

/// A price per million tokens for people: `5`, `2.5`.
fn fmt_rate(per_m: f64) -> String {
    let usd = fmt_usd(per_m);
    match usd.strip_suffix(".00") {
        Some(whole) => whole.to_string(),
        None => usd,
    }
}

/// A token-billed price before the call, never below the bill: output
/// tokens per 1024x1024 image from the published per-image prices (rounded
/// up), scaled by area; `auto` quality and size priced as the tariff and the
/// size rules say (upper bounds); input images from their size (or the most
/// one can cost when only a URL is known); each partial image's output
/// tokens; the prompt at four characters per token.
fn token_estimate(
    provider: Provider,
    t: &TokenTariff,
    req: &ImageRequest,
    partial_images: u8,
) -> Cost {
    let n = u64::from(req.images());
    let quality = req.quality.unwrap_or("auto");
    let priced_as = if quality == "auto" {
        t.auto_priced_as
    } else {
        quality
    };
    let per_1024 = lookup(t.output_tokens_1024, priced_as).unwrap_or(0);
    let auto = req.limits.size.map_or((1024, 1024), |s| s.auto_priced_as);
    let (w, h, size_words) = match effective_size(req) {
        Size::Exact(w, h) => (w, h, format!("{w}x{h}")),
        Size::Auto => (
            auto.0,
            auto.1,
            format!("auto (priced as {}x{})", auto.0, auto.1),
        ),
    };
    let scaled = (per_1024 as f64 * f64::from(w) * f64::from(h) / (1024.0 * 1024.0)).ceil() as u64;
    // Where a provider's per-image prices do not fall below its 1024x1024
    // figure for smaller images, neither does the estimate.
    let per_image = if t.smaller_priced_as_1024 {
        scaled.max(per_1024)
    } else {
        scaled
    };
    let partial = u64::from(partial_images) * t.partial_image_tokens;
    let output = (per_image + partial) * n;
    let high_fidelity = req.input_fidelity == Some("high");
    let mut image_in = 0u64;
    let mut unknown = 0usize;
    for image in req.references.iter().chain(req.mask.iter()) {
        let (tokens, known) = reference_tokens(image, high_fidelity);
        image_in += tokens;
        unknown += usize::from(!known);
    }
    let text = (crate::text::char_count(&req.prompt) as u64).div_ceil(assumed::CHARS_PER_TOKEN);
    // Whole micro-dollars (a price per million tokens is micro-dollars per
    // token), rounded up: the estimate stays an upper bound.
    let micro_usd = (text as f64 * t.text_in_per_m
        + image_in as f64 * t.image_in_per_m
        + output as f64 * t.image_out_per_m)
        .ceil();
    let auto_note = if quality == "auto" {
        format!(" (auto priced as {priced_as})")
    } else {
        String::new()
    };
    let plural = if n == 1 { "image" } else { "images" };
    let floor = if t.smaller_priced_as_1024 && per_image > scaled {
        ", and no less"
    } else {
        ""
    };
    let mut basis = format!(
        "estimate: {per_1024} output tokens per 1024x1024 {priced_as}-quality image{auto_note} ({}) scaled by area to {size_words}{floor}",
        t.source
    );
    if partial > 0 {
        basis.push_str(&format!(
            " plus {partial} for {partial_images} partial images"
        ));
    }
    basis.push_str(&format!(
        ", x {n} {plural} = {output} output tokens at ${}/M; ~{text} prompt tokens at ${}/M",
        fmt_rate(t.image_out_per_m),
        fmt_rate(t.text_in_per_m)
    ));
    let images_in = req.references.len() + usize::from(req.mask.is_some());
    if images_in > 0 {
        let fidelity = if high_fidelity { "high" } else { "low" };
        basis.push_str(&format!(
            "; {image_in} input image tokens at ${}/M for {images_in} input images at {fidelity} fidelity",
            fmt_rate(t.image_in_per_m)
        ));
        if unknown > 0 {
            basis.push_str(&format!(
                " ({unknown} known only by URL, priced at the most an image can cost)"
            ));
        }
    }
    basis.push_str("; the exact bill comes from the response's usage");
    Cost {
        provider,
        images: req.images(),
        credits: None,
        usd: Some(micro_usd / 1e6),
        exact: false,
        basis,
    }
}

/// The exact price of a token-billed answer from its `usage` block, by the
/// model's token tariff; `None` when the model is not token-billed or the
/// usage has no token counts.
pub fn cost_from_usage(
    provider: Provider,
    model: &Model,
    usage: &Json,
    images: u32,
) -> Option<Cost> {
    let Tariff::Tokens(t) = model.tariff else {
        return None;
    };
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
    let rate = fmt_rate;
    let (usd, exact, words) = match (text, image) {
        (Some(text), Some(image)) => {
            let cached = cached.min(image);
            let usd = (text * t.text_in_per_m
                + (image - cached) * t.image_in_per_m
                + cached * t.cached_image_in_per_m
                + output * t.image_out_per_m)
                / 1e6;
            let cached_words = if cached > 0.0 {
                format!(
                    " ({} cached at ${}/M)",
                    fmt_count(cached),
                    rate(t.cached_image_in_per_m)
                )
            } else {
                String::new()
            };
            (
                usd,
                true,
                format!(
                    "{} text tokens at ${}/M + {} image input tokens at ${}/M{cached_words} + {} image output tokens at ${}/M",
                    fmt_count(text),
                    rate(t.text_in_per_m),
                    fmt_count(image),
                    rate(t.image_in_per_m),
                    fmt_count(output),
                    rate(t.image_out_per_m)
                ),
            )
        }
        _ => (
            (input * t.text_in_per_m + output * t.image_out_per_m) / 1e6,
            false,
            format!(
                "{} input tokens at ${}/M (no breakdown given) + {} image output tokens at ${}/M",
                fmt_count(input),
                rate(t.text_in_per_m),
                fmt_count(output),
                rate(t.image_out_per_m)
            ),
        ),
    };
    Some(Cost {
        provider,
        images,
        credits: None,
        usd: Some(round_usd(usd)),
        exact,
        basis: format!("from usage: {words}"),
    })
}
