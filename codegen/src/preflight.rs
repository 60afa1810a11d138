//! Pre-flight checks: everything progenitor would reject, panic on, or silently get wrong,
//! found up front and reported with its location, all at once.
//!
//! The rules come from progenitor 0.15's own `validate_openapi`, the panics listed in the
//! project notes (several success or error shapes, `default` beside a typed success,
//! several media types, `encoding`, optional path parameters), and this project's own
//! needs: JSON request bodies for generated operations, constraints the validator can
//! enforce, and `$ref`s that resolve.

use crate::error::Diagnostic;
use crate::load::{Source, escape};
use crate::model::{Operation, Role};
use openapiv3::{
    OpenAPI, Parameter, ParameterSchemaOrContent, QueryStyle, ReferenceOr, RequestBody, Response,
    Schema, SchemaKind, StatusCode, Type,
};
use std::collections::{BTreeMap, BTreeSet};

/// Extension naming an operation's role for the hand-written layer: `task` (a model
/// endpoint that creates a task; the default when the response is the `Task` schema),
/// `query` (the task lookup) or `other`.
pub const ROLE_EXTENSION: &str = "x-runninghub-role";
/// Extension marking an operation as implemented by the hand-written layer (for shapes
/// progenitor cannot express, such as multipart uploads). It stays in the spec, is checked
/// for well-formedness, and is left out of the generated code.
pub const HANDWRITTEN_EXTENSION: &str = "x-runninghub-handwritten";

/// What a model endpoint's task produces: `video`, `image`, `audio`, `text` or `3d` (the
/// command line's `--mock` answers with an output of that kind).
pub const OUTPUT_EXTENSION: &str = "x-runninghub-output";

/// The values [`OUTPUT_EXTENSION`] takes.
pub const OUTPUT_KINDS: [&str; 5] = ["video", "image", "audio", "text", "3d"];
/// The component schema every task operation answers with.
pub const TASK_SCHEMA_REF: &str = "#/components/schemas/Task";

