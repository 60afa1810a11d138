//! The one walk over a spec's schemas: where a document writes schemas ([`roots`],
//! [`roots_mut`]) and which schemas a schema holds ([`children`], [`children_mut`]).
//!
//! Every pass that looks at schemas walks with these: `transform` (constraints into docs,
//! on every schema), `options` (inline enums held by properties and list items, found and
//! then replaced) and preflight's constraint check (from a request body, through `$ref`s,
//! with JSON pointers). A schema keyword that holds schemas is added here once, and every
//! pass sees it.

use crate::load::escape;
use openapiv3::{
    AdditionalProperties, OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema,
    SchemaKind, Type,
};

/// Where in the document a root schema is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RootKind {
    /// `components/schemas/<name>`.
    ComponentSchema,
    /// A request body's media type, in `components/requestBodies` or in an operation.
    RequestBody,
    /// A response's media type, in `components/responses` or in an operation.
    Response,
    /// A parameter's schema, in `components/parameters`, a path item or an operation.
    Parameter,
}

/// A schema written in the document itself (not one reached through another schema).
pub(crate) struct Root<'a, S> {
    pub(crate) kind: RootKind,
    /// For [`RootKind::ComponentSchema`], the component's name.
    pub(crate) name: Option<&'a str>,
    pub(crate) schema: S,
}

/// How a schema holds a child schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step<'a> {
    Property(&'a str),
    Items,
    AdditionalProperties,
    OneOf(usize),
    AllOf(usize),
    AnyOf(usize),
    Not,
}

impl Step<'_> {
    /// The JSON-pointer segments from the parent to the child (without a leading `/`).
    pub(crate) fn segment(&self) -> String {
        match self {
            Step::Property(name) => format!("properties/{}", escape(name)),
            Step::Items => "items".into(),
            Step::AdditionalProperties => "additionalProperties".into(),
            Step::OneOf(i) => format!("oneOf/{i}"),
            Step::AllOf(i) => format!("allOf/{i}"),
            Step::AnyOf(i) => format!("anyOf/{i}"),
            Step::Not => "not".into(),
        }
    }

    /// Whether the child is one of a composition's alternatives or its negation (where the
    /// generated validator does not look).
    pub(crate) fn is_composition(&self) -> bool {
        matches!(
            self,
            Step::OneOf(_) | Step::AllOf(_) | Step::AnyOf(_) | Step::Not
        )
    }
}

/// A child schema as the parent holds it: properties and items are boxed in `openapiv3`,
/// the rest are not.
pub(crate) enum Slot<'a> {
    Plain(&'a ReferenceOr<Schema>),
    Boxed(&'a ReferenceOr<Box<Schema>>),
}

impl<'a> Slot<'a> {
    /// The schema written here, or `None` for a `$ref`.
    pub(crate) fn item(&self) -> Option<&'a Schema> {
        match self {
            Slot::Plain(ReferenceOr::Item(s)) => Some(s),
            Slot::Boxed(ReferenceOr::Item(s)) => Some(s),
            _ => None,
        }
    }

    /// The `$ref` written here, or `None` for an inline schema.
    pub(crate) fn reference(&self) -> Option<&'a str> {
        match self {
            Slot::Plain(ReferenceOr::Reference { reference })
            | Slot::Boxed(ReferenceOr::Reference { reference }) => Some(reference),
            _ => None,
        }
    }
}

/// A child schema as the parent holds it, to change or replace.
pub(crate) enum SlotMut<'a> {
    Plain(&'a mut ReferenceOr<Schema>),
    Boxed(&'a mut ReferenceOr<Box<Schema>>),
}

impl SlotMut<'_> {
    /// The schema written here, or `None` for a `$ref`.
    pub(crate) fn item_mut(&mut self) -> Option<&mut Schema> {
        match self {
            SlotMut::Plain(ReferenceOr::Item(s)) => Some(s),
            SlotMut::Boxed(ReferenceOr::Item(s)) => Some(s),
            _ => None,
        }
    }

    /// Writes `by` in place of the child.
    pub(crate) fn replace(&mut self, by: ReferenceOr<Schema>) {
        match self {
            SlotMut::Plain(slot) => **slot = by,
            SlotMut::Boxed(slot) => {
                **slot = match by {
                    ReferenceOr::Item(s) => ReferenceOr::Item(Box::new(s)),
                    ReferenceOr::Reference { reference } => ReferenceOr::Reference { reference },
                }
            }
        }
    }
}

