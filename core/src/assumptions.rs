//! Every value the provider documents do not give, in one place.
//!
//! Each constant is a guess made on purpose, named as such, so that correcting
//! one when a provider documents it is a one-line change.

/// GPTImage2.ai recommends idempotency keys for paid jobs but does not name the
/// header; we send `Idempotency-Key`. We never *rely* on it being honoured.
pub const GPTIMAGE2AI_SENDS_IDEMPOTENCY_KEY: bool = true;

/// Prompt limit for providers that document none: the upstream model's 32,000.
pub const UNDOCUMENTED_PROMPT_MAX: usize = 32_000;

/// Reference-image limit for providers that document none: the upstream 16.
pub const UNDOCUMENTED_REFERENCES_MAX: usize = 16;

/// getimg.ai has no count parameter (N images are N calls); we cap N at 10,
/// like the other providers, so one request cannot fan out without bound.
pub const GETIMG_COUNT_MAX: u32 = 10;

/// Longest `user` id we send OpenAI (it documents no limit; ids are short).
pub const USER_MAX: usize = 256;

/// Longest URL we accept for a reference or a webhook.
pub const URL_MAX: usize = 2048;

/// Longest `style` slug, and longest `lighting` / `camera` / `negative` hint.
pub const STYLE_MAX: usize = 64;
/// See [`STYLE_MAX`].
pub const HINT_MAX: usize = 1000;

/// GPTImage2.ai's typical job time; only Apiframe publishes one (~15 s).
pub const GPTIMAGE2AI_TYPICAL_DURATION_MS: f64 = 15_000.0;
/// getimg.ai's typical call time.
pub const GETIMG_TYPICAL_DURATION_MS: f64 = 15_000.0;
/// OpenAI's typical call time (high quality can exceed two minutes).
pub const OPENAI_TYPICAL_DURATION_MS: f64 = 30_000.0;

/// How much longer (or shorter) than typical a job of each quality runs.
pub fn quality_duration_factor(quality: Option<&str>) -> f64 {
    match quality {
        Some("low") => 0.6,
        Some("medium") => 0.85,
        _ => 1.0,
    }
}

/// OpenAI publishes no price for `quality: "auto"`; we estimate it as `high`,
/// the most it can cost (Apiframe prices auto as high too).
pub const OPENAI_AUTO_PRICED_AS: &str = "high";

/// OpenAI's `size: "auto"` lets the model choose; we estimate with the largest
/// of its standard sizes (1536x1024), so the estimate is an upper bound.
pub const OPENAI_AUTO_SIZE_PIXELS: f64 = 1536.0 * 1024.0;

/// Characters per text token, for estimating prompt tokens before the call.
pub const CHARS_PER_TOKEN: f64 = 4.0;
