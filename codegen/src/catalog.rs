//! The human-readable endpoint catalog (`docs/endpoints.md`), generated from the same spec
//! as the client: per endpoint its path, method name, family, and fields with types,
//! defaults and bounds.

use crate::model::{Operation, Role};
use crate::preflight::{resolve_schema, unbox};
use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Renders the catalog. `bodies` maps operation ids to their Rust request type names.
pub(crate) fn render(
    spec: &OpenAPI,
    operations: &[Operation],
    bodies: &BTreeMap<String, String>,
    header: &str,
) -> String {
    let tasks: Vec<&Operation> = operations
        .iter()
        .filter(|op| op.role == Role::Task && !op.handwritten)
        .collect();
    // Families in the order the spec declares its tags, then any undeclared ones.
    let mut families: Vec<String> = spec.tags.iter().map(|t| t.name.clone()).collect();
    for op in &tasks {
        let family = family_of(op);
        if !families.contains(&family) {
            families.push(family);
        }
    }
    let by_family = |f: &str| -> Vec<&Operation> {
        tasks
            .iter()
            .copied()
            .filter(|op| family_of(op) == f)
            .collect()
    };

    let mut out = String::new();
    for line in header.lines() {
        let _ = writeln!(out, "<!-- {} -->", line.trim_start_matches("// "));
    }
    let _ = writeln!(out, "\n# RunningHub endpoints\n");
    let _ = writeln!(
        out,
        "{} model endpoint{}. Each is a method of `runninghub::Client` named after its operation id, \
         taking its request type from `runninghub::types`; every bound below is checked before a \
         request is sent. In the `required` column, `yes` is a field every request must give; \
         `filled` is a required field with a documented default, which the request must still \
         carry: the `runninghub` command line fills it with that default when it is left out \
         (and says so), the library does not. An optional field left out takes RunningHub's \
         default.\n",
        tasks.len(),
        if tasks.len() == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        out,
        "Each family is a cargo feature of the crate, all enabled by default; with \
         `default-features = false`, enable only the families you call.\n"
    );
    let _ = writeln!(out, "| family | cargo feature | endpoints |\n|---|---|---|");
    for f in &families {
        let n = by_family(f).len();
        if n > 0 {
            let _ = writeln!(
                out,
                "| [{f}](#{}) | `{}` | {n} |",
                anchor(f),
                crate::features::feature_name(f)
            );
        }
    }
    for f in &families {
        if by_family(f).is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n## {f}");
        if let Some(desc) = spec
            .tags
            .iter()
            .find(|t| &t.name == f)
            .and_then(|t| t.description.as_deref())
        {
            let _ = writeln!(out, "\n{}", desc.trim());
        }
        for op in by_family(f) {
            let title = op.summary.clone().unwrap_or_else(|| op.id.clone());
            let _ = writeln!(out, "\n### {title}\n");
            let body = bodies.get(&op.id).map_or("…", String::as_str);
            let output = op
                .output
                .as_deref()
                .map(|kind| format!(" · produces {kind}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "`{} {}` · `client.{}(&types::{body})`{output}\n",
                op.method, op.path, op.id
            );
            if let Some(desc) = &op.description {
                let first = crate::model::first_paragraph(desc);
                if !first.is_empty() {
                    let _ = writeln!(out, "{first}\n");
                }
            }
            if let Some(schema) = op.body.as_ref().and_then(|s| resolve_schema(spec, s)) {
                fields_table(spec, schema, &mut out);
            }
        }
    }
    runs(spec, operations, bodies, &mut out);
    platform_calls(spec, operations, bodies, &mut out);
    handwritten_calls(operations, &mut out);
    not_covered(spec, &mut out);
    out
}

/// The runs of AI apps and workflows (`x-runninghub-role: run`): tasks like model
/// endpoints, addressed by an id in the path.
fn runs(
    spec: &OpenAPI,
    operations: &[Operation],
    bodies: &BTreeMap<String, String>,
    out: &mut String,
) {
    let runs: Vec<&Operation> = operations
        .iter()
        .filter(|op| op.role == Role::Run && !op.handwritten)
        .collect();
    if runs.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## AI apps and workflows\n");
    let _ = writeln!(
        out,
        "Runs create tasks like model endpoints (waited on, downloaded, batched the same way); \
         the app's or workflow's id is part of the endpoint, as in \
         `client.submit_json(\"run/ai-app/2016740236478386178\", body)`."
    );
    for op in runs {
        let title = op.summary.clone().unwrap_or_else(|| op.id.clone());
        let body = bodies.get(&op.id).map_or("…", String::as_str);
        let endpoint = op.path.trim_start_matches("/openapi/v2/");
        let _ = writeln!(out, "\n### {title}\n");
        let _ = writeln!(
            out,
            "`{} {}` · endpoint `{endpoint}` · body `types::{body}`\n",
            op.method, op.path
        );
        if let Some(desc) = &op.description {
            let first = crate::model::first_paragraph(desc);
            if !first.is_empty() {
                let _ = writeln!(out, "{first}\n");
            }
        }
        if let Some(schema) = op.body.as_ref().and_then(|s| resolve_schema(spec, s)) {
            fields_table(spec, schema, out);
        }
    }
}

/// The platform calls (`x-runninghub-role: envelope`): what each returns, and where the
/// client puts the key.
fn platform_calls(
    spec: &OpenAPI,
    operations: &[Operation],
    bodies: &BTreeMap<String, String>,
    out: &mut String,
) {
    let calls: Vec<&Operation> = operations
        .iter()
        .filter(|op| op.role == Role::Envelope && !op.handwritten)
        .collect();
    if calls.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## Platform calls\n");
    let _ = writeln!(
        out,
        "Calls beside the model endpoints, answered with RunningHub's `{{code, msg, data}}` \
         envelope: each is a method of `runninghub::Client` returning the `data` type, and a \
         non-zero `code` is `Error::Api`. The client puts the API key where each call expects it. \
         Each is also reachable by name: `client.call_json(\"<name>\", body)` in the library, \
         `runninghub call <name> --field ...` on the command line (`runninghub call` lists them). \
         A call that creates a task is a submit: the client never sends it twice on its own, and \
         the task it names is followed with `client.wait` (`runninghub wait <id>`)."
    );
    for op in calls {
        let title = op.summary.clone().unwrap_or_else(|| op.id.clone());
        // A `GET` call's query parameters make its body type.
        let query_body = op.query_body.as_deref().map(crate::options::pascal);
        let body = query_body
            .as_deref()
            .or_else(|| bodies.get(&op.id).map(String::as_str))
            .unwrap_or("…");
        let data = match &op.envelope_data {
            Some(d) if d.nullable => {
                format!("Option<types::{}>", crate::options::pascal(&d.schema))
            }
            Some(d) => format!("types::{}", crate::options::pascal(&d.schema)),
            None => "()".to_owned(),
        };
        let key = match (&op.credential, op.credential_in_query) {
            (Some(k), false) => format!(" · key in the body as `{k}`"),
            (Some(k), true) => format!(" · key in the query as `{k}`"),
            (None, _) => String::new(),
        };
        let paid = if op.creates_task {
            " · creates a task"
        } else {
            ""
        };
        let _ = writeln!(out, "\n### {title}\n");
        let _ = writeln!(
            out,
            "`{} {}` · `client.{}(&types::{body})` → `{data}`{key}{paid} · CLI `runninghub call {}`\n",
            op.method, op.path, op.id, op.id
        );
        if let Some(desc) = &op.description {
            let first = crate::model::first_paragraph(desc);
            if !first.is_empty() {
                let _ = writeln!(out, "{first}\n");
            }
        }
        match op.body.as_ref().and_then(|s| resolve_schema(spec, s)) {
            Some(schema) if has_properties(schema) => fields_table(spec, schema, out),
            _ => {
                let _ = writeln!(out, "No fields besides the key.");
            }
        }
    }
}

/// The operations the hand-written layer implements (`x-runninghub-handwritten`): where each
/// is, and (in its description) why and through which method.
fn handwritten_calls(operations: &[Operation], out: &mut String) {
    let calls: Vec<&Operation> = operations.iter().filter(|op| op.handwritten).collect();
    if calls.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## Hand-written calls\n");
    let _ = writeln!(
        out,
        "Operations in the spec that the generator cannot express (a multipart body, a path \
         that holds `/`, a lenient reading): the hand-written layer of `runninghub::Client` \
         implements each, as its description says."
    );
    for op in calls {
        let title = op.summary.clone().unwrap_or_else(|| op.id.clone());
        let _ = writeln!(out, "\n### {title}\n");
        let _ = writeln!(out, "`{} {}` · `{}`\n", op.method, op.path, op.id);
        if let Some(desc) = &op.description {
            let first = crate::model::first_paragraph(desc);
            if !first.is_empty() {
                let _ = writeln!(out, "{first}");
            }
        }
    }
}

fn has_properties(schema: &Schema) -> bool {
    matches!(&schema.schema_kind, SchemaKind::Type(Type::Object(o)) if !o.properties.is_empty())
}

/// Extension of the root document listing catalog models the spec leaves out on purpose,
/// each with `endpoint` and `reason`.
pub const NOT_COVERED_EXTENSION: &str = "x-runninghub-not-covered";

/// The models of RunningHub's catalogs the spec leaves out, with the reasons.
fn not_covered(spec: &OpenAPI, out: &mut String) {
    let Some(serde_json::Value::Array(entries)) = spec.extensions.get(NOT_COVERED_EXTENSION) else {
        return;
    };
    let _ = writeln!(
        out,
        "\n## Not covered\n\nModels of RunningHub's catalogs that this client leaves out, and why; \
         nothing in the crate or the command line sends requests to them.\n\n\
         | endpoint | reason |\n|---|---|"
    );
    for entry in entries {
        let text = |key: &str| {
            entry
                .get(key)
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .replace('|', "\\|")
        };
        let _ = writeln!(out, "| `{}` | {} |", text("endpoint"), text("reason"));
    }
}

fn family_of(op: &Operation) -> String {
    op.tags
        .first()
        .cloned()
        .unwrap_or_else(|| "other".to_owned())
}

fn anchor(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '_' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            ' ' => Some('-'),
            _ => None,
        })
        .collect()
}

