//! Request bodies judged by a provider's own OpenAPI document, read as
//! published (YAML or JSON): the verdict is the document's request schema,
//! and only the parameters it lists are taken (ASSUMED, a sandbox rule: a
//! client must not lean on a parameter no document promises).

use jsonschema::Validator;
use serde_json::{json, Map, Value};

/// One request schema of an OpenAPI document, compiled.
pub struct RequestSchema {
    name: String,
    validator: Validator,
    /// The schema's properties and their declared types (`integer`, `string`, ...).
    properties: Vec<(String, String)>,
}

impl std::fmt::Debug for RequestSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestSchema")
            .field("name", &self.name)
            .finish()
    }
}

/// Why a body was refused: the parameter at fault and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The top-level parameter, or empty for the body as a whole.
    pub param: String,
    /// The document's complaint, in words.
    pub message: String,
}

impl RequestSchema {
    /// Compiles `#/components/schemas/{name}` of the document `text`.
    pub fn compile(text: &str, name: &str) -> Result<RequestSchema, String> {
        let doc: Value =
            serde_yaml::from_str(text).map_err(|e| format!("reading the document: {e}"))?;
        let components = doc
            .get("components")
            .cloned()
            .ok_or("the document has no components")?;
        let schema = components
            .pointer(&format!("/schemas/{name}"))
            .ok_or_else(|| format!("the document has no schema {name}"))?;
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|props| {
                props
                    .iter()
                    .map(|(k, v)| {
                        let kind = v.get("type").and_then(Value::as_str).unwrap_or("string");
                        (k.clone(), kind.to_string())
                    })
                    .collect()
            })
            .unwrap_or_default();
        // OpenAPI 3.1 schemas are JSON Schema 2020-12 (3.0's `nullable` is
        // left unread: a null is refused, which no client here sends).
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&json!({
                "$ref": format!("#/components/schemas/{name}"),
                "components": components,
            }))
            .map_err(|e| format!("compiling {name}: {e}"))?;
        Ok(RequestSchema {
            name: name.to_string(),
            validator,
            properties,
        })
    }

    /// Whether the schema lists `param`.
    pub fn lists(&self, param: &str) -> bool {
        self.properties.iter().any(|(k, _)| k == param)
    }

    /// Checks a body: `Ok` if the schema accepts it and it holds only listed parameters.
    pub fn check(&self, body: &Value) -> Result<(), Rejection> {
        if let Some(obj) = body.as_object() {
            if let Some(unknown) = obj.keys().find(|k| !self.lists(k)) {
                return Err(Rejection {
                    param: unknown.clone(),
                    message: format!("Unknown parameter: '{unknown}' is not in {}.", self.name),
                });
            }
        }
        match self.validator.iter_errors(body).next() {
            None => Ok(()),
            Some(e) => {
                let path = e.instance_path().to_string();
                let mut param = path
                    .trim_start_matches('/')
                    .split('/')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                // A missing property is the body's fault, but names the property.
                if let jsonschema::error::ValidationErrorKind::Required { property } = e.kind() {
                    if param.is_empty() {
                        param = property.as_str().unwrap_or_default().to_string();
                    }
                }
                Err(Rejection {
                    message: if param.is_empty() {
                        format!("{e}.")
                    } else {
                        format!("Invalid '{param}': {e}.")
                    },
                    param,
                })
            }
        }
    }

    /// The text fields of a multipart form as the JSON body the schema
    /// describes: integers and booleans where it declares them, else strings.
    /// A field that does not read as its type stays text (and is refused).
    pub fn typed_fields(&self, fields: &[(String, String)]) -> Value {
        let mut out = Map::new();
        for (k, text) in fields {
            let kind = self
                .properties
                .iter()
                .find(|(name, _)| name == k)
                .map_or("string", |(_, t)| t.as_str());
            let value = match kind {
                "integer" => text.trim().parse::<i64>().map_or(json!(text), |n| json!(n)),
                "boolean" if text == "true" || text == "false" => json!(text == "true"),
                _ => json!(text),
            };
            out.insert(k.clone(), value);
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AZURE: &str = include_str!(
        "../../spec/azure-openai/2025-04-01-preview/azure-openai-inference-2025-04-01-preview.images.yaml"
    );
    const OPENROUTER: &str = include_str!("../../spec/openrouter/openrouter-images.openapi.yaml");

    #[test]
    fn the_document_judges_and_names_the_parameter() {
        let s = RequestSchema::compile(OPENROUTER, "ImageGenerationRequest").unwrap();
        assert!(s
            .check(&json!({ "model": "m", "prompt": "a cat", "n": 2 }))
            .is_ok());
        let r = s
            .check(&json!({ "model": "m", "prompt": "a cat", "quality": "ultra" }))
            .unwrap_err();
        assert_eq!(r.param, "quality");
        let r = s.check(&json!({ "model": "m", "prompt": "" })).unwrap_err();
        assert_eq!(r.param, "prompt");
        let r = s
            .check(&json!({ "model": "m", "prompt": "x", "partial_images": 2 }))
            .unwrap_err();
        assert_eq!(r.param, "partial_images");
        assert_eq!(
            s.check(&json!({ "prompt": "x" })).unwrap_err().param,
            "model"
        );
    }

    #[test]
    fn form_fields_take_the_declared_types() {
        let s = RequestSchema::compile(OPENROUTER, "ImageGenerationRequest").unwrap();
        let typed = s.typed_fields(&[
            ("n".into(), "2".into()),
            ("stream".into(), "true".into()),
            ("prompt".into(), "x".into()),
        ]);
        assert_eq!(typed, json!({ "n": 2, "stream": true, "prompt": "x" }));
    }

    #[test]
    fn azures_document_judges_and_names_the_parameter() {
        let s = RequestSchema::compile(AZURE, "imageGenerationsRequest").unwrap();
        assert!(s.check(&json!({ "prompt": "a cat", "n": 2 })).is_ok());
        let r = s
            .check(&json!({ "prompt": "a cat", "output_format": "webp" }))
            .unwrap_err();
        assert_eq!(r.param, "output_format");
        let r = s.check(&json!({ "prompt": "" })).unwrap_err();
        assert_eq!(r.param, "prompt");
        let r = s
            .check(&json!({ "prompt": "x", "partial_images": 2 }))
            .unwrap_err();
        assert_eq!(r.param, "partial_images");
        assert!(s.check(&json!({ "n": 1 })).is_err(), "prompt is required");
    }

    #[test]
    fn azures_form_fields_take_the_declared_types() {
        let s = RequestSchema::compile(AZURE, "imageEditsRequest").unwrap();
        let typed = s.typed_fields(&[("n".into(), "2".into()), ("prompt".into(), "x".into())]);
        assert_eq!(typed, json!({ "n": 2, "prompt": "x" }));
    }
}
