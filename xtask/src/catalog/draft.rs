//! `cargo xtask catalog draft`: ready-to-edit YAML for a family file under `spec/models/`.
//!
//! The YAML is built as a small ordered tree ([`Y`]) and printed by hand, so the layout is
//! the project's; [`Y::value`] gives the values the text must parse back to, which the tests
//! check. Every description is a `TODO(describe)` marker that `cargo xtask codegen` refuses.

use super::rules::{self, Field, Schema, WEBHOOK_FIELD};
use super::source::{Kind, Model};
use super::spec::Endpoint;
use anyhow::{Result, bail};
use serde_json::{Map, Value};

/// The tag used when no family can be inferred.
pub const UNKNOWN_FAMILY: &str = "TODO(family)";
const PLACEHOLDER_TEXT: &str = "TODO(example)";

/// The operation id of an endpoint: lowercased, each run of other characters one `_`.
pub fn operation_id(endpoint: &str) -> String {
    let mut out = String::new();
    for c in endpoint.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// The request schema's name: the operation id in PascalCase, then `Request`.
pub fn schema_name(operation_id: &str) -> String {
    let mut out = String::new();
    for part in operation_id.split('_') {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out + "Request"
}

/// The tag of the spec endpoint sharing the longest prefix of `/`- and `-`-separated
/// segments with `endpoint`, if any shares one.
pub fn family(endpoint: &str, spec: &[Endpoint]) -> Option<String> {
    let segments = |s: &str| -> Vec<String> {
        s.split(['/', '-'])
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    };
    let want = segments(endpoint);
    let mut best: Option<(usize, &str)> = None;
    for ep in spec {
        let Some(tag) = ep.tag.as_deref() else {
            continue;
        };
        let shared = want
            .iter()
            .zip(segments(&ep.endpoint))
            .take_while(|(a, b)| **a == *b)
            .count();
        // One shared word is a family only when it is the whole first path component of
        // both (`vidu/…`); `rhart-image-…` and `rhart-video-…` share a word, not a family.
        let first = |s: &str| s.split('/').next().unwrap_or("").to_owned();
        let enough = shared >= 2 || (shared == 1 && first(endpoint) == first(&ep.endpoint));
        if enough && best.is_none_or(|(n, _)| shared > n) {
            best = Some((shared, tag));
        }
    }
    best.map(|(_, tag)| tag.to_string())
}

/// The `n` catalog endpoints closest to `name` (edit distance), for error messages.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>, n: usize) -> Vec<String> {
    let mut scored: Vec<(usize, &str)> = candidates.map(|c| (distance(name, c), c)).collect();
    scored.sort();
    scored.dedup();
    scored
        .into_iter()
        .take(n)
        .map(|(_, c)| c.to_string())
        .collect()
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// One model to draft, with the tag it goes under.
pub struct Entry<'a> {
    /// The catalog model.
    pub model: &'a Model,
    /// Its tag (family).
    pub tag: String,
}

/// The draft document for the given models.
pub fn document(entries: &[Entry]) -> Result<Y> {
    let mut paths = Vec::new();
    let mut schemas: Vec<(String, Y)> = Vec::new();
    for entry in entries {
        let endpoint = &entry.model.endpoint;
        let id = operation_id(endpoint);
        let name = schema_name(&id);
        if schemas.iter().any(|(n, _)| *n == name) {
            bail!("two endpoints give the schema name {name}; draft them separately");
        }
        let mut fields: Vec<Field> = Vec::new();
        for param in &entry.model.params {
            if param.key == WEBHOOK_FIELD || fields.iter().any(|f| f.key == param.key) {
                continue;
            }
            fields.push(rules::expected(param));
        }
        let example = Y::Map(
            fields
                .iter()
                .filter(|f| f.required)
                .map(|f| (f.key.clone(), example(f)))
                .collect(),
        );
        let reference = format!("#/components/schemas/{name}");
        let mut post = vec![("operationId".into(), Y::Str(id.clone()))];
        if let Some(output) = entry
            .model
            .output
            .as_ref()
            .filter(|k| codegen::OUTPUT_KINDS.contains(&k.as_str()))
        {
            post.push((codegen::OUTPUT_EXTENSION.into(), Y::Str(output.clone())));
        }
        let post =
            Y::Map(
                post.into_iter()
                    .chain(vec![
            ("tags".into(), Y::Flow(vec![Y::Str(entry.tag.clone())])),
            (
                "summary".into(),
                Y::Quoted("TODO(describe): a short title".into()),
            ),
            (
                "description".into(),
                Y::Block(
                    "TODO(describe): what the model does, what each input means, units.\n".into(),
                ),
            ),
            (
                "requestBody".into(),
                Y::Map(vec![
                    ("required".into(), Y::Bool(true)),
                    (
                        "content".into(),
                        Y::Map(vec![(
                            "application/json".into(),
                            Y::Map(vec![
                                (
                                    "schema".into(),
                                    Y::Map(vec![("$ref".into(), Y::Quoted(reference))]),
                                ),
                                ("example".into(), example),
                            ]),
                        )]),
                    ),
                ]),
            ),
            (
                "responses".into(),
                Y::Map(vec![(
                    "200".into(),
                    Y::Map(vec![(
                        "$ref".into(),
                        Y::Quoted("../runninghub.yaml#/components/responses/TaskResponse".into()),
                    )]),
                )]),
            ),
        ])
                    .collect(),
            );
        paths.push((
            format!("/openapi/v2/{endpoint}"),
            Y::Map(vec![("post".into(), post)]),
        ));

        let mut body = vec![
            ("type".into(), Y::Str("object".into())),
            (
                "description".into(),
                Y::Quoted("TODO(describe): request body of ...".into()),
            ),
        ];
        let required: Vec<Y> = fields
            .iter()
            .filter(|f| f.required)
            .map(|f| Y::Str(f.key.clone()))
            .collect();
        if !required.is_empty() {
            body.push(("required".into(), Y::Flow(required)));
        }
        let mut properties: Vec<(String, Y)> = fields
            .iter()
            .map(|f| (f.key.clone(), property(f)))
            .collect();
        properties.push((
            WEBHOOK_FIELD.into(),
            Y::Map(vec![(
                "$ref".into(),
                Y::Quoted("../runninghub.yaml#/components/schemas/WebhookUrl".into()),
            )]),
        ));
        body.push(("properties".into(), Y::Map(properties)));
        schemas.push((name, Y::Map(body)));
    }
    Ok(Y::Map(vec![
        ("paths".into(), Y::Map(paths)),
        (
            "components".into(),
            Y::Map(vec![("schemas".into(), Y::Map(schemas))]),
        ),
    ]))
}

fn property(field: &Field) -> Y {
    let mut out = schema_entries(&field.schema);
    let mut text = "TODO(describe): ...".to_string();
    if let Some(mb) = field.max_size_mb {
        let each = if field.schema.items.is_some() {
            " each"
        } else {
            ""
        };
        text.push_str(&format!(" (at most {} MB{each})", number(mb)));
    }
    out.push(("description".into(), Y::Quoted(text)));
    Y::Map(out)
}

fn schema_entries(schema: &Schema) -> Vec<(String, Y)> {
    let mut out = Vec::new();
    if let Some(ty) = &schema.ty {
        out.push(("type".into(), Y::Str(ty.clone())));
    }
    if let Some(values) = &schema.enum_values {
        out.push((
            "enum".into(),
            Y::Flow(values.iter().cloned().map(Y::Quoted).collect()),
        ));
    }
    if let Some(default) = &schema.default {
        out.push(("default".into(), scalar(default, true)));
    }
    let numbers = [("minimum", schema.minimum), ("maximum", schema.maximum)];
    for (name, value) in numbers {
        if let Some(x) = value {
            out.push((name.into(), Y::Num(super::diff::num_json(Some(x)))));
        }
    }
    let counts = [
        ("minLength", schema.min_length),
        ("maxLength", schema.max_length),
        ("minItems", schema.min_items),
        ("maxItems", schema.max_items),
    ];
    for (name, value) in counts {
        if let Some(n) = value {
            out.push((name.into(), Y::Num(Value::from(n))));
        }
    }
    if let Some(items) = &schema.items {
        out.push(("items".into(), Y::Map(schema_entries(items))));
    }
    out
}

fn number(x: f64) -> String {
    super::diff::num_json(Some(x)).to_string()
}

/// A scalar JSON value as YAML; strings from enumerations are always quoted.
fn scalar(v: &Value, enumerated: bool) -> Y {
    match v {
        Value::String(s) if enumerated => Y::Quoted(s.clone()),
        Value::String(s) => Y::Str(s.clone()),
        Value::Bool(b) => Y::Bool(*b),
        Value::Array(items) => Y::Flow(items.iter().map(|i| scalar(i, enumerated)).collect()),
        other => Y::Num(other.clone()),
    }
}

/// An example value that meets the field's own constraints.
fn example(field: &Field) -> Y {
    let value = example_value(&field.schema, field.media);
    let enumerated = field.schema.enum_values.is_some()
        || field
            .schema
            .items
            .as_ref()
            .is_some_and(|i| i.enum_values.is_some());
    scalar(&value, enumerated)
}

fn example_value(schema: &Schema, media: Option<Kind>) -> Value {
    if let Some(d) = &schema.default {
        return d.clone();
    }
    if let Some(first) = schema.enum_values.as_ref().and_then(|v| v.first()) {
        return Value::String(first.clone());
    }
    match schema.ty.as_deref() {
        Some("array") => {
            let items = schema.items.as_deref().cloned().unwrap_or_default();
            let n = if schema.max_items == Some(0) { 0 } else { 1 };
            Value::Array(vec![example_value(&items, media); n])
        }
        Some("integer") | Some("number") => {
            let x = match (schema.minimum, schema.maximum) {
                (Some(min), _) => min,
                (None, Some(max)) if max < 1.0 => max,
                _ => 1.0,
            };
            let x = if schema.ty.as_deref() == Some("integer") {
                x.ceil()
            } else {
                x
            };
            super::diff::num_json(Some(x))
        }
        Some("boolean") => Value::Bool(false),
        _ => match media {
            Some(Kind::Video) => "https://example.com/input.mp4".into(),
            Some(Kind::Audio) => "https://example.com/input.mp3".into(),
            Some(_) => "https://example.com/input.png".into(),
            None => {
                let limit = schema.max_length.map_or(usize::MAX, |n| n as usize);
                let text: String = PLACEHOLDER_TEXT.chars().take(limit).collect();
                Value::String(text)
            }
        },
    }
}

/// A YAML node of the draft, in print order.
#[derive(Debug, Clone, PartialEq)]
pub enum Y {
    /// A block mapping (`{}` when empty).
    Map(Vec<(String, Y)>),
    /// A flow sequence of scalars: `[a, "b"]`.
    Flow(Vec<Y>),
    /// A string, plain when that cannot be misread, double-quoted otherwise.
    Str(String),
    /// A string, always double-quoted.
    Quoted(String),
    /// A string printed as a literal block (`|`); it ends with a newline.
    Block(String),
    /// A JSON number.
    Num(Value),
    /// A boolean.
    Bool(bool),
}

impl Y {
    /// The values the printed text must parse back to.
    pub fn value(&self) -> Value {
        match self {
            Y::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.value()))
                    .collect::<Map<_, _>>(),
            ),
            Y::Flow(items) => Value::Array(items.iter().map(Y::value).collect()),
            Y::Str(s) | Y::Quoted(s) | Y::Block(s) => Value::String(s.clone()),
            Y::Num(n) => n.clone(),
            Y::Bool(b) => Value::Bool(*b),
        }
    }

    /// The YAML text of a mapping at the top level.
    pub fn render(&self) -> String {
        let mut out = String::new();
        match self {
            Y::Map(entries) if !entries.is_empty() => render_map(entries, 0, &mut out),
            other => {
                out.push_str(&other.inline(false));
                out.push('\n');
            }
        }
        out
    }

    fn inline(&self, in_flow: bool) -> String {
        match self {
            Y::Map(entries) if entries.is_empty() => "{}".into(),
            Y::Map(entries) => {
                let inner: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", key(k, true), v.inline(true)))
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
            Y::Flow(items) => {
                let inner: Vec<String> = items.iter().map(|i| i.inline(true)).collect();
                format!("[{}]", inner.join(", "))
            }
            Y::Str(s) if is_plain_safe(s, in_flow) => s.clone(),
            Y::Str(s) | Y::Quoted(s) | Y::Block(s) => quote(s),
            Y::Num(n) => n.to_string(),
            Y::Bool(b) => b.to_string(),
        }
    }
}

