//! A spec in several files: a root listing every path, family files holding the items and
//! their request bodies. It generates exactly what the same spec in one file generates,
//! and every problem is reported at its own file and line.

use codegen::{Diagnostic, Error, SpecFiles};
use std::collections::BTreeMap;

const ROOT: &str = "spec/runninghub.yaml";
const FAMILY: &str = "spec/models/acme.yaml";

/// The root of a two-file spec; `paths` lists the family's one path.
const ROOT_TEXT: &str = r##"openapi: 3.0.3
info: {title: split, version: "1"}
tags:
  - name: acme
paths:
  /openapi/v2/acme/text-to-image:
    $ref: "models/acme.yaml#/paths/~1openapi~1v2~1acme~1text-to-image"
components:
  responses:
    TaskResponse:
      description: The task.
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Task"}
  schemas:
    WebhookUrl: {type: string, description: Where to call when the task ends.}
    Task:
      type: object
      required: [taskId, status]
      properties:
        taskId: {type: string}
        status: {type: string}
"##;

const FAMILY_TEXT: &str = r##"# The acme family.
paths:
  /openapi/v2/acme/text-to-image:
    post:
      operationId: acme_text_to_image
      tags: [acme]
      summary: Acme text-to-image
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/AcmeTextToImageRequest"
      responses:
        "200":
          $ref: "../runninghub.yaml#/components/responses/TaskResponse"
components:
  schemas:
    AcmeTextToImageRequest:
      type: object
      required: [prompt]
      properties:
        prompt: {type: string, minLength: 1, maxLength: 100}
        steps: {type: integer, minimum: 1, maximum: 50}
        webhookUrl:
          $ref: "../runninghub.yaml#/components/schemas/WebhookUrl"
"##;

fn files(pairs: &[(&str, &str)]) -> SpecFiles {
    SpecFiles {
        root: ROOT.to_owned(),
        files: pairs
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect::<BTreeMap<_, _>>(),
    }
}

/// The same spec written as one file, by hand.
fn single_file() -> String {
    let family_paths = FAMILY_TEXT
        .split("components:\n")
        .next()
        .unwrap()
        .trim_start_matches("# The acme family.\npaths:\n");
    let family_schemas = FAMILY_TEXT.split("  schemas:\n").nth(1).unwrap();
    ROOT_TEXT
        .replace(
            "  /openapi/v2/acme/text-to-image:\n    $ref: \"models/acme.yaml#/paths/~1openapi~1v2~1acme~1text-to-image\"\n",
            family_paths,
        )
        .replace("  schemas:\n", &format!("  schemas:\n{family_schemas}"))
        .replace("../runninghub.yaml#", "#")
}

fn body(code: &str) -> &str {
    // The header's hash differs (it covers every file); the code after it must not.
    code.split_once("\n\n").unwrap().1
}

fn diagnostics(spec: &SpecFiles) -> Vec<Diagnostic> {
    match codegen::generate_files(spec) {
        Err(Error::Invalid { diagnostics, .. }) => diagnostics,
        Err(other) => panic!("expected located problems, got {other}"),
        Ok(_) => panic!("the spec generated"),
    }
}

#[test]
fn a_spec_in_two_files_generates_what_the_same_spec_in_one_file_generates() {
    let split = codegen::generate_files(&files(&[(ROOT, ROOT_TEXT), (FAMILY, FAMILY_TEXT)]))
        .unwrap_or_else(|e| panic!("{e}"));
    let single = codegen::generate(ROOT, &single_file()).unwrap_or_else(|e| panic!("{e}"));
    assert!(split.code.contains("pub fn acme_text_to_image<'a>("));
    assert_eq!(body(&split.code), body(&single.code));
    assert_eq!(body(&split.runtime_code), body(&single.runtime_code));
    assert_eq!(split.features, single.features);
    // The bundled document is the single file's document.
    let bundled = codegen::bundle(&files(&[(ROOT, ROOT_TEXT), (FAMILY, FAMILY_TEXT)])).unwrap();
    let expected: serde_json::Value = serde_yaml::from_str(&single_file()).unwrap();
    assert_eq!(bundled["paths"], expected["paths"]);
    assert_eq!(bundled["components"], expected["components"]);
}

