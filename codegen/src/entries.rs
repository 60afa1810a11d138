//! Checks of what a person writes in a spec entry, beyond what progenitor needs:
//!
//! - no `TODO(` marker is left anywhere (`cargo xtask catalog draft` writes them in place
//!   of descriptions and sample values, so an entry whose descriptions were never written
//!   cannot be generated);
//! - every request example satisfies its own schema (types, enumerations, bounds, lengths,
//!   item counts, required and unknown fields), so that the examples shown in the docs and
//!   sent by the tests are requests the client would send.

use crate::error::Diagnostic;
use crate::load::{Source, escape};
use serde_json::Value;

/// The marker `cargo xtask catalog draft` leaves where a person has to write.
pub const DRAFT_MARKER: &str = "TODO(";

/// Every problem of both kinds, in document order.
pub(crate) fn check(doc: &Value, src: &Source<'_>) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    markers(doc, "#", src, &mut found);
    examples(doc, src, &mut found);
    found
}

fn markers(v: &Value, at: &str, src: &Source<'_>, found: &mut Vec<Diagnostic>) {
    match v {
        Value::String(s) if s.contains(DRAFT_MARKER) => found.push(src.diagnostic(
            at.to_owned(),
            None,
            format!(
                "a draft marker is left here ({}): write the text, then run `cargo xtask codegen` again",
                excerpt(s)
            ),
        )),
        Value::Object(map) => {
            for (k, child) in map {
                if k.contains(DRAFT_MARKER) {
                    found.push(src.diagnostic(
                        at.to_owned(),
                        None,
                        format!("a draft marker is left in the key `{k}`"),
                    ));
                }
                markers(child, &format!("{at}/{}", escape(k)), src, found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                markers(child, &format!("{at}/{i}"), src, found);
            }
        }
        _ => {}
    }
}

fn excerpt(s: &str) -> String {
    let start = s.find(DRAFT_MARKER).unwrap_or(0);
    let tail: String = s[start..].chars().take(40).collect();
    format!("`{}`", tail.lines().next().unwrap_or(""))
}

/// The request examples of every operation, checked against their body schema.
fn examples(doc: &Value, src: &Source<'_>, found: &mut Vec<Diagnostic>) {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            let Some(media) = op
                .get("requestBody")
                .map(|b| resolve(doc, b))
                .and_then(|b| b.get("content"))
                .and_then(|c| c.get("application/json"))
            else {
                continue;
            };
            let Some(example) = media.get("example") else {
                continue;
            };
            let Some(schema) = media.get("schema") else {
                continue;
            };
            let at = format!(
                "#/paths/{}/{method}/requestBody/content/application~1json/example",
                escape(path)
            );
            let label = op.get("operationId").and_then(Value::as_str);
            let mut problems = Vec::new();
            conform(doc, example, schema, "", &mut problems);
            for problem in problems {
                found.push(src.diagnostic(
                    at.clone(),
                    label,
                    format!("the example request does not satisfy its own schema: {problem}"),
                ));
            }
        }
    }
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    let mut v = v;
    for _ in 0..16 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                Some(target) => v = target,
                None => return v,
            },
            None => return v,
        }
    }
    v
}

