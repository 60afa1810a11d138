//! Every response example in the spec decodes into its generated type, so the examples
//! (which documentation renderers and mock servers show) agree with the client.

use crate::support::{resolve, spec_json};
use runninghub::types;
use serde_json::Value;

/// Every example of every JSON response whose schema is `schema_ref`, by operation.
fn response_examples(spec: &Value, schema_ref: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (code, response) in op["responses"].as_object().unwrap() {
                let media = &resolve(spec, response)["content"]["application/json"];
                if media["schema"]["$ref"] != schema_ref {
                    continue;
                }
                let at = format!("{method} {path} {code}");
                if let Some(example) = media.get("example") {
                    out.push((at.clone(), example.clone()));
                }
                for (name, example) in media
                    .get("examples")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    out.push((
                        format!("{at} ({name})"),
                        resolve(spec, example)["value"].clone(),
                    ));
                }
            }
        }
    }
    let schema = spec.pointer(schema_ref.trim_start_matches('#')).unwrap();
    if let Some(example) = schema.get("example") {
        out.push((schema_ref.to_owned(), example.clone()));
    }
    out
}

#[test]
fn task_examples_decode_into_the_task_type() {
    let spec = spec_json();
    let examples = response_examples(&spec, "#/components/schemas/Task");
    // Four named samples per task operation (vidu and query) plus the schema's own example.
    assert!(examples.len() >= 9, "{examples:?}");
    for (at, example) in examples {
        let task: types::Task =
            serde_json::from_value(example.clone()).unwrap_or_else(|e| panic!("{at}: {e}"));
        assert_eq!(task.task_id, example["taskId"].as_str().unwrap(), "{at}");
        assert_eq!(task.status, example["status"].as_str().unwrap(), "{at}");
    }
}

#[test]
fn upload_and_result_examples_decode() {
    let spec = spec_json();
    let examples = response_examples(&spec, "#/components/schemas/UploadResponse");
    assert_eq!(examples.len(), 2, "{examples:?}");
    for (at, example) in examples {
        let envelope: types::UploadResponse =
            serde_json::from_value(example).unwrap_or_else(|e| panic!("{at}: {e}"));
        assert_eq!(envelope.code, 0);
        assert!(
            envelope
                .data
                .unwrap()
                .download_url
                .unwrap()
                .starts_with("https://")
        );
    }
    let result: types::TaskResult =
        serde_json::from_value(spec["components"]["schemas"]["TaskResult"]["example"].clone())
            .unwrap();
    assert_eq!(result.output_type.as_deref(), Some("jpg"));
}
