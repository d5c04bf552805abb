//! Validation of Apiframe submit bodies against Apiframe's own OpenAPI document.
//!
//! The verdict comes from `#/components/schemas/GenerateImageRequest` as published.
//! The per-field `details` come from the `oneOf` variant whose `model` matches the body,
//! since a bare `oneOf` failure says nothing useful about which field is wrong.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::{json, Value};

/// Per-field messages keyed by path, as in Apiframe's `ValidationError.details`.
pub type Details = BTreeMap<String, Vec<String>>;

/// Key of errors about the body as a whole. ASSUMED: Apiframe's documents say details are
/// "keyed by JSON path" without showing the root's key; paths are dotted (`a.b.0`).
pub const ROOT_PATH: &str = "(root)";

/// Compiled validators for Apiframe's image submit endpoint.
pub struct ApiframeSchema {
    full: Validator,
    variants: Vec<Validator>,
    by_model: HashMap<String, usize>,
    models: Vec<String>,
}

impl std::fmt::Debug for ApiframeSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiframeSchema")
            .field("models", &self.models.len())
            .finish()
    }
}

impl ApiframeSchema {
    /// Loads and compiles the schema from the OpenAPI document at `path`.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading Apiframe OpenAPI {}: {e}", path.display()))?;
        let doc: Value = serde_json::from_str(&text)
            .map_err(|e| format!("parsing Apiframe OpenAPI {}: {e}", path.display()))?;
        Self::from_document(&doc)
    }

    /// Loads the document at `path`, or the copy built into the binary.
    pub fn load_or_builtin(path: Option<&Path>) -> Result<Self, String> {
        match path {
            Some(p) => Self::load(p),
            None => {
                let doc: Value = serde_json::from_str(crate::config::BUILTIN_APIFRAME_OPENAPI)
                    .map_err(|e| format!("parsing the built-in Apiframe OpenAPI: {e}"))?;
                Self::from_document(&doc)
            }
        }
    }

    /// Compiles the schema from a parsed OpenAPI document.
    pub fn from_document(doc: &Value) -> Result<Self, String> {
        let components = doc
            .get("components")
            .cloned()
            .ok_or("the OpenAPI document has no components")?;
        // OpenAPI 3.1 schemas are JSON Schema 2020-12; `format` is asserted, not just noted.
        let options = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true);
        let full = options
            .build(&json!({
                "$ref": "#/components/schemas/GenerateImageRequest",
                "components": components,
            }))
            .map_err(|e| format!("compiling GenerateImageRequest: {e}"))?;
        let variants = components
            .pointer("/schemas/GenerateImageRequest/oneOf")
            .and_then(Value::as_array)
            .ok_or("GenerateImageRequest has no oneOf")?;
        let mut by_model = HashMap::new();
        let mut models = Vec::new();
        let mut compiled = Vec::with_capacity(variants.len());
        for (i, variant) in variants.iter().enumerate() {
            // A variant without references compiles on its own; one with references needs
            // the components beside it (a copy per variant, so only when needed).
            let schema = if variant.to_string().contains("\"$ref\"") {
                json!({
                    "$ref": format!("#/components/schemas/GenerateImageRequest/oneOf/{i}"),
                    "components": components,
                })
            } else {
                variant.clone()
            };
            compiled.push(
                options
                    .build(&schema)
                    .map_err(|e| format!("compiling GenerateImageRequest variant {i}: {e}"))?,
            );
            let names = variant
                .pointer("/properties/model/enum")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str);
            for name in names {
                by_model.insert(name.to_string(), i);
                models.push(name.to_string());
            }
        }
        Ok(ApiframeSchema {
            full,
            variants: compiled,
            by_model,
            models,
        })
    }

    /// Model ids the schema accepts.
    pub fn models(&self) -> &[String] {
        &self.models
    }

    /// Checks a body: `Ok` if the published schema accepts it, else per-field details.
    pub fn check(&self, body: &Value) -> Result<(), Details> {
        if self.full.is_valid(body) {
            return Ok(());
        }
        let mut details = Details::new();
        let Some(obj) = body.as_object() else {
            add(
                &mut details,
                ROOT_PATH,
                format!("Expected object, received {}", type_name(body)),
            );
            return Err(details);
        };
        match obj.get("model") {
            None => add(&mut details, "model", "Required".to_string()),
            Some(Value::String(model)) if self.by_model.contains_key(model) => {
                if let Some(validator) =
                    self.by_model.get(model).and_then(|i| self.variants.get(*i))
                {
                    for error in validator.iter_errors(body) {
                        describe(&error, &mut details);
                    }
                }
            }
            Some(other) => {
                let expected: Vec<String> = self.models.iter().map(|m| format!("'{m}'")).collect();
                add(
                    &mut details,
                    "model",
                    format!(
                        "Invalid discriminator value {}. Expected {}",
                        short(other),
                        expected.join(" | ")
                    ),
                );
            }
        }
        if details.is_empty() {
            add(
                &mut details,
                ROOT_PATH,
                "Does not match the GenerateImageRequest schema".to_string(),
            );
        }
        Err(details)
    }
}