#[test]
fn a_problem_in_a_family_file_is_reported_at_that_file_and_line() {
    let inverted = FAMILY_TEXT.replace("minimum: 1, maximum: 50", "minimum: 50, maximum: 1");
    let found = diagnostics(&files(&[(ROOT, ROOT_TEXT), (FAMILY, &inverted)]));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].file.as_deref(), Some(FAMILY));
    let line = inverted
        .lines()
        .position(|l| l.contains("steps:"))
        .map(|i| i + 1);
    assert_eq!(found[0].line, line, "{}", found[0]);
    assert!(
        found[0]
            .to_string()
            .starts_with(&format!("{FAMILY}, line "))
    );
}

#[test]
fn a_path_the_root_does_not_list_is_refused() {
    let extra = FAMILY_TEXT.replace(
        "components:\n",
        "  /openapi/v2/acme/forgotten:\n    post:\n      operationId: acme_forgotten\n      responses:\n        \"200\":\n          $ref: \"../runninghub.yaml#/components/responses/TaskResponse\"\ncomponents:\n",
    );
    let found = diagnostics(&files(&[(ROOT, ROOT_TEXT), (FAMILY, &extra)]));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].file.as_deref(), Some(FAMILY));
    assert!(
        found[0]
            .message
            .contains("not listed in spec/runninghub.yaml")
    );
    assert!(
        found[0]
            .message
            .contains("models/acme.yaml#/paths/~1openapi~1v2~1acme~1forgotten")
    );
}

#[test]
fn a_file_nothing_refers_to_is_refused() {
    let found = diagnostics(&files(&[
        (ROOT, ROOT_TEXT),
        (FAMILY, FAMILY_TEXT),
        ("spec/models/orphan.yaml", "paths: {}\n"),
    ]));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].file.as_deref(), Some("spec/models/orphan.yaml"));
    assert!(
        found[0]
            .message
            .contains("no path of spec/runninghub.yaml refers to this file")
    );
}

#[test]
fn a_reference_to_a_missing_file_or_elsewhere_in_it_is_refused() {
    let found = diagnostics(&files(&[(ROOT, ROOT_TEXT)]));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].file, None);
    assert!(
        found[0]
            .message
            .contains("spec/models/acme.yaml does not exist")
    );
    assert_eq!(found[0].line, Some(6));

    let renamed = ROOT_TEXT.replace("~1text-to-image\"", "~1other\"");
    let found = diagnostics(&files(&[(ROOT, &renamed), (FAMILY, FAMILY_TEXT)]));
    assert!(
        found
            .iter()
            .any(|d| d.message.contains("must point at the same path")),
        "{found:#?}"
    );
}

#[test]
fn a_component_defined_twice_is_refused_where_the_second_one_is() {
    let twice = FAMILY_TEXT.replace(
        "    AcmeTextToImageRequest:",
        "    Task: {type: object}\n    AcmeTextToImageRequest:",
    );
    let found = diagnostics(&files(&[(ROOT, ROOT_TEXT), (FAMILY, &twice)]));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].file.as_deref(), Some(FAMILY));
    assert!(
        found[0]
            .message
            .contains("`Task` is also defined in spec/runninghub.yaml")
    );
}

#[test]
fn a_family_file_holds_only_paths_and_components() {
    let with_info = format!("info: {{title: x, version: \"1\"}}\n{FAMILY_TEXT}");
    let found = diagnostics(&files(&[(ROOT, ROOT_TEXT), (FAMILY, &with_info)]));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].file.as_deref(), Some(FAMILY));
    assert_eq!(found[0].line, Some(1));
    assert!(found[0].message.contains("not `info`"));
}

#[test]
fn bad_yaml_in_a_family_file_names_that_file() {
    let broken = FAMILY_TEXT.replace("tags: [acme]", "tags: [acme");
    match codegen::generate_files(&files(&[(ROOT, ROOT_TEXT), (FAMILY, &broken)])) {
        Err(Error::Yaml { spec, line, .. }) => {
            assert_eq!(spec, FAMILY);
            assert!(line.is_some());
        }
        other => panic!("expected a YAML error, got {other:?}"),
    }
}