/// Runs every check and returns the operations, or every problem found.
pub(crate) fn check(spec: &OpenAPI, src: &Source<'_>) -> Result<Vec<Operation>, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    check_refs(spec, src, &mut diags);

    let mut operations = Vec::new();
    let mut constraint_diags = Vec::new();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for (path, item) in &spec.paths.paths {
        let item_ptr = format!("#/paths/{}", escape(path));
        let item = match item {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { .. } => {
                diags.push(src.diagnostic(
                    item_ptr,
                    None,
                    "path items given as `$ref` are not supported by progenitor; write the operations inline",
                ));
                continue;
            }
        };
        for (method, op) in item.iter() {
            let ptr = format!("{item_ptr}/{method}");
            let label = op
                .operation_id
                .clone()
                .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
            let mut report = |ptr: String, msg: String| {
                diags.push(src.diagnostic(ptr, Some(&label), msg));
            };

            // operationId: present, unique, snake_case (it names the Rust method).
            let id = match &op.operation_id {
                None => {
                    report(
                        ptr.clone(),
                        "no `operationId`; every operation needs a unique snake_case one (it names the Rust method)"
                            .into(),
                    );
                    String::new()
                }
                Some(id) => {
                    if !is_snake_case(id) {
                        report(
                            format!("{ptr}/operationId"),
                            format!(
                                "`operationId` `{id}` is not snake_case (lower-case letters, digits and `_`, starting with a letter)"
                            ),
                        );
                    } else if let Some(method) = progenitor_renames(id) {
                        report(
                            format!("{ptr}/operationId"),
                            format!(
                                "progenitor names the method of `operationId` `{id}` `{method}`, so nothing could find it; \
                                 write the operationId as `{method}`"
                            ),
                        );
                    }
                    if let Some(first) = ids.insert(id.clone(), ptr.clone()) {
                        report(
                            format!("{ptr}/operationId"),
                            format!("`operationId` `{id}` is also used by {first}"),
                        );
                    }
                    id.clone()
                }
            };

            let handwritten = match op.extensions.get(HANDWRITTEN_EXTENSION) {
                None | Some(serde_json::Value::Bool(false)) => false,
                Some(serde_json::Value::Bool(true)) => true,
                Some(other) => {
                    report(
                        format!("{ptr}/{HANDWRITTEN_EXTENSION}"),
                        format!("`{HANDWRITTEN_EXTENSION}` must be true or false, found {other}"),
                    );
                    false
                }
            };

            // Parameters: the path item's (shared by its operations, reported where they are
            // written) and the operation's own.
            let located = item
                .parameters
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("{item_ptr}/parameters/{i}"), p))
                .chain(
                    op.parameters
                        .iter()
                        .enumerate()
                        .map(|(i, p)| (format!("{ptr}/parameters/{i}"), p)),
                );
            for (pptr, p) in located {
                let Some(p) = resolve_parameter(spec, p) else {
                    report(
                        pptr.clone(),
                        "parameter `$ref` does not resolve to #/components/parameters".into(),
                    );
                    continue;
                };
                match p {
                    Parameter::Cookie { parameter_data, .. } => report(
                        pptr.clone(),
                        format!(
                            "cookie parameter `{}` is not supported by progenitor",
                            parameter_data.name
                        ),
                    ),
                    Parameter::Path { parameter_data, .. } if !parameter_data.required => report(
                        pptr.clone(),
                        format!(
                            "path parameter `{}` must be `required: true` (progenitor panics otherwise)",
                            parameter_data.name
                        ),
                    ),
                    Parameter::Query {
                        parameter_data,
                        style,
                        ..
                    } if !matches!(style, QueryStyle::Form) => report(
                        pptr.clone(),
                        format!(
                            "query parameter `{}` uses a style other than `form`, which progenitor does not support",
                            parameter_data.name
                        ),
                    ),
                    _ => {}
                }
                if let ParameterSchemaOrContent::Content(_) = &p.parameter_data_ref().format {
                    report(
                        pptr,
                        format!(
                            "parameter `{}` uses `content` instead of `schema`, which progenitor does not support",
                            p.parameter_data_ref().name
                        ),
                    );
                }
            }

            // Path template and path parameters must match one to one (progenitor panics on
            // a parameter missing from the template).
            let template: BTreeSet<String> = path
                .split('{')
                .skip(1)
                .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_owned()))
                .collect();
            let declared: BTreeSet<String> = item
                .parameters
                .iter()
                .chain(op.parameters.iter())
                .filter_map(|p| resolve_parameter(spec, p))
                .filter_map(|p| match p {
                    Parameter::Path { parameter_data, .. } => Some(parameter_data.name.clone()),
                    _ => None,
                })
                .collect();
            for missing in template.difference(&declared) {
                report(
                    ptr.clone(),
                    format!(
                        "path template names `{{{missing}}}` but no path parameter `{missing}` is declared"
                    ),
                );
            }
            for extra in declared.difference(&template) {
                report(
                    ptr.clone(),
                    format!("path parameter `{extra}` does not appear in the path template"),
                );
            }

            // Request body.
            let mut body_schema = None;
            let mut example = None;
            if let Some(rb) = &op.request_body {
                let bptr = format!("{ptr}/requestBody");
                match resolve_request_body(spec, rb) {
                    None => report(
                        bptr,
                        "request body `$ref` does not resolve to #/components/requestBodies".into(),
                    ),
                    Some(rb) => {
                        if rb.content.len() != 1 {
                            report(
                                format!("{bptr}/content"),
                                format!(
                                    "{} media types given; exactly one is supported (progenitor panics on several)",
                                    rb.content.len()
                                ),
                            );
                        }
                        for (media, mt) in &rb.content {
                            let mptr = format!("{bptr}/content/{}", escape(media));
                            if !mt.encoding.is_empty() {
                                report(
                                    format!("{mptr}/encoding"),
                                    "`encoding` is not supported by progenitor (it panics)".into(),
                                );
                            }
                            if media != "application/json" && !handwritten {
                                report(
                                    mptr.clone(),
                                    format!(
                                        "request media type `{media}` cannot be generated (only application/json is); \
                                         mark the operation `{HANDWRITTEN_EXTENSION}: true` and implement it in the hand-written layer"
                                    ),
                                );
                            }
                            match &mt.schema {
                                None => report(mptr, "the request body has no schema".into()),
                                Some(s) if media == "application/json" => {
                                    if let Err(msg) = body_is_object(spec, s) {
                                        report(format!("{mptr}/schema"), msg);
                                    }
                                    check_constraints(
                                        spec,
                                        s,
                                        &format!("{mptr}/schema"),
                                        src,
                                        &label,
                                        &mut constraint_diags,
                                    );
                                    body_schema = Some(s.clone());
                                    example.clone_from(&mt.example);
                                }
                                Some(_) => {}
                            }
                        }
                    }
                }
            }

            // Responses: one success shape, one error shape, no `default` beside them.
            let mut success: BTreeSet<String> = BTreeSet::new();
            let mut error: BTreeSet<String> = BTreeSet::new();
            let mut success_ref: Option<String> = None;
            let mut codes = Vec::new();
            if let Some(def) = &op.responses.default {
                codes.push(("default".to_owned(), true, true, def));
            }
            for (code, r) in &op.responses.responses {
                let valid = match code {
                    StatusCode::Code(c) => (200..600).contains(c),
                    StatusCode::Range(r) => (2..=5).contains(r),
                };
                if !valid {
                    report(
                        format!("{ptr}/responses/{}", escape(&code.to_string())),
                        format!(
                            "response status `{code}` is not supported (use 200–599 or 2XX–5XX)"
                        ),
                    );
                    continue;
                }
                let (s, e) = match code {
                    StatusCode::Code(c) => ((200..300).contains(c), (400..600).contains(c)),
                    StatusCode::Range(r) => (*r == 2, *r == 4 || *r == 5),
                };
                codes.push((code.to_string(), s, e, r));
            }
            for (code, is_success, is_error, r) in codes {
                let rptr = format!("{ptr}/responses/{}", escape(&code));
                let Some(r) = resolve_response(spec, r) else {
                    report(
                        rptr,
                        "response `$ref` does not resolve to #/components/responses".into(),
                    );
                    continue;
                };
                if r.content.len() > 1 {
                    report(
                        format!("{rptr}/content"),
                        format!(
                            "{} media types given; at most one is supported",
                            r.content.len()
                        ),
                    );
                }
                for (media, mt) in &r.content {
                    let json =
                        media == "application/json" || media.starts_with("application/json;");
                    if json && mt.schema.is_none() {
                        report(
                            format!("{rptr}/content/{}", escape(media)),
                            "a JSON response needs a schema (progenitor panics without one)".into(),
                        );
                    }
                    if !mt.encoding.is_empty() {
                        report(
                            format!("{rptr}/content/{}/encoding", escape(media)),
                            "`encoding` is not supported by progenitor (it panics)".into(),
                        );
                    }
                }
                let shape = match r.content.iter().next() {
                    None => "no body".to_owned(),
                    Some((media, mt)) => match &mt.schema {
                        Some(ReferenceOr::Reference { reference }) => {
                            if is_success {
                                success_ref = Some(reference.clone());
                            }
                            format!("{media} {reference}")
                        }
                        Some(ReferenceOr::Item(s)) => {
                            format!("{media} {}", serde_json::to_string(s).unwrap_or_default())
                        }
                        None => format!("{media} (no schema)"),
                    },
                };
                if is_success {
                    success.insert(shape.clone());
                }
                if is_error {
                    error.insert(shape);
                }
            }
            if success.len() > 1 {
                report(
                    format!("{ptr}/responses"),
                    format!(
                        "{} different success response shapes ({}); progenitor supports one (it panics otherwise){}",
                        success.len(),
                        success.into_iter().collect::<Vec<_>>().join(" | "),
                        if op.responses.default.is_some() {
                            "; a `default` response counts as both success and error"
                        } else {
                            ""
                        }
                    ),
                );
            }
            if error.len() > 1 {
                report(
                    format!("{ptr}/responses"),
                    format!(
                        "{} different error response shapes ({}); progenitor supports one (it panics otherwise)",
                        error.len(),
                        error.iter().cloned().collect::<Vec<_>>().join(" | ")
                    ),
                );
            }

            // Role.
            let returns_task = success_ref.as_deref() == Some(TASK_SCHEMA_REF);
            let role = match op.extensions.get(ROLE_EXTENSION) {
                None => {
                    if returns_task {
                        Role::Task
                    } else {
                        Role::Other
                    }
                }
                Some(serde_json::Value::String(r)) => match r.as_str() {
                    "task" => Role::Task,
                    "query" => Role::Query,
                    "other" => Role::Other,
                    _ => {
                        report(
                            format!("{ptr}/{ROLE_EXTENSION}"),
                            format!("unknown role `{r}`; expected `task`, `query` or `other`"),
                        );
                        Role::Other
                    }
                },
                Some(other) => {
                    report(
                        format!("{ptr}/{ROLE_EXTENSION}"),
                        format!("`{ROLE_EXTENSION}` must be a string, found {other}"),
                    );
                    Role::Other
                }
            };
            if matches!(role, Role::Task | Role::Query) && !handwritten {
                if !returns_task {
                    report(
                        format!("{ptr}/responses"),
                        format!(
                            "a {} operation must answer 200 with `$ref: '{TASK_SCHEMA_REF}'`",
                            role.name()
                        ),
                    );
                }
                if error.iter().any(|shape| shape != "no body") {
                    report(
                        format!("{ptr}/responses"),
                        format!(
                            "a {} operation must not declare typed error responses: RunningHub reports errors in the task object",
                            role.name()
                        ),
                    );
                }
                if body_schema.is_none() {
                    report(
                        ptr.clone(),
                        format!(
                            "a {} operation needs an application/json request body",
                            role.name()
                        ),
                    );
                }
            }

            let output = match op.extensions.get(OUTPUT_EXTENSION) {
                None => None,
                Some(serde_json::Value::String(k)) if OUTPUT_KINDS.contains(&k.as_str()) => {
                    if role != Role::Task {
                        report(
                            format!("{ptr}/{OUTPUT_EXTENSION}"),
                            format!(
                                "`{OUTPUT_EXTENSION}` belongs on model endpoints (role `task`)"
                            ),
                        );
                    }
                    Some(k.clone())
                }
                Some(other) => {
                    report(
                        format!("{ptr}/{OUTPUT_EXTENSION}"),
                        format!(
                            "`{OUTPUT_EXTENSION}` must be one of {}, found {other}",
                            OUTPUT_KINDS.join(", ")
                        ),
                    );
                    None
                }
            };

            operations.push(Operation {
                id,
                method: method.to_uppercase(),
                path: path.clone(),
                role,
                handwritten,
                tags: op.tags.clone(),
                summary: op.summary.clone(),
                description: op.description.clone(),
                body: body_schema,
                example,
                output,
            });
        }
    }
    diags.append(&mut constraint_diags);
    if diags.is_empty() {
        Ok(operations)
    } else {
        Err(diags)
    }
}