/// The schemas `schema` holds, in document order.
pub(crate) fn children(schema: &Schema) -> Vec<(Step<'_>, Slot<'_>)> {
    let mut out = Vec::new();
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) => {
            for (name, p) in &o.properties {
                out.push((Step::Property(name), Slot::Boxed(p)));
            }
            if let Some(AdditionalProperties::Schema(a)) = &o.additional_properties {
                out.push((Step::AdditionalProperties, Slot::Plain(a)));
            }
        }
        SchemaKind::Type(Type::Array(a)) => {
            if let Some(items) = &a.items {
                out.push((Step::Items, Slot::Boxed(items)));
            }
        }
        SchemaKind::OneOf { one_of: v } => {
            out.extend(
                v.iter()
                    .enumerate()
                    .map(|(i, s)| (Step::OneOf(i), Slot::Plain(s))),
            );
        }
        SchemaKind::AllOf { all_of: v } => {
            out.extend(
                v.iter()
                    .enumerate()
                    .map(|(i, s)| (Step::AllOf(i), Slot::Plain(s))),
            );
        }
        SchemaKind::AnyOf { any_of: v } => {
            out.extend(
                v.iter()
                    .enumerate()
                    .map(|(i, s)| (Step::AnyOf(i), Slot::Plain(s))),
            );
        }
        SchemaKind::Not { not } => out.push((Step::Not, Slot::Plain(not))),
        SchemaKind::Any(a) => {
            for (name, p) in &a.properties {
                out.push((Step::Property(name), Slot::Boxed(p)));
            }
            if let Some(AdditionalProperties::Schema(x)) = &a.additional_properties {
                out.push((Step::AdditionalProperties, Slot::Plain(x)));
            }
            if let Some(items) = &a.items {
                out.push((Step::Items, Slot::Boxed(items)));
            }
            out.extend(
                a.one_of
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (Step::OneOf(i), Slot::Plain(s))),
            );
            out.extend(
                a.all_of
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (Step::AllOf(i), Slot::Plain(s))),
            );
            out.extend(
                a.any_of
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (Step::AnyOf(i), Slot::Plain(s))),
            );
            if let Some(not) = &a.not {
                out.push((Step::Not, Slot::Plain(not)));
            }
        }
        SchemaKind::Type(_) => {}
    }
    out
}

/// The schemas `schema` holds, in document order, to change or replace.
pub(crate) fn children_mut(schema: &mut Schema) -> Vec<(Step<'_>, SlotMut<'_>)> {
    let mut out = Vec::new();
    match &mut schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) => {
            for (name, p) in o.properties.iter_mut() {
                out.push((Step::Property(name), SlotMut::Boxed(p)));
            }
            if let Some(AdditionalProperties::Schema(a)) = &mut o.additional_properties {
                out.push((Step::AdditionalProperties, SlotMut::Plain(a)));
            }
        }
        SchemaKind::Type(Type::Array(a)) => {
            if let Some(items) = &mut a.items {
                out.push((Step::Items, SlotMut::Boxed(items)));
            }
        }
        SchemaKind::OneOf { one_of: v } => out.extend(
            v.iter_mut()
                .enumerate()
                .map(|(i, s)| (Step::OneOf(i), SlotMut::Plain(s))),
        ),
        SchemaKind::AllOf { all_of: v } => out.extend(
            v.iter_mut()
                .enumerate()
                .map(|(i, s)| (Step::AllOf(i), SlotMut::Plain(s))),
        ),
        SchemaKind::AnyOf { any_of: v } => out.extend(
            v.iter_mut()
                .enumerate()
                .map(|(i, s)| (Step::AnyOf(i), SlotMut::Plain(s))),
        ),
        SchemaKind::Not { not } => out.push((Step::Not, SlotMut::Plain(not))),
        SchemaKind::Any(a) => {
            let openapiv3::AnySchema {
                properties,
                additional_properties,
                items,
                one_of,
                all_of,
                any_of,
                not,
                ..
            } = a;
            for (name, p) in properties.iter_mut() {
                out.push((Step::Property(name), SlotMut::Boxed(p)));
            }
            if let Some(AdditionalProperties::Schema(x)) = additional_properties {
                out.push((Step::AdditionalProperties, SlotMut::Plain(x)));
            }
            if let Some(items) = items {
                out.push((Step::Items, SlotMut::Boxed(items)));
            }
            out.extend(
                one_of
                    .iter_mut()
                    .enumerate()
                    .map(|(i, s)| (Step::OneOf(i), SlotMut::Plain(s))),
            );
            out.extend(
                all_of
                    .iter_mut()
                    .enumerate()
                    .map(|(i, s)| (Step::AllOf(i), SlotMut::Plain(s))),
            );
            out.extend(
                any_of
                    .iter_mut()
                    .enumerate()
                    .map(|(i, s)| (Step::AnyOf(i), SlotMut::Plain(s))),
            );
            if let Some(not) = not {
                out.push((Step::Not, SlotMut::Plain(not)));
            }
        }
        SchemaKind::Type(_) => {}
    }
    out
}

