//! The operation's role for the hand-written layer (`x-runninghub-role`) and, for model
//! endpoints, what their tasks produce (`x-runninghub-output`).

use super::refs::{resolve_boxed, resolve_schema};
use super::responses::Responses;
use super::{
    CREATES_TASK_EXTENSION, CREDENTIAL_EXTENSION, OUTPUT_EXTENSION, OUTPUT_KINDS, ROLE_EXTENSION,
    Site, TASK_SCHEMA_REF,
};
use crate::model::{EnvelopeData, Role};
use openapiv3::{ReferenceOr, Schema, SchemaKind, Type};

/// The role: given, or `task` when the operation answers with the task object. A task or
/// query operation must answer with the task object, declare no typed errors and take a
/// JSON body.
pub(super) fn role(
    site: &mut Site<'_>,
    handwritten: bool,
    responses: &Responses,
    has_body: bool,
) -> Role {
    let (ptr, op) = (site.ptr, site.op);
    // Role.
    let returns_task = responses.success_ref.as_deref() == Some(TASK_SCHEMA_REF);
    let role = match op.extensions.get(ROLE_EXTENSION) {
        None => {
            if returns_task {
                Role::Task
            } else {
                Role::Other
            }
        }
        Some(serde_json::Value::String(r)) => {
            match r.as_str() {
                "task" => Role::Task,
                "query" => Role::Query,
                "envelope" => Role::Envelope,
                "run" => Role::Run,
                "other" => Role::Other,
                _ => {
                    site.report(
                    format!("{ptr}/{ROLE_EXTENSION}"),
                    format!("unknown role `{r}`; expected `task`, `query`, `run`, `envelope` or `other`"),
                );
                    Role::Other
                }
            }
        }
        Some(other) => {
            site.report(
                format!("{ptr}/{ROLE_EXTENSION}"),
                format!("`{ROLE_EXTENSION}` must be a string, found {other}"),
            );
            Role::Other
        }
    };
    if role == Role::Run && !site.path.contains('{') {
        site.report(
            ptr.to_owned(),
            "a run operation is addressed by an id in its path (such as `/run/ai-app/{webappId}`); \
             one without path parameters is a model endpoint (role `task`)"
                .into(),
        );
    }
    if matches!(role, Role::Task | Role::Query | Role::Run) && !handwritten {
        if !returns_task {
            site.report(
                format!("{ptr}/responses"),
                format!(
                    "a {} operation must answer 200 with `$ref: '{TASK_SCHEMA_REF}'`",
                    role.name()
                ),
            );
        }
        if responses.error.iter().any(|shape| shape != "no body") {
            site.report(
                format!("{ptr}/responses"),
                format!(
                    "a {} operation must not declare typed error responses: RunningHub reports errors in the task object",
                    role.name()
                ),
            );
        }
        if !has_body {
            site.report(
                ptr.to_owned(),
                format!(
                    "a {} operation needs an application/json request body",
                    role.name()
                ),
            );
        }
    }
    role
}

/// What a model endpoint's tasks produce, if the spec says.
pub(super) fn output(site: &mut Site<'_>, role: Role) -> Option<String> {
    let (ptr, op) = (site.ptr, site.op);
    match op.extensions.get(OUTPUT_EXTENSION) {
        None => None,
        Some(serde_json::Value::String(k)) if OUTPUT_KINDS.contains(&k.as_str()) => {
            if role != Role::Task {
                site.report(
                    format!("{ptr}/{OUTPUT_EXTENSION}"),
                    format!("`{OUTPUT_EXTENSION}` belongs on model endpoints (role `task`)"),
                );
            }
            Some(k.clone())
        }
        Some(other) => {
            site.report(
                format!("{ptr}/{OUTPUT_EXTENSION}"),
                format!(
                    "`{OUTPUT_EXTENSION}` must be one of {}, found {other}",
                    OUTPUT_KINDS.join(", ")
                ),
            );
            None
        }
    }
}

/// For an envelope call, the component schema its `data` holds (`None`: no data). The
/// success answer must be a JSON object with an integer `code`; its `data`, if any, a
/// `$ref` to a component schema, which the generated call decodes.
pub(super) fn envelope_data(
    site: &mut Site<'_>,
    role: Role,
    handwritten: bool,
    responses: &Responses,
    has_body: bool,
) -> Option<EnvelopeData> {
    if role != Role::Envelope || handwritten {
        return None;
    }
    let ptr = site.ptr;
    let is_get = site
        .item
        .get
        .as_ref()
        .is_some_and(|get| std::ptr::eq(get, site.op));
    if !has_body && !is_get {
        site.report(
            ptr.to_owned(),
            "an envelope call needs an application/json request body (or is a `GET` with query parameters)".into(),
        );
    }
    let Some((schema, at)) = &responses.success_schema else {
        site.report(
            format!("{ptr}/responses"),
            "an envelope call must answer 200 with a JSON `{code, msg, data}` object".into(),
        );
        return None;
    };
    let object = resolve_schema(site.spec, schema).and_then(|s| match &s.schema_kind {
        SchemaKind::Type(Type::Object(o)) => Some(o),
        _ => None,
    });
    let Some(object) = object else {
        site.report(
            at.clone(),
            "an envelope call's answer must be an object schema with `code` and `data`".into(),
        );
        return None;
    };
    let code_is_integer = object.properties.get("code").is_some_and(|c| {
        matches!(
            resolve_boxed(site.spec, c).map(|c| &c.schema_kind),
            Some(SchemaKind::Type(Type::Integer(_)))
        )
    });
    if !code_is_integer {
        site.report(
            at.clone(),
            "an envelope call's answer needs an integer `code` property".into(),
        );
    }
    let component = |reference: &str, nullable| {
        reference
            .strip_prefix("#/components/schemas/")
            .map(|name| EnvelopeData {
                schema: name.to_owned(),
                nullable,
            })
    };
    match object.properties.get("data") {
        None => None,
        // `nullable` beside a one-element `allOf` (with `type: object`, as OpenAPI linters
        // want a type beside `nullable`): a success that may carry no data.
        Some(ReferenceOr::Item(s)) if s.schema_data.nullable && one_all_of(s).is_some() => {
            match one_all_of(s) {
                Some(ReferenceOr::Reference { reference }) => component(reference, true),
                _ => None,
            }
            .or_else(|| {
                site.report(
                    format!("{at}/properties/data/allOf/0"),
                    "a nullable `data` must be `allOf: [{$ref: '#/components/schemas/...'}]`"
                        .into(),
                );
                None
            })
        }
        Some(ReferenceOr::Reference { reference }) => match component(reference, false) {
            Some(data) => Some(data),
            None => {
                site.report(
                    format!("{at}/properties/data"),
                    "`data` must be a `$ref` to #/components/schemas".into(),
                );
                None
            }
        },
        Some(ReferenceOr::Item(_)) => {
            site.report(
                format!("{at}/properties/data"),
                "`data` must be a `$ref` to a component schema (its type names the call's result), \
                 `nullable: true` with a one-element `allOf` of such a `$ref` when a success may carry \
                 none, or left out when the call returns no data"
                    .into(),
            );
            None
        }
    }
}

