//! The generated request types decode JSON exactly as `#[derive(Deserialize)]` would: the
//! generator replaces the derive with a leaner impl (about half the derive's compile cost), so
//! each outcome, error message and error path is compared with a derived mirror of the same
//! struct, on the spec's example and on arbitrary mutations of it. One deliberate difference:
//! the derive also accepts a struct written as a JSON array of its field values; the
//! generated types only accept objects, as RunningHub does.

use proptest::prelude::*;
use runninghub::types;
use serde_json::{Value, json};

/// `types::ViduReferenceToVideoQ3Request` with serde's derive and the same attributes.
#[derive(serde::Deserialize, serde::Serialize, Debug)]
struct Mirror {
    #[serde(rename = "aspectRatio", skip_serializing_if = "Option::is_none")]
    aspect_ratio: Option<types::AspectRatio16x9Or9x16Or4x3Or3x4Or1x1Auto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audio: Option<types::Audio>,
    duration: i64,
    #[serde(rename = "imageUrls")]
    image_urls: Vec<String>,
    prompt: String,
    resolution: types::Resolution540p720p1080p,
    #[serde(rename = "webhookUrl", skip_serializing_if = "Option::is_none")]
    webhook_url: Option<types::WebhookUrl>,
}

/// The outcome of decoding `text`: the value as serialized again, or the error with its path
/// (the mirror's name replaced by the real one).
fn decode<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) -> Result<Value, String> {
    let de = &mut serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(serde_json::to_value(v).unwrap()),
        Err(e) => Err(format!("{} at {}", e.inner(), e.path())
            .replace("struct Mirror", "struct ViduReferenceToVideoQ3Request")),
    }
}

fn same(text: &str) {
    assert_eq!(
        decode::<types::ViduReferenceToVideoQ3Request>(text),
        decode::<Mirror>(text),
        "{text}"
    );
}

fn example() -> Value {
    json!({
        "prompt": "a cat", "imageUrls": ["https://example.com/cat.png"], "duration": 5,
        "resolution": "720p", "aspectRatio": "16:9", "audio": "true",
        "webhookUrl": "https://example.com/hook"
    })
}

#[test]
fn decoding_matches_the_derive_on_known_cases() {
    let base = example();
    same(&base.to_string());
    for field in [
        "prompt",
        "imageUrls",
        "duration",
        "resolution",
        "aspectRatio",
        "audio",
    ] {
        // Missing, null, of the wrong type, or a value outside the enumeration.
        let mut v = base.clone();
        v.as_object_mut().unwrap().remove(field);
        same(&v.to_string());
        for bad in [Value::Null, json!(7), json!("4k"), json!([]), json!({})] {
            let mut v = base.clone();
            v[field] = bad;
            same(&v.to_string());
        }
    }
    // Unknown fields are ignored; a repeated field is refused; not an object at all.
    same(r#"{"prompt":"a","imageUrls":[],"duration":5,"resolution":"720p","extra":{"x":[1]}}"#);
    same(r#"{"prompt":"a","prompt":"b","imageUrls":[],"duration":5,"resolution":"720p"}"#);
    for text in ["\"x\"", "null", "7", "{", "{\"prompt\":}", "{}"] {
        same(text);
    }
    // The one difference: no array form.
    assert_eq!(
        decode::<types::ViduReferenceToVideoQ3Request>(r#"["a", ["u"], 5, "720p"]"#),
        Err("invalid type: sequence, expected struct ViduReferenceToVideoQ3Request at line 1 column 1 at .".into())
    );
}

fn mutation() -> impl Strategy<Value = (usize, u8, Value)> {
    let value = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-z0-9:]{0,6}".prop_map(Value::String),
        Just(json!(["https://example.com/a.png"])),
        Just(json!({"k": 1})),
    ];
    (0usize..10, 0u8..3, value)
}

proptest! {
    #[test]
    fn decoding_matches_the_derive_on_mutated_examples(
        mutations in proptest::collection::vec(mutation(), 0..6)
    ) {
        let mut v = example();
        let names = ["prompt", "imageUrls", "duration", "resolution", "aspectRatio", "audio",
                     "webhookUrl", "unknown", "seed", "imageUrl"];
        for (i, op, value) in mutations {
            let obj = v.as_object_mut().unwrap();
            match op {
                0 => { obj.remove(names[i]); }
                _ => { obj.insert(names[i].to_owned(), value); }
            }
        }
        let text = v.to_string();
        prop_assert_eq!(
            decode::<types::ViduReferenceToVideoQ3Request>(&text),
            decode::<Mirror>(&text),
            "{}", text
        );
    }
}