/// The method name progenitor gives an operation whose id is `id`, when it is not `id`
/// itself: progenitor snake-cases ids (`a__b` and `a_` become `a_b` and `a`) and appends `_`
/// to a keyword.
fn progenitor_renames(id: &str) -> Option<String> {
    use heck::ToSnakeCase;
    let mut method = id.to_snake_case();
    if syn::parse_str::<syn::Ident>(&method).is_err() {
        method.push('_');
    }
    (method != id).then_some(method)
}

fn is_snake_case(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Every `$ref` must be local and lead somewhere, and every schema `type` must be one
/// OpenAPI 3.0 knows.
fn check_refs(spec: &OpenAPI, src: &Source<'_>, diags: &mut Vec<Diagnostic>) {
    let Ok(doc) = serde_json::to_value(spec) else {
        return;
    };
    /// `names`: the keys of this map are property names, not keywords.
    fn walk(
        v: &serde_json::Value,
        ptr: &str,
        names: bool,
        doc: &serde_json::Value,
        src: &Source<'_>,
        diags: &mut Vec<Diagnostic>,
    ) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, child) in map {
                    let cptr = format!("{ptr}/{}", escape(k));
                    if names {
                        walk(child, &cptr, false, doc, src, diags);
                    } else if k == "$ref" {
                        if let serde_json::Value::String(r) = child {
                            let ok = r
                                .strip_prefix('#')
                                .is_some_and(|p| doc.pointer(p).is_some());
                            if !ok {
                                diags.push(src.diagnostic(
                                    ptr.to_owned(),
                                    None,
                                    format!("`$ref: {r}` does not resolve (only references inside this document are supported)"),
                                ));
                            }
                        }
                    } else if k == "example"
                        || k == "examples"
                        || k.starts_with("x-")
                        || cptr == "#/components/securitySchemes"
                    {
                        // Examples and extensions are data: their keys mean nothing here.
                    } else if k == "type"
                        && let serde_json::Value::String(t) = child
                    {
                        const TYPES: [&str; 6] =
                            ["boolean", "object", "array", "number", "string", "integer"];
                        if !TYPES.contains(&t.as_str()) {
                            diags.push(src.diagnostic(
                                cptr,
                                None,
                                format!(
                                    "unknown schema type `{t}` (expected one of {})",
                                    TYPES.join(", ")
                                ),
                            ));
                        }
                    } else {
                        let child_names = matches!(
                            k.as_str(),
                            "properties"
                                | "schemas"
                                | "responses"
                                | "parameters"
                                | "requestBodies"
                                | "paths"
                                | "content"
                                | "headers"
                                | "encoding"
                                | "callbacks"
                                | "links"
                        );
                        walk(child, &cptr, child_names, doc, src, diags);
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, &format!("{ptr}/{i}"), false, doc, src, diags);
                }
            }
            _ => {}
        }
    }
    walk(&doc, "#", false, &doc, src, diags);
}

