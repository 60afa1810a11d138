//! The operation's identity: its `operationId` (present, unique, snake_case, kept by
//! progenitor as written) and whether the hand-written layer implements it.

use super::{HANDWRITTEN_EXTENSION, Site, is_snake_case, progenitor_renames};
use std::collections::BTreeMap;

/// The operation's id (empty when it has none, which is reported); `ids` maps the ids seen
/// so far to where they were.
pub(super) fn operation_id(site: &mut Site<'_>, ids: &mut BTreeMap<String, String>) -> String {
    let (ptr, op) = (site.ptr, site.op);
    // operationId: present, unique, snake_case (it names the Rust method).
    match &op.operation_id {
        None => {
            site.report(
                ptr.to_owned(),
                "no `operationId`; every operation needs a unique snake_case one (it names the Rust method)"
                    .into(),
            );
            String::new()
        }
        Some(id) => {
            if !is_snake_case(id) {
                site.report(
                    format!("{ptr}/operationId"),
                    format!(
                        "`operationId` `{id}` is not snake_case (lower-case letters, digits and `_`, starting with a letter)"
                    ),
                );
            } else if let Some(method) = progenitor_renames(id) {
                site.report(
                    format!("{ptr}/operationId"),
                    format!(
                        "progenitor names the method of `operationId` `{id}` `{method}`, so nothing could find it; \
                         write the operationId as `{method}`"
                    ),
                );
            }
            if let Some(first) = ids.insert(id.clone(), ptr.to_owned()) {
                site.report(
                    format!("{ptr}/operationId"),
                    format!("`operationId` `{id}` is also used by {first}"),
                );
            }
            id.clone()
        }
    }
}

/// Whether the operation is marked `x-runninghub-handwritten: true`.
pub(super) fn handwritten(site: &mut Site<'_>) -> bool {
    let (ptr, op) = (site.ptr, site.op);
    match op.extensions.get(HANDWRITTEN_EXTENSION) {
        None | Some(serde_json::Value::Bool(false)) => false,
        Some(serde_json::Value::Bool(true)) => true,
        Some(other) => {
            site.report(
                format!("{ptr}/{HANDWRITTEN_EXTENSION}"),
                format!("`{HANDWRITTEN_EXTENSION}` must be true or false, found {other}"),
            );
            false
        }
    }
}
