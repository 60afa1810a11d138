//! The spec is a valid OpenAPI 3.0 document by the OpenAPI Initiative's own JSON Schema,
//! checked by an implementation independent of progenitor, so that other tools
//! (documentation renderers, other-language generators, mock servers) can read it.

use crate::support::spec_json;
use serde_json::Value;

fn validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(include_str!("fixtures/oas/schema-3.0-2021-09-28.json")).unwrap();
    jsonschema::draft4::new(&schema).expect("the OpenAPI 3.0 schema compiles")
}

fn errors(doc: &Value) -> Vec<String> {
    validator()
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_spec_is_valid_openapi_3_0() {
    let errors = errors(&spec_json());
    assert!(
        errors.is_empty(),
        "spec/runninghub.yaml breaks the OpenAPI 3.0 schema:\n{}",
        errors.join("\n")
    );
}

#[test]
fn the_validator_catches_broken_documents() {
    let mut doc = spec_json();
    doc.as_object_mut().unwrap().remove("info");
    doc["paths"]["/openapi/v2/query"]["post"]["responses"] = Value::from("not a map");
    doc["components"]["schemas"]["Task"]["type"] = Value::from(["string", "null"].as_slice());
    let errors = errors(&doc);
    assert!(errors.len() >= 3, "{errors:#?}");
}

/// Every model endpoint of the real spec says what it is: a summary, a description, a
/// family tag, a request body description and a description on every field (the generated
/// docs and `docs/endpoints.md` are made of them).
#[test]
fn every_model_entry_is_documented() {
    let spec = spec_json();
    let mut missing = Vec::new();
    let mut models = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let Some(op) = item.get("post") else {
            continue;
        };
        if op.get("x-runninghub-role").is_some() {
            continue;
        }
        models += 1;
        let id = op["operationId"].as_str().unwrap_or(path);
        for key in ["summary", "description"] {
            if op[key].as_str().is_none_or(|s| s.trim().is_empty()) {
                missing.push(format!("{id}: {key}"));
            }
        }
        if op["tags"].as_array().is_none_or(|t| t.len() != 1) {
            missing.push(format!("{id}: exactly one tag (its family)"));
        }
        if op[codegen::OUTPUT_EXTENSION]
            .as_str()
            .is_none_or(|k| !codegen::OUTPUT_KINDS.contains(&k))
        {
            missing.push(format!(
                "{id}: `{}` (one of {})",
                codegen::OUTPUT_EXTENSION,
                codegen::OUTPUT_KINDS.join(", ")
            ));
        }
        let body = crate::support::resolve(
            &spec,
            &op["requestBody"]["content"]["application/json"]["schema"],
        );
        if body["description"]
            .as_str()
            .is_none_or(|s| s.trim().is_empty())
        {
            missing.push(format!("{id}: request body description"));
        }
        for (name, field) in body["properties"].as_object().into_iter().flatten() {
            let field = crate::support::resolve(&spec, field);
            if field["description"]
                .as_str()
                .is_none_or(|s| s.trim().is_empty())
            {
                missing.push(format!("{id}: field `{name}`"));
            }
        }
    }
    assert!(models >= 350, "{models} model endpoints");
    assert!(missing.is_empty(), "undocumented:\n{}", missing.join("\n"));
}
