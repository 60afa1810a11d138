//! Parameters: the path item's (shared by its operations, reported where they are written)
//! and the operation's own, and the path template they must match one to one.

use super::Site;
use super::refs::resolve_parameter;
use openapiv3::{Parameter, ParameterSchemaOrContent, QueryStyle};
use std::collections::BTreeSet;

/// Reports every parameter progenitor cannot generate or would panic on.
pub(super) fn check(site: &mut Site<'_>) {
    let (spec, path, item, item_ptr, ptr, op) = (
        site.spec,
        site.path,
        site.item,
        site.item_ptr,
        site.ptr,
        site.op,
    );
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
            site.report(
                pptr.to_owned(),
                "parameter `$ref` does not resolve to #/components/parameters".into(),
            );
            continue;
        };
        match p {
            Parameter::Cookie { parameter_data, .. } => site.report(
                pptr.to_owned(),
                format!(
                    "cookie parameter `{}` is not supported by progenitor",
                    parameter_data.name
                ),
            ),
            Parameter::Path { parameter_data, .. } if !parameter_data.required => site.report(
                pptr.to_owned(),
                format!(
                    "path parameter `{}` must be `required: true` (progenitor panics otherwise)",
                    parameter_data.name
                ),
            ),
            Parameter::Query {
                parameter_data,
                style,
                ..
            } if !matches!(style, QueryStyle::Form) => site.report(
                pptr.to_owned(),
                format!(
                    "query parameter `{}` uses a style other than `form`, which progenitor does not support",
                    parameter_data.name
                ),
            ),
            _ => {}
        }
        if let ParameterSchemaOrContent::Schema(s) = &p.parameter_data_ref().format
            && let Some(schema) = super::refs::resolve_schema(spec, s)
            && matches!(&schema.schema_kind, openapiv3::SchemaKind::Type(openapiv3::Type::String(t)) if t.pattern.is_some())
        {
            site.report(
                format!("{pptr}/schema"),
                format!(
                    "parameter `{}`: {}",
                    p.parameter_data_ref().name,
                    super::constraints::PATTERN_UNSUPPORTED
                ),
            );
        }
        if let ParameterSchemaOrContent::Content(_) = &p.parameter_data_ref().format {
            site.report(
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
        site.report(
            ptr.to_owned(),
            format!(
                "path template names `{{{missing}}}` but no path parameter `{missing}` is declared"
            ),
        );
    }
    for extra in declared.difference(&template) {
        site.report(
            ptr.to_owned(),
            format!("path parameter `{extra}` does not appear in the path template"),
        );
    }
}
