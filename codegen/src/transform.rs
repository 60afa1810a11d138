//! The copy of the spec that progenitor sees.
//!
//! progenitor (through typify) enforces constraints unevenly: `maxLength` becomes a newtype,
//! `minimum: 1` becomes `NonZero*` and drops `maximum`, item counts and number ranges are
//! ignored, and a `default` makes an optional field required and always sent. So before
//! progenitor runs, every such keyword is moved out of the schema and into its description
//! (where it becomes rustdoc), and the generated validator enforces it instead. Enums stay:
//! typify turns them into types that cannot hold an invalid value. (`pattern` is refused by
//! the pre-flight checks: typify's pattern types need a regex crate the client lacks.)
//!
//! Operations marked hand-written are removed; the hand-written layer implements them.

use crate::model::Operation;
use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};

/// Returns the spec progenitor should generate from.
pub(crate) fn for_progenitor(spec: &OpenAPI, operations: &[Operation]) -> OpenAPI {
    let mut spec = spec.clone();

    for op in operations.iter().filter(|op| op.handwritten) {
        if let Some(ReferenceOr::Item(item)) = spec.paths.paths.get_mut(&op.path) {
            match op.method.as_str() {
                "GET" => item.get = None,
                "PUT" => item.put = None,
                "POST" => item.post = None,
                "DELETE" => item.delete = None,
                "OPTIONS" => item.options = None,
                "HEAD" => item.head = None,
                "PATCH" => item.patch = None,
                "TRACE" => item.trace = None,
                _ => {}
            }
            if item.iter().next().is_none() {
                spec.paths.paths.shift_remove(&op.path);
            }
        }
    }

    crate::walk::every_schema_mut(&mut spec, &mut move_constraints_to_docs);
    spec
}

/// Removes the property that carries the API key (`x-runninghub-credential`) from the body
/// of every operation that has one: the client fills it in, so neither the generated request
/// type, nor its validator, nor the field table has it.
///
/// A `GET` platform call has no body: the client fills its key's query parameter, and the
/// query parameters the caller gives become a component schema (`<OperationId>Query`) that
/// stands in for its body, so that it is validated and sent like the others.
pub(crate) fn caller_view(spec: &mut OpenAPI, operations: &mut [Operation]) {
    for op in operations.iter_mut().filter(|op| !op.handwritten) {
        if op.role == crate::model::Role::Envelope && op.body.is_none() && op.method == "GET" {
            query_body(spec, op);
            continue;
        }
        if let Some(name) = &op.credential {
            drop_credential(spec, op, name);
            // An inline body is also held by the operation itself.
            if let Some(ReferenceOr::Item(schema)) = &mut op.body {
                close_without(schema, name);
            }
        }
    }
}

/// Removes `name` from the operation's body schema (written inline, or the component it
/// refers to). Preflight made sure a component body is shared only by operations with the
/// same credential property.
fn drop_credential(spec: &mut OpenAPI, op: &Operation, name: &str) {
    let body = match &op.body {
        Some(ReferenceOr::Reference { reference }) => reference
            .strip_prefix("#/components/schemas/")
            .and_then(|n| spec.components.as_mut()?.schemas.get_mut(n)),
        Some(ReferenceOr::Item(_)) => {
            let Some(ReferenceOr::Item(item)) = spec.paths.paths.get_mut(&op.path) else {
                return;
            };
            let operation = match op.method.as_str() {
                "GET" => item.get.as_mut(),
                "PUT" => item.put.as_mut(),
                "POST" => item.post.as_mut(),
                "DELETE" => item.delete.as_mut(),
                "PATCH" => item.patch.as_mut(),
                _ => None,
            };
            operation
                .and_then(|o| o.request_body.as_mut())
                .and_then(|rb| match rb {
                    ReferenceOr::Item(rb) => rb.content.get_mut("application/json"),
                    ReferenceOr::Reference { .. } => None,
                })
                .and_then(|mt| mt.schema.as_mut())
        }
        None => None,
    };
    if let Some(ReferenceOr::Item(schema)) = body {
        close_without(schema, name);
    }
}

/// Removes the property `name` from an object schema. With nothing left, typify would make
/// the body a JSON map; closed, it is a struct with no fields, which generated code names.
fn close_without(schema: &mut Schema, name: &str) {
    if let SchemaKind::Type(Type::Object(o)) = &mut schema.schema_kind {
        o.properties.shift_remove(name);
        o.required.retain(|r| r != name);
        if o.properties.is_empty() {
            o.additional_properties = Some(openapiv3::AdditionalProperties::Any(false));
        }
    }
}

/// Takes an integer's or a number's bounds out of its schema, and returns the note that
/// documents them, if it has any.
fn take_bounds<T: ToString>(minimum: &mut Option<T>, maximum: &mut Option<T>) -> Option<String> {
    bound_note(
        minimum.take().map(|v| v.to_string()),
        maximum.take().map(|v| v.to_string()),
    )
}