pub(crate) fn resolve_schema<'a>(
    spec: &'a OpenAPI,
    s: &'a ReferenceOr<Schema>,
) -> Option<&'a Schema> {
    match s {
        ReferenceOr::Item(s) => Some(s),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            let next = spec.components.as_ref()?.schemas.get(name)?;
            // A chain of references is followed, but not forever.
            match next {
                ReferenceOr::Item(s) => Some(s),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

pub(crate) fn resolve_boxed<'a>(
    spec: &'a OpenAPI,
    s: &'a ReferenceOr<Box<Schema>>,
) -> Option<&'a Schema> {
    match s {
        ReferenceOr::Item(s) => Some(s),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            match spec.components.as_ref()?.schemas.get(name)? {
                ReferenceOr::Item(s) => Some(s),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

fn resolve_parameter<'a>(
    spec: &'a OpenAPI,
    p: &'a ReferenceOr<Parameter>,
) -> Option<&'a Parameter> {
    match p {
        ReferenceOr::Item(p) => Some(p),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/parameters/")?;
            spec.components.as_ref()?.parameters.get(name)?.as_item()
        }
    }
}

fn resolve_request_body<'a>(
    spec: &'a OpenAPI,
    r: &'a ReferenceOr<RequestBody>,
) -> Option<&'a RequestBody> {
    match r {
        ReferenceOr::Item(r) => Some(r),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/requestBodies/")?;
            spec.components
                .as_ref()?
                .request_bodies
                .get(name)?
                .as_item()
        }
    }
}