/// The one schema of a one-element `allOf`, written alone or beside a `type`.
fn one_all_of(s: &Schema) -> Option<&ReferenceOr<Schema>> {
    let all_of = match &s.schema_kind {
        SchemaKind::AllOf { all_of } => all_of,
        SchemaKind::Any(any) => &any.all_of,
        _ => return None,
    };
    match all_of.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// The body property the client fills with the API key (`x-runninghub-credential`): a
/// required string property of the JSON body, or for an operation without a body a required
/// string query parameter (then `true`).
pub(super) fn credential(
    site: &mut Site<'_>,
    body: Option<&ReferenceOr<Schema>>,
) -> Option<(String, bool)> {
    let (ptr, op) = (site.ptr, site.op);
    let at = format!("{ptr}/{CREDENTIAL_EXTENSION}");
    let name = match op.extensions.get(CREDENTIAL_EXTENSION)? {
        serde_json::Value::String(name) => name.clone(),
        other => {
            site.report(
                at,
                format!("`{CREDENTIAL_EXTENSION}` must name a body property, found {other}"),
            );
            return None;
        }
    };
    if body.is_none() {
        let in_query = site.op.parameters.iter().any(|p| {
            matches!(
                super::refs::resolve_parameter(site.spec, p),
                Some(openapiv3::Parameter::Query { parameter_data, .. })
                    if parameter_data.name == name && parameter_data.required
            )
        });
        if in_query {
            return Some((name, true));
        }
        site.report(
            at,
            format!(
                "`{CREDENTIAL_EXTENSION}` names `{name}`, but the operation has no body and no required query parameter of that name"
            ),
        );
        return None;
    }
    let object = body
        .and_then(|b| resolve_schema(site.spec, b))
        .and_then(|s| match &s.schema_kind {
            SchemaKind::Type(Type::Object(o)) => Some(o),
            _ => None,
        });
    let Some(object) = object else {
        site.report(
            at,
            format!(
                "`{CREDENTIAL_EXTENSION}` names `{name}`, but the operation has no JSON object body"
            ),
        );
        return None;
    };
    let is_string = object.properties.get(&name).is_some_and(|p| {
        matches!(
            resolve_boxed(site.spec, p).map(|p| &p.schema_kind),
            Some(SchemaKind::Type(Type::String(_)))
        )
    });
    if !is_string || !object.required.contains(&name) {
        site.report(
            at,
            format!(
                "`{CREDENTIAL_EXTENSION}` names `{name}`, which must be a required string property of the body"
            ),
        );
        return None;
    }
    Some((name, false))
}

/// Whether a platform call creates a task (`x-runninghub-creates-task: true`). Only an
/// envelope call can say so, and its `data` must be an object with a `taskId` property, the
/// id the client reads and reports.
pub(super) fn creates_task(
    site: &mut Site<'_>,
    role: Role,
    envelope_data: Option<&EnvelopeData>,
) -> bool {
    let at = format!("{}/{CREATES_TASK_EXTENSION}", site.ptr);
    match site.op.extensions.get(CREATES_TASK_EXTENSION) {
        None | Some(serde_json::Value::Bool(false)) => false,
        Some(serde_json::Value::Bool(true)) => {
            if role != Role::Envelope {
                site.report(
                    at,
                    format!(
                        "`{CREATES_TASK_EXTENSION}` belongs on platform calls (role `envelope`); \
                         model endpoints and runs create tasks already"
                    ),
                );
                return false;
            }
            let names_task = envelope_data.is_some_and(|data| {
                site.spec
                    .components
                    .as_ref()
                    .and_then(|c| c.schemas.get(&data.schema))
                    .and_then(|s| resolve_schema(site.spec, s))
                    .is_some_and(|s| match &s.schema_kind {
                        SchemaKind::Type(Type::Object(o)) => o.properties.contains_key("taskId"),
                        _ => false,
                    })
            });
            if !names_task {
                site.report(
                    at,
                    "a call that creates a task must answer with a `data` object that has a \
                     `taskId` property"
                        .into(),
                );
            }
            true
        }
        Some(other) => {
            site.report(
                at,
                format!("`{CREATES_TASK_EXTENSION}` must be true or false, found {other}"),
            );
            false
        }
    }
}