fn fields_table(spec: &OpenAPI, schema: &Schema, out: &mut String) {
    let SchemaKind::Type(Type::Object(obj)) = &schema.schema_kind else {
        return;
    };
    let _ = writeln!(
        out,
        "| field | type | required | default | allowed |\n|---|---|---|---|---|"
    );
    // Required fields first, each group in spec order.
    let mut props: Vec<_> = obj.properties.iter().collect();
    props.sort_by_key(|(name, _)| !obj.required.contains(name));
    for (name, prop) in props {
        let prop = unbox(prop);
        let resolved = resolve_schema(spec, &prop);
        let ty = match (&prop, resolved) {
            (ReferenceOr::Reference { reference }, Some(s)) if !is_scalar(s) => {
                reference.rsplit('/').next().unwrap_or("object").to_owned()
            }
            (_, Some(s)) => type_name(spec, s),
            (_, None) => "?".to_owned(),
        };
        let default = resolved.and_then(|s| s.schema_data.default.as_ref());
        let required = match (obj.required.contains(name), default) {
            (true, Some(_)) => "filled",
            (true, None) => "yes",
            (false, _) => "",
        };
        let default = default.map(|d| format!("`{d}`")).unwrap_or_default();
        let allowed = resolved.map(|s| bounds(spec, s)).unwrap_or_default();
        let _ = writeln!(
            out,
            "| `{name}` | {ty} | {required} | {default} | {allowed} |"
        );
    }
}

