//! `cargo xtask catalog diff` and `catalog draft` end to end: the real binary against a
//! scratch workspace holding a small spec, on small catalogs written here in both formats.

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

/// The version strings of the two test catalogs.
const REGISTRY_VERSION: &str = "public-test-1";
const RHCLI_VERSION: &str = "2030-01-01";

#[derive(Clone, Copy, Debug)]
enum Format {
    Registry,
    RhCli,
}

const FORMATS: [Format; 2] = [Format::Registry, Format::RhCli];

/// Writes a catalog in `format` from models whose params are written in the rh-cli
/// vocabulary (`key`, `default`, bare `options`, `multiple`/`maxCount`, `maxSizeMB`).
fn write_catalog(dir: &Path, format: Format, models: &[(&str, Value)]) -> String {
    let entries: Vec<Value> = models
        .iter()
        .map(|(endpoint, params)| {
            let params: Vec<Value> = params
                .as_array()
                .unwrap()
                .iter()
                .map(|p| match format {
                    Format::RhCli => p.clone(),
                    Format::Registry => to_registry(p),
                })
                .collect();
            json!({"endpoint": endpoint, "output_type": "video", "category": "Test", "params": params})
        })
        .collect();
    let (name, doc) = match format {
        Format::Registry => (
            "registry.json",
            json!({"version": REGISTRY_VERSION, "models": entries}),
        ),
        Format::RhCli => (
            "rh-cli.json",
            json!({"version": RHCLI_VERSION, "total": entries.len(), "endpoints": entries}),
        ),
    };
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path.display().to_string()
}

fn to_registry(p: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for (k, v) in p.as_object().unwrap() {
        let (k, v) = match k.as_str() {
            "key" => ("fieldKey", v.clone()),
            "default" => ("defaultValue", v.clone()),
            "options" => (
                "options",
                Value::Array(
                    v.as_array()
                        .unwrap()
                        .iter()
                        .map(|o| json!({"value": o, "description": "x"}))
                        .collect(),
                ),
            ),
            "multiple" => ("multipleInputs", v.clone()),
            "maxCount" => ("maxInputNum", v.clone()),
            "maxSizeMB" => ("maxSize", v.clone()),
            other => (other, v.clone()),
        };
        out.insert(k.to_string(), v);
    }
    out.insert("label".into(), json!("label"));
    Value::Object(out)
}

const SPEC_HEAD: &str = r##"openapi: 3.0.3
info: {title: test, version: "1"}
x-runninghub-not-covered:
  - endpoint: acme/skipped
    reason: its fields are not known yet
paths:
  /openapi/v2/query:
    post:
      operationId: query_task
      x-runninghub-role: query
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {taskId: {type: string}}}
      responses:
        "200": {$ref: "#/components/responses/TaskResponse"}
"##;

const SPEC_TAIL: &str = r##"components:
  responses:
    TaskResponse:
      description: the task
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Task"}
  schemas:
    Task: {type: object, properties: {taskId: {type: string}}}
    WebhookUrl: {type: string, description: where to call}
"##;

fn op(endpoint: &str, schema: &str, extra: &str) -> String {
    format!(
        r##"  /openapi/v2/{endpoint}:
    post:
      operationId: op_{schema}
      tags: [acme]
      x-runninghub-output: video
{extra}      requestBody:
        content:
          application/json:
            schema: {{$ref: "#/components/schemas/{schema}"}}
      responses:
        "200": {{$ref: "#/components/responses/TaskResponse"}}
"##
    )
}