fn key(k: &str, in_flow: bool) -> String {
    if is_plain_safe(k, in_flow) {
        k.to_string()
    } else {
        quote(k)
    }
}

fn render_map(entries: &[(String, Y)], indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for (k, v) in entries {
        let k = key(k, false);
        match v {
            Y::Map(inner) if !inner.is_empty() => {
                out.push_str(&format!("{pad}{k}:\n"));
                render_map(inner, indent + 2, out);
            }
            Y::Block(text) if is_block_safe(text) => {
                out.push_str(&format!("{pad}{k}: |\n"));
                for line in text.lines() {
                    if line.is_empty() {
                        out.push('\n');
                    } else {
                        out.push_str(&format!("{pad}  {line}\n"));
                    }
                }
            }
            other => out.push_str(&format!("{pad}{k}: {}\n", other.inline(false))),
        }
    }
}

/// Whether a literal block reproduces the text exactly (clip chomping, no indentation
/// indicator).
fn is_block_safe(text: &str) -> bool {
    text.ends_with('\n')
        && !text.ends_with("\n\n")
        && !text.starts_with([' ', '\n'])
        && !text.contains(['\r', '\t'])
        && text.chars().all(|c| !needs_escape(c))
}

/// Whether a string can be written plain and still read back as the same string, in any
/// YAML 1.1 or 1.2 reader. Deliberately narrow: everything else is quoted.
pub fn is_plain_safe(s: &str, in_flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    const WORDS: [&str; 11] = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", "nan",
    ];
    (first.is_ascii_alphabetic() || matches!(first, '/' | '$' | '_'))
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-' | '$' | ':'))
        && !(in_flow && s.contains(':'))
        && !s.ends_with(':')
        && !WORDS.contains(&s.to_ascii_lowercase().as_str())
}

