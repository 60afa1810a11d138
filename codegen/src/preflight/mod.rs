//! Pre-flight checks: everything progenitor would reject, panic on, or silently get wrong,
//! found up front and reported with its location, all at once.
//!
//! The rules come from progenitor 0.15's own `validate_openapi`, the panics listed in the
//! project notes (several success or error shapes, `default` beside a typed success,
//! several media types, `encoding`, optional path parameters), and this project's own
//! needs: JSON request bodies for generated operations, constraints the validator can
//! enforce, and `$ref`s that resolve.
//!
//! One module per concern: `ids`, `parameters`, `body`, `responses`, `role`, `refs` and
//! `constraints`; this one walks the operations and hands each to them.

mod body;
mod constraints;
mod ids;
mod parameters;
mod refs;
mod responses;
mod role;

pub(crate) use constraints::unbox;
pub(crate) use refs::{resolve_boxed, resolve_schema};

use crate::error::Diagnostic;
use crate::load::{Source, escape};
use crate::model::Operation;
use openapiv3::{OpenAPI, PathItem, ReferenceOr};
use std::collections::BTreeMap;

/// Extension naming an operation's role for the hand-written layer: `task` (a model
/// endpoint that creates a task; the default when the response is the `Task` schema),
/// `query` (the task lookup), `envelope` (a platform call answered with `{code, msg, data}`)
/// or `other`.
pub const ROLE_EXTENSION: &str = "x-runninghub-role";
/// Extension marking an operation as implemented by the hand-written layer (for shapes
/// progenitor cannot express, such as multipart uploads). It stays in the spec, is checked
/// for well-formedness, and is left out of the generated code.
pub const HANDWRITTEN_EXTENSION: &str = "x-runninghub-handwritten";

/// What a model endpoint's task produces: `video`, `image`, `audio`, `text` or `3d` (the
/// command line's `--mock` answers with an output of that kind).
pub const OUTPUT_EXTENSION: &str = "x-runninghub-output";

/// Extension naming the JSON body property that carries the API key (`apiKey`, `apikey`)
/// on the platform calls that take it there. The client fills it in: it is left out of the
/// generated request type and of the field table.
pub const CREDENTIAL_EXTENSION: &str = "x-runninghub-credential";

/// Extension marking a platform call (role `envelope`) whose success creates a paid task,
/// such as a legacy workflow run: the client never repeats it on its own after sending, and
/// reads the created task's id from `data.taskId`.
pub const CREATES_TASK_EXTENSION: &str = "x-runninghub-creates-task";

/// The values [`OUTPUT_EXTENSION`] takes.
pub const OUTPUT_KINDS: [&str; 5] = ["video", "image", "audio", "text", "3d"];
/// The component schema every task operation answers with.
pub const TASK_SCHEMA_REF: &str = "#/components/schemas/Task";

/// One operation being checked: where it is, and where its problems go.
struct Site<'a> {
    spec: &'a OpenAPI,
    src: &'a Source<'a>,
    path: &'a str,
    item: &'a PathItem,
    item_ptr: &'a str,
    ptr: &'a str,
    op: &'a openapiv3::Operation,
    label: &'a str,
    diags: &'a mut Vec<Diagnostic>,
}

impl Site<'_> {
    /// Records a problem at `ptr`, naming the operation.
    fn report(&mut self, ptr: String, message: String) {
        self.diags
            .push(self.src.diagnostic(ptr, Some(self.label), message));
    }
}

/// Runs every check and returns the operations, or every problem found.
pub(crate) fn check(spec: &OpenAPI, src: &Source<'_>) -> Result<Vec<Operation>, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    refs::check_refs(spec, src, &mut diags);

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
            let mut site = Site {
                spec,
                src,
                path,
                item,
                item_ptr: &item_ptr,
                ptr: &ptr,
                op,
                label: &label,
                diags: &mut diags,
            };
            let id = ids::operation_id(&mut site, &mut ids);
            let handwritten = ids::handwritten(&mut site);
            parameters::check(&mut site);
            let (body_schema, example) =
                body::request_body(&mut site, handwritten, &mut constraint_diags);
            let responses = responses::check(&mut site);
            let role = role::role(&mut site, handwritten, &responses, body_schema.is_some());
            let output = role::output(&mut site, role);
            let envelope_data = role::envelope_data(
                &mut site,
                role,
                handwritten,
                &responses,
                body_schema.is_some(),
            );
            let credential = role::credential(&mut site, body_schema.as_ref());
            let creates_task = role::creates_task(&mut site, role, envelope_data.as_ref());
            let credential_in_query = credential.as_ref().is_some_and(|(_, q)| *q);
            let credential = credential.map(|(name, _)| name);

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
                credential,
                credential_in_query,
                query_body: None,
                envelope_data,
                creates_task,
            });
        }
    }
    shared_bodies_agree_on_the_key(&operations, src, &mut diags);
    diags.append(&mut constraint_diags);
    if diags.is_empty() {
        Ok(operations)
    } else {
        Err(diags)
    }
}

/// A component body shared by several operations becomes one generated type, from which the
/// key's property is removed: every operation using it must carry the key the same way.
fn shared_bodies_agree_on_the_key(
    operations: &[Operation],
    src: &Source<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    let mut by_body: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    for op in operations.iter().filter(|op| !op.handwritten) {
        if let Some(ReferenceOr::Reference { reference }) = &op.body {
            by_body.entry(reference).or_default().push(op);
        }
    }
    for (reference, ops) in by_body {
        let first = &ops[0];
        if let Some(other) = ops.iter().find(|op| op.credential != first.credential) {
            let says = |op: &Operation| match &op.credential {
                Some(name) => format!("carries the key as `{name}`"),
                None => "carries no key in its body".to_owned(),
            };
            diags.push(src.diagnostic(
                reference.to_owned(),
                Some(&other.id),
                format!(
                    "this body is shared with `{}`, which {}, while `{}` {}: give each its own body schema",
                    first.id,
                    says(first),
                    other.id,
                    says(other)
                ),
            ));
        }
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