/// The spec of the main scenario: `acme/video-a` with one difference of each kind.
fn main_spec() -> String {
    let mut s = SPEC_HEAD.to_string();
    s += &op("acme/video-a", "VideoA", "");
    s += &op("acme/video-b", "VideoB", "");
    s += &op("acme/spec-only", "SpecOnly", "");
    s += &op(
        "acme/acked-extra",
        "SpecOnly",
        &format!(
            "      x-runninghub-deviates: {{\"{REGISTRY_VERSION}\": \"newer than the catalogs\", \"{RHCLI_VERSION}\": \"newer than the catalogs\"}}\n"
        ),
    );
    s += SPEC_TAIL;
    s += &format!(
        r##"    SpecOnly: {{type: object, properties: {{webhookUrl: {{$ref: "#/components/schemas/WebhookUrl"}}}}}}
    VideoB:
      type: object
      properties:
        duration: {{type: integer, minimum: 5, maximum: 10}}
    VideoA:
      type: object
      required: [prompt, duration, imageUrls, negativePrompt]
      properties:
        prompt: {{type: string, minLength: 1, maxLength: 500}}
        duration: {{type: integer, minimum: 3, maximum: 15}}
        resolution: {{type: string, enum: ["720p", "1080p", "2k"]}}
        seed: {{type: integer, minimum: 0, maximum: 100}}
        imageUrls:
          type: array
          minItems: 1
          maxItems: 2
          items: {{type: string}}
        refImageUrls: {{type: array, maxItems: 1, items: {{type: string}}}}
        negativePrompt: {{type: string, maxLength: 100}}
        aspectRatio: {{type: string, enum: ["1:1", "16:9"]}}
        sound: {{type: string, enum: ["true", "false"]}}
        quality: {{type: string, enum: ["0.5", "1", "2"]}}
        pronunciation: {{type: array, maxItems: 20, items: {{type: string}}}}
        steps:
          type: integer
          maximum: 50
          x-runninghub-deviates: {{"{REGISTRY_VERSION}": "the vendor allows 50", "{RHCLI_VERSION}": "the vendor allows 50"}}
        stale:
          type: string
          x-runninghub-deviates: {{"some-other-version": "does not apply here"}}
        webhookUrl: {{$ref: "#/components/schemas/WebhookUrl"}}
"##
    );
    s
}

fn main_models() -> Vec<(&'static str, Value)> {
    vec![
        (
            "acme/video-a",
            json!([
                {"key": "prompt", "type": "STRING", "required": true, "maxLength": 800,
                 "default": "a long sample prompt somebody typed"},
                {"key": "duration", "type": "INT", "required": true, "min": 3, "max": 15, "default": 5},
                {"key": "resolution", "type": "LIST", "options": ["720p", "1080p", "4k"], "default": "720p"},
                {"key": "seed", "type": "INT", "min": 0, "max": 2147483647},
                {"key": "imageUrls", "type": "IMAGE", "required": true, "multiple": true, "maxCount": 3, "maxSizeMB": 10},
                {"key": "refImageUrls", "type": "IMAGE", "multiple": false, "maxCount": 1},
                {"key": "negativePrompt", "type": "STRING", "maxLength": 100},
                {"key": "aspectRatio", "type": "LIST", "required": true, "options": ["empty", "1:1", "16:9"], "default": "empty"},
                {"key": "sound", "type": "LIST", "options": ["true", "false"], "default": "true"},
                {"key": "quality", "type": "LIST", "options": [0.5, 1, 2], "default": "1"},
                {"key": "pronunciation", "type": "STRING", "multiple": true, "maxCount": 20},
                {"key": "steps", "type": "INT", "max": 30},
                {"key": "cameraFixed", "type": "BOOLEAN", "default": false}
            ]),
        ),
        (
            "acme/video-b",
            json!([{"key": "duration", "type": "LIST", "options": ["5", "10"], "default": "5"}]),
        ),
        (
            "acme/new-model",
            json!([{"key": "prompt", "type": "STRING", "required": true}]),
        ),
        ("acme/zero", json!([])),
        ("acme/skipped", json!([{"key": "prompt", "type": "STRING"}])),
        (
            "acme/old-[Deprecated]",
            json!([{"key": "prompt", "type": "STRING"}]),
        ),
        (
            "acme/older-deprecated",
            json!([{"key": "prompt", "type": "STRING"}]),
        ),
    ]
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn xtask(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("catalog")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn scratch(spec: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("spec")).unwrap();
    std::fs::write(dir.path().join("spec/runninghub.yaml"), spec).unwrap();
    dir
}

fn root_of(dir: &tempfile::TempDir) -> &str {
    dir.path().to_str().unwrap()
}

fn json_diff(root: &str, catalog: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["diff", catalog, "--json", "--root", root];
    args.extend_from_slice(extra);
    let run = xtask(&args);
    let v: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr));
    (run.code, v)
}

