//! Every published price, pinned.

use gpt_image_core::price::openai_cost_from_usage;
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
            Provider::Apiframe,
            json!({ "prompt": "x", "quality": quality }),
            payg(),
        );
        assert_eq!(c.credits, Some(credits), "{quality}");
        assert_eq!(c.images, 1);
        assert!(c.exact);
    }
    let c = cost(
        Provider::Apiframe,
        json!({ "prompt": "x", "quality": "medium", "count": 4 }),
        payg(),
    );
    assert_eq!((c.credits, c.usd, c.images), (Some(36), Some(0.36), 4));
    assert_eq!(
        c.basis,
        "9 credits per medium-quality image x 4 images = 36 credits at $0.01 per credit (pay-as-you-go)"
    );
    let c = cost(
        Provider::Apiframe,
        json!({ "prompt": "x", "quality": "low", "count": 10 }),
        payg(),
    );
    assert_eq!((c.credits, c.usd), (Some(40), Some(0.40)));
    let c = cost(
        Provider::Apiframe,
        json!({ "prompt": "x", "quality": "high" }),
        payg(),
    );
    assert_eq!((c.credits, c.usd), (Some(23), Some(0.23)));
}

#[test]
fn apiframe_growth_plan_and_given_credit_price() {
    let c = cost(
        Provider::Apiframe,
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
        Provider::Apiframe,
        json!({ "prompt": "x", "quality": "medium", "count": 4 }),
        growth(),
    );
    assert_eq!(c.usd, Some(0.13788));
    let c = cost(
        Provider::Apiframe,
        json!({ "prompt": "x", "quality": "low" }),
        growth(),
    );
    assert_eq!(c.usd, Some(0.01532));
    let given = PriceOptions {
        plan: Plan::Payg,
        credit_price_usd: Some(0.005),
    };
    let c = cost(
        Provider::Apiframe,
        json!({ "prompt": "x", "quality": "low", "count": 2 }),
        given,
    );
    assert_eq!((c.credits, c.usd), (Some(8), Some(0.04)));
    assert!(c.basis.contains("(given)"), "{}", c.basis);
}

#[test]
fn gptimage2ai_ten_credits_per_image_usd_only_with_a_price() {
    let c = cost(Provider::Gptimage2ai, json!({ "prompt": "x" }), payg());
    assert_eq!((c.credits, c.usd, c.exact), (Some(10), None, true));
    assert!(c.basis.contains("creditPriceUsd"), "{}", c.basis);
    let c = cost(
        Provider::Gptimage2ai,
        json!({ "prompt": "x", "count": 4 }),
        payg(),
    );
    assert_eq!((c.credits, c.usd, c.images), (Some(40), None, 4));
    // The Apiframe plan does not leak into another provider's price.
    let c = cost(
        Provider::Gptimage2ai,
        json!({ "prompt": "x", "count": 4 }),
        growth(),
    );
    assert_eq!(c.usd, None);
    let priced = PriceOptions {
        plan: Plan::Payg,
        credit_price_usd: Some(0.005),
    };
    let c = cost(
        Provider::Gptimage2ai,
        json!({ "prompt": "x", "count": 4 }),
        priced,
    );
    assert_eq!((c.credits, c.usd), (Some(40), Some(0.2)));
}

#[test]
fn getimg_per_image_by_resolution() {
    let c = cost(Provider::Getimg, json!({ "prompt": "x" }), payg());
    assert_eq!((c.credits, c.usd, c.exact), (None, Some(0.06), true));
    assert_eq!(c.basis, "$0.06 per 1K image x 1 image");
    let c = cost(
        Provider::Getimg,
        json!({ "prompt": "x", "resolution": "1K" }),
        payg(),
    );
    assert_eq!(c.usd, Some(0.06));
    let c = cost(
        Provider::Getimg,
        json!({ "prompt": "x", "resolution": "2K" }),
        payg(),
    );
    assert_eq!(c.usd, Some(0.12));
    let c = cost(
        Provider::Getimg,
        json!({ "prompt": "x", "resolution": "2K", "count": 3 }),
        payg(),
    );
    assert_eq!((c.usd, c.images), (Some(0.36), 3));
}

#[test]
fn openai_estimates_from_published_per_image_figures() {
    // "a cat": 5 characters, estimated as 2 prompt tokens at $5/M = $0.00001.
    for (quality, usd) in [
        ("low", 0.00601),
        ("medium", 0.05301),
        ("high", 0.21101),
        ("auto", 0.21101),
    ] {
        let c = cost(
            Provider::Openai,
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
        Provider::Openai,
        json!({ "prompt": "a cat", "quality": "high", "size": "1536x1024" }),
        payg(),
    );
    assert_eq!(c.usd, Some(0.31651));
    // Size from aspect ratio and resolution: 2K 1:1 is 2048x2048, four times the area.
    let c = cost(
        Provider::Openai,
        json!({ "prompt": "a cat", "quality": "low", "aspectRatio": "1:1", "resolution": "2K" }),
        payg(),
    );
    assert_eq!(c.usd, Some(0.02401));
    // No size: auto, priced as the largest standard size (an upper bound).
    let c = cost(
        Provider::Openai,
        json!({ "prompt": "a cat", "quality": "medium", "count": 2 }),
        payg(),
    );
    assert_eq!(c.usd, Some(0.15901));
    assert!(
        c.basis.contains("auto (priced as 1536x1024)"),
        "{}",
        c.basis
    );
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
        Provider::Apiframe,
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
    let c = cost(Provider::Getimg, json!({ "prompt": "x" }), payg());
    let keys: Vec<String> = c.to_json().as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        ["provider", "images", "credits", "usd", "exact", "basis"]
    );
}