/// Removes the keywords the validator enforces and documents them instead.
fn move_constraints_to_docs(schema: &mut Schema) {
    let mut notes: Vec<String> = Vec::new();
    match &mut schema.schema_kind {
        SchemaKind::Type(Type::String(t)) => {
            if t.enumeration.is_empty()
                && let Some(n) = range_note(t.min_length, t.max_length, "character")
            {
                notes.push(n);
            }
            t.min_length = None;
            t.max_length = None;
        }
        SchemaKind::Type(Type::Integer(t)) => {
            notes.extend(take_bounds(&mut t.minimum, &mut t.maximum));
        }
        SchemaKind::Type(Type::Number(t)) => {
            notes.extend(take_bounds(&mut t.minimum, &mut t.maximum));
        }
        SchemaKind::Type(Type::Array(t)) => {
            if let Some(n) = range_note(t.min_items, t.max_items, "item") {
                notes.push(n);
            }
            t.min_items = None;
            t.max_items = None;
        }
        SchemaKind::Type(Type::Object(o)) => {
            // Defaults of properties are documented here, where it is known whether the
            // property is required.
            for (name, p) in o.properties.iter_mut() {
                let ReferenceOr::Item(p) = p else { continue };
                let Some(default) = p.schema_data.default.take() else {
                    continue;
                };
                let note = if o.required.contains(name) {
                    format!(
                        "RunningHub documents `{default}` as the default, but the field is required."
                    )
                } else {
                    format!(
                        "RunningHub's default: `{default}`, applied by the server when the field is omitted; the client sends the field only when it is set."
                    )
                };
                append_doc(p, &[note]);
            }
        }
        SchemaKind::Any(a) => {
            a.minimum = None;
            a.maximum = None;
            a.min_length = None;
            a.max_length = None;
            a.min_items = None;
            a.max_items = None;
        }
        _ => {}
    }
    if let Some(default) = schema.schema_data.default.take() {
        notes.push(format!("RunningHub's default: `{default}`."));
    }
    append_doc(schema, &notes);
}

fn append_doc(schema: &mut Schema, notes: &[String]) {
    if !notes.is_empty() {
        let desc = schema
            .schema_data
            .description
            .get_or_insert_with(String::new);
        let trimmed = desc.trim_end().to_owned();
        *desc = if trimmed.is_empty() {
            notes.join(" ")
        } else {
            format!("{trimmed}\n\n{}", notes.join(" "))
        };
    }
}

fn range_note(min: Option<usize>, max: Option<usize>, unit: &str) -> Option<String> {
    let plural = |n: usize| {
        if n == 1 {
            unit.to_owned()
        } else {
            format!("{unit}s")
        }
    };
    Some(match (min, max) {
        (Some(a), Some(b)) if a == b => format!("Exactly {a} {}.", plural(a)),
        (Some(a), Some(b)) => format!("From {a} to {b} {}.", plural(b)),
        (Some(a), None) => format!("At least {a} {}.", plural(a)),
        (None, Some(b)) => format!("At most {b} {}.", plural(b)),
        (None, None) => return None,
    })
}

fn bound_note(min: Option<String>, max: Option<String>) -> Option<String> {
    Some(match (min, max) {
        (Some(a), Some(b)) => format!("From {a} to {b}."),
        (Some(a), None) => format!("At least {a}."),
        (None, Some(b)) => format!("At most {b}."),
        (None, None) => return None,
    })
}

/// Makes the query parameters of the `GET` operation `op` (but the key's) a component
/// schema, refers `op.body` to it, and removes the key's parameter from the operation.
fn query_body(spec: &mut OpenAPI, op: &mut Operation) {
    let Some(ReferenceOr::Item(item)) = spec.paths.paths.get_mut(&op.path) else {
        return;
    };
    let Some(get) = item.get.as_mut() else { return };
    let key = op.credential.clone();
    let mut object = openapiv3::ObjectType {
        additional_properties: Some(openapiv3::AdditionalProperties::Any(false)),
        ..Default::default()
    };
    get.parameters.retain(|p| {
        let ReferenceOr::Item(openapiv3::Parameter::Query { parameter_data, .. }) = p else {
            return true;
        };
        if Some(&parameter_data.name) == key.as_ref() {
            return false;
        }
        if let openapiv3::ParameterSchemaOrContent::Schema(schema) = &parameter_data.format {
            let mut schema = schema.clone();
            if let (ReferenceOr::Item(s), Some(d)) = (&mut schema, &parameter_data.description) {
                s.schema_data.description.get_or_insert_with(|| d.clone());
            }
            let boxed = match schema {
                ReferenceOr::Item(s) => ReferenceOr::Item(Box::new(s)),
                ReferenceOr::Reference { reference } => ReferenceOr::Reference { reference },
            };
            object.properties.insert(parameter_data.name.clone(), boxed);
            if parameter_data.required {
                object.required.push(parameter_data.name.clone());
            }
        }
        true
    });
    let name = format!("{}Query", crate::options::pascal(&op.id));
    let schema = Schema {
        schema_data: openapiv3::SchemaData {
            description: Some(format!(
                "The query parameters of `{}`, besides the key the client adds.",
                op.id
            )),
            ..Default::default()
        },
        schema_kind: SchemaKind::Type(Type::Object(object)),
    };
    spec.components
        .get_or_insert_with(Default::default)
        .schemas
        .insert(name.clone(), ReferenceOr::Item(schema));
    op.body = Some(ReferenceOr::Reference {
        reference: format!("#/components/schemas/{name}"),
    });
    op.query_body = Some(name);
}
