//! The generator never panics, whatever it is given: random text, and random mutations of
//! real and fixture specs (keys removed, values replaced with hostile scalars and shapes).
//! A panic inside progenitor would surface as `Error::GeneratorPanic`, a gap in the
//! pre-flight checks, so that variant is a failure here too.

use crate::support::spec_text;
use proptest::prelude::*;
use serde_yaml::Value;

/// Replacement values chosen to hit the rules progenitor breaks on.
fn hostile(i: u32) -> Value {
    let yaml = [
        "null",
        "true",
        "0",
        "-1",
        "1.5",
        "''",
        "3.1.0",
        "multipart/form-data",
        "{}",
        "[]",
        "{type: string}",
        "{type: object}",
        "{type: array}",
        "{type: integer, minimum: 9, maximum: 1}",
        "{$ref: '#/components/schemas/Nope'}",
        "{$ref: 'other.yaml#/x'}",
        "{oneOf: [{type: string}, {type: integer}]}",
        "{multipart/form-data: {schema: {type: object}}, application/json: {schema: {type: object}}}",
        "{'204': {description: x}, '200': {description: y, content: {application/json: {schema: {type: string}}}}}",
        "{default: {description: x, content: {application/json: {schema: {type: integer}}}}}",
        "[{name: id, in: path, schema: {type: string}}]",
        "[{name: c, in: cookie, schema: {type: string}}]",
        "{application/json: {schema: {type: object}, encoding: {a: {contentType: text/plain}}}}",
        "{description: x, content: {text/html: {schema: {type: string}}}}",
    ];
    serde_yaml::from_str(yaml[i as usize % yaml.len()]).unwrap()
}

/// Applies one mutation at the node chosen by `pick` (a pre-order index modulo the node count).
fn mutate(doc: &mut Value, pick: u32, op: u8, arg: u32) {
    fn count(v: &Value) -> usize {
        1 + match v {
            Value::Mapping(m) => m.values().map(count).sum(),
            Value::Sequence(s) => s.iter().map(count).sum(),
            _ => 0,
        }
    }
    fn visit(v: &mut Value, target: &mut usize, op: u8, arg: u32) -> bool {
        if *target == 0 {
            match op % 4 {
                0 => *v = hostile(arg),
                1 => {
                    if let Value::Mapping(m) = v
                        && !m.is_empty()
                    {
                        let key = m.keys().nth(arg as usize % m.len()).cloned().unwrap();
                        m.remove(&key);
                    }
                }
                2 => {
                    if let Value::Mapping(m) = v {
                        let keys = [
                            "operationId",
                            "x-runninghub-handwritten",
                            "x-runninghub-role",
                            "required",
                            "nullable",
                            "default",
                            "enum",
                            "$ref",
                        ];
                        m.insert(
                            Value::from(keys[arg as usize % keys.len()]),
                            hostile(arg / 7),
                        );
                    }
                }
                _ => {
                    if let Value::Mapping(m) = v
                        && let Some(first) = m.values().next().cloned()
                    {
                        m.insert(Value::from(format!("/dup{arg}")), first);
                    }
                }
            }
            return true;
        }
        *target -= 1;
        match v {
            Value::Mapping(m) => m.values_mut().any(|c| visit(c, target, op, arg)),
            Value::Sequence(s) => s.iter_mut().any(|c| visit(c, target, op, arg)),
            _ => false,
        }
    }
    let n = count(doc);
    let mut target = pick as usize % n;
    visit(doc, &mut target, op, arg);
}

fn assert_no_panic(name: &str, text: &str) -> Result<(), TestCaseError> {
    let result = std::panic::catch_unwind(|| codegen::generate(name, text));
    match result {
        Err(_) => Err(TestCaseError::fail(format!(
            "generate panicked on:\n{text}"
        ))),
        Ok(Err(codegen::Error::GeneratorPanic { message, .. })) => {
            Err(TestCaseError::fail(format!(
                "progenitor panicked ({message}) on a spec the pre-flight checks accepted:\n{text}"
            )))
        }
        Ok(_) => Ok(()),
    }
}

/// The real spec cut down to its first few model endpoints and the ones that are not model
/// endpoints: every kind of entry it has, at a size that generates in a blink (the whole
/// spec takes seconds per case in a debug build, times hundreds of cases).
fn real_spec_sample() -> String {
    let mut doc: Value = serde_yaml::from_str(&spec_text()).unwrap();
    if let Some(Value::Mapping(paths)) = doc.get_mut("paths") {
        let mut models = 0;
        paths.retain(|key, _| {
            let model = key.as_str().is_some_and(|k| {
                !k.ends_with("/query") && !k.contains("/media/") && !k.contains("/queue/")
            });
            models += usize::from(model);
            !model || models <= 12
        });
    }
    serde_yaml::to_string(&doc).unwrap()
}

/// The specs mutated, read once for all cases.
fn sources() -> &'static [String] {
    static SOURCES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SOURCES.get_or_init(read_sources)
}

fn read_sources() -> Vec<String> {
    let mut out = vec![real_spec_sample()];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/specs");
    let mut fixtures: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    fixtures.sort();
    out.extend(
        fixtures
            .into_iter()
            .map(|p| std::fs::read_to_string(p).unwrap()),
    );
    out
}

// 256 cases by default; set PROPTEST_CASES for a longer search.
proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_specs_never_panic(
        source in 0usize..7,
        mutations in proptest::collection::vec((any::<u32>(), any::<u8>(), any::<u32>()), 1..4),
    ) {
        let sources = sources();
        let mut doc: Value = serde_yaml::from_str(&sources[source % sources.len()]).unwrap();
        for (pick, op, arg) in mutations {
            mutate(&mut doc, pick, op, arg);
        }
        let text = serde_yaml::to_string(&doc).unwrap();
        assert_no_panic("mutated.yaml", &text)?;
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        assert_no_panic("random.yaml", &text)?;
    }
}
