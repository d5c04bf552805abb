//! The package's TypeScript declarations against the Rust. The names taken
//! from the Rust (provider ids, models, field values, codes, event names) are
//! generated (`gpt_image_core::typescript`), so the hand-written files must
//! import them, never declare their own; and the interfaces written by hand
//! over Rust data (the request, `providerInfo()`) must have exactly its keys.

use gpt_image_core::route::event;
use gpt_image_core::typescript::{declarations, DECLARED};
use gpt_image_core::{provider_info, ErrorCode, Field, IssueCode, JobStatus, Provider};

const NPM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../npm");

fn read(file: &str) -> String {
    std::fs::read_to_string(format!("{NPM}/{file}")).unwrap_or_else(|e| panic!("npm/{file}: {e}"))
}

/// Every hand-written declaration file of the package.
const FILES: [&str; 7] = [
    "common.d.ts",
    "index.d.ts",
    "browser.d.ts",
    "route.d.ts",
    "ai.d.ts",
    "init.d.ts",
    "wasm.d.ts",
];

/// The property names of `export interface NAME ... { ... }` (top level only).
fn interface_keys(dts: &str, name: &str) -> Vec<String> {
    let start = format!("export interface {name} ");
    let at = dts.find(&start).unwrap_or_else(|| panic!("no `{start}`"));
    let open = at + dts[at..].find('{').expect("the interface opens with {");
    let body = &dts[open + 1..];
    let body = &body[..body.find("\n}").expect("the interface ends with }")];
    body.lines()
        .filter_map(|line| {
            let key = line.strip_prefix("  ")?;
            if key.starts_with(' ')
                || key.starts_with('/')
                || key.starts_with('*')
                || key.starts_with('|')
            {
                return None;
            }
            let end = key.find(['?', ':'])?;
            Some(key[..end].to_string())
        })
        .collect()
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

#[test]
fn names_from_the_rust_are_imported_never_declared_by_hand() {
    for file in FILES {
        let dts = read(file);
        for name in DECLARED {
            for decl in [
                format!("export type {name} "),
                format!("export interface {name} "),
            ] {
                assert!(
                    !dts.contains(&decl),
                    "npm/{file} declares `{name}` itself: import it from ./generated.js"
                );
            }
        }
    }
    let common = read("common.d.ts");
    for name in DECLARED {
        assert!(
            common.contains(&format!("  {name},")),
            "npm/common.d.ts does not re-export `{name}` from ./generated.js"
        );
    }
}

#[test]
fn the_generated_names_are_every_rust_value() {
    let d = declarations();
    let quoted = |v: &str| format!("\"{v}\"");
    for p in Provider::all() {
        assert!(d.contains(&quoted(p.id())), "{}", p.id());
        for m in p.spec().models {
            assert!(d.contains(&quoted(m.id)), "{}", m.id);
            for q in m.limits.qualities {
                assert!(d.contains(&quoted(q)), "{q}");
            }
        }
    }
    for f in Field::ALL {
        assert!(d.contains(&quoted(f.name())), "{}", f.name());
    }
    for c in ErrorCode::ALL {
        assert!(d.contains(&quoted(c.as_str())), "{}", c.as_str());
    }
    for c in IssueCode::ALL {
        assert!(d.contains(&quoted(c.as_str())), "{}", c.as_str());
    }
    for s in JobStatus::ALL {
        assert!(d.contains(&quoted(s.as_str())), "{}", s.as_str());
    }
    for e in event::ALL {
        assert!(d.contains(&quoted(e)), "{e}");
    }
    for name in DECLARED {
        assert!(
            d.contains(&format!("export type {name} "))
                || d.contains(&format!("export interface {name} ")),
            "{name} is listed but not declared"
        );
    }
}

#[test]
fn the_request_interface_has_exactly_the_rust_fields() {
    let wanted: Vec<String> = Field::ALL.iter().map(|f| f.name().to_string()).collect();
    assert_eq!(
        sorted(interface_keys(&read("common.d.ts"), "ImageRequest")),
        sorted(wanted),
        "npm/common.d.ts `ImageRequest` must have exactly the fields of gpt_image_core::Field::ALL"
    );
}

/// Keys a declaration marks optional: some providers or models have them.
const OPTIONAL: [&str; 4] = ["size", "mask", "editFields", "styleExamples"];

/// Every emitted key is declared, and every declared key is emitted unless it is optional.
fn same_keys(declared: Vec<String>, emitted: Vec<String>, what: &str) {
    let undeclared: Vec<&String> = emitted.iter().filter(|k| !declared.contains(k)).collect();
    let missing: Vec<&String> = declared
        .iter()
        .filter(|k| !emitted.contains(k) && !OPTIONAL.contains(&k.as_str()))
        .collect();
    assert!(
        undeclared.is_empty() && missing.is_empty(),
        "{what}: not declared {undeclared:?}, never emitted {missing:?}"
    );
}

#[test]
fn provider_details_have_exactly_the_keys_of_provider_info() {
    let dts = read("common.d.ts");
    let info = provider_info();
    let openai = info.get("openai").expect("openai");
    let keys = |v: &gpt_image_core::Json| -> Vec<String> {
        v.as_object().unwrap().keys().cloned().collect()
    };
    // ProviderDetails extends ModelDetails; ProviderModel extends ModelDetails.
    let model_keys = interface_keys(&dts, "ModelDetails");
    let mut provider = interface_keys(&dts, "ProviderDetails");
    provider.extend(model_keys.clone());
    // `styleExamples` only where a provider has examples.
    let mut all: Vec<String> = Vec::new();
    for p in Provider::all() {
        for k in keys(info.get(p.id()).unwrap()) {
            if !all.contains(&k) {
                all.push(k);
            }
        }
    }
    same_keys(provider, all, "ProviderDetails vs provider_info()");
    let mut model = interface_keys(&dts, "ProviderModel");
    model.extend(model_keys);
    // Optional keys (`size`, `mask`, `editFields`) appear on some models only.
    let mut every: Vec<String> = Vec::new();
    for p in Provider::all() {
        for m in info[p.id()]["models"].as_array().unwrap() {
            for k in keys(m) {
                if !every.contains(&k) {
                    every.push(k);
                }
            }
        }
    }
    same_keys(
        model.clone(),
        every,
        "ProviderModel vs the models of provider_info()",
    );
    // A surface is its limits with an id and words.
    for p in Provider::all() {
        for s in info[p.id()]["surfaces"].as_array().unwrap() {
            for k in keys(s) {
                assert!(
                    model.contains(&k) || k == "about",
                    "surface key {k} is not declared"
                );
            }
        }
    }
    let _ = openai;
}
