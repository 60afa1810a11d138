//! The generated request types decode JSON exactly as `#[derive(Deserialize)]` would: the
//! generator replaces the derive with a leaner impl (about half the derive's compile cost), so
//! each outcome, error message and error path is compared with a derived mirror of the same
//! struct, on the spec's example and on arbitrary mutations of it. The string enums (option
//! sets) likewise get lean `Serialize`/`Deserialize` impls through their `Display` and
//! `FromStr`, compared here with derived mirrors too. Two deliberate differences: the derive
//! also accepts a struct written as a JSON array of its field values, and an enum value
//! written as `{"720p": null}`; the generated types only accept objects and strings, as
//! RunningHub does. And where an enum value is not a string at all, the message names what
//! was found and the enum expected (`invalid type: null, expected enum Audio`) where
//! serde_json says only `expected value` for the derive; the error path is the same.

use proptest::prelude::*;
use runninghub::types;
use serde_json::{Value, json};

/// `types::ViduReferenceToVideoQ3Request` with serde's derive and the same attributes, its
/// enums being derived mirrors too.
#[derive(serde::Deserialize, serde::Serialize, Debug)]
struct Mirror {
    #[serde(rename = "aspectRatio", skip_serializing_if = "Option::is_none")]
    aspect_ratio: Option<AspectRatioMirror>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audio: Option<AudioMirror>,
    duration: i64,
    #[serde(rename = "imageUrls")]
    image_urls: Vec<String>,
    prompt: String,
    resolution: ResolutionMirror,
    #[serde(rename = "webhookUrl", skip_serializing_if = "Option::is_none")]
    webhook_url: Option<types::WebhookUrl>,
}

/// `types::Resolution540p720p1080p` with serde's derives, as typify writes it.
#[derive(serde::Deserialize, serde::Serialize, Debug)]
enum ResolutionMirror {
    #[serde(rename = "540p")]
    X540p,
    #[serde(rename = "720p")]
    X720p,
    #[serde(rename = "1080p")]
    X1080p,
}

/// `types::AspectRatio16x9Or9x16Or4x3Or3x4Or1x1Auto` with serde's derives.
#[derive(serde::Deserialize, serde::Serialize, Debug)]
enum AspectRatioMirror {
    #[serde(rename = "16:9")]
    X169,
    #[serde(rename = "9:16")]
    X916,
    #[serde(rename = "4:3")]
    X43,
    #[serde(rename = "3:4")]
    X34,
    #[serde(rename = "1:1")]
    X11,
    #[serde(rename = "auto")]
    Auto,
}

/// `types::Audio` with serde's derives.
#[derive(serde::Deserialize, serde::Serialize, Debug)]
enum AudioMirror {
    #[serde(rename = "true")]
    True,
    #[serde(rename = "false")]
    False,
}

/// The outcome of decoding `text`: the value as serialized again, or the error with its path
/// (the mirror's name replaced by the real one).
fn decode<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) -> Result<Value, String> {
    let de = &mut serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(serde_json::to_value(v).unwrap()),
        Err(e) => Err(format!("{} at {}", e.inner(), e.path())
            .replace("struct Mirror", "struct ViduReferenceToVideoQ3Request")
            .replace("enum ResolutionMirror", "enum Resolution540p720p1080p")
            .replace(
                "enum AspectRatioMirror",
                "enum AspectRatio16x9Or9x16Or4x3Or3x4Or1x1Auto",
            )
            .replace("enum AudioMirror", "enum Audio")),
    }
}

fn same(text: &str) {
    let (real, mirror) = (
        decode::<types::ViduReferenceToVideoQ3Request>(text),
        decode::<Mirror>(text),
    );
    if let (Err(real), Err(mirror)) = (&real, &mirror)
        && real.contains(", expected enum ")
    {
        // An enum value that is not a string: refused by both at the same path, with a
        // message naming the type found (the derive says `expected value`, or reads a map
        // as a tagged variant).
        let path = |e: &str| e.rsplit(" at ").next().map(str::to_owned);
        assert_eq!(path(real), path(mirror), "{text}");
        return;
    }
    assert_eq!(real, mirror, "{text}");
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

/// Every value of each enum, as the derive and as the generated impl encode and decode it.
#[test]
fn enums_encode_and_decode_as_the_derive_does() {
    fn check<Real, Mirror>(values: &[&str], name: &str, mirror_name: &str)
    where
        Real: serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug,
        Mirror: serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug,
    {
        for value in values {
            let text = json!(value).to_string();
            let real: Real = serde_json::from_str(&text).unwrap();
            let mirror: Mirror = serde_json::from_str(&text).unwrap();
            assert_eq!(
                serde_json::to_string(&real).unwrap(),
                serde_json::to_string(&mirror).unwrap()
            );
            assert_eq!(serde_json::to_value(&real).unwrap(), json!(value));
            // Through a `serde_json::Value` as well as from text.
            let again: Real = serde_json::from_value(json!(value)).unwrap();
            assert_eq!(format!("{again:?}"), format!("{real:?}"));
        }
        for bad in ["\"4k\"", "\"\"", "\"720P\"", " \"x\""] {
            let real = serde_json::from_str::<Real>(bad).map_err(|e| e.to_string());
            let mirror = serde_json::from_str::<Mirror>(bad)
                .map_err(|e| e.to_string().replace(mirror_name, name));
            assert!(real.is_err(), "{bad}");
            assert_eq!(real.unwrap_err(), mirror.unwrap_err(), "{bad}");
        }
        // Not a string: both refuse; the generated impl names the type and the enum.
        for (bad, found) in [
            ("7", "integer `7`"),
            ("null", "null"),
            ("true", "boolean `true`"),
            ("[]", "sequence"),
        ] {
            assert!(serde_json::from_str::<Mirror>(bad).is_err(), "{bad}");
            let message = serde_json::from_str::<Real>(bad).unwrap_err().to_string();
            let expected = format!("invalid type: {found}, expected enum {name} at line 1 ");
            assert!(message.starts_with(&expected), "{message}");
        }
        // The one difference: the externally tagged form is refused.
        let tagged = format!("{{{}: null}}", json!(values[0]));
        assert!(serde_json::from_str::<Mirror>(&tagged).is_ok());
        assert!(serde_json::from_str::<Real>(&tagged).is_err());
    }
    check::<types::Resolution540p720p1080p, ResolutionMirror>(
        &["540p", "720p", "1080p"],
        "Resolution540p720p1080p",
        "ResolutionMirror",
    );
    check::<types::AspectRatio16x9Or9x16Or4x3Or3x4Or1x1Auto, AspectRatioMirror>(
        &["16:9", "9:16", "4:3", "3:4", "1:1", "auto"],
        "AspectRatio16x9Or9x16Or4x3Or3x4Or1x1Auto",
        "AspectRatioMirror",
    );
    check::<types::Audio, AudioMirror>(&["true", "false"], "Audio", "AudioMirror");
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
        same(&v.to_string());
    }
}
