//! Shared option sets: inline string enumerations that repeat, hoisted into one component
//! schema each, so that typify emits one Rust enum where it would emit one per model.
//!
//! typify names an inline enum after its struct and property (`ViduXRequestResolution`), so
//! a catalog in which hundreds of models allow `540p`, `720p`, `1080p` gets hundreds of
//! identical enums, each with its derives and conversions: most of the generated code's
//! compile time. Here, before progenitor runs, every inline string enum whose value list
//! (same values, same order) appears at least twice becomes a `$ref` to one shared schema.
//!
//! - The property keeps its own documentation (its description and the notes `transform`
//!   added: default, bounds): it becomes `allOf: [{$ref}]` with that description, which
//!   typify turns into a field of the shared type documented as before.
//! - The shared type is named after the property (`Resolution`). When several shared lists
//!   would get the same name, each is named after its values too
//!   (`Resolution540p720p1080p`, `Resolution720p1080p`, `Duration1To16`), which does not
//!   depend on the order of the spec. A name already taken by a component gets a number.
//! - The per-model name typify would have used stays as a type alias (see `emit`), so code
//!   written against it keeps compiling.
//!
//! Only the copy of the spec that progenitor sees changes: validators, field tables, the
//! catalog and error messages are built from the spec as written.

use crate::walk::{self, RootKind, Step};
use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaData, SchemaKind, Type};
use std::collections::{BTreeMap, BTreeSet};

/// The shared option sets added to the spec: Rust-facing schema name → its values.
#[derive(Debug, Default, Clone)]
pub(crate) struct SharedOptions {
    pub(crate) names: BTreeMap<String, Vec<String>>,
}

/// Hoists every repeated inline string enum of `spec` into a shared component schema.
pub(crate) fn hoist(spec: &mut OpenAPI) -> SharedOptions {
    // 1. Every candidate, by key (the schema without its documentation).
    let mut found: BTreeMap<String, Candidate> = BTreeMap::new();
    walk_spec(spec, &mut |hint, schema| {
        let c = found.entry(key(schema)).or_insert_with(|| Candidate {
            schema: undocumented(schema),
            hints: BTreeSet::new(),
            fields: BTreeSet::new(),
            count: 0,
        });
        c.count += 1;
        c.hints.insert(pascal(hint));
        c.fields.insert(match hint.strip_suffix("_item") {
            Some(list) => format!("`{list}` item"),
            None => format!("`{hint}`"),
        });
    });
    let repeated: Vec<(&String, &Candidate)> = found.iter().filter(|(_, c)| c.count > 1).collect();
    if repeated.is_empty() {
        return SharedOptions::default();
    }

    // 2. Names: after the property; after the values too when two lists would share one.
    let base = |c: &Candidate| c.hints.first().cloned().unwrap_or_else(|| "Options".into());
    let mut per_base: BTreeMap<String, usize> = BTreeMap::new();
    for (_, c) in &repeated {
        *per_base.entry(base(c)).or_default() += 1;
    }
    let mut taken: BTreeSet<String> = spec
        .components
        .iter()
        .flat_map(|c| c.schemas.keys())
        .map(|k| pascal(k))
        .collect();
    // Candidates are visited in key order, so numbering on collision is deterministic.
    let mut named: Vec<(String, String, &Candidate)> = Vec::new();
    let mut wanted: Vec<(String, String, &Candidate)> = repeated
        .iter()
        .map(|(k, c)| {
            let b = base(c);
            // Spelled as typify will spell it, so that the name is the Rust name.
            let name = if per_base[&b] > 1 {
                pascal(&format!("{b}{}", values_suffix(&values(&c.schema))))
            } else {
                b
            };
            ((*k).clone(), name, *c)
        })
        .collect();
    wanted.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    for (k, name, c) in wanted {
        let mut unique = name.clone();
        let mut n = 2;
        while !taken.insert(unique.clone()) {
            unique = format!("{name}{n}");
            n += 1;
        }
        named.push((k, unique, c));
    }

    // 3. The shared schemas, and every occurrence replaced by a documented reference.
    let by_key: BTreeMap<String, String> = named
        .iter()
        .map(|(k, name, _)| (k.clone(), name.clone()))
        .collect();
    let mut shared = SharedOptions::default();
    let components = spec.components.get_or_insert_with(Default::default);
    for (_, name, c) in &named {
        let vals = values(&c.schema);
        let mut schema = c.schema.clone();
        let fields: Vec<String> = c.fields.iter().cloned().collect();
        schema.schema_data.description = Some(format!(
            "One of {}: the values of a {} field. One type for every request field that \
             allows exactly these values, in this order; each field's documentation says what \
             it means.",
            list(&vals),
            fields.join(" or ")
        ));
        components
            .schemas
            .insert(name.clone(), ReferenceOr::Item(schema));
        shared.names.insert(name.clone(), vals);
    }
    let shared_names: BTreeSet<String> = shared.names.keys().cloned().collect();
    replace_in_spec(spec, &shared_names, &by_key);
    shared
}