fn add(details: &mut Details, path: &str, message: String) {
    let messages = details.entry(path.to_string()).or_default();
    if !messages.contains(&message) {
        messages.push(message);
    }
}

/// `/a/b/0` to `a.b.0`; the root to [`ROOT_PATH`].
fn dotted(pointer: &str) -> String {
    let path: Vec<String> = pointer
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    if path.is_empty() {
        ROOT_PATH.to_string()
    } else {
        path.join(".")
    }
}

fn child(parent: &str, name: &str) -> String {
    if parent == ROOT_PATH {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value for a message, cut short so a 2,000-character prompt is not echoed back.
fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// Turns one schema error into a message under its path.
fn describe(error: &ValidationError<'_>, details: &mut Details) {
    let path = dotted(error.instance_path().as_str());
    let instance = error.instance();
    let message = match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            for name in unexpected {
                add(
                    details,
                    &child(&path, name),
                    format!("Unrecognized key '{name}'"),
                );
            }
            return;
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            add(details, &child(&path, name), "Required".to_string());
            return;
        }
        ValidationErrorKind::Enum { options } => {
            let expected: Vec<String> = options
                .as_array()
                .map(|o| o.iter().map(|v| v.to_string().replace('"', "'")).collect())
                .unwrap_or_default();
            format!(
                "Invalid enum value {}. Expected {}",
                short(instance).replace('"', "'"),
                expected.join(" | ")
            )
        }
        ValidationErrorKind::Type { kind } => {
            let expected: Vec<String> = match kind {
                TypeKind::Single(t) => vec![t.to_string()],
                TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
            };
            format!(
                "Expected {}, received {}",
                expected.join(" | "),
                type_name(instance)
            )
        }
        ValidationErrorKind::MinLength { limit } => {
            format!("String must contain at least {limit} character(s)")
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("String must contain at most {limit} character(s)")
        }
        ValidationErrorKind::Minimum { limit } => {
            format!("Number must be greater than or equal to {limit}")
        }
        ValidationErrorKind::Maximum { limit } => {
            format!("Number must be less than or equal to {limit}")
        }
        ValidationErrorKind::MinItems { limit } => {
            format!("Array must contain at least {limit} element(s)")
        }
        ValidationErrorKind::MaxItems { limit } => {
            format!("Array must contain at most {limit} element(s)")
        }
        ValidationErrorKind::Format { format } => format!("Invalid {format}"),
        ValidationErrorKind::Pattern { pattern } => format!("Invalid: must match {pattern}"),
        _ => {
            let text = error.to_string();
            if text.chars().count() > 200 {
                text.chars().take(200).collect()
            } else {
                text
            }
        }
    };
    add(details, &path, message);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> ApiframeSchema {
        ApiframeSchema::load_or_builtin(None).unwrap()
    }

    #[test]
    fn accepts_the_documented_example() {
        let s = schema();
        assert!(s.models().len() >= 51);
        let body = json!({"model": "gpt-image-2", "prompt": "p",
            "gptImage2Params": {"quality": "high", "aspect_ratio": "3:2"}});
        assert_eq!(s.check(&body), Ok(()));
    }

    #[test]
    fn details_name_the_fields() {
        let s = schema();
        let body = json!({"model": "gpt-image-2", "prompt": "",
            "webhook_url": "http://x", "gptImage2Params": {"number_of_images": 11, "size": "1024x1024",
            "input_images": ["not a uri"]}});
        let details = s.check(&body).unwrap_err();
        for key in [
            "prompt",
            "webhook_url",
            "gptImage2Params.number_of_images",
            "gptImage2Params.size",
            "gptImage2Params.input_images.0",
        ] {
            assert!(details.contains_key(key), "{key} missing from {details:?}");
        }
    }

    #[test]
    fn unknown_model_and_non_object() {
        let s = schema();
        let d = s
            .check(&json!({"model": "gpt-image-3", "prompt": "p"}))
            .unwrap_err();
        assert!(d["model"][0].contains("'gpt-image-2'"));
        let d = s.check(&json!([1])).unwrap_err();
        assert!(d.contains_key(ROOT_PATH));
        let d = s.check(&json!({"prompt": "p"})).unwrap_err();
        assert_eq!(d["model"], vec!["Required".to_string()]);
    }
}