fn needs_escape(c: char) -> bool {
    (c < ' ' && c != '\n')
        || ('\u{7f}'..='\u{9f}').contains(&c)
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// A YAML double-quoted string.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::source;

    fn round_trip(y: &Y) {
        let text = y.render();
        let parsed: Value =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("does not parse: {e}\n{text}"));
        assert_eq!(parsed, y.value(), "\n{text}");
    }

    #[test]
    fn operation_ids_and_schema_names() {
        assert_eq!(
            operation_id("acme-v3.0-pro/image-to-video"),
            "acme_v3_0_pro_image_to_video"
        );
        assert_eq!(operation_id("-A//b--[Deprecated]"), "a_b_deprecated");
        assert_eq!(schema_name("acme_upscale_v2"), "AcmeUpscaleV2Request");
    }

    #[test]
    fn family_is_the_tag_of_the_longest_shared_prefix() {
        let ep = |e: &str, t: Option<&str>| Endpoint {
            endpoint: e.into(),
            tag: t.map(str::to_string),
            deviates: Default::default(),
            properties: Vec::new(),
            output: None,
        };
        let spec = [
            ep("acme-video-o3-pro/image-to-video", Some("acme-o")),
            ep("acme-v3.0-std/text-to-video", Some("acme")),
            ep("zeta/text-to-video", Some("zeta")),
            ep("acme-v3.0-pro/x", None),
        ];
        assert_eq!(
            family("acme-v3.0-pro/image-to-video", &spec).as_deref(),
            Some("acme")
        );
        assert_eq!(family("zeta/new", &spec).as_deref(), Some("zeta"));
        assert_eq!(family("other/new", &spec), None);
        // One shared word of two different first components is not a family.
        assert_eq!(family("acme-image/x", &spec), None);
    }

    #[test]
    fn closest_names_come_first() {
        let names = ["zeta/text-to-video", "zeta/image-to-video", "acme/a"];
        assert_eq!(
            closest("zeta/text-to-vide", names.into_iter(), 2),
            ["zeta/text-to-video", "zeta/image-to-video"]
        );
    }

    #[test]
    fn strings_that_could_be_misread_are_quoted_and_read_back_exactly() {
        let tricky = [
            "5",
            "0.5",
            "1e3",
            "0x10",
            "true",
            "True",
            "false",
            "on",
            "no",
            "No",
            "y",
            "off",
            "null",
            "~",
            "",
            " lead",
            "trail ",
            "1:1",
            "16:9",
            "720p",
            "#x",
            "a #b",
            "a: b",
            "a:",
            "*x",
            "&x",
            "!x",
            "%x",
            "@x",
            "`x",
            "|",
            ">",
            "-",
            "- x",
            "? x",
            "[x]",
            "{x}",
            "x, y",
            "'",
            "\"",
            "7\"",
            "Black Myth: Wukong",
            "1024*1024",
            ".inf",
            ".nan",
            "Shot/Reverse Shot",
            "é",
            "中文",
            "tab\there",
            "line\nbreak",
            "\u{7f}",
            "\u{85}",
            "back\\slash",
            "https://example.com/input.png",
            "TODO(example)",
            "=",
            "<<",
        ];
        for s in tricky {
            round_trip(&Y::Map(vec![(s.into(), Y::Str(s.into()))]));
            round_trip(&Y::Map(vec![("k".into(), Y::Flow(vec![Y::Str(s.into())]))]));
        }
        for s in ["5", "true", "1:1", "720p", "on", "no", "#x", "a: b", "*x"] {
            assert!(!is_plain_safe(s, false), "{s} must be quoted");
        }
        assert!(is_plain_safe("https://example.com/input.png", false));
        assert!(!is_plain_safe("https://example.com/input.png", true));
    }

    #[test]
    fn block_text_falls_back_to_quotes_when_a_block_would_change_it() {
        for s in [
            "a\n",
            "a\n\nb\n",
            "  indented\n",
            "no newline",
            "two\n\n",
            "é\n",
        ] {
            round_trip(&Y::Map(vec![("d".into(), Y::Block(s.into()))]));
        }
    }

    fn drafted(params: &str) -> (Y, String) {
        let text = format!(
            r#"{{"version": "v", "total": 1, "endpoints": [{{"endpoint": "acme/upscale-v2", "output_type": "string", "params": [{params}]}}]}}"#
        );
        let cat = source::parse("c.json", &text).unwrap();
        let doc = document(&[Entry {
            model: &cat.models[0],
            tag: "acme".into(),
        }])
        .unwrap();
        let text = doc.render();
        (doc, text)
    }

    #[test]
    fn a_draft_parses_back_to_its_values_and_describes_nothing() {
        let (doc, text) = drafted(
            r#"{"key": "imageUrl", "type": "IMAGE", "required": true, "maxSizeMB": 20, "default": "https://sample"},
               {"key": "scale", "type": "LIST", "required": true, "options": ["2", "4"], "default": "2"},
               {"key": "prompt", "type": "STRING", "required": true, "maxLength": 800, "default": "a sample prompt: with # marks"},
               {"key": "ratio", "type": "LIST", "options": ["1:1", "on", "empty"], "default": "empty"},
               {"key": "23##text", "type": "STRING"}"#,
        );
        round_trip(&doc);
        assert!(text.contains("operationId: acme_upscale_v2\n"), "{text}");
        // What the model produces, in the spec's word for it (the catalog says `string`).
        assert!(text.contains("x-runninghub-output: text\n"), "{text}");
        assert!(text.contains("tags: [acme]\n"), "{text}");
        assert!(text.contains("$ref: \"#/components/schemas/AcmeUpscaleV2Request\""));
        assert!(text.contains("enum: [\"2\", \"4\"]\n"), "{text}");
        assert!(text.contains("enum: [\"1:1\", \"on\"]\n"), "{text}");
        assert!(text.contains("(at most 20 MB)"), "{text}");
        assert!(
            text.contains("required: [imageUrl, scale, prompt]\n"),
            "{text}"
        );
        assert!(
            !text.contains("sample"),
            "catalog sample content leaked:\n{text}"
        );
        for line in text.lines() {
            if let Some(d) = line.trim().strip_prefix("description:") {
                assert!(
                    d.contains("TODO(describe)") || d.trim() == "|",
                    "undescribed: {line}"
                );
            }
        }
    }

    #[test]
    fn example_values_meet_their_constraints() {
        let (doc, _) = drafted(
            r#"{"key": "n", "type": "INT", "required": true, "min": 3, "max": 15},
               {"key": "neg", "type": "INT", "required": true, "max": -2},
               {"key": "f", "type": "FLOAT", "required": true, "min": 0.25, "max": 1, "default": 5},
               {"key": "short", "type": "STRING", "required": true, "maxLength": 4},
               {"key": "clips", "type": "VIDEO", "required": true, "multiple": true, "maxCount": 2},
               {"key": "voice", "type": "AUDIO", "required": true},
               {"key": "modes", "type": "LIST", "required": true, "multiple": true, "maxCount": 2, "options": ["a", "b"]},
               {"key": "flag", "type": "BOOLEAN", "required": true},
               {"key": "opt", "type": "INT"}"#,
        );
        let v = doc.value();
        let ex = &v["paths"]["/openapi/v2/acme/upscale-v2"]["post"]["requestBody"]["content"]["application/json"]
            ["example"];
        assert_eq!(ex["n"], 3);
        assert_eq!(ex["neg"], -2);
        assert_eq!(ex["f"], 0.25, "an out-of-range default is not used");
        assert_eq!(ex["short"], "TODO");
        assert_eq!(
            ex["clips"],
            serde_json::json!(["https://example.com/input.mp4"])
        );
        assert_eq!(ex["voice"], "https://example.com/input.mp3");
        assert_eq!(ex["modes"], serde_json::json!(["a"]));
        assert_eq!(ex["flag"], false);
        assert!(ex.get("opt").is_none(), "optional fields stay out");
    }
}
