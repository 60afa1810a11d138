//! The request-body schemas of the spec as one JSON document, for the simulator: it
//! validates what it receives against the spec itself rather than with the client's own
//! validation code, so that a bug in the client's checks shows up as a disagreement instead
//! of being mirrored.
//!
//! The document holds, per operation with a JSON body, the body's schema exactly as the
//! spec states it (with the key's property, for the platform calls that carry the key in
//! the body, and that property's name as `credential`) (before the transform that moves constraints out of progenitor's view),
//! and the component schemas those reach. Descriptions are kept (the MCP server's
//! `describe_model` gives agents these schemas, and a field's meaning is what an agent
//! lacks); other annotations (titles, examples, `x-` extensions) are left out, and OpenAPI
//! 3.0's `nullable` is written as JSON Schema's
//! `type: [T, "null"]`; everything else is OpenAPI 3.0's schema object, which JSON Schema
//! draft 4 validators read. Objects are written with sorted keys, so the text does not
//! depend on how serde_json orders maps.

use crate::model::Operation;
use openapiv3::OpenAPI;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// The prefix of a reference to a component schema.
const COMPONENT: &str = "#/components/schemas/";

/// The document, as pretty-printed JSON text ending with a newline. `comment` (the command
/// and the spec's hash) goes in its `$comment`.
pub(crate) fn render(spec: &OpenAPI, operations: &[Operation], comment: &str) -> String {
    let mut bodies = Map::new();
    let mut reached = BTreeSet::new();
    for op in operations.iter().filter(|op| !op.handwritten) {
        let Some(body) = &op.body else {
            // A call without a body that carries the key in its query.
            if let Some(name) = &op.credential {
                bodies.insert(
                    op.id.clone(),
                    Value::Object(Map::from_iter([
                        ("path".to_owned(), Value::String(op.path.clone())),
                        ("credential".to_owned(), Value::String(name.clone())),
                        ("credentialIn".to_owned(), Value::String("query".into())),
                    ])),
                );
            }
            continue;
        };
        let body = lean(serde_json::to_value(body).expect("a schema serializes"));
        refs(&body, &mut reached);
        let mut entry = Map::from_iter([
            ("path".to_owned(), Value::String(op.path.clone())),
            ("body".to_owned(), body),
        ]);
        // Where a platform call carries the key (`x-runninghub-credential`).
        if let Some(name) = &op.credential {
            entry.insert("credential".to_owned(), Value::String(name.clone()));
        }
        bodies.insert(op.id.clone(), Value::Object(entry));
    }
    // The components the bodies reach, and those they reach in turn.
    let mut components = Map::new();
    let mut queue: Vec<String> = reached.iter().cloned().collect();
    while let Some(name) = queue.pop() {
        if components.contains_key(&name) {
            continue;
        }
        let Some(schema) = spec.components.as_ref().and_then(|c| c.schemas.get(&name)) else {
            continue;
        };
        let schema = lean(serde_json::to_value(schema).expect("a schema serializes"));
        let mut more = BTreeSet::new();
        refs(&schema, &mut more);
        queue.extend(more.into_iter().filter(|n| !components.contains_key(n)));
        components.insert(name, schema);
    }
    let doc = Value::Object(Map::from_iter([
        ("$comment".to_owned(), Value::String(comment.to_owned())),
        (
            "components".to_owned(),
            Value::Object(Map::from_iter([(
                "schemas".to_owned(),
                Value::Object(components),
            )])),
        ),
        ("operations".to_owned(), Value::Object(bodies)),
    ]));
    let mut text = serde_json::to_string_pretty(&sorted(doc)).expect("JSON serializes");
    text.push('\n');
    text
}

/// The schema without annotations, with `nullable` as a JSON Schema type list.
fn lean(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let nullable = map.get("nullable") == Some(&Value::Bool(true));
            let mut out = Map::new();
            for (key, v) in map {
                let annotation = matches!(key.as_str(), "example" | "title" | "nullable")
                    || key.starts_with("x-");
                // `properties` maps names to schemas: a property may be called `example`.
                if annotation {
                    continue;
                }
                let v = if key == "properties" {
                    match v {
                        Value::Object(props) => {
                            Value::Object(props.into_iter().map(|(k, s)| (k, lean(s))).collect())
                        }
                        other => other,
                    }
                } else {
                    lean(v)
                };
                out.insert(key, v);
            }
            if nullable && let Some(Value::String(t)) = out.get("type").cloned() {
                out.insert(
                    "type".to_owned(),
                    Value::Array(vec![Value::String(t), Value::String("null".to_owned())]),
                );
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(lean).collect()),
        other => other,
    }
}

/// The component schemas `value` refers to.
fn refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref")
                && let Some(name) = r.strip_prefix(COMPONENT)
            {
                out.insert(name.to_owned());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// `value` with every object's keys in sorted order, whatever serde_json's map keeps.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn annotations_but_descriptions_go_and_nullable_becomes_a_type_list() {
        let schema = json!({
            "type": "object",
            "description": "d",
            "x-runninghub-output": "video",
            "properties": {
                "example": {"type": "string", "maxLength": 3, "example": "abc"},
                "description": {"type": "string", "description": "what it means"},
                "reason": {"type": "string", "nullable": true, "title": "t"}
            }
        });
        assert_eq!(
            lean(schema),
            json!({
                "type": "object",
                "description": "d",
                "properties": {
                    "example": {"type": "string", "maxLength": 3},
                    "description": {"type": "string", "description": "what it means"},
                    "reason": {"type": ["string", "null"]}
                }
            })
        );
    }

    #[test]
    fn references_are_followed_and_keys_are_sorted() {
        let mut found = BTreeSet::new();
        refs(
            &json!({"items": {"$ref": "#/components/schemas/A"}, "allOf": [{"$ref": "#/components/schemas/B"}]}),
            &mut found,
        );
        assert_eq!(found, BTreeSet::from(["A".to_owned(), "B".to_owned()]));
        let text = serde_json::to_string(&sorted(json!({"b": 1, "a": {"d": 2, "c": 3}}))).unwrap();
        assert_eq!(text, r#"{"a":{"c":3,"d":2},"b":1}"#);
    }
}
