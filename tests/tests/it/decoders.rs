//! Property tests of everything that reads outside input: the task decoder, the webhook
//! parser, the upload envelope, and the JSON body checker. Arbitrary bytes and mutated
//! real documents never panic; what decodes round-trips.

use crate::support::{resolve, spec_json};
use proptest::prelude::*;
use runninghub::operation::check_json_body;
use runninghub::types;
use serde_json::{Value, json};

/// The spec's task samples (submit and query answers).
fn task_samples() -> Vec<Value> {
    let spec = spec_json();
    let media = &resolve(&spec, &spec["components"]["responses"]["TaskResponse"])["content"]["application/json"];
    media["examples"]
        .as_object()
        .unwrap()
        .values()
        .map(|e| e["value"].clone())
        .chain([spec["components"]["schemas"]["Task"]["example"].clone()])
        .collect()
}

/// Every model endpoint's operation id and example body.
fn request_examples() -> Vec<(String, Value)> {
    let spec = spec_json();
    let mut out = Vec::new();
    for item in spec["paths"].as_object().unwrap().values() {
        let op = &item["post"];
        if let Some(example) = op["requestBody"]["content"]["application/json"].get("example") {
            out.push((
                op["operationId"].as_str().unwrap().to_owned(),
                example.clone(),
            ));
        }
    }
    out
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        Just(json!("SUCCESS")),
        Just(json!("2009194900306137089")),
        Just(json!(2009194900306137089u64)),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replaces or removes the node at pre-order position `pick`.
fn mutate(doc: &mut Value, pick: usize, replacement: Value, remove: bool) {
    fn count(v: &Value) -> usize {
        1 + match v {
            Value::Object(m) => m.values().map(count).sum(),
            Value::Array(a) => a.iter().map(count).sum(),
            _ => 0,
        }
    }
    fn visit(v: &mut Value, target: &mut usize, replacement: &Value, remove: bool) -> bool {
        if *target == 0 {
            match v {
                Value::Object(m) if remove && !m.is_empty() => {
                    let key = m.keys().next().unwrap().clone();
                    m.remove(&key);
                }
                _ => *v = replacement.clone(),
            }
            return true;
        }
        *target -= 1;
        match v {
            Value::Object(m) => m
                .values_mut()
                .any(|c| visit(c, target, replacement, remove)),
            Value::Array(a) => a.iter_mut().any(|c| visit(c, target, replacement, remove)),
            _ => false,
        }
    }
    let mut target = pick % count(doc);
    visit(doc, &mut target, &replacement, remove);
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_a_decoder(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = serde_json::from_slice::<types::Task>(&bytes);
        let _ = serde_json::from_slice::<types::UploadResponse>(&bytes);
        let _ = runninghub::webhook::parse(&bytes);
        if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
            for (id, _) in request_examples().iter().take(5) {
                let _ = check_json_body(id, value.clone());
            }
        }
    }

    #[test]
    fn mutated_task_objects_never_panic_and_round_trip(
        sample in 0usize..8, pick in any::<usize>(), replacement in arbitrary_json(), remove in any::<bool>(),
    ) {
        let samples = task_samples();
        let mut doc = samples[sample % samples.len()].clone();
        mutate(&mut doc, pick, replacement, remove);
        if let Ok(task) = serde_json::from_value::<types::Task>(doc.clone()) {
            // What decodes, re-encodes and decodes to the same thing.
            let once = serde_json::to_value(&task).unwrap();
            let again: types::Task = serde_json::from_value(once.clone()).unwrap();
            prop_assert_eq!(serde_json::to_value(&again).unwrap(), once);
            // Typed views never panic either.
            let _ = (task.state(), task.outputs(), task.usage_numbers(), task.prompt_tips());
        }
        // The same object as a webhook, in both shapes.
        for event_data in [Value::String(doc.to_string()), doc.clone()] {
            let body = json!({"event": "TASK_END", "taskId": "1", "eventData": event_data}).to_string();
            let _ = runninghub::webhook::parse(body.as_bytes());
        }
    }

    #[test]
    fn mutated_request_bodies_never_panic_and_checking_is_idempotent(
        example in any::<usize>(), pick in any::<usize>(), replacement in arbitrary_json(), remove in any::<bool>(),
    ) {
        let examples = request_examples();
        let (id, body) = &examples[example % examples.len()];
        let mut body = body.clone();
        mutate(&mut body, pick, replacement, remove);
        if let Some(Ok(checked)) = check_json_body(id, body) {
            prop_assert_eq!(check_json_body(id, checked.clone()).unwrap().unwrap(), checked);
        }
    }
}

mod journal {
    //! The batch journal is read back after crashes: whatever bytes it holds, opening it
    //! never panics, and a journal cut at any byte (a crash mid-write) still opens.

    use proptest::prelude::*;
    use runninghub::batch::{BatchInput, BatchOptions};
    use runninghub_simulator::Simulator;
    use serde_json::json;
    use std::sync::OnceLock;

    fn inputs() -> Vec<BatchInput> {
        (0..4)
            .map(|i| {
                BatchInput::new(
                    "vidu_text_to_video_q3_turbo",
                    json!({"prompt": format!("input {i}"), "style": "general",
                           "aspectRatio": "16:9", "resolution": "720p", "duration": "5",
                           "audio": true}),
                )
            })
            .collect()
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// The journal of a real batch of `inputs()`, run once against the simulator.
    fn real_journal() -> &'static [u8] {
        static JOURNAL: OnceLock<Vec<u8>> = OnceLock::new();
        JOURNAL.get_or_init(|| {
            runtime().block_on(async {
                let sim = Simulator::start().await;
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("j");
                let options = BatchOptions::new()
                    .max_requests_per_second(None)
                    .journal(&path);
                let summary = sim
                    .client()
                    .batch(inputs(), options)
                    .unwrap()
                    .finish()
                    .await
                    .unwrap();
                assert_eq!(summary.succeeded, 4);
                std::fs::read(&path).unwrap()
            })
        })
    }

    /// The base URL the real journal records (its simulator is gone).
    fn real_base_url() -> String {
        let header = real_journal().split(|&b| b == b'\n').next().unwrap();
        let header: serde_json::Value = serde_json::from_slice(header).unwrap();
        header["baseUrl"].as_str().unwrap().to_owned()
    }

    /// Opens `bytes` as the journal of `inputs()`, with a client of the base URL it records;
    /// the batch, if it starts, is dropped at once.
    fn open(bytes: &[u8]) -> Result<(), runninghub::Error> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        std::fs::write(&path, bytes).unwrap();
        let client = runninghub::Client::builder()
            .api_key("k")
            .base_url(real_base_url())
            .build()
            .unwrap();
        runtime().block_on(async {
            client
                .batch(inputs(), BatchOptions::new().journal(&path))
                .map(drop)
        })
    }

    proptest! {
        // Each case writes and fsyncs a file: fewer cases than the in-memory decoders.
        #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = open(&bytes);
        }

        #[test]
        fn a_journal_cut_at_any_byte_still_opens(cut in 0usize..4096) {
            let real = real_journal();
            let cut = cut % (real.len() + 1);
            prop_assert!(open(&real[..cut]).is_ok(), "cut at {cut} of {}", real.len());
        }

        #[test]
        fn a_flipped_byte_never_panics(at in 0usize..4096, bit in 0u8..8) {
            let mut bytes = real_journal().to_vec();
            let at = at % bytes.len();
            bytes[at] ^= 1 << bit;
            let _ = open(&bytes);
        }
    }
}
