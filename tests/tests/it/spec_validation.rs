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