fn is_scalar(s: &Schema) -> bool {
    matches!(
        s.schema_kind,
        SchemaKind::Type(Type::String(_) | Type::Integer(_) | Type::Number(_) | Type::Boolean(_))
    )
}

fn type_name(spec: &OpenAPI, s: &Schema) -> String {
    match &s.schema_kind {
        SchemaKind::Type(Type::String(_)) => "string".into(),
        SchemaKind::Type(Type::Integer(_)) => "integer".into(),
        SchemaKind::Type(Type::Number(_)) => "number".into(),
        SchemaKind::Type(Type::Boolean(_)) => "boolean".into(),
        SchemaKind::Type(Type::Object(_)) => "object".into(),
        SchemaKind::Type(Type::Array(a)) => {
            let item = a.items.as_ref().map(unbox);
            let inner = match &item {
                Some(ReferenceOr::Reference { reference }) => {
                    reference.rsplit('/').next().unwrap_or("?").to_owned()
                }
                Some(i) => resolve_schema(spec, i).map_or("?".into(), |s| type_name(spec, s)),
                None => "any".into(),
            };
            format!("list of {inner}")
        }
        _ => "any".into(),
    }
}

fn bounds(spec: &OpenAPI, s: &Schema) -> String {
    // `unit` is plural; a bound of exactly 1 takes it singular ("at least 1 character").
    let range = |min: Option<String>, max: Option<String>, unit: &str| {
        let unit_for = |n: &str| {
            if n == "1" {
                unit.strip_suffix('s').unwrap_or(unit)
            } else {
                unit
            }
        };
        match (min, max) {
            (Some(a), Some(b)) if a == b => format!("exactly {a}{}", unit_for(&a)),
            (Some(a), Some(b)) => format!("{a} to {b}{unit}"),
            (Some(a), None) => format!("at least {a}{}", unit_for(&a)),
            (None, Some(b)) => format!("at most {b}{}", unit_for(&b)),
            (None, None) => String::new(),
        }
    };
    match &s.schema_kind {
        SchemaKind::Type(Type::String(t)) if !t.enumeration.is_empty() => t
            .enumeration
            .iter()
            .flatten()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", "),
        SchemaKind::Type(Type::String(t)) => range(
            t.min_length.map(|v| v.to_string()),
            t.max_length.map(|v| v.to_string()),
            " characters",
        ),
        SchemaKind::Type(Type::Integer(t)) => range(
            t.minimum.map(|v| v.to_string()),
            t.maximum.map(|v| v.to_string()),
            "",
        ),
        SchemaKind::Type(Type::Number(t)) => range(
            t.minimum.map(|v| v.to_string()),
            t.maximum.map(|v| v.to_string()),
            "",
        ),
        SchemaKind::Type(Type::Array(a)) => {
            let items = range(
                a.min_items.map(|v| v.to_string()),
                a.max_items.map(|v| v.to_string()),
                " items",
            );
            let inner = a
                .items
                .as_ref()
                .map(unbox)
                .and_then(|i| resolve_schema(spec, &i).map(|s| bounds(spec, s)))
                .filter(|b| !b.is_empty());
            match inner {
                Some(inner) if items.is_empty() => format!("each: {inner}"),
                Some(inner) => format!("{items}; each: {inner}"),
                None => items,
            }
        }
        _ => String::new(),
    }
}
