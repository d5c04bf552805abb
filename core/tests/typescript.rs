//! The TypeScript unions in `npm/index.d.ts` (provider ids, validation codes,
//! error codes, request fields) must list exactly what the Rust enums do (in
//! any order). On a difference the failure prints the text to paste.

use gpt_image_core::{ErrorCode, Field, IssueCode, Provider};

const DTS: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../npm/index.d.ts"));

/// The members of `export type NAME = "a" | "b" ...;` (one line or several).
fn union(name: &str) -> Vec<String> {
    let start = format!("export type {name} =");
    let at = DTS
        .find(&start)
        .unwrap_or_else(|| panic!("npm/index.d.ts has no `{start}`"));
    let rest = &DTS[at + start.len()..];
    let body = &rest[..rest.find(';').expect("the union ends with ;")];
    body.split('|')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(|m| {
            m.strip_prefix('"')
                .and_then(|m| m.strip_suffix('"'))
                .unwrap_or_else(|| panic!("{name}: `{m}` is not a string literal"))
                .to_string()
        })
        .collect()
}

/// The property names of `export interface NAME { ... }` (top level only).
fn interface_keys(name: &str) -> Vec<String> {
    let start = format!("export interface {name} {{");
    let at = DTS
        .find(&start)
        .unwrap_or_else(|| panic!("npm/index.d.ts has no `{start}`"));
    let body = &DTS[at + start.len()..];
    let body = &body[..body.find("\n}").expect("the interface ends with }")];
    body.lines()
        .filter_map(|line| {
            let key = line.strip_prefix("  ")?;
            if key.starts_with(' ') || key.starts_with('/') || key.starts_with('*') {
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

fn expect(name: &str, found: Vec<String>, wanted: Vec<&str>) {
    let text = wanted
        .iter()
        .map(|w| format!("\n  | \"{w}\""))
        .collect::<String>();
    assert_eq!(
        sorted(found),
        sorted(wanted.iter().map(|w| w.to_string()).collect()),
        "npm/index.d.ts `{name}` differs from the Rust enum; it should read:\nexport type {name} ={text};"
    );
}

#[test]
fn provider_ids_match() {
    let wanted = Provider::ALL.iter().map(|p| p.id()).collect();
    expect("ProviderId", union("ProviderId"), wanted);
}

#[test]
fn issue_codes_match() {
    let wanted = IssueCode::ALL.iter().map(|c| c.as_str()).collect();
    expect("IssueCode", union("IssueCode"), wanted);
}

#[test]
fn error_codes_match() {
    let wanted = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    expect("ErrorCode", union("ErrorCode"), wanted);
}

#[test]
fn request_fields_match() {
    let wanted: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(
        sorted(interface_keys("ImageRequest")),
        sorted(wanted),
        "npm/index.d.ts `ImageRequest` must have exactly the fields of gpt_image_core::Field::ALL"
    );
}

#[test]
fn the_parsers_read_what_they_should() {
    // A broken parser would make every comparison above vacuous.
    assert!(union("ProviderId").contains(&"openai".to_string()));
    assert!(union("ErrorCode").len() >= 10);
    assert!(interface_keys("ImageRequest").contains(&"webhookUrl".to_string()));
}