fn resolve_response<'a>(spec: &'a OpenAPI, r: &'a ReferenceOr<Response>) -> Option<&'a Response> {
    match r {
        ReferenceOr::Item(r) => Some(r),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/responses/")?;
            spec.components.as_ref()?.responses.get(name)?.as_item()
        }
    }
}

fn body_is_object(spec: &OpenAPI, s: &ReferenceOr<Schema>) -> Result<(), String> {
    match resolve_schema(spec, s).map(|s| &s.schema_kind) {
        Some(SchemaKind::Type(Type::Object(_))) => Ok(()),
        Some(_) => Err("a JSON request body must be an object schema (`type: object`)".into()),
        None => Err("the request body schema does not resolve".into()),
    }
}

/// Checks that the constraints of a request body are consistent and enforceable: bounds in
/// order, documented defaults that satisfy them, and no constraints hidden where the
/// validator cannot reach (inside `oneOf`/`anyOf`/`allOf`/`not`, or on untyped schemas).
fn check_constraints(
    spec: &OpenAPI,
    s: &ReferenceOr<Schema>,
    ptr: &str,
    src: &Source<'_>,
    label: &str,
    sink: &mut Vec<Diagnostic>,
) {
    let mut seen = BTreeSet::new();
    walk_constraints(spec, s, ptr, src, label, sink, false, &mut seen);
}