/// Every schema the document writes itself, in document order: component schemas, then the
/// schemas of component request bodies, responses and parameters, then per path its
/// parameters and per operation its parameters, request body and responses. What a `$ref`
/// points at is not followed (it is a root of its own).
pub(crate) fn roots(spec: &OpenAPI) -> Vec<Root<'_, &ReferenceOr<Schema>>> {
    let mut out = Vec::new();
    let mut push = |kind, name, schema| out.push(Root { kind, name, schema });
    fn media(c: &openapiv3::Content) -> impl Iterator<Item = &ReferenceOr<Schema>> {
        c.values().filter_map(|m| m.schema.as_ref())
    }
    if let Some(c) = &spec.components {
        for (name, s) in &c.schemas {
            push(RootKind::ComponentSchema, Some(name.as_str()), s);
        }
        for rb in c.request_bodies.values().filter_map(ReferenceOr::as_item) {
            media(&rb.content).for_each(|s| push(RootKind::RequestBody, None, s));
        }
        for r in c.responses.values().filter_map(ReferenceOr::as_item) {
            media(&r.content).for_each(|s| push(RootKind::Response, None, s));
        }
        for p in c.parameters.values().filter_map(ReferenceOr::as_item) {
            parameter_schema(p)
                .into_iter()
                .for_each(|s| push(RootKind::Parameter, None, s));
        }
    }
    for item in spec.paths.paths.values().filter_map(ReferenceOr::as_item) {
        for p in item.parameters.iter().filter_map(ReferenceOr::as_item) {
            parameter_schema(p)
                .into_iter()
                .for_each(|s| push(RootKind::Parameter, None, s));
        }
        for (_, op) in item.iter() {
            for p in op.parameters.iter().filter_map(ReferenceOr::as_item) {
                parameter_schema(p)
                    .into_iter()
                    .for_each(|s| push(RootKind::Parameter, None, s));
            }
            if let Some(ReferenceOr::Item(rb)) = &op.request_body {
                media(&rb.content).for_each(|s| push(RootKind::RequestBody, None, s));
            }
            let responses = op
                .responses
                .default
                .iter()
                .chain(op.responses.responses.values());
            for r in responses.filter_map(ReferenceOr::as_item) {
                media(&r.content).for_each(|s| push(RootKind::Response, None, s));
            }
        }
    }
    out
}

/// [`roots`], to change in place.
pub(crate) fn roots_mut(spec: &mut OpenAPI) -> Vec<Root<'_, &mut ReferenceOr<Schema>>> {
    fn media(c: &mut openapiv3::Content) -> impl Iterator<Item = &mut ReferenceOr<Schema>> {
        c.values_mut().filter_map(|m| m.schema.as_mut())
    }
    fn item_mut<T>(r: &mut ReferenceOr<T>) -> Option<&mut T> {
        match r {
            ReferenceOr::Item(t) => Some(t),
            ReferenceOr::Reference { .. } => None,
        }
    }
    let mut out = Vec::new();
    let mut push = |kind, name, schema| out.push(Root { kind, name, schema });
    let OpenAPI {
        components, paths, ..
    } = spec;
    if let Some(c) = components {
        let openapiv3::Components {
            schemas,
            request_bodies,
            responses,
            parameters,
            ..
        } = c;
        for (name, s) in schemas.iter_mut() {
            push(RootKind::ComponentSchema, Some(name.as_str()), s);
        }
        for rb in request_bodies.values_mut().filter_map(item_mut) {
            media(&mut rb.content).for_each(|s| push(RootKind::RequestBody, None, s));
        }
        for r in responses.values_mut().filter_map(item_mut) {
            media(&mut r.content).for_each(|s| push(RootKind::Response, None, s));
        }
        for p in parameters.values_mut().filter_map(item_mut) {
            parameter_schema_mut(p)
                .into_iter()
                .for_each(|s| push(RootKind::Parameter, None, s));
        }
    }
    for item in paths.paths.values_mut().filter_map(item_mut) {
        for p in item.parameters.iter_mut().filter_map(item_mut) {
            parameter_schema_mut(p)
                .into_iter()
                .for_each(|s| push(RootKind::Parameter, None, s));
        }
        let openapiv3::PathItem {
            get,
            put,
            post,
            delete,
            options,
            head,
            patch,
            trace,
            ..
        } = item;
        let operations = [get, put, post, delete, options, head, patch, trace];
        for op in operations.into_iter().filter_map(Option::as_mut) {
            for p in op.parameters.iter_mut().filter_map(item_mut) {
                parameter_schema_mut(p)
                    .into_iter()
                    .for_each(|s| push(RootKind::Parameter, None, s));
            }
            if let Some(rb) = op.request_body.as_mut().and_then(item_mut) {
                media(&mut rb.content).for_each(|s| push(RootKind::RequestBody, None, s));
            }
            let openapiv3::Responses {
                default, responses, ..
            } = &mut op.responses;
            for r in default
                .iter_mut()
                .chain(responses.values_mut())
                .filter_map(item_mut)
            {
                media(&mut r.content).for_each(|s| push(RootKind::Response, None, s));
            }
        }
    }
    out
}