/// (field, kind) of each entry of a JSON difference list, for one endpoint.
fn kinds(report: &Value, list: &str, endpoint: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = report[list]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["endpoint"] == endpoint)
        .map(|d| {
            (
                d["field"].as_str().unwrap_or("").to_string(),
                d["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<_> = v
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    out.sort();
    out
}

/// Every rule, in both formats: missing models, extra endpoints, each kind of field
/// difference, the things that must NOT be differences, acknowledgements, and the JSON shape.
#[test]
fn diff_reports_each_kind_of_difference_in_both_formats() {
    let ws = scratch(&main_spec());
    for format in FORMATS {
        let catalog = write_catalog(ws.path(), format, &main_models());
        let (code, r) = json_diff(root_of(&ws), &catalog, &[]);
        assert_eq!(code, 1, "{format:?}: {r:#}");

        // JSON shape: one object, an array per category, a summary.
        for key in [
            "missing",
            "not_covered",
            "unchecked",
            "withdrawn",
            "extra",
            "differences",
            "acknowledged",
        ] {
            assert!(
                r[key].is_array(),
                "{format:?}: `{key}` is not an array: {r:#}"
            );
        }
        assert_eq!(r["catalog"]["file"], catalog.as_str());
        assert_eq!(r["summary"]["differs"], true);

        // Missing model; zero-param and listed-as-not-covered ones are not missing.
        assert_eq!(
            r["missing"],
            json!([{"endpoint": "acme/new-model", "params": 1}]),
            "{format:?}"
        );
        assert_eq!(
            r["not_covered"],
            json!([
                {"endpoint": "acme/zero", "reason": "the catalog lists no parameters"},
                {"endpoint": "acme/skipped", "reason": "its fields are not known yet"},
            ]),
            "{format:?}"
        );
        // Withdrawn endpoints are skipped, not missing.
        assert_eq!(
            r["withdrawn"],
            json!(["acme/old-[Deprecated]", "acme/older-deprecated"]),
            "{format:?}"
        );
        // Extra spec endpoint; the query operation is not a model endpoint.
        assert_eq!(r["extra"], json!(["acme/spec-only"]), "{format:?}");

        assert_eq!(
            kinds(&r, "differences", "acme/video-a"),
            pairs(&[
                ("cameraFixed", "catalog_only"),
                ("imageUrls", "max_items"),
                ("negativePrompt", "required"),
                ("prompt", "max_length"),
                ("resolution", "enum"),
                ("seed", "maximum"),
                ("stale", "spec_only"),
            ]),
            "{format:?}: duration (INT), aspectRatio (`empty`), sound (\"true\"/\"false\"), \
             quality (numeric options), refImageUrls (`Urls` key), pronunciation (STRING \
             multiple) and webhookUrl all match"
        );
        // The same key is an integer in one model and a string enum in another.
        assert_eq!(
            kinds(&r, "differences", "acme/video-b"),
            pairs(&[("duration", "type")])
        );

        let diffs = r["differences"].as_array().unwrap();
        let find = |endpoint: &str, field: &str| {
            diffs
                .iter()
                .find(|d| d["endpoint"] == endpoint && d["field"] == field)
                .unwrap()
                .clone()
        };
        let en = find("acme/video-a", "resolution");
        assert_eq!(en["added"], json!(["4k"]));
        assert_eq!(en["removed"], json!(["2k"]));
        let ty = find("acme/video-b", "duration");
        assert_eq!(
            (ty["catalog"].clone(), ty["spec"].clone()),
            (json!("string"), json!("integer"))
        );
        let max = find("acme/video-a", "seed");
        assert_eq!(
            (max["catalog"].clone(), max["spec"].clone()),
            (json!(2147483647), json!(100))
        );
        let len = find("acme/video-a", "prompt");
        assert_eq!(
            (len["catalog"].clone(), len["spec"].clone()),
            (json!(800), json!(500))
        );
        let items = find("acme/video-a", "imageUrls");
        assert_eq!(
            (items["catalog"].clone(), items["spec"].clone()),
            (json!(3), json!(2))
        );
        let req = find("acme/video-a", "negativePrompt");
        assert_eq!(
            (req["catalog"].clone(), req["spec"].clone()),
            (json!(false), json!(true))
        );

        // Acknowledged for this catalog version: listed with the reason, not counted. A note
        // for another version acknowledges nothing (`stale` stays a difference above).
        let acked = r["acknowledged"].as_array().unwrap();
        assert_eq!(acked.len(), 2, "{format:?}: {acked:#?}");
        assert!(acked.iter().any(|d| d["endpoint"] == "acme/video-a"
            && d["field"] == "steps"
            && d["kind"] == "maximum"
            && d["reason"] == "the vendor allows 50"));
        assert!(acked.iter().any(|d| d["endpoint"] == "acme/acked-extra"
            && d["kind"] == "not_in_catalog"
            && d["reason"] == "newer than the catalogs"));
        assert_eq!(r["summary"]["differences"], 8);
        assert_eq!(r["summary"]["acknowledged"], 2);
    }
}

#[test]
fn human_report_is_grouped_and_ends_with_a_summary() {
    let ws = scratch(&main_spec());
    let catalog = write_catalog(ws.path(), Format::RhCli, &main_models());
    let run = xtask(&["diff", &catalog, "--root", root_of(&ws)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let out = &run.stdout;
    for want in [
        "Missing from the spec (1):\n  acme/new-model (1 params)",
        "In the spec, not in the catalog (1):\n  acme/spec-only",
        "  acme/video-b\n    duration: type: catalog string, spec integer",
        "    resolution: enum: catalog adds [\"4k\"]; catalog lacks [\"2k\"]",
        "    steps: maximum: catalog 30, spec 50 (the vendor allows 50)",
        "Withdrawn, skipped (2)",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    let last = out.lines().last().unwrap();
    assert_eq!(
        last,
        "summary: 2 matched, 1 missing, 2 not covered, 2 withdrawn, 1 not in the catalog, 8 differences, 2 acknowledged"
    );
}

/// Exit status 0 when nothing counts; extra spec endpoints count unless --allow-extra.
#[test]
fn exit_status_follows_what_counts() {
    let mut spec = SPEC_HEAD.to_string();
    spec += &op("acme/one", "One", "");
    spec += &op("acme/newer", "One", "");
    spec += SPEC_TAIL;
    spec +=
        "    One: {type: object, required: [n], properties: {n: {type: integer, minimum: 1}}}\n";
    let ws = scratch(&spec);
    for format in FORMATS {
        let catalog = write_catalog(
            ws.path(),
            format,
            &[(
                "acme/one",
                json!([{"key": "n", "type": "INT", "required": true, "min": 1}]),
            )],
        );
        let (code, r) = json_diff(root_of(&ws), &catalog, &[]);
        assert_eq!(code, 1, "{format:?}: {r:#}");
        assert_eq!(r["extra"], json!(["acme/newer"]));
        let (code, r) = json_diff(root_of(&ws), &catalog, &["--allow-extra"]);
        assert_eq!(code, 0, "{format:?}: {r:#}");
        assert_eq!(r["summary"]["extra_allowed"], true);
        assert_eq!(r["summary"]["differs"], false);
        assert_eq!(r["differences"], json!([]));
    }
}

#[test]
fn usage_io_and_format_errors_exit_2_with_a_clear_message() {
    let ws = scratch(&main_spec());
    let root = root_of(&ws);
    let dir = ws.path();
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let bad_json = write("bad.json", "{ not json");
    let unknown = write("unknown.json", r#"{"version": "x", "items": []}"#);
    let wrong_type = write(
        "wrong.json",
        r#"{"version": "x", "total": 1, "endpoints": [{"endpoint": "a", "params": [{"key": "k", "type": "INT", "required": "yes"}]}]}"#,
    );
    let good = write_catalog(dir, Format::RhCli, &main_models());
    let absent = dir.join("absent.json").display().to_string();
    let nowhere = dir.join("nowhere").display().to_string();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["diff", &bad_json, "--root", root],
            format!("{bad_json}: not valid JSON"),
        ),
        (
            vec!["diff", &unknown, "--root", root],
            format!("{unknown}: unknown catalog format"),
        ),
        (
            vec!["diff", &wrong_type, "--root", root],
            format!("{wrong_type}: a: params[0] (k): `required` should be true or false"),
        ),
        (
            vec!["diff", &absent, "--root", root],
            format!("reading {absent}"),
        ),
        (
            vec!["diff", "--root", root],
            "takes one catalog file".into(),
        ),
        (
            vec!["diff", &good, "--bogus", "--root", root],
            "unknown option `--bogus`".into(),
        ),
        (vec!["frobnicate"], "unknown `catalog` command".into()),
        (
            vec!["draft", &good, "--root", root],
            "at least one endpoint".into(),
        ),
        (vec!["diff", &good, "--root", &nowhere], "reading".into()),
    ];
    for (args, want) in cases {
        let run = xtask(&args);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains(&want),
            "{args:?}: want {want:?} in {}",
            run.stderr
        );
    }
}

#[test]
fn draft_refuses_unknown_and_withdrawn_endpoints_naming_the_closest() {
    let ws = scratch(&main_spec());
    let catalog = write_catalog(ws.path(), Format::Registry, &main_models());
    let run = xtask(&["draft", &catalog, "acme/video-c", "--root", root_of(&ws)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`acme/video-c` is not in"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("closest: acme/video-a, acme/video-b"),
        "{}",
        run.stderr
    );
    let run = xtask(&[
        "draft",
        &catalog,
        "acme/old-[Deprecated]",
        "--root",
        root_of(&ws),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("is withdrawn"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("closest current endpoints: acme/old"),
        "{}",
        run.stderr
    );
}

/// The params of a new model, with every rule a draft has to follow.
fn new_model_params() -> Value {
    json!([
        {"key": "prompt", "type": "STRING", "required": true, "maxLength": 800,
         "default": "a sample prompt: with # marks"},
        {"key": "imageUrl", "type": "IMAGE", "required": true, "maxSizeMB": 20,
         "default": "https://sample.example/taken.png"},
        {"key": "imageUrls", "type": "IMAGE", "multiple": false, "maxCount": 1},
        {"key": "videos", "type": "VIDEO", "required": true, "multiple": true, "maxCount": 2},
        {"key": "audioUrl", "type": "AUDIO", "required": true},
        {"key": "scale", "type": "LIST", "required": true, "options": ["2", "4"], "default": "2"},
        {"key": "ratio", "type": "LIST", "required": true, "options": ["empty", "1:1", "on"], "default": "empty"},
        {"key": "sound", "type": "LIST", "required": true, "options": ["true", "false"], "default": "false"},
        {"key": "quality", "type": "LIST", "required": true, "options": [0.5, 1, 2]},
        {"key": "duration", "type": "INT", "required": true, "min": 3, "max": 15},
        {"key": "cfg", "type": "FLOAT", "required": true, "min": 0.25, "max": 1, "default": 0.5},
        {"key": "seed", "type": "INT", "min": -1, "max": 2147483647, "default": -1},
        {"key": "fixed", "type": "BOOLEAN", "required": true, "default": true},
        {"key": "dict", "type": "STRING", "multiple": true, "maxCount": 20},
        {"key": "23##text", "type": "STRING", "required": true, "maxLength": 5},
        {"key": "voice", "type": "STRING", "required": true, "default": "865289575831703581"}
    ])
}

/// Checks a value against a draft's property schema (the constraints the rules produce).
fn check(field: &str, schema: &Value, value: &Value) {
    match schema["type"].as_str().unwrap() {
        "string" => {
            let s = value
                .as_str()
                .unwrap_or_else(|| panic!("{field}: {value} not a string"));
            if let Some(values) = schema["enum"].as_array() {
                assert!(values.contains(value), "{field}: {value} not in {values:?}");
            }
            let n = s.chars().count() as u64;
            if let Some(max) = schema["maxLength"].as_u64() {
                assert!(n <= max, "{field}: longer than {max}");
            }
            if let Some(min) = schema["minLength"].as_u64() {
                assert!(n >= min, "{field}: shorter than {min}");
            }
        }
        "integer" | "number" => {
            let x = value
                .as_f64()
                .unwrap_or_else(|| panic!("{field}: {value} not a number"));
            if schema["type"] == "integer" {
                assert!(value.is_i64(), "{field}: {value} not an integer");
            }
            if let Some(min) = schema["minimum"].as_f64() {
                assert!(x >= min, "{field}: {x} below {min}");
            }
            if let Some(max) = schema["maximum"].as_f64() {
                assert!(x <= max, "{field}: {x} above {max}");
            }
        }
        "boolean" => assert!(value.is_boolean(), "{field}: {value} not a boolean"),
        "array" => {
            let items = value
                .as_array()
                .unwrap_or_else(|| panic!("{field}: not an array"));
            let n = items.len() as u64;
            assert!(
                schema["minItems"].as_u64().is_none_or(|m| n >= m),
                "{field}: too few"
            );
            assert!(
                schema["maxItems"].as_u64().is_none_or(|m| n <= m),
                "{field}: too many"
            );
            for item in items {
                check(&format!("{field}[]"), &schema["items"], item);
            }
        }
        other => panic!("{field}: unexpected type {other}"),
    }
}

/// Adds a draft to the scratch spec as docs/development.md says: the draft becomes the family file
/// `spec/models/<name>.yaml` as printed, and the root lists each of its paths.
fn paste(ws: &Path, name: &str, draft: &str) {
    std::fs::create_dir_all(ws.join("spec/models")).unwrap();
    std::fs::write(ws.join(format!("spec/models/{name}.yaml")), draft).unwrap();
    let root_path = ws.join("spec/runninghub.yaml");
    let mut root: Value =
        serde_yaml::from_str(&std::fs::read_to_string(&root_path).unwrap()).unwrap();
    let parsed: Value = serde_yaml::from_str(draft).unwrap();
    for path in parsed["paths"].as_object().unwrap().keys() {
        let pointer = path.replace('~', "~0").replace('/', "~1");
        root["paths"][path] = json!({"$ref": format!("models/{name}.yaml#/paths/{pointer}")});
    }
    std::fs::write(root_path, serde_yaml::to_string(&root).unwrap()).unwrap();
}

/// A draft's example satisfies its own schema, and the draft pasted into the spec makes
/// `diff` report nothing for that model, in both formats.
#[test]
fn a_draft_is_self_consistent_and_round_trips_through_diff() {
    for format in FORMATS {
        let ws = scratch(&main_spec());
        let models = vec![("acme/upscale-v2", new_model_params())];
        let catalog = write_catalog(ws.path(), format, &models);
        let run = xtask(&["draft", &catalog, "acme/upscale-v2", "--root", root_of(&ws)]);
        assert_eq!(run.code, 0, "{format:?}: {}", run.stderr);
        let text = &run.stdout;
        let draft: Value = serde_yaml::from_str(text).unwrap();

        let post = &draft["paths"]["/openapi/v2/acme/upscale-v2"]["post"];
        assert_eq!(post["operationId"], "acme_upscale_v2");
        assert_eq!(
            post["tags"],
            json!(["acme"]),
            "the family of the nearest spec endpoint"
        );
        let body = &draft["components"]["schemas"]["AcmeUpscaleV2Request"];
        let props = body["properties"].as_object().unwrap();
        let required: Vec<&str> = body["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();

        // The rules, as printed.
        assert!(!required.contains(&"ratio"), "`empty` makes it optional");
        assert_eq!(props["ratio"]["enum"], json!(["1:1", "on"]));
        assert!(props["ratio"].get("default").is_none());
        assert_eq!(props["sound"]["type"], "string");
        assert_eq!(props["sound"]["enum"], json!(["true", "false"]));
        assert_eq!(props["sound"]["default"], "false");
        assert_eq!(props["quality"]["enum"], json!(["0.5", "1", "2"]));
        assert_eq!(props["scale"]["default"], "2");
        assert_eq!(props["seed"]["default"], -1);
        assert_eq!(props["prompt"]["minLength"], 1);
        assert_eq!(props["dict"]["type"], "array");
        assert_eq!(props["dict"]["maxItems"], 20);
        assert_eq!(props["imageUrls"]["type"], "array");
        assert_eq!(props["imageUrls"]["maxItems"], 1);
        assert_eq!(props["videos"]["minItems"], 1);
        for sample in ["prompt", "imageUrl", "voice"] {
            assert!(
                props[sample].get("default").is_none(),
                "{sample}: sample became a default"
            );
        }
        assert!(
            !text.contains("sample"),
            "catalog sample content leaked:\n{text}"
        );
        assert!(
            !text.contains("865289575831703581"),
            "a session id leaked:\n{text}"
        );
        assert_eq!(
            props["imageUrl"]["description"],
            "TODO(describe): ... (at most 20 MB)"
        );
        assert_eq!(
            props["webhookUrl"]["$ref"],
            "../runninghub.yaml#/components/schemas/WebhookUrl"
        );
        // Quoting: strings that look like other things are written quoted.
        for line in [
            "enum: [\"1:1\", \"on\"]",
            "enum: [\"true\", \"false\"]",
            "\"23##text\":",
        ] {
            assert!(text.contains(line), "{line:?} not in:\n{text}");
        }

        // The example passes the entry's own constraints.
        let example = &post["requestBody"]["content"]["application/json"]["example"];
        let example = example.as_object().unwrap();
        for name in &required {
            assert!(
                example.contains_key(*name),
                "{format:?}: example lacks required {name}"
            );
        }
        for (name, value) in example {
            check(name, &props[name], value);
        }
        assert!(!example.contains_key("seed"), "optional fields stay out");
        assert_eq!(example["imageUrl"], "https://example.com/input.png");
        assert_eq!(example["videos"], json!(["https://example.com/input.mp4"]));
        assert_eq!(example["audioUrl"], "https://example.com/input.mp3");
        assert_eq!(example["prompt"], "TODO(example)");

        // Added to the spec as a family file, the model matches its catalog exactly.
        paste(ws.path(), "acme-new", text);
        let (_, r) = json_diff(root_of(&ws), &catalog, &["--allow-extra"]);
        assert!(
            !r["missing"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["endpoint"] == "acme/upscale-v2"),
            "{r:#}"
        );
        assert_eq!(
            kinds(&r, "differences", "acme/upscale-v2"),
            vec![],
            "{format:?}: {r:#}"
        );
        assert_eq!(r["summary"]["matched"], 1);
    }
}

#[test]
fn draft_family_comes_from_the_flag_the_nearest_endpoint_or_a_marker() {
    let ws = scratch(&main_spec());
    let catalog = write_catalog(
        ws.path(),
        Format::RhCli,
        &[
            ("acme/video-c", json!([{"key": "n", "type": "INT"}])),
            ("zeta/thing", json!([{"key": "n", "type": "INT"}])),
        ],
    );
    let tags = |args: &[&str]| -> Value {
        let mut all = vec!["draft", &catalog];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--root", root_of(&ws)]);
        let run = xtask(&all);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let v: Value = serde_yaml::from_str(&run.stdout).unwrap();
        v["paths"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(p, item)| (p.clone(), item["post"]["tags"][0].clone()))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    assert_eq!(
        tags(&["acme/video-c", "zeta/thing"]),
        json!({"/openapi/v2/acme/video-c": "acme", "/openapi/v2/zeta/thing": "TODO(family)"})
    );
    assert_eq!(
        tags(&["acme/video-c", "--family", "other"]),
        json!({"/openapi/v2/acme/video-c": "other"})
    );
}