#[allow(clippy::too_many_arguments)]
fn walk_constraints(
    spec: &OpenAPI,
    s: &ReferenceOr<Schema>,
    ptr: &str,
    src: &Source<'_>,
    label: &str,
    sink: &mut Vec<Diagnostic>,
    in_composition: bool,
    seen: &mut BTreeSet<String>,
) {
    let (schema, ptr) = match s {
        ReferenceOr::Reference { reference } => {
            if !seen.insert(reference.clone()) {
                return;
            }
            let Some(schema) = resolve_schema(spec, s) else {
                return; // Reported by check_refs.
            };
            (schema, reference.clone())
        }
        ReferenceOr::Item(schema) => (schema, ptr.to_owned()),
    };
    let mut err = |msg: String| sink.push(src.diagnostic(ptr.clone(), Some(label), msg));
    let constrained = has_constraints(schema);
    if in_composition && constrained {
        err("constraints inside `oneOf`/`anyOf`/`allOf`/`not` cannot be enforced by the generated validator; \
             move them to a plain typed schema"
            .into());
    }
    // A default of another JSON type than its schema's: the generated constructors and the
    // command line fill required fields with their defaults, so it must decode.
    if let Some(d) = &schema.schema_data.default {
        use serde_json::Value as J;
        let fits = match &schema.schema_kind {
            SchemaKind::Type(Type::String(_)) => d.is_string(),
            SchemaKind::Type(Type::Integer(_)) => d.is_i64() || d.is_u64(),
            SchemaKind::Type(Type::Number(_)) => d.is_number(),
            SchemaKind::Type(Type::Boolean(_)) => d.is_boolean(),
            SchemaKind::Type(Type::Array(_)) => d.is_array(),
            SchemaKind::Type(Type::Object(_)) => d.is_object(),
            _ => true,
        };
        let null_allowed = d == &J::Null && schema.schema_data.nullable;
        if !(fits || null_allowed) {
            err(format!("default {d} is not of the schema's type"));
        }
    }
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(t)) => {
            if let (Some(a), Some(b)) = (t.min_length, t.max_length)
                && a > b
            {
                err(format!("minLength {a} is greater than maxLength {b}"));
            }
            if let Some(serde_json::Value::String(d)) = &schema.schema_data.default {
                let n = d.chars().count();
                if t.max_length.is_some_and(|m| n > m) || t.min_length.is_some_and(|m| n < m) {
                    err(format!("default {d:?} breaks the schema's length bounds"));
                }
                if !t.enumeration.is_empty() && !t.enumeration.contains(&Some(d.clone())) {
                    err(format!("default {d:?} is not one of the enum values"));
                }
            }
        }
        SchemaKind::Type(Type::Integer(t)) => {
            if let (Some(a), Some(b)) = (t.minimum, t.maximum)
                && a > b
            {
                err(format!("minimum {a} is greater than maximum {b}"));
            }
            if let Some(d) = schema.schema_data.default.as_ref().and_then(|d| d.as_i64())
                && (t.minimum.is_some_and(|m| d < m) || t.maximum.is_some_and(|m| d > m))
            {
                err(format!("default {d} is outside the schema's bounds"));
            }
            if t.exclusive_minimum || t.exclusive_maximum || t.multiple_of.is_some() {
                err("exclusiveMinimum/exclusiveMaximum/multipleOf are not enforced by the generated validator; \
                     express the bound with minimum/maximum"
                    .into());
            }
        }
        SchemaKind::Type(Type::Number(t)) => {
            if let (Some(a), Some(b)) = (t.minimum, t.maximum)
                && a > b
            {
                err(format!("minimum {a} is greater than maximum {b}"));
            }
            if let Some(d) = schema.schema_data.default.as_ref().and_then(|d| d.as_f64())
                && (t.minimum.is_some_and(|m| d < m) || t.maximum.is_some_and(|m| d > m))
            {
                err(format!("default {d} is outside the schema's bounds"));
            }
            if t.exclusive_minimum || t.exclusive_maximum || t.multiple_of.is_some() {
                err("exclusiveMinimum/exclusiveMaximum/multipleOf are not enforced by the generated validator; \
                     express the bound with minimum/maximum"
                    .into());
            }
        }
        SchemaKind::Type(Type::Array(t)) => {
            if let (Some(a), Some(b)) = (t.min_items, t.max_items)
                && a > b
            {
                err(format!("minItems {a} is greater than maxItems {b}"));
            }
            if t.unique_items {
                err("uniqueItems is not enforced by the generated validator".into());
            }
            if let Some(items) = &t.items {
                let items = unbox(items);
                walk_constraints(
                    spec,
                    &items,
                    &format!("{ptr}/items"),
                    src,
                    label,
                    sink,
                    in_composition,
                    seen,
                );
            }
        }
        SchemaKind::Type(Type::Object(o)) => {
            if o.min_properties.is_some() || o.max_properties.is_some() {
                err(
                    "minProperties/maxProperties are not enforced by the generated validator"
                        .into(),
                );
            }
            for (name, p) in &o.properties {
                let p = unbox(p);
                walk_constraints(
                    spec,
                    &p,
                    &format!("{ptr}/properties/{}", escape(name)),
                    src,
                    label,
                    sink,
                    in_composition,
                    seen,
                );
            }
        }
        SchemaKind::Type(Type::Boolean(_)) => {}
        SchemaKind::OneOf { one_of: v }
        | SchemaKind::AllOf { all_of: v }
        | SchemaKind::AnyOf { any_of: v } => {
            for (i, s) in v.iter().enumerate() {
                walk_constraints(spec, s, &format!("{ptr}/{i}"), src, label, sink, true, seen);
            }
        }
        SchemaKind::Not { not } => {
            walk_constraints(
                spec,
                not,
                &format!("{ptr}/not"),
                src,
                label,
                sink,
                true,
                seen,
            );
        }
        SchemaKind::Any(a) => {
            let untyped_constraints = a.minimum.is_some()
                || a.maximum.is_some()
                || a.min_length.is_some()
                || a.max_length.is_some()
                || a.min_items.is_some()
                || a.max_items.is_some();
            if untyped_constraints {
                err("constraints on a schema without `type` cannot be enforced; give the schema a `type`".into());
            }
        }
    }
}

fn has_constraints(s: &Schema) -> bool {
    match &s.schema_kind {
        SchemaKind::Type(Type::String(t)) => t.min_length.is_some() || t.max_length.is_some(),
        SchemaKind::Type(Type::Integer(t)) => t.minimum.is_some() || t.maximum.is_some(),
        SchemaKind::Type(Type::Number(t)) => t.minimum.is_some() || t.maximum.is_some(),
        SchemaKind::Type(Type::Array(t)) => t.min_items.is_some() || t.max_items.is_some(),
        _ => false,
    }
}

pub(crate) fn unbox(s: &ReferenceOr<Box<Schema>>) -> ReferenceOr<Schema> {
    match s {
        ReferenceOr::Item(b) => ReferenceOr::Item((**b).clone()),
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
    }
}
