//! What several test files share.

use gpt_image_core::{Provider, Target, TargetOptions};

/// A target for any provider with `key`: where a provider needs a base URL
/// or settings (Azure's resource and deployment), the examples its spec gives.
#[allow(dead_code)]
pub fn target(p: Provider, key: &str, base_url: Option<&str>) -> Target {
    let setup = p.setup();
    let base_url = base_url.map(str::to_string).or_else(|| {
        setup
            .base_url_required
            .then(|| "https://example.openai.azure.com".to_string())
    });
    let settings = setup
        .settings
        .iter()
        .filter(|s| s.default.is_none())
        .map(|s| (s.name.to_string(), s.examples[0].to_string()))
        .collect();
    Target::build(
        p,
        TargetOptions {
            api_key: Some(key.to_string()),
            base_url,
            settings,
            ..TargetOptions::default()
        },
    )
    .unwrap()
}