/// Checks `value` against `schema` (the subset of JSON Schema the spec uses), naming the
/// field at fault as `a.b[2]`.
fn conform(doc: &Value, value: &Value, schema: &Value, at: &str, out: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    let name = if at.is_empty() { "the body" } else { at };
    let field = |s: &str| format!("`{name}`: {s}");
    if value.is_null() {
        if schema.get("nullable") != Some(&Value::Bool(true)) {
            out.push(field("null, which the schema does not allow"));
        }
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        out.push(field(&format!(
            "{value} is not one of the allowed values {}",
            Value::Array(allowed.clone())
        )));
        return;
    }
    let number = |key: &str| schema.get(key).and_then(Value::as_f64);
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => {
            let Some(s) = value.as_str() else {
                out.push(field(&format!("{value} is not a string")));
                return;
            };
            let count = s.chars().count() as f64;
            out.extend(counted(schema, count, "characters", "Length").map(|p| field(&p)));
        }
        Some(kind @ ("integer" | "number")) => {
            let Some(n) = value.as_f64() else {
                out.push(field(&format!("{value} is not a number")));
                return;
            };
            if kind == "integer" && !(value.is_i64() || value.is_u64()) {
                out.push(field(&format!("{value} is not an integer")));
            }
            if number("minimum").is_some_and(|m| n < m) {
                out.push(field(&format!(
                    "{n} is below the minimum {}",
                    schema["minimum"]
                )));
            }
            if number("maximum").is_some_and(|m| n > m) {
                out.push(field(&format!(
                    "{n} is above the maximum {}",
                    schema["maximum"]
                )));
            }
        }
        Some("boolean") if !value.is_boolean() => {
            out.push(field(&format!("{value} is not a boolean")));
        }
        Some("array") => {
            let Some(items) = value.as_array() else {
                out.push(field(&format!("{value} is not an array")));
                return;
            };
            out.extend(counted(schema, items.len() as f64, "items", "Items").map(|p| field(&p)));
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    conform(doc, item, item_schema, &format!("{at}[{i}]"), out);
                }
            }
        }
        Some("object") => {
            let Some(map) = value.as_object() else {
                out.push(field(&format!("{value} is not an object")));
                return;
            };
            let properties = schema.get("properties").and_then(Value::as_object);
            for required in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !map.contains_key(required) {
                    out.push(field(&format!(
                        "the required field `{required}` is missing"
                    )));
                }
            }
            let open = schema
                .get("additionalProperties")
                .is_some_and(|a| a != false);
            for (key, child) in map {
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                match properties.and_then(|p| p.get(key)) {
                    Some(child_schema) => conform(doc, child, child_schema, &path, out),
                    None if open || properties.is_none() => {}
                    None => out.push(format!("`{path}`: not a field of this request")),
                }
            }
        }
        _ => {}
    }
}

/// A length or item count outside `min{what}`/`max{what}` (`Length`, `Items`).
fn counted(schema: &Value, count: f64, unit: &str, what: &str) -> Option<String> {
    let bound = |key: String| schema.get(&key).and_then(Value::as_f64).map(|b| (key, b));
    if let Some((key, min)) = bound(format!("min{what}"))
        && count < min
    {
        return Some(format!("{count} {unit}, fewer than {key} {min}"));
    }
    if let Some((key, max)) = bound(format!("max{what}"))
        && count > max
    {
        return Some(format!("{count} {unit}, more than {key} {max}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(value: Value, schema: Value) -> Vec<String> {
        let mut out = Vec::new();
        conform(&json!({}), &value, &schema, "", &mut out);
        out
    }

    #[test]
    fn examples_are_held_to_every_constraint() {
        let schema = json!({
            "type": "object",
            "required": ["prompt", "duration"],
            "properties": {
                "prompt": {"type": "string", "minLength": 1, "maxLength": 5},
                "duration": {"type": "string", "enum": ["5", "10"]},
                "seed": {"type": "integer", "minimum": 0, "maximum": 9},
                "urls": {"type": "array", "maxItems": 1, "items": {"type": "string"}},
                "audio": {"type": "boolean"}
            }
        });
        assert!(problems(json!({"prompt": "cat", "duration": "5"}), schema.clone()).is_empty());
        let found = problems(
            json!({"prompt": "a long one", "duration": 5, "seed": 1.5, "urls": ["a", 1],
                   "audio": "true", "extra": 1}),
            schema.clone(),
        );
        assert_eq!(
            found,
            [
                "`audio`: \"true\" is not a boolean",
                "`duration`: 5 is not one of the allowed values [\"5\",\"10\"]",
                "`extra`: not a field of this request",
                "`prompt`: 10 characters, more than maxLength 5",
                "`seed`: 1.5 is not an integer",
                "`urls`: 2 items, more than maxItems 1",
                "`urls[1]`: 1 is not a string",
            ],
        );
        assert_eq!(
            problems(json!({"prompt": ""}), schema),
            [
                "`the body`: the required field `duration` is missing",
                "`prompt`: 0 characters, fewer than minLength 1",
            ]
        );
    }
}
