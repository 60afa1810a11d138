//! Tests driven by the spec: for every model endpoint, its example request is accepted and
//! travels unchanged, and for every constrained field a value just outside each bound is
//! refused before anything reaches the server, with an error naming the field. Adding an
//! endpoint to the spec adds its coverage here with no test edits.

use crate::support::{resolve, spec_json};
use runninghub::Error;
use runninghub_simulator::Simulator;
use serde_json::{Value, json};

struct TaskOp {
    id: String,
    example: Value,
    schema: Value,
}

/// Every model endpoint: operations whose role is `task` (the default) and that are not
/// left to the hand-written layer.
fn task_operations(spec: &Value) -> Vec<TaskOp> {
    let mut ops = Vec::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let role = op
                .get("x-runninghub-role")
                .and_then(Value::as_str)
                .unwrap_or("task");
            if role != "task"
                || op
                    .get("x-runninghub-handwritten")
                    .is_some_and(|h| h == true)
            {
                continue;
            }
            let id = op["operationId"].as_str().unwrap().to_owned();
            let media = &resolve(spec, &op["requestBody"])["content"]["application/json"];
            let example = media
                .get("example")
                .cloned()
                .unwrap_or_else(|| panic!("{id}: the request body has no example"));
            let schema = resolve(spec, &media["schema"]).clone();
            ops.push(TaskOp {
                id,
                example,
                schema,
            });
        }
    }
    ops
}

#[test]
fn every_example_request_is_accepted_and_serialises_to_the_same_json() {
    let spec = spec_json();
    let ops = task_operations(&spec);
    assert!(!ops.is_empty());
    for op in &ops {
        let checked = runninghub::operation::check_json_body(&op.id, op.example.clone())
            .unwrap_or_else(|| panic!("{}: no generated request type", op.id))
            .unwrap_or_else(|e| panic!("{}: the spec's own example is refused: {e}", op.id));
        assert_eq!(
            checked, op.example,
            "{}: the example does not round-trip",
            op.id
        );
    }
}

/// A body just outside one bound, and the field the error must name.
struct Mutation {
    what: String,
    body: Value,
    field: String,
}

fn mutations(spec: &Value, op: &TaskOp) -> Vec<Mutation> {
    let mut out = Vec::new();
    let props = op.schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let required: Vec<&str> = op.schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let with = |field: &str, value: Value| {
        let mut body = op.example.clone();
        body[field] = value;
        body
    };
    for (field, prop) in &props {
        let prop = resolve(spec, prop);
        let mut add = |what: String, body: Value, at: String| {
            out.push(Mutation {
                what,
                body,
                field: at,
            })
        };
        if required.contains(&field.as_str()) {
            let mut body = op.example.clone();
            body.as_object_mut().unwrap().remove(field);
            add(format!("{field} missing"), body, String::new());
        }
        if let Some(values) = prop["enum"].as_array() {
            let wrong = if values.iter().all(Value::is_string) {
                json!("not-an-option")
            } else {
                json!(-12345)
            };
            add(
                format!("{field} not in enum"),
                with(field, wrong),
                field.clone(),
            );
        }
        if let Some(max) = prop["maxLength"].as_u64() {
            add(
                format!("{field} too long"),
                with(field, json!("x".repeat(max as usize + 1))),
                field.clone(),
            );
        }
        if let Some(min) = prop["minLength"].as_u64().filter(|m| *m > 0) {
            add(
                format!("{field} too short"),
                with(field, json!("x".repeat(min as usize - 1))),
                field.clone(),
            );
        }
        if let Some(min) = prop["minimum"].as_f64() {
            let below = if prop["type"] == "integer" {
                json!(min as i64 - 1)
            } else {
                json!(min - 0.5)
            };
            add(
                format!("{field} below minimum"),
                with(field, below),
                field.clone(),
            );
        }
        if let Some(max) = prop["maximum"].as_f64() {
            let above = if prop["type"] == "integer" {
                json!(max as i64 + 1)
            } else {
                json!(max + 0.5)
            };
            add(
                format!("{field} above maximum"),
                with(field, above),
                field.clone(),
            );
        }
        if prop["type"] == "array" {
            let item = op.example[field]
                .get(0)
                .cloned()
                .unwrap_or_else(|| json!("https://example.com/item.png"));
            if let Some(max) = prop["maxItems"].as_u64() {
                add(
                    format!("{field} too many items"),
                    with(field, json!(vec![item.clone(); max as usize + 1])),
                    field.clone(),
                );
            }
            if let Some(min) = prop["minItems"].as_u64().filter(|m| *m > 0) {
                add(
                    format!("{field} too few items"),
                    with(field, json!(vec![item.clone(); min as usize - 1])),
                    field.clone(),
                );
            }
            if let Some(max) = resolve(spec, &prop["items"])["maxLength"].as_u64() {
                let long = json!("x".repeat(max as usize + 1));
                add(
                    format!("{field}[0] too long"),
                    with(field, json!([long])),
                    format!("{field}[0]"),
                );
            }
        }
    }
    out
}

#[tokio::test]
async fn every_constraint_is_enforced_before_anything_is_sent() {
    let spec = spec_json();
    let sim = Simulator::start().await;
    let client = sim.client();
    let mut checked = 0;
    let mut unconstrained = 0;
    let ops = task_operations(&spec);
    for op in &ops {
        let mutations = mutations(&spec, op);
        if mutations.is_empty() {
            // Only a body with no constraint at all (every field optional, free text) has
            // nothing to refuse; anything else must have produced a mutation.
            assert!(
                !has_constraints(&spec, &op.schema),
                "{}: constraints but no mutation to test them",
                op.id
            );
            unconstrained += 1;
            continue;
        }
        for m in mutations {
            let err = client
                .submit_json(&op.id, m.body)
                .await
                .expect_err(&format!("{}: {} was accepted", op.id, m.what));
            let Error::Validation(v) = &err else {
                panic!("{}: {} gave {err:?}, not a validation error", op.id, m.what);
            };
            let first = &v.violations()[0];
            if m.field.is_empty() {
                // A missing field is reported on the body, naming the field in the message.
                let name = m.what.trim_end_matches(" missing");
                assert!(
                    first.to_string().contains(&format!("`{name}`")),
                    "{}: {}: {err}",
                    op.id,
                    m.what
                );
            } else {
                assert_eq!(first.field, m.field, "{}: {}: {err}", op.id, m.what);
            }
            checked += 1;
        }
    }
    assert_eq!(
        sim.counts().submits,
        0,
        "an invalid request reached the server"
    );
    assert!(
        unconstrained * 50 < ops.len(),
        "{unconstrained} of {} endpoints have no constraint to test",
        ops.len()
    );
    println!("{checked} invalid requests refused before sending");
}

/// Whether a body schema states any constraint the client checks.
fn has_constraints(spec: &Value, schema: &Value) -> bool {
    const KEYWORDS: [&str; 8] = [
        "enum",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "required",
    ];
    let schema = resolve(spec, schema);
    KEYWORDS
        .iter()
        .any(|k| schema.get(*k).is_some_and(|v| v != &json!([])))
        || schema["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .any(|(_, p)| has_constraints(spec, p))
        || schema
            .get("items")
            .is_some_and(|i| has_constraints(spec, i))
}

#[tokio::test]
async fn an_unknown_operation_is_refused_by_name() {
    let sim = Simulator::start().await;
    let err = sim
        .client()
        .submit_json("no_such_model", json!({}))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownOperation(id) if id == "no_such_model"),
        "{err:?}"
    );
    assert_eq!(sim.counts().submits, 0);
}
