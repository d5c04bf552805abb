//! The core's JSON text parser means what JavaScript's `JSON.parse` means
//! (followed by the wasm layer's conversion to Rust strings, which turns each
//! unpaired surrogate into U+FFFD), checked against `serde_json` over
//! generated and mutated documents.
//!
//! `JSON_CASES` sets the number of cases (default 3000); the long run is
//! `JSON_CASES=100000 cargo test --release -p gpt-image-core --test json_javascript`.

use gpt_image_core::{Json, ResponseBody};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

/// The core's value for a serde_json value (numbers as f64, as JavaScript holds them).
fn from_serde(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => Json::Number(n.as_f64().expect("finite")),
        Value::String(s) => Json::String(s.clone()),
        Value::Array(a) => Json::Array(a.iter().map(from_serde).collect()),
        Value::Object(m) => Json::Object(gpt_image_core::Map::from_pairs(
            m.iter().map(|(k, v)| (k.clone(), from_serde(v))).collect(),
        )),
    }
}

/// Same values, with numbers compared bit for bit (so -0 differs from 0).
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.to_bits() == y.to_bits(),
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// JSON text of all kinds: escapes (including surrogates), numbers of every
/// shape, duplicate keys, whitespace.
fn doc() -> impl Strategy<Value = String> {
    let ws = prop::sample::select(vec!["", "", " ", "\n", "\t", "\r\n  "]);
    let escape = prop_oneof![
        8 => prop::sample::select(vec![
            "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0000", "\\u00e9",
            "\\uD83D\\uDE42", "\\ud83d\\ude42", "\\ud83d", "\\ude42", "\\ud83d\\ud83d\\ude42",
            "\\uDBFF\\uDFFF", "\\uFFFF",
        ])
        .prop_map(str::to_string),
        1 => prop::sample::select(vec!["\\u+041", "\\u-041", "\\u 041", "\\u004", "\\x41", "\\U0041"])
            .prop_map(str::to_string),
        2 => any::<u16>().prop_map(|u| format!("\\u{u:04x}")),
        2 => any::<u16>().prop_map(|u| format!("\\u{u:04X}")),
    ];
    let piece = prop_oneof![
        3 => "[a-z é🙂]{0,4}",
        2 => escape,
    ];
    let string = prop::collection::vec(piece, 0..5).prop_map(|p| format!("\"{}\"", p.concat()));
    let number = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| format!("{n}{n}")),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| f.to_string()),
        "-?(0|[1-9][0-9]{0,25})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?",
        prop::sample::select(vec![
            "-0",
            "0.0",
            "1E400",
            "-1e400",
            "1e-400",
            "9007199254740993",
            "18014398509481985",
            "4.9e-324",
            "2.2250738585072011e-308",
            "1.7976931348623157e308",
            "0e0",
            "-0.0E-0",
        ])
        .prop_map(str::to_string),
    ];
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        number,
        string.clone(),
    ];
    let junk = prop::sample::select(vec![
        "01", "1.", ".5", "+1", "0x10", "1e", "--1", "Infinity", "NaN", "nul", "True", "'a'",
        "\"\t\"",
    ])
    .prop_map(str::to_string);
    let leaf = prop_oneof![30 => leaf, 1 => junk];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        let ws = ws.clone();
        prop_oneof![
            (prop::collection::vec(inner.clone(), 0..6), ws.clone())
                .prop_map(|(items, w)| format!("[{w}{}{w}]", items.join(&format!("{w},{w}")))),
            (
                prop::collection::vec(
                    (
                        prop_oneof![string.clone(), Just("\"dup\"".to_string())],
                        inner
                    ),
                    0..6
                ),
                ws
            )
                .prop_map(|(pairs, w)| {
                    let items: Vec<String> = pairs
                        .iter()
                        .map(|(k, v)| format!("{k}{w}:{w}{v}"))
                        .collect();
                    format!("{{{w}{}{w}}}", items.join(","))
                }),
        ]
    })
}

/// A document, sometimes damaged: a byte cut, doubled, swapped or replaced.
fn mutated() -> impl Strategy<Value = String> {
    let edit = (
        0usize..4,
        any::<prop::sample::Index>(),
        prop::sample::select(vec![
            "\"", "\\", ",", ":", "[", "]", "{", "}", "\\u", "e", "-", ".", "0", " ", "\u{1}", "é",
        ]),
    );
    (doc(), prop::collection::vec(edit, 0..3)).prop_map(|(mut text, edits)| {
        for (kind, at, with) in edits {
            if text.is_empty() {
                break;
            }
            let mut i = at.index(text.len());
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            let next = text[i..].chars().next().map_or(0, char::len_utf8);
            match kind {
                0 => text.replace_range(i..i + next, ""),
                1 => text.insert_str(i, with),
                2 => text.replace_range(i..i + next, with),
                _ => text.truncate(i),
            }
        }
        text
    })
}

