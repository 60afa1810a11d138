//! Constraints: only those the generated validator can enforce, with bounds that make sense.

use crate::error::Diagnostic;
use crate::load::Source;
use crate::walk::{self, Slot};
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
    let mut walk = Walk {
        spec,
        src,
        label,
        sink,
        seen: BTreeSet::new(),
    };
    walk.schema(Slot::Plain(s), ptr, false);
}

/// One body's walk: through its schemas and the `$ref`s they follow (each once).
struct Walk<'a, 'b> {
    spec: &'a OpenAPI,
    src: &'b Source<'b>,
    label: &'b str,
    sink: &'b mut Vec<Diagnostic>,
    seen: BTreeSet<&'a str>,
}

impl<'a> Walk<'a, '_> {
    fn schema(&mut self, slot: Slot<'a>, ptr: &str, in_composition: bool) {
        let (schema, ptr) = match slot.reference() {
            Some(reference) => {
                if !self.seen.insert(reference) {
                    return;
                }
                let Some(schema) = component(self.spec, reference) else {
                    return; // Reported by check_refs.
                };
                (schema, reference.to_owned())
            }
            None => match slot.item() {
                Some(schema) => (schema, ptr.to_owned()),
                None => return,
            },
        };
        check_schema(
            schema,
            &mut |msg| {
                self.sink
                    .push(self.src.diagnostic(ptr.clone(), Some(self.label), msg))
            },
            in_composition,
        );
        for (step, child) in walk::children(schema) {
            // Item bounds and property bounds are the validator's; what lies under an
            // untyped schema is reported once, at that schema.
            if matches!(schema.schema_kind, SchemaKind::Any(_)) {
                break;
            }
            if matches!(step, walk::Step::AdditionalProperties) {
                continue;
            }
            let inside = in_composition || step.is_composition();
            self.schema(child, &format!("{ptr}/{}", step.segment()), inside);
        }
    }
}

/// Why a `pattern` is refused, wherever a request carries it.
pub(super) const PATTERN_UNSUPPORTED: &str = "`pattern` is not supported: typify would turn it \
     into a type that needs the `regress` crate, which the client does not depend on, and the \
     generated validator does not check it; state the format in the description and bound the \
     value with `enum`, `minLength` or `maxLength`";

/// A component schema by its `#/components/schemas/…` reference, with the spec's lifetime.
fn component<'a>(spec: &'a OpenAPI, reference: &str) -> Option<&'a Schema> {
    let name = reference.strip_prefix("#/components/schemas/")?;
    match spec.components.as_ref()?.schemas.get(name)? {
        ReferenceOr::Item(s) => Some(s),
        ReferenceOr::Reference { .. } => None,
    }
}

/// The bounds of an integer or a number: `minimum` not above `maximum`, a default inside
/// them, and none of the keywords the generated validator does not enforce (`unenforced`:
/// `exclusiveMinimum`, `exclusiveMaximum` or `multipleOf` is set).
fn check_bounds<T: PartialOrd + std::fmt::Display + Copy>(
    minimum: Option<T>,
    maximum: Option<T>,
    default: Option<T>,
    unenforced: bool,
    err: &mut dyn FnMut(String),
) {
    if let (Some(a), Some(b)) = (minimum, maximum)
        && a > b
    {
        err(format!("minimum {a} is greater than maximum {b}"));
    }
    if let Some(d) = default
        && (minimum.is_some_and(|m| d < m) || maximum.is_some_and(|m| d > m))
    {
        err(format!("default {d} is outside the schema's bounds"));
    }
    if unenforced {
        err("exclusiveMinimum/exclusiveMaximum/multipleOf are not enforced by the generated validator; \
             express the bound with minimum/maximum"
            .into());
    }
}

/// The checks of one schema, on its own keywords.
fn check_schema(schema: &Schema, err: &mut dyn FnMut(String), in_composition: bool) {
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
        SchemaKind::Type(Type::String(t)) if t.pattern.is_some() => err(PATTERN_UNSUPPORTED.into()),
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
        SchemaKind::Type(Type::Integer(t)) => check_bounds(
            t.minimum,
            t.maximum,
            schema.schema_data.default.as_ref().and_then(|d| d.as_i64()),
            t.exclusive_minimum || t.exclusive_maximum || t.multiple_of.is_some(),
            err,
        ),
        SchemaKind::Type(Type::Number(t)) => check_bounds(
            t.minimum,
            t.maximum,
            schema.schema_data.default.as_ref().and_then(|d| d.as_f64()),
            t.exclusive_minimum || t.exclusive_maximum || t.multiple_of.is_some(),
            err,
        ),
        SchemaKind::Type(Type::Array(t)) => {
            if let (Some(a), Some(b)) = (t.min_items, t.max_items)
                && a > b
            {
                err(format!("minItems {a} is greater than maxItems {b}"));
            }
            if t.unique_items {
                err("uniqueItems is not enforced by the generated validator".into());
            }
        }
        SchemaKind::Type(Type::Object(o)) => {
            if o.min_properties.is_some() || o.max_properties.is_some() {
                err(
                    "minProperties/maxProperties are not enforced by the generated validator"
                        .into(),
                );
            }
        }
        SchemaKind::Type(Type::Boolean(_)) => {}
        SchemaKind::OneOf { .. } | SchemaKind::AllOf { .. } | SchemaKind::AnyOf { .. } => {}
        SchemaKind::Not { .. } => {}
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