/// Calls `f` on every schema written in the document, wherever it is written (roots and
/// everything they hold), parents before children.
pub(crate) fn every_schema_mut(spec: &mut OpenAPI, f: &mut dyn FnMut(&mut Schema)) {
    fn go(s: &mut Schema, f: &mut dyn FnMut(&mut Schema)) {
        f(s);
        for (_, mut child) in children_mut(s) {
            if let Some(c) = child.item_mut() {
                go(c, f);
            }
        }
    }
    for root in roots_mut(spec) {
        if let ReferenceOr::Item(s) = root.schema {
            go(s, f);
        }
    }
}

fn parameter_schema(p: &Parameter) -> Option<&ReferenceOr<Schema>> {
    match &p.parameter_data_ref().format {
        ParameterSchemaOrContent::Schema(s) => Some(s),
        ParameterSchemaOrContent::Content(_) => None,
    }
}

fn parameter_schema_mut(p: &mut Parameter) -> Option<&mut ReferenceOr<Schema>> {
    let data = match p {
        Parameter::Query { parameter_data, .. }
        | Parameter::Header { parameter_data, .. }
        | Parameter::Path { parameter_data, .. }
        | Parameter::Cookie { parameter_data, .. } => parameter_data,
    };
    match &mut data.format {
        ParameterSchemaOrContent::Schema(s) => Some(s),
        ParameterSchemaOrContent::Content(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document with a schema in every place a document can write one, each marked with a
    /// `title` naming the place; nested schemas are marked too.
    const SPEC: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    parameters:
      - {name: p, in: query, schema: {type: string, title: path-parameter}}
    post:
      parameters:
        - {name: q, in: query, schema: {type: string, title: operation-parameter}}
      requestBody:
        content:
          application/json:
            schema:
              title: body
              type: object
              properties:
                list: {type: array, title: list, items: {type: string, title: list-item}}
                map: {type: object, title: map, additionalProperties: {type: integer, title: map-value}}
                one: {title: one, oneOf: [{type: string, title: one-0}, {$ref: "#/components/schemas/C"}]}
                neither: {title: neither, not: {type: string, title: not-this}}
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: string, title: response}}}
        default:
          description: other
          content: {application/json: {schema: {type: string, title: default-response}}}
components:
  schemas:
    C: {type: object, title: component, properties: {x: {type: string, title: component-x}}}
  requestBodies:
    B: {content: {application/json: {schema: {type: string, title: component-body}}}}
  responses:
    R: {description: r, content: {application/json: {schema: {type: string, title: component-response}}}}
  parameters:
    P: {name: z, in: header, schema: {type: string, title: component-parameter}}