/// JavaScript's meaning of `text`, from serde_json where it agrees with
/// JavaScript, and `Err` when JavaScript refuses the text too. serde_json
/// differs from `JSON.parse` in three documented ways, handled here:
/// unpaired surrogates (JavaScript keeps them; they reach Rust as U+FFFD),
/// numbers beyond f64 (JavaScript gives ±Infinity), and its nesting limit.
fn javascript(text: &str) -> Result<Json, ()> {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Ok(from_serde(&v)),
        Err(e) => {
            let why = e.to_string();
            let javascript_reads_it = [
                "surrogate",
                "end of hex escape",
                "invalid unicode code point",
                "number out of range",
            ];
            if javascript_reads_it.iter().any(|w| why.contains(w)) {
                // Rewrite the text into one serde_json reads the same way
                // JavaScript reads the original, then compare with that.
                javascript_by_rewriting(text)
            } else {
                Err(())
            }
        }
    }
}

/// The text with every unpaired surrogate escape replaced by `\ufffd` and
/// every out-of-range number by a marker string, read by serde_json.
fn javascript_by_rewriting(text: &str) -> Result<Json, ()> {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let mut in_string = false;
    let hex = |at: usize| -> Option<u16> {
        let h = text.get(at..at + 4)?;
        if h.bytes().all(|c| c.is_ascii_hexdigit()) {
            u16::from_str_radix(h, 16).ok()
        } else {
            None
        }
    };
    while i < b.len() {
        let c = b[i];
        if in_string {
            if c == b'"' {
                in_string = false;
            } else if c == b'\\' && b.get(i + 1) == Some(&b'u') {
                if let Some(u) = hex(i + 2) {
                    if (0xD800..0xDC00).contains(&u) {
                        let paired = b.get(i + 6) == Some(&b'\\')
                            && b.get(i + 7) == Some(&b'u')
                            && hex(i + 8).is_some_and(|l| (0xDC00..0xE000).contains(&l));
                        if paired {
                            out.push_str(&text[i..i + 12]);
                            i += 12;
                            continue;
                        }
                        out.push_str("\\ufffd");
                        i += 6;
                        continue;
                    }
                    if (0xDC00..0xE000).contains(&u) {
                        out.push_str("\\ufffd");
                        i += 6;
                        continue;
                    }
                }
            } else if c == b'\\' {
                out.push_str(text.get(i..i + 2).ok_or(())?);
                i += 2;
                continue;
            }
        } else if c == b'"' {
            in_string = true;
        } else if c == b'-' || c.is_ascii_digit() {
            // The number as RFC 8259 writes it: -?int(.frac)?(e[+-]?exp)?
            let digits = |mut j: usize| {
                while b.get(j).is_some_and(u8::is_ascii_digit) {
                    j += 1;
                }
                j
            };
            let mut end = digits(i + usize::from(c == b'-'));
            if b.get(end) == Some(&b'.') {
                end = digits(end + 1);
            }
            if matches!(b.get(end), Some(b'e' | b'E')) {
                end += 1;
                if matches!(b.get(end), Some(b'+' | b'-')) {
                    end += 1;
                }
                end = digits(end);
            }
            let num = &text[i..end];
            if serde_json::from_str::<Value>(num)
                .is_err_and(|e| e.to_string().contains("out of range"))
            {
                let inf = if num.starts_with('-') {
                    "\"-inf\""
                } else {
                    "\"+inf\""
                };
                out.push_str(inf);
                i = end;
                continue;
            }
            out.push_str(num);
            i = end;
            continue;
        }
        let ch = text[i..].chars().next().ok_or(())?;
        out.push(ch);
        i += ch.len_utf8();
    }
    let v: Value = serde_json::from_str(&out).map_err(|_| ())?;
    Ok(unmark(from_serde(&v)))
}

fn unmark(v: Json) -> Json {
    match v {
        Json::String(s) if s == "+inf" => Json::Number(f64::INFINITY),
        Json::String(s) if s == "-inf" => Json::Number(f64::NEG_INFINITY),
        Json::Array(a) => Json::Array(a.into_iter().map(unmark).collect()),
        Json::Object(m) => Json::Object(gpt_image_core::Map::from_pairs(
            m.into_iter().map(|(k, v)| (k, unmark(v))).collect(),
        )),
        v => v,
    }
}

