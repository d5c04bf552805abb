//! Values no provider's documents give, shared by several providers. Each is a
//! guess made on purpose, named as such, so that correcting one is a one-line
//! change. A provider's own assumptions are in its module (`crate::providers`).

/// Prompt limit for providers that document none: the upstream model's 32,000.
pub const UNDOCUMENTED_PROMPT_MAX: usize = 32_000;

/// Reference-image limit for providers that document none: the upstream 16.
pub const UNDOCUMENTED_REFERENCES_MAX: usize = 16;

/// Longest `user` id we send OpenAI (it documents no limit; ids are short).
pub const USER_MAX: usize = 256;

/// Longest URL we accept for a reference or a webhook.
pub const URL_MAX: usize = 2048;

/// Longest `style` slug, and longest `lighting` / `camera` / `negative` hint.
pub const STYLE_MAX: usize = 64;
/// See [`STYLE_MAX`].
pub const HINT_MAX: usize = 1000;

/// How much longer (or shorter) than typical a job of each quality runs.
pub fn quality_duration_factor(quality: Option<&str>) -> f64 {
    match quality {
        Some("low") => 0.6,
        Some("medium") => 0.85,
        _ => 1.0,
    }
}

/// Characters per text token, for estimating prompt tokens before the call.
pub const CHARS_PER_TOKEN: u64 = 4;

/// Image input tokens of an input image of `width`x`height` for GPT Image
/// models (OpenAI's, and those resold by token). OpenAI publishes
/// no rule for its image models; we take its vision rule: scaled down to fit
/// 2048x2048, then so that the shorter side is at most 768, then 85 tokens
/// plus 170 per 512x512 tile. High input fidelity: four times that (from
/// fal's published gpt-image-1 figures, about 3,050 tokens for 1024x1024).
pub fn image_input_tokens(width: u32, height: u32, high_fidelity: bool) -> u64 {
    let (mut w, mut h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let fit = (2048.0 / w.max(h)).min(1.0);
    w *= fit;
    h *= fit;
    let shorter = (768.0 / w.min(h)).min(1.0);
    w = (w * shorter).round().max(1.0);
    h = (h * shorter).round().max(1.0);
    let tiles = (w / 512.0).ceil() as u64 * (h / 512.0).ceil() as u64;
    let tokens = 85 + 170 * tiles;
    if high_fidelity {
        tokens * 4
    } else {
        tokens
    }
}

/// The most one input image can cost under [`image_input_tokens`]:
/// 8 tiles (768 by 2048 after scaling), for an image known only by its URL.
pub fn image_input_tokens_max(high_fidelity: bool) -> u64 {
    let tokens = 85 + 170 * 8;
    if high_fidelity {
        tokens * 4
    } else {
        tokens
    }
}
