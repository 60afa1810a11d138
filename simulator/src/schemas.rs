//! Request bodies checked against the spec itself: `request_schemas.json` holds every
//! request-body schema as the spec states it (written by `cargo xtask codegen`), read with a
//! JSON Schema validator. The client's own checks are not used, so a bug in them shows up
//! as the simulator disagreeing with the client rather than being mirrored.

use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The request-body schemas, generated from the spec.
const DOCUMENT: &str = include_str!("request_schemas.json");

fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::from_str(DOCUMENT).expect("the generated schemas are JSON"))
}

/// The validator for `operation`'s body, built on first use; `None` when the spec gives
/// that operation no JSON body.
fn validator(operation: &str) -> Option<Arc<jsonschema::Validator>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(v) = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(operation)
    {
        return Some(v.clone());
    }
    let doc = document();
    let body = doc["operations"].get(operation)?.get("body")?;
    // The body's schema, with the components its references point into beside it.
    let schema = json!({"components": doc["components"], "allOf": [body]});
    let built =
        Arc::new(jsonschema::draft4::new(&schema).expect("the spec's request schemas compile"));
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(operation.to_owned(), built.clone());
    Some(built)
}

/// What is wrong with `body` for `operation` according to the spec, each problem as
/// "`field`: what" (the body itself unnamed); empty when nothing is. `None` when the spec
/// gives `operation` no JSON body.
pub(crate) fn problems(operation: &str, body: &Value) -> Option<Vec<String>> {
    let validator = validator(operation)?;
    Some(
        validator
            .iter_errors(body)
            .map(|e| {
                let at = e.instance_path().to_string();
                let field = at.trim_start_matches('/').replace('/', ".");
                if field.is_empty() {
                    e.to_string()
                } else {
                    format!("`{field}`: {e}")
                }
            })
            .collect(),
    )
}

/// The body property in which `operation` carries the API key, as the spec says
/// (`x-runninghub-credential`); `None` when it carries the key in the header only.
pub(crate) fn credential(operation: &str) -> Option<&'static str> {
    document()["operations"]
        .get(operation)?
        .get("credential")?
        .as_str()
}

/// The JSON Schema of `operation`'s request body as the spec states it (types, required
/// fields, enumerations, bounds, defaults), with every `$ref` replaced by what it points to,
/// and without the property a platform call carries the key in (the client adds it). `None`
/// when the spec gives `operation` no JSON body.
pub fn request_schema(operation: &str) -> Option<Value> {
    let doc = document();
    let entry = doc["operations"].get(operation)?;
    let mut schema = inline(entry.get("body")?, &doc["components"], 0);
    if let Some(key) = entry.get("credential").and_then(Value::as_str) {
        if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            props.remove(key);
        }
        if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
            required.retain(|r| r != key);
        }
    }
    Some(schema)
}

/// `value` with each `{"$ref": "#/components/..."}` replaced by its target, to a depth that
/// no request body of the spec comes near (a reference cycle stops there, left as it is).
fn inline(value: &Value, components: &Value, depth: usize) -> Value {
    match value {
        Value::Object(map) => {
            if let Some(target) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/"))
                .and_then(|path| components.pointer(&format!("/{path}")))
                && depth < 32
            {
                return inline(target, components, depth + 1);
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), inline(v, components, depth)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| inline(v, components, depth)).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use runninghub::operation::{FieldKind, Role};
    use runninghub::operations::OPERATIONS;

    fn examples() -> impl Iterator<Item = (&'static runninghub::operation::OperationInfo, Value)> {
        OPERATIONS
            .iter()
            .filter(|op| op.role == Role::Task)
            .filter_map(|op| Some((op, serde_json::from_str(op.example?).unwrap())))
    }

    #[test]
    fn every_example_of_the_spec_passes_its_own_schema() {
        let mut seen = 0;
        for (op, example) in examples() {
            assert_eq!(
                problems(op.operation_id, &example),
                Some(vec![]),
                "{}",
                op.operation_id
            );
            seen += 1;
        }
        assert!(seen > 0, "the build has model families");
    }

    #[test]
    fn a_request_schema_is_self_contained_and_leaves_out_the_key() {
        for op in OPERATIONS.iter().filter(|op| op.example.is_some()) {
            let schema = request_schema(op.operation_id).unwrap();
            assert!(
                !schema.to_string().contains("$ref"),
                "{}: {schema}",
                op.operation_id
            );
        }
        let cancel = request_schema("cancel_task").unwrap();
        assert!(cancel["properties"].get("apiKey").is_none(), "{cancel}");
        assert_eq!(cancel["required"], json!(["taskId"]));
        assert_eq!(request_schema("no_such_operation"), None);
    }

    #[test]
    fn a_missing_field_and_a_broken_bound_are_named() {
        // The first model whose table has a required field and a string with a length limit.
        let (op, example, required, limited) = examples()
            .find_map(|(op, example)| {
                let required = op.fields.iter().find(|f| f.required)?;
                let limited = op
                    .fields
                    .iter()
                    .find(|f| f.kind == FieldKind::String && f.max_length.is_some())?;
                (required.name != limited.name).then_some((op, example, required, limited))
            })
            .expect("such a model is in the build");
        let mut body = example;
        body.as_object_mut().unwrap().remove(required.name);
        let too_long = "x".repeat(limited.max_length.unwrap() as usize + 1);
        body[limited.name] = Value::String(too_long);
        let found = problems(op.operation_id, &body).unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
        let named = |p: &String| p.starts_with(&format!("`{}`", limited.name));
        assert!(found.iter().any(named), "{found:?}");
        let missing = format!("\"{}\"", required.name);
        assert!(found.iter().any(|p| p.contains(&missing)), "{found:?}");
        assert_eq!(problems("no_such_operation", &body), None);
    }
}