fn cases() -> u32 {
    std::env::var("JSON_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000)
}

/// Run `check` over `cases()` texts from `strategy`, then report the counts.
fn differential(name: &str, strategy: impl Strategy<Value = String>) {
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let (accepted, refused) = (std::cell::Cell::new(0u32), std::cell::Cell::new(0u32));
    let start = std::time::Instant::now();
    let result = runner.run(&strategy, |text| {
        let ours = Json::parse(&text);
        match javascript(&text) {
            Ok(want) => {
                accepted.set(accepted.get() + 1);
                let got =
                    ours.map_err(|e| TestCaseError::fail(format!("refused {text:?}: {e}")))?;
                prop_assert!(same(&got, &want), "{text:?}\n got {got:?}\nwant {want:?}");
            }
            Err(()) => {
                refused.set(refused.get() + 1);
                prop_assert!(ours.is_err(), "accepted {text:?} as {:?}", ours.unwrap());
            }
        }
        Ok(())
    });
    println!(
        "{name}: {} cases ({} accepted, {} refused by both) in {:.1?}",
        accepted.get() + refused.get(),
        accepted.get(),
        refused.get(),
        start.elapsed()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn generated_documents_parse_as_javascript_parses_them() {
    differential("generated", doc());
}

#[test]
fn mutated_documents_parse_or_fail_as_javascript_does() {
    differential("mutated", mutated());
}

#[test]
fn surrogates_decode_as_utf16_does() {
    // Any sequence of UTF-16 code units written as escapes means what
    // JavaScript's string of those units becomes in Rust: each unpaired
    // surrogate one U+FFFD.
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let units = prop::collection::vec(
        prop_oneof![0xD800u16..0xE000, any::<u16>(), 0x20u16..0x80],
        0..8,
    );
    runner
        .run(&units, |units| {
            let text: String = units.iter().map(|u| format!("\\u{u:04x}")).collect();
            let got = Json::parse(&format!("\"{text}\""))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(got, Json::String(String::from_utf16_lossy(&units)));
            Ok(())
        })
        .unwrap();
}

#[test]
fn escapes_mean_what_javascript_says() {
    // Regressions: `\u+041` was read as "A"; a high surrogate followed by a
    // pair lost the pair.
    for bad in [
        r#""\u+041""#,
        r#""\u-041""#,
        r#""\u 041""#,
        r#""\u004""#,
        r#""\u00g1""#,
    ] {
        assert!(Json::parse(bad).is_err(), "{bad}");
    }
    let s = |t: &str| Json::parse(t).unwrap().as_str().unwrap().to_string();
    assert_eq!(s(r#""\ud83d\ud83d\ude42""#), "\u{FFFD}🙂");
    assert_eq!(s(r#""\ude42\ud83d""#), "\u{FFFD}\u{FFFD}");
    assert_eq!(s(r#""\ud83dA""#), "\u{FFFD}A");
    assert_eq!(s(r#""\ud83d\u0041""#), "\u{FFFD}A");
    assert_eq!(s(r#""\uD83D\uDE42""#), "🙂");
    assert_eq!(s(r#""\ud83d\\""#), "\u{FFFD}\\");
}

#[test]
fn numbers_mean_what_javascript_says() {
    let n = |t: &str| Json::parse(t).unwrap().as_f64().unwrap();
    assert_eq!(n("1e400"), f64::INFINITY);
    assert_eq!(n("-1e400"), f64::NEG_INFINITY);
    assert_eq!(n("1e-400"), 0.0);
    assert!(n("-0").is_sign_negative());
    assert_eq!(n("9007199254740993"), 9007199254740992.0);
    assert_eq!(n("18014398509481985"), 18014398509481984.0);
}

#[test]
fn provider_ids_and_seeds_beyond_2_53_keep_their_digits() {
    // Regression: a GPTImage2.ai seed of 18014398509481985 was reported as
    // "a very large number". Answers keep such an id or seed as its decimal
    // text; other numbers stay numbers, as JSON.parse gives them.
    let body = ResponseBody::from_text(
        r#"{"id":18014398509481985,"seed":-18014398509481985,"task_id":123456789012345678901,"jobId":9007199254740993,"width":18014398509481985,"small_seed":7,"seed2":1.5e300,"data":[{"seed":99999999999999999999}]}"#,
    );
    let ResponseBody::Json(v) = body else {
        panic!("JSON")
    };
    assert_eq!(v["id"], "18014398509481985");
    assert_eq!(v["seed"], "-18014398509481985");
    assert_eq!(v["task_id"], "123456789012345678901");
    assert_eq!(v["jobId"], "9007199254740993");
    assert_eq!(v["data"][0]["seed"], "99999999999999999999");
    assert_eq!(v["width"].as_f64(), Some(18014398509481984.0));
    assert_eq!(v["small_seed"].as_f64(), Some(7.0));
    assert_eq!(v["seed2"].as_f64(), Some(1.5e300));
    // Safe integers stay numbers under every name.
    let ResponseBody::Json(v) = ResponseBody::from_text(r#"{"seed":42,"id":9007199254740991}"#)
    else {
        panic!("JSON")
    };
    assert_eq!(v["seed"].as_f64(), Some(42.0));
    assert_eq!(v["id"].as_f64(), Some(9007199254740991.0));
}
