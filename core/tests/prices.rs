//! Every published price, pinned.

use gpt_image_core::price::cost_from_usage;
use gpt_image_core::providers;

/// OpenAI's exact price from `usage`, by gpt-image-2's token tariff.
fn openai_cost_from_usage(usage: &Value, images: u32) -> Option<Cost> {
    let p = providers::OPENAI;
    cost_from_usage(p, p.default_model(), usage, images)
}
use gpt_image_core::{
    estimate_cost, Cost, ErrorCode, Plan, PriceOptions, Provider, ValidateOptions,
};
use gpt_image_core::{json, Json as Value};

fn cost(p: Provider, req: Value, opts: PriceOptions) -> Cost {
    estimate_cost(p, &req, ValidateOptions::default(), &opts).expect("valid request")
}

fn payg() -> PriceOptions {
    PriceOptions::default()
}

fn growth() -> PriceOptions {
    PriceOptions {
        plan: Plan::Growth,
        credit_price_usd: None,
        ..PriceOptions::default()
    }
}

#[test]
fn apiframe_credits_by_quality_times_count() {
    for (quality, credits) in [
        (json!("low"), 4),
        (json!("medium"), 9),
        (json!("high"), 23),
        (json!("auto"), 23),
        (Value::Null, 23),
    ] {
        let c = cost(
            providers::APIFRAME,
            json!({ "prompt": "x", "quality": quality }),
            payg(),
        );
        assert_eq!(c.credits, Some(credits), "{quality}");
        assert_eq!(c.images, 1);
        assert!(c.exact);
    }
    let c = cost(
        providers::APIFRAME,
        json!({ "prompt": "x", "quality": "medium", "count": 4 }),
        payg(),
    );
    assert_eq!((c.credits, c.usd, c.images), (Some(36), Some(0.36), 4));
    assert_eq!(
        c.basis,
        "9 credits per medium-quality image x 4 images = 36 credits at $0.01 per credit (pay-as-you-go)"
    );
    let c = cost(
        providers::APIFRAME,
        json!({ "prompt": "x", "quality": "low", "count": 10 }),
        payg(),
    );
    assert_eq!((c.credits, c.usd), (Some(40), Some(0.40)));
    let c = cost(
        providers::APIFRAME,
        json!({ "prompt": "x", "quality": "high" }),
        payg(),
    );
    assert_eq!((c.credits, c.usd), (Some(23), Some(0.23)));
}

#[test]
fn apiframe_growth_plan_and_given_credit_price() {
    let c = cost(
        providers::APIFRAME,
        json!({ "prompt": "x", "quality": "high" }),
        growth(),
    );
    assert_eq!((c.credits, c.usd), (Some(23), Some(0.08809)));
    assert!(
        c.basis.contains("$0.00383 per credit (Growth plan)"),
        "{}",
        c.basis
    );
    let c = cost(
        providers::APIFRAME,
        json!({ "prompt": "x", "quality": "medium", "count": 4 }),
        growth(),
    );
    assert_eq!(c.usd, Some(0.13788));
    let c = cost(
        providers::APIFRAME,
        json!({ "prompt": "x", "quality": "low" }),
        growth(),
    );
    assert_eq!(c.usd, Some(0.01532));
    let given = PriceOptions {
        plan: Plan::Payg,
        credit_price_usd: Some(0.005),
        ..PriceOptions::default()
    };
    let c = cost(
        providers::APIFRAME,
        json!({ "prompt": "x", "quality": "low", "count": 2 }),
        given,
    );
    assert_eq!((c.credits, c.usd), (Some(8), Some(0.04)));
    assert!(c.basis.contains("(given)"), "{}", c.basis);
}