struct Candidate {
    schema: Schema,
    /// Type names derived from the properties holding it.
    hints: BTreeSet<String>,
    /// The properties holding it, for its documentation.
    fields: BTreeSet<String>,
    count: usize,
}

fn is_candidate(schema: &Schema) -> bool {
    matches!(&schema.schema_kind, SchemaKind::Type(Type::String(t)) if !t.enumeration.is_empty())
}

/// The schema without what only documents it.
fn undocumented(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    let d = &mut s.schema_data;
    d.description = None;
    d.title = None;
    d.example = None;
    d.default = None;
    d.external_docs = None;
    d.extensions = Default::default();
    s
}

fn key(schema: &Schema) -> String {
    serde_json::to_string(&undocumented(schema)).unwrap_or_default()
}

fn values(schema: &Schema) -> Vec<String> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(t)) => t.enumeration.iter().flatten().cloned().collect(),
        _ => Vec::new(),
    }
}

fn list(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

/// Whether a root holds the request fields the option sets are taken from: component
/// schemas and request bodies (responses and parameters keep their own enums).
fn is_request_root(kind: RootKind) -> bool {
    matches!(kind, RootKind::ComponentSchema | RootKind::RequestBody)
}

/// Calls `f(hint, schema)` on every candidate of the spec: inline string enums held by a
/// property (hint: the property name) or by the items of a list property (`<name>_item`), in
/// component schemas and inline request bodies, nested objects included.
fn walk_spec(spec: &OpenAPI, f: &mut dyn FnMut(&str, &Schema)) {
    for root in walk::roots(spec) {
        if let (true, ReferenceOr::Item(s)) = (is_request_root(root.kind), root.schema) {
            find(None, s, f);
        }
    }
}

/// Only properties of objects and items of list properties are followed: an enum elsewhere
/// (a whole body, inside a composition) is not a request field's option set.
/// Returns the child's hint.
fn follows(parent: Holder, step: Step<'_>, hint: Option<&str>) -> Option<String> {
    match (step, parent) {
        (Step::Property(name), Holder::Object) => Some(name.to_owned()),
        (Step::Items, Holder::List) => hint.map(|h| format!("{h}_item")),
        _ => None,
    }
}

/// What kind of schema holds a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holder {
    Object,
    List,
    Other,
}

fn holder(schema: &Schema) -> Holder {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(_)) => Holder::Object,
        SchemaKind::Type(Type::Array(_)) => Holder::List,
        _ => Holder::Other,
    }
}

fn find(hint: Option<&str>, schema: &Schema, f: &mut dyn FnMut(&str, &Schema)) {
    let parent = holder(schema);
    for (step, slot) in walk::children(schema) {
        let (Some(hint), Some(child)) = (follows(parent, step, hint), slot.item()) else {
            continue;
        };
        if is_candidate(child) {
            f(&hint, child);
        } else {
            find(Some(&hint), child, f);
        }
    }
}

/// Replaces every candidate [`walk_spec`] finds whose key has a shared schema; the shared
/// schemas (`names`) stay as they are.
fn replace_in_spec(
    spec: &mut OpenAPI,
    names: &BTreeSet<String>,
    by_key: &BTreeMap<String, String>,
) {
    for root in walk::roots_mut(spec) {
        if !is_request_root(root.kind) || root.name.is_some_and(|n| names.contains(n)) {
            continue;
        }
        if let ReferenceOr::Item(s) = root.schema {
            replace(None, s, by_key);
        }
    }
}

fn replace(hint: Option<&str>, schema: &mut Schema, by_key: &BTreeMap<String, String>) {
    let parent = holder(schema);
    for (step, mut slot) in walk::children_mut(schema) {
        let Some(hint) = follows(parent, step, hint) else {
            continue;
        };
        let Some(child) = slot.item_mut() else {
            continue;
        };
        if is_candidate(child) {
            if let Some(by) = replacement(child, by_key) {
                slot.replace(by);
            }
        } else {
            replace(Some(&hint), child, by_key);
        }
    }
}