"##;

    fn spec() -> OpenAPI {
        serde_yaml::from_str(SPEC).unwrap()
    }

    fn title(s: &ReferenceOr<Schema>) -> String {
        match s {
            ReferenceOr::Item(s) => s.schema_data.title.clone().unwrap_or_default(),
            ReferenceOr::Reference { reference } => reference.clone(),
        }
    }

    #[test]
    fn roots_are_every_schema_the_document_writes_with_their_kind() {
        let spec = spec();
        let found: Vec<(RootKind, Option<&str>, String)> = roots(&spec)
            .into_iter()
            .map(|r| (r.kind, r.name, title(r.schema)))
            .collect();
        let expected = [
            (RootKind::ComponentSchema, Some("C"), "component"),
            (RootKind::RequestBody, None, "component-body"),
            (RootKind::Response, None, "component-response"),
            (RootKind::Parameter, None, "component-parameter"),
            (RootKind::Parameter, None, "path-parameter"),
            (RootKind::Parameter, None, "operation-parameter"),
            (RootKind::RequestBody, None, "body"),
            (RootKind::Response, None, "default-response"),
            (RootKind::Response, None, "response"),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|(k, n, t)| (*k, *n, t.to_string()))
            .collect();
        assert_eq!(found, expected);
        // The mutable walk finds the same roots in the same order.
        let mut spec = spec.clone();
        let found_mut: Vec<_> = roots_mut(&mut spec)
            .into_iter()
            .map(|r| (r.kind, r.name.map(str::to_owned), title(r.schema)))
            .collect();
        let expected: Vec<_> = expected
            .into_iter()
            .map(|(k, n, t)| (k, n.map(str::to_owned), t))
            .collect();
        assert_eq!(found_mut, expected);
    }

    #[test]
    fn children_name_each_step_and_its_pointer_segment() {
        let spec = spec();
        let body = roots(&spec)
            .into_iter()
            .find(|r| title(r.schema) == "body")
            .unwrap();
        let body = body.schema.as_item().unwrap();
        let mut seen = Vec::new();
        fn go(s: &Schema, at: &str, seen: &mut Vec<(String, String, bool)>) {
            for (step, slot) in children(s) {
                let ptr = format!("{at}/{}", step.segment());
                let name = slot
                    .item()
                    .and_then(|s| s.schema_data.title.clone())
                    .or(slot.reference().map(str::to_owned))
                    .unwrap();
                seen.push((ptr.clone(), name, step.is_composition()));
                if let Some(child) = slot.item() {
                    go(child, &ptr, seen);
                }
            }
        }
        go(body, "", &mut seen);
        let s = |p: &str, n: &str, c| (p.to_owned(), n.to_owned(), c);
        assert_eq!(
            seen,
            vec![
                s("/properties/list", "list", false),
                s("/properties/list/items", "list-item", false),
                s("/properties/map", "map", false),
                s("/properties/map/additionalProperties", "map-value", false),
                s("/properties/one", "one", false),
                s("/properties/one/oneOf/0", "one-0", true),
                s("/properties/one/oneOf/1", "#/components/schemas/C", true),
                s("/properties/neither", "neither", false),
                s("/properties/neither/not", "not-this", true),
            ]
        );
    }

    #[test]
    fn every_schema_mut_reaches_nested_schemas_in_every_root() {
        let mut spec = spec();
        let mut titles = Vec::new();
        every_schema_mut(&mut spec, &mut |s| {
            titles.push(s.schema_data.title.clone().unwrap_or_default());
            s.schema_data.description = Some("seen".into());
        });
        titles.sort();
        let mut expected = vec![
            "body",
            "component",
            "component-body",
            "component-parameter",
            "component-response",
            "component-x",
            "default-response",
            "list",
            "list-item",
            "map",
            "map-value",
            "neither",
            "not-this",
            "one",
            "one-0",
            "operation-parameter",
            "path-parameter",
            "response",
        ];
        expected.sort();
        assert_eq!(titles, expected);
        // And the change was made in place: the nested list item now carries it.
        let text = serde_yaml::to_string(&spec).unwrap();
        assert_eq!(text.matches("description: seen").count(), expected.len());
    }

    #[test]
    fn a_slot_is_replaced_in_place_boxed_or_not() {
        let mut spec = spec();
        let reference = || ReferenceOr::Reference {
            reference: "#/components/schemas/C".into(),
        };
        for root in roots_mut(&mut spec) {
            let ReferenceOr::Item(s) = root.schema else {
                continue;
            };
            for (step, mut slot) in children_mut(s) {
                match step {
                    // A property: boxed.
                    Step::Property("list") => slot.replace(reference()),
                    // An alternative of `oneOf`: not boxed.
                    Step::Property("one") => {
                        for (step, mut alt) in children_mut(slot.item_mut().unwrap()) {
                            if step == Step::OneOf(0) {
                                alt.replace(reference());
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        let text = serde_json::to_value(&spec).unwrap();
        let props = &text["paths"]["/a"]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["properties"];
        assert_eq!(props["list"]["$ref"], "#/components/schemas/C");
        assert_eq!(props["one"]["oneOf"][0]["$ref"], "#/components/schemas/C");
        // Their siblings stay as they were.
        assert_eq!(props["map"]["title"], "map");
        assert_eq!(props["one"]["oneOf"][1]["$ref"], "#/components/schemas/C");
        assert_eq!(props["neither"]["not"]["title"], "not-this");
    }
}