#[test]
fn gptimage2ai_ten_credits_per_image_usd_only_with_a_price() {
    let c = cost(providers::GPTIMAGE2AI, json!({ "prompt": "x" }), payg());
    assert_eq!((c.credits, c.usd, c.exact), (Some(10), None, true));
    assert!(c.basis.contains("creditPriceUsd"), "{}", c.basis);
    let c = cost(
        providers::GPTIMAGE2AI,
        json!({ "prompt": "x", "count": 4 }),
        payg(),
    );
    assert_eq!((c.credits, c.usd, c.images), (Some(40), None, 4));
    // The Apiframe plan does not leak into another provider's price.
    let c = cost(
        providers::GPTIMAGE2AI,
        json!({ "prompt": "x", "count": 4 }),
        growth(),
    );
    assert_eq!(c.usd, None);
    let priced = PriceOptions {
        plan: Plan::Payg,
        credit_price_usd: Some(0.005),
        ..PriceOptions::default()
    };
    let c = cost(
        providers::GPTIMAGE2AI,
        json!({ "prompt": "x", "count": 4 }),
        priced,
    );
    assert_eq!((c.credits, c.usd), (Some(40), Some(0.2)));
}

#[test]
fn getimg_per_image_by_resolution() {
    let c = cost(providers::GETIMG, json!({ "prompt": "x" }), payg());
    assert_eq!((c.credits, c.usd, c.exact), (None, Some(0.06), true));
    assert_eq!(c.basis, "$0.06 per 1K image x 1 image");
    let c = cost(
        providers::GETIMG,
        json!({ "prompt": "x", "resolution": "1K" }),
        payg(),
    );
    assert_eq!(c.usd, Some(0.06));
    let c = cost(
        providers::GETIMG,
        json!({ "prompt": "x", "resolution": "2K" }),
        payg(),
    );
    assert_eq!(c.usd, Some(0.12));
    let c = cost(
        providers::GETIMG,
        json!({ "prompt": "x", "resolution": "2K", "count": 3 }),
        payg(),
    );
    assert_eq!((c.usd, c.images), (Some(0.36), 3));
}

#[test]
fn openai_estimates_from_published_per_image_figures() {
    // "a cat": 5 characters, estimated as 2 prompt tokens at $5/M = $0.00001.
    // Output tokens per 1024x1024 image: the published prices at $30/M, rounded up
    // (200, 1767, 7034), so the estimate is never below a bill of those tokens.
    for (quality, usd) in [
        ("low", 0.00601),
        ("medium", 0.05302),
        ("high", 0.21103),
        ("auto", 0.21103),
    ] {
        let c = cost(
            providers::OPENAI,
            json!({ "prompt": "a cat", "quality": quality, "size": "1024x1024" }),
            payg(),
        );
        assert_eq!(c.usd, Some(usd), "{quality}");
        assert!(!c.exact, "an OpenAI price before the call is an estimate");
        assert_eq!(c.credits, None);
        assert!(c.basis.starts_with("estimate:"), "{}", c.basis);
    }
    // Scaled by area: 1536x1024 is 1.5x the pixels of 1024x1024.
    let c = cost(
        providers::OPENAI,
        json!({ "prompt": "a cat", "quality": "high", "size": "1536x1024" }),
        payg(),
    );
    assert_eq!(c.usd, Some(0.31654));
    // Size from aspect ratio and resolution: 2K 1:1 is 2048x2048, four times the area.
    let c = cost(
        providers::OPENAI,
        json!({ "prompt": "a cat", "quality": "low", "aspectRatio": "1:1", "resolution": "2K" }),
        payg(),
    );
    assert_eq!(c.usd, Some(0.02401));
    // No size: auto, priced as the largest standard size (an upper bound).
    let c = cost(
        providers::OPENAI,
        json!({ "prompt": "a cat", "quality": "medium", "count": 2 }),
        payg(),
    );
    assert_eq!(c.usd, Some(0.15907));
    assert!(
        c.basis.contains("auto (priced as 1536x1024)"),
        "{}",
        c.basis
    );
}

/// A PNG header (all the estimate reads) of `w`x`h`, as a data URL.
fn png_data_url(w: u32, h: u32) -> String {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend_from_slice(&w.to_be_bytes());
    bytes.extend_from_slice(&h.to_be_bytes());
    bytes.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    format!(
        "data:image/png;base64,{}",
        gpt_image_core::image::encode_base64(&bytes)
    )
}

