//! The registry: every provider this package speaks to, one module each.
//!
//! A provider's module holds all it is: its spec as data (fields, values,
//! defaults, limits, models, tariffs, capabilities), its wire format, and
//! the assumptions it rests on. Adding a provider is a module here and a
//! line in [`ALL`].

pub mod apiframe;
pub mod azure;
pub mod fal;
pub mod getimg;
pub mod gptimage2ai;
pub mod openai;
pub mod openrouter;
pub mod replicate;

use crate::provider::{Provider, Spec, Wire};

/// Apiframe.
pub const APIFRAME: Provider = Provider::of(&apiframe::SPEC);
/// GPTImage2.ai.
pub const GPTIMAGE2AI: Provider = Provider::of(&gptimage2ai::SPEC);
/// getimg.ai.
pub const GETIMG: Provider = Provider::of(&getimg::SPEC);
/// OpenAI.
pub const OPENAI: Provider = Provider::of(&openai::SPEC);

/// Azure OpenAI.
pub const AZURE: Provider = Provider::of(&azure::SPEC);
/// OpenRouter.
pub const OPENROUTER: Provider = Provider::of(&openrouter::SPEC);

/// Replicate.
pub const REPLICATE: Provider = Provider::of(&replicate::SPEC);

/// fal.
pub const FAL: Provider = Provider::of(&fal::SPEC);

/// Every provider, in a stable order.
pub static ALL: &[Provider] = &[
    APIFRAME,
    GPTIMAGE2AI,
    GETIMG,
    OPENAI,
    AZURE,
    OPENROUTER,
    REPLICATE,
    FAL,
];

/// The wire format of the provider described by `spec`. Chosen by code, not
/// kept in the spec: builds that never call it (a browser's, which validates
/// and prices) leave every provider's wire code out.
pub(crate) fn wire_of(spec: &'static Spec) -> &'static dyn Wire {
    let is = |other: &'static Spec| core::ptr::eq(spec, other);
    if is(&apiframe::SPEC) {
        &apiframe::ApiframeWire
    } else if is(&gptimage2ai::SPEC) {
        &gptimage2ai::Gptimage2aiWire
    } else if is(&getimg::SPEC) {
        &getimg::GetimgWire
    } else if is(&azure::SPEC) {
        &azure::AzureWire
    } else if is(&openrouter::SPEC) {
        &openrouter::OpenrouterWire
    } else if is(&replicate::SPEC) {
        &replicate::ReplicateWire
    } else if is(&fal::SPEC) {
        &fal::FalWire
    } else {
        &openai::OpenaiWire
    }
}