/// What a candidate becomes (`None` to keep it): a `$ref` to its shared schema, wrapped to
/// keep the field's own documentation.
fn replacement(schema: &Schema, by_key: &BTreeMap<String, String>) -> Option<ReferenceOr<Schema>> {
    let name = by_key.get(&key(schema))?;
    let reference = format!("#/components/schemas/{name}");
    let d = &schema.schema_data;
    let documented = d.description.is_some()
        || d.title.is_some()
        || d.example.is_some()
        || d.external_docs.is_some()
        || !d.extensions.is_empty();
    if !documented {
        return Some(ReferenceOr::Reference { reference });
    }
    // `$ref` cannot carry a description in OpenAPI 3.0; a one-element `allOf` can, and
    // typify reads it as the referenced type with this documentation.
    Some(ReferenceOr::Item(Schema {
        schema_data: SchemaData {
            description: d.description.clone(),
            title: d.title.clone(),
            example: d.example.clone(),
            external_docs: d.external_docs.clone(),
            extensions: d.extensions.clone(),
            ..Default::default()
        },
        schema_kind: SchemaKind::AllOf {
            all_of: vec![ReferenceOr::Reference { reference }],
        },
    }))
}

/// A name spelled as typify spells type names (`heck`'s PascalCase, made an identifier), so
/// that names derived here agree with the ones typify derives.
pub(crate) fn pascal(s: &str) -> String {
    use heck::ToPascalCase;
    let cleaned: String = s
        .replace('\'', "")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let out = cleaned.to_pascal_case();
    match out.chars().next() {
        Some(c) if c.is_alphabetic() || c == '_' => out,
        _ => format!("X{out}"),
    }
}

/// A name part that tells value lists apart: `1To16` for a run of consecutive integers,
/// otherwise each value spelled as an identifier part (`16:9` → `16x9`, `auto` → `Auto`),
/// with `Or` where two numbers would otherwise run together.
fn values_suffix(values: &[String]) -> String {
    let ints: Option<Vec<i64>> = values.iter().map(|v| v.parse().ok()).collect();
    if let Some(ints) = ints
        && ints.len() >= 3
        && ints.windows(2).all(|w| w[1] == w[0] + 1)
    {
        let first = ints[0].to_string().replace('-', "Minus");
        let last = ints[ints.len() - 1].to_string().replace('-', "Minus");
        return format!("{first}To{last}");
    }
    let mut out = String::new();
    for v in values {
        let part = value_part(v);
        if out.ends_with(|c: char| c.is_ascii_digit())
            && part.starts_with(|c: char| c.is_ascii_digit())
        {
            out.push_str("Or");
        }
        out.push_str(&part);
    }
    out
}

fn value_part(v: &str) -> String {
    if let Some(rest) = v.strip_prefix('-')
        && rest.starts_with(|c: char| c.is_ascii_digit())
    {
        return format!("Minus{}", value_part(rest));
    }
    let chunks: Vec<&str> = v
        .split(|c: char| !c.is_alphanumeric())
        .filter(|c| !c.is_empty())
        .collect();
    let mut out = String::new();
    for (i, chunk) in chunks.iter().enumerate() {
        let numeric_pair = i > 0
            && chunks[i - 1].ends_with(|c: char| c.is_ascii_digit())
            && chunk.starts_with(|c: char| c.is_ascii_digit());
        if numeric_pair {
            out.push('x');
        }
        let mut c = chunk.chars();
        if let Some(f) = c.next() {
            out.extend(f.to_uppercase());
            out.push_str(c.as_str());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn names_tell_value_lists_apart() {
        assert_eq!(
            values_suffix(&v(&["540p", "720p", "1080p"])),
            "540p720p1080p"
        );
        assert_eq!(values_suffix(&v(&["1", "2", "3", "4"])), "1To4");
        assert_eq!(values_suffix(&v(&["5", "10"])), "5Or10");
        assert_eq!(
            values_suffix(&v(&["16:9", "9:16", "1:1"])),
            "16x9Or9x16Or1x1"
        );
        assert_eq!(values_suffix(&v(&["1280*720", "auto"])), "1280x720Auto");
        assert_eq!(values_suffix(&v(&["general", "anime"])), "GeneralAnime");
        assert_eq!(values_suffix(&v(&["native1080p", "4k"])), "Native1080p4k");
        assert_eq!(values_suffix(&v(&["-1", "4", "5"])), "Minus1Or4Or5");
    }

    #[test]
    fn names_follow_the_property() {
        assert_eq!(pascal("aspectRatio"), "AspectRatio");
        assert_eq!(pascal("aspect_ratio"), "AspectRatio");
        assert_eq!(pascal("conversionSlots_item"), "ConversionSlotsItem");
        assert_eq!(pascal("9grid"), "X9grid");
        // Names made here survive typify's own spelling unchanged.
        for name in [
            "AspectRatio16x9Or9x16Or1x1",
            "Resolution480p720pNative1080p1080p2k4k",
            "Duration1To16",
        ] {
            assert_eq!(pascal(name), name);
        }
    }
}