#[test]
fn openai_estimates_count_input_images_and_partial_images() {
    let base = json!({ "prompt": "a cat", "quality": "low", "size": "1024x1024" });
    let plain = cost(providers::OPENAI, base.clone(), payg()).usd.unwrap();
    // A 1024x1024 reference from its bytes: 85 + 170 * 4 tokens at $8/M.
    let mut edit = base.clone();
    edit.set("references", json!([png_data_url(1024, 1024)]));
    let with_bytes = cost(providers::OPENAI, edit.clone(), payg());
    assert!((with_bytes.usd.unwrap() - (plain + 765.0 * 8.0 / 1e6)).abs() < 1e-9);
    // High fidelity: four times the input tokens.
    edit.set("inputFidelity", json!("high"));
    let high = cost(providers::OPENAI, edit, payg()).usd.unwrap();
    assert!(
        (high - (plain + 4.0 * 765.0 * 8.0 / 1e6)).abs() < 1e-9,
        "{high}"
    );
    // Known only by URL: the most an image can cost (8 tiles, 1,445 tokens), said so.
    let mut by_url = base.clone();
    by_url.set(
        "references",
        json!([
            "https://img.example.com/a.png",
            "https://img.example.com/b.png"
        ]),
    );
    let c = cost(providers::OPENAI, by_url, payg());
    assert!((c.usd.unwrap() - (plain + 2.0 * 1445.0 * 8.0 / 1e6)).abs() < 1e-9);
    assert!(c.basis.contains("2 known only by URL"), "{}", c.basis);
    // Partial images: 100 output tokens each, for each image.
    let streamed = PriceOptions {
        partial_images: 3,
        ..PriceOptions::default()
    };
    let mut two = base;
    two.set("count", json!(2));
    let c = cost(providers::OPENAI, two.clone(), streamed);
    let without = cost(providers::OPENAI, two, payg()).usd.unwrap();
    assert!((c.usd.unwrap() - (without + 2.0 * 300.0 * 30.0 / 1e6)).abs() < 1e-9);
    assert!(c.basis.contains("3 partial images"), "{}", c.basis);
}

#[test]
fn openai_exact_cost_from_usage_tokens() {
    let usage = json!({
        "input_tokens": 50,
        "output_tokens": 7033,
        "input_tokens_details": { "text_tokens": 50, "image_tokens": 0 }
    });
    let c = openai_cost_from_usage(&usage, 1).unwrap();
    assert_eq!((c.usd, c.exact), (Some(0.21124), true));
    let usage = json!({
        "input_tokens": 1050,
        "output_tokens": 7033,
        "input_tokens_details": { "text_tokens": 50, "image_tokens": 1000, "cached_tokens": 200 }
    });
    let c = openai_cost_from_usage(&usage, 1).unwrap();
    // 50*5 + 800*8 + 200*2 + 7033*30 = 250 + 6400 + 400 + 210990 micro-dollars.
    assert_eq!(c.usd, Some(0.21804));
    // Without a breakdown the input is priced as text, and said to be inexact.
    let c =
        openai_cost_from_usage(&json!({ "input_tokens": 100, "output_tokens": 1000 }), 1).unwrap();
    assert_eq!((c.usd, c.exact), (Some(0.0305), false));
    assert!(openai_cost_from_usage(&json!({ "output_tokens": "many" }), 1).is_none());
}

#[test]
fn invalid_requests_are_not_priced() {
    let e = estimate_cost(
        providers::APIFRAME,
        &json!({ "prompt": "", "count": 50 }),
        ValidateOptions::default(),
        &payg(),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidRequest);
    assert_eq!(e.issues.len(), 2);
}

#[test]
fn cost_json_has_the_documented_shape() {
    let c = cost(providers::GETIMG, json!({ "prompt": "x" }), payg());
    let keys: Vec<String> = c.to_json().as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        ["provider", "images", "credits", "usd", "exact", "basis"]
    );
}
