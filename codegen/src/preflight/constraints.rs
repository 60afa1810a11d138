//! Constraints: only those the generated validator can enforce, with bounds that make sense.

use super::refs::resolve_schema;
use crate::error::Diagnostic;
use crate::load::{Source, escape};
use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use std::collections::BTreeSet;

/// Checks that the constraints of a request body are consistent and enforceable: bounds in
/// order, documented defaults that satisfy them, and no constraints hidden where the
/// validator cannot reach (inside `oneOf`/`anyOf`/`allOf`/`not`, or on untyped schemas).
pub(super) fn check_constraints(
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
