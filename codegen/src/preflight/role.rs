//! The operation's role for the hand-written layer (`x-runninghub-role`) and, for model
//! endpoints, what their tasks produce (`x-runninghub-output`).

use super::responses::Responses;
use super::{OUTPUT_EXTENSION, OUTPUT_KINDS, ROLE_EXTENSION, Site, TASK_SCHEMA_REF};
use crate::model::Role;

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
        Some(serde_json::Value::String(r)) => match r.as_str() {
            "task" => Role::Task,
            "query" => Role::Query,
            "other" => Role::Other,
            _ => {
                site.report(
                    format!("{ptr}/{ROLE_EXTENSION}"),
                    format!("unknown role `{r}`; expected `task`, `query` or `other`"),
                );
                Role::Other
            }
        },
        Some(other) => {
            site.report(
                format!("{ptr}/{ROLE_EXTENSION}"),
                format!("`{ROLE_EXTENSION}` must be a string, found {other}"),
            );
            Role::Other
        }
    };
    if matches!(role, Role::Task | Role::Query) && !handwritten {
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
