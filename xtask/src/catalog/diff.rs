//! `cargo xtask catalog diff`: where the spec and a catalog disagree.

use super::rules::{self, Field, Schema, WEBHOOK_FIELD};
use super::source::Catalog;
use super::spec::{self, Endpoint, Property};
use anyhow::Result;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// What kind of disagreement a [`Difference`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The catalog has the field, the spec does not.
    CatalogOnly,
    /// The spec has the field, the catalog does not.
    SpecOnly,
    /// The types differ (nothing else is compared then).
    Type,
    /// The enumerations differ.
    Enum,
    /// `minimum` differs.
    Minimum,
    /// `maximum` differs.
    Maximum,
    /// Required text lacks the expected `minLength`.
    MinLength,
    /// `maxLength` differs.
    MaxLength,
    /// A required media array lacks the expected `minItems`.
    MinItems,
    /// `maxItems` differs.
    MaxItems,
    /// One side requires the field, the other does not.
    Required,
    /// A spec endpoint the catalog does not list (only ever acknowledged, else in `extra`).
    NotInCatalog,
    /// What the model produces (`x-runninghub-output` against the catalog's `output_type`).
    Output,
}

impl Kind {
    /// The name used in JSON and text output.
    pub fn name(self) -> &'static str {
        match self {
            Kind::CatalogOnly => "catalog_only",
            Kind::SpecOnly => "spec_only",
            Kind::Type => "type",
            Kind::Enum => "enum",
            Kind::Minimum => "minimum",
            Kind::Maximum => "maximum",
            Kind::MinLength => "min_length",
            Kind::MaxLength => "max_length",
            Kind::MinItems => "min_items",
            Kind::MaxItems => "max_items",
            Kind::Required => "required",
            Kind::NotInCatalog => "not_in_catalog",
            Kind::Output => "output",
        }
    }
}

/// One disagreement on one field (or, for [`Kind::NotInCatalog`], one endpoint).
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The endpoint under `/openapi/v2/`.
    pub endpoint: String,
    /// The field (`key[]` for an array's items); `None` for endpoint-level notes.
    pub field: Option<String>,
    /// What differs.
    pub kind: Kind,
    /// The catalog's side (null when it has none).
    pub catalog: Value,
    /// The spec's side (null when it has none).
    pub spec: Value,
    /// Enum values the catalog has and the spec lacks.
    pub added: Vec<String>,
    /// Enum values the spec has and the catalog lacks.
    pub removed: Vec<String>,
    /// The spec's reason, when the difference is acknowledged.
    pub reason: Option<String>,
}

/// The full comparison of a spec with a catalog.
#[derive(Debug, Clone)]
pub struct Report {
    /// The catalog file, as given.
    pub file: String,
    /// The catalog's version.
    pub version: String,
    /// The catalog's format name.
    pub format: &'static str,
    /// Catalog endpoints present in the spec and compared field by field.
    pub matched: usize,
    /// Catalog models with params that the spec lacks: (endpoint, param count).
    pub missing: Vec<(String, usize)>,
    /// Catalog models the spec does not cover on purpose or cannot: (endpoint, reason).
    pub not_covered: Vec<(String, String)>,
    /// Zero-param catalog models that the spec has: present, fields not compared.
    pub unchecked: Vec<String>,
    /// Withdrawn catalog endpoints, skipped.
    pub withdrawn: Vec<String>,
    /// Spec model endpoints the catalog does not list (unacknowledged).
    pub extra: Vec<String>,
    /// Whether `extra` entries are tolerated (`--allow-extra`).
    pub allow_extra: bool,
    /// Unacknowledged differences.
    pub differences: Vec<Difference>,
    /// Differences the spec acknowledges for this catalog version.
    pub acknowledged: Vec<Difference>,
}

impl Report {
    /// Whether anything counts against the exit status.
    pub fn differs(&self) -> bool {
        !self.missing.is_empty()
            || !self.differences.is_empty()
            || (!self.allow_extra && !self.extra.is_empty())
    }

    /// The one-line summary of counts.
    pub fn summary(&self) -> String {
        format!(
            "{} matched, {} missing, {} not covered, {} withdrawn, {} not in the catalog{}, {} differences, {} acknowledged",
            self.matched,
            self.missing.len(),
            self.not_covered.len(),
            self.withdrawn.len(),
            self.extra.len(),
            if self.allow_extra && !self.extra.is_empty() {
                " (allowed)"
            } else {
                ""
            },
            self.differences.len(),
            self.acknowledged.len(),
        )
    }

    /// The report as one JSON object.
    pub fn to_json(&self) -> Value {
        let pairs = |v: &[(String, String)]| -> Vec<Value> {
            v.iter()
                .map(|(e, r)| json!({"endpoint": e, "reason": r}))
                .collect()
        };
        json!({
            "catalog": {"file": self.file, "version": self.version, "format": self.format},
            "missing": self.missing.iter().map(|(e, n)| json!({"endpoint": e, "params": n})).collect::<Vec<_>>(),
            "not_covered": pairs(&self.not_covered),
            "unchecked": self.unchecked,
            "withdrawn": self.withdrawn,
            "extra": self.extra,
            "differences": self.differences.iter().map(difference_json).collect::<Vec<_>>(),
            "acknowledged": self.acknowledged.iter().map(difference_json).collect::<Vec<_>>(),
            "summary": {
                "matched": self.matched,
                "missing": self.missing.len(),
                "not_covered": self.not_covered.len(),
                "unchecked": self.unchecked.len(),
                "withdrawn": self.withdrawn.len(),
                "extra": self.extra.len(),
                "extra_allowed": self.allow_extra,
                "differences": self.differences.len(),
                "acknowledged": self.acknowledged.len(),
                "differs": self.differs(),
            },
        })
    }

    /// The report for people: grouped by category and endpoint, then the summary line.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "catalog {} ({} format, version {}) against {}\n",
            self.file,
            self.format,
            self.version,
            crate::SPEC
        );
        if !self.missing.is_empty() {
            let _ = writeln!(s, "Missing from the spec ({}):", self.missing.len());
            for (e, n) in &self.missing {
                let _ = writeln!(s, "  {e} ({n} params)");
            }
            s.push('\n');
        }
        if !self.extra.is_empty() {
            let _ = writeln!(
                s,
                "In the spec, not in the catalog ({}){}:",
                self.extra.len(),
                if self.allow_extra {
                    ", allowed by --allow-extra"
                } else {
                    ""
                }
            );
            for e in &self.extra {
                let _ = writeln!(s, "  {e}");
            }
            s.push('\n');
        }
        if !self.differences.is_empty() {
            let _ = writeln!(s, "Differences ({}):", self.differences.len());
            grouped(&mut s, &self.differences);
            s.push('\n');
        }
        if !self.acknowledged.is_empty() {
            let _ = writeln!(
                s,
                "Acknowledged for {} ({}):",
                self.version,
                self.acknowledged.len()
            );
            grouped(&mut s, &self.acknowledged);
            s.push('\n');
        }
        if !self.not_covered.is_empty() {
            let _ = writeln!(s, "Not covered ({}):", self.not_covered.len());
            for (e, r) in &self.not_covered {
                let _ = writeln!(s, "  {e}: {r}");
            }
            s.push('\n');
        }
        if !self.unchecked.is_empty() {
            let _ = writeln!(
                s,
                "In the spec, fields not compared because the catalog lists none ({}): {}\n",
                self.unchecked.len(),
                self.unchecked.join(", ")
            );
        }
        if !self.withdrawn.is_empty() {
            let _ = writeln!(
                s,
                "Withdrawn, skipped ({}): {}\n",
                self.withdrawn.len(),
                self.withdrawn.join(", ")
            );
        }
        let _ = writeln!(s, "summary: {}", self.summary());
        s
    }
}

fn difference_json(d: &Difference) -> Value {
    let mut v = json!({
        "endpoint": d.endpoint,
        "field": d.field,
        "kind": d.kind.name(),
        "catalog": d.catalog,
        "spec": d.spec,
    });
    if d.kind == Kind::Enum {
        v["added"] = json!(d.added);
        v["removed"] = json!(d.removed);
    }
    if let Some(r) = &d.reason {
        v["reason"] = json!(r);
    }
    v
}

fn grouped(s: &mut String, diffs: &[Difference]) {
    let mut last: Option<&str> = None;
    for d in diffs {
        if last != Some(d.endpoint.as_str()) {
            let _ = writeln!(s, "  {}", d.endpoint);
            last = Some(&d.endpoint);
        }
        let what = match d.kind {
            Kind::CatalogOnly => format!("in the catalog ({}), not in the spec", show(&d.catalog)),
            Kind::SpecOnly => format!("in the spec ({}), not in the catalog", show(&d.spec)),
            Kind::NotInCatalog => "endpoint not in the catalog".to_string(),
            Kind::Enum => {
                let mut parts = Vec::new();
                if !d.added.is_empty() {
                    parts.push(format!("catalog adds {}", quoted(&d.added)));
                }
                if !d.removed.is_empty() {
                    parts.push(format!("catalog lacks {}", quoted(&d.removed)));
                }
                if parts.is_empty() {
                    parts.push(format!(
                        "catalog {}, spec {}",
                        show(&d.catalog),
                        show(&d.spec)
                    ));
                }
                format!("enum: {}", parts.join("; "))
            }
            Kind::MinLength | Kind::MinItems => format!(
                "{}: required, so expected {}; spec {}",
                d.kind.name(),
                show(&d.catalog),
                show(&d.spec)
            ),
            kind => format!(
                "{}: catalog {}, spec {}",
                kind.name(),
                show(&d.catalog),
                show(&d.spec)
            ),
        };
        let field = d.field.as_deref().unwrap_or("(endpoint)");
        match &d.reason {
            Some(r) => {
                let _ = writeln!(s, "    {field}: {what} ({r})");
            }
            None => {
                let _ = writeln!(s, "    {field}: {what}");
            }
        }
    }
}

fn quoted(values: &[String]) -> String {
    let inner: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    format!("[{}]", inner.join(", "))
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "none".to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => fmt_num(n.as_f64().unwrap_or(f64::NAN)),
        other => other.to_string(),
    }
}

/// A number as JSON: integral values without a fraction.
pub fn num_json(x: Option<f64>) -> Value {
    match x {
        None => Value::Null,
        Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => json!(x as i64),
        Some(x) => json!(x),
    }
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Compares the spec document with a catalog.
pub fn compare(doc: &Value, catalog: &Catalog, allow_extra: bool) -> Result<Report> {
    let endpoints = spec::endpoints(doc)?;
    let not_covered: BTreeMap<String, String> = spec::not_covered(doc)?
        .into_iter()
        .map(|n| (n.endpoint, n.reason))
        .collect();
    let by_name: BTreeMap<&str, &Endpoint> =
        endpoints.iter().map(|e| (e.endpoint.as_str(), e)).collect();
    let mut report = Report {
        file: catalog.file.clone(),
        version: catalog.version.clone(),
        format: catalog.format.name(),
        matched: 0,
        missing: Vec::new(),
        not_covered: Vec::new(),
        unchecked: Vec::new(),
        withdrawn: Vec::new(),
        extra: Vec::new(),
        allow_extra,
        differences: Vec::new(),
        acknowledged: Vec::new(),
    };
    let mut listed = BTreeSet::new();
    for model in &catalog.models {
        listed.insert(model.endpoint.as_str());
        if model.is_withdrawn() {
            report.withdrawn.push(model.endpoint.clone());
            continue;
        }
        if let (Some(ep), Some(want)) = (by_name.get(model.endpoint.as_str()), &model.output)
            && ep.output.as_ref() != Some(want)
        {
            let d = Difference {
                endpoint: ep.endpoint.clone(),
                field: None,
                kind: Kind::Output,
                catalog: json!(want),
                spec: json!(ep.output),
                added: Vec::new(),
                removed: Vec::new(),
                reason: None,
            };
            file(&mut report, (d, Some(&ep.deviates)));
        }
        match by_name.get(model.endpoint.as_str()) {
            Some(_) if model.params.is_empty() => {
                report.matched += 1;
                report.unchecked.push(model.endpoint.clone());
            }
            Some(ep) => {
                report.matched += 1;
                let expected: Vec<Field> = model.params.iter().map(rules::expected).collect();
                for d in compare_endpoint(ep, &expected) {
                    file(&mut report, d);
                }
            }
            None => {
                if let Some(reason) = not_covered.get(&model.endpoint) {
                    report
                        .not_covered
                        .push((model.endpoint.clone(), reason.clone()));
                } else if model.params.is_empty() {
                    report.not_covered.push((
                        model.endpoint.clone(),
                        "the catalog lists no parameters".to_string(),
                    ));
                } else {
                    report
                        .missing
                        .push((model.endpoint.clone(), model.params.len()));
                }
            }
        }
    }
    for ep in &endpoints {
        if listed.contains(ep.endpoint.as_str()) {
            continue;
        }
        match ep.deviates.get(&catalog.version) {
            Some(reason) => report.acknowledged.push(Difference {
                endpoint: ep.endpoint.clone(),
                field: None,
                kind: Kind::NotInCatalog,
                catalog: Value::Null,
                spec: Value::Null,
                added: Vec::new(),
                removed: Vec::new(),
                reason: Some(reason.clone()),
            }),
            None => report.extra.push(ep.endpoint.clone()),
        }
    }

    /// Puts a difference on the side its acknowledgement (if any) says.
    fn file(report: &mut Report, (d, notes): (Difference, Option<&BTreeMap<String, String>>)) {
        match notes.and_then(|n| n.get(&report.version)) {
            Some(reason) => report.acknowledged.push(Difference {
                reason: Some(reason.clone()),
                ..d
            }),
            None => report.differences.push(d),
        }
    }
    Ok(report)
}

type Noted<'a> = (Difference, Option<&'a BTreeMap<String, String>>);

/// The differences of one endpoint, each with the notes that may acknowledge it.
fn compare_endpoint<'a>(ep: &'a Endpoint, expected: &[Field]) -> Vec<Noted<'a>> {
    let mut out = Vec::new();
    let props: BTreeMap<&str, &Property> =
        ep.properties.iter().map(|p| (p.key.as_str(), p)).collect();
    let new = |field: &str, kind: Kind, catalog: Value, spec: Value| Difference {
        endpoint: ep.endpoint.clone(),
        field: Some(field.to_string()),
        kind,
        catalog,
        spec,
        added: Vec::new(),
        removed: Vec::new(),
        reason: None,
    };
    for field in expected {
        if field.key == WEBHOOK_FIELD {
            continue;
        }
        let Some(prop) = props.get(field.key.as_str()) else {
            out.push((
                new(
                    &field.key,
                    Kind::CatalogOnly,
                    json!(field.schema.type_label()),
                    Value::Null,
                ),
                Some(&ep.deviates),
            ));
            continue;
        };
        let mut found = Vec::new();
        if field.required != prop.required {
            found.push(new(
                &field.key,
                Kind::Required,
                json!(field.required),
                json!(prop.required),
            ));
        }
        compare_schema(&field.key, &field.schema, &prop.schema, &new, &mut found);
        out.extend(found.into_iter().map(|d| (d, Some(&prop.deviates))));
    }
    let known: BTreeSet<&str> = expected.iter().map(|f| f.key.as_str()).collect();
    for prop in &ep.properties {
        if prop.key == WEBHOOK_FIELD || known.contains(prop.key.as_str()) {
            continue;
        }
        out.push((
            new(
                &prop.key,
                Kind::SpecOnly,
                Value::Null,
                json!(prop.schema.type_label()),
            ),
            Some(&prop.deviates),
        ));
    }
    out
}

fn compare_schema(
    field: &str,
    want: &Schema,
    have: &Schema,
    new: &dyn Fn(&str, Kind, Value, Value) -> Difference,
    out: &mut Vec<Difference>,
) {
    if want.type_label() != have.type_label() {
        out.push(new(
            field,
            Kind::Type,
            json!(want.type_label()),
            json!(have.type_label()),
        ));
        return;
    }
    if want.enum_values != have.enum_values {
        let w: BTreeSet<&String> = want.enum_values.iter().flatten().collect();
        let h: BTreeSet<&String> = have.enum_values.iter().flatten().collect();
        // Only the order differs: not a difference that matters on the wire.
        if w != h || want.enum_values.is_none() != have.enum_values.is_none() {
            let mut d = new(
                field,
                Kind::Enum,
                json!(want.enum_values),
                json!(have.enum_values),
            );
            d.added = w.difference(&h).map(|s| s.to_string()).collect();
            d.removed = h.difference(&w).map(|s| s.to_string()).collect();
            out.push(d);
        }
    }
    let numbers = [
        (Kind::Minimum, want.minimum, have.minimum),
        (Kind::Maximum, want.maximum, have.maximum),
    ];
    for (kind, w, h) in numbers {
        if w != h {
            out.push(new(field, kind, num_json(w), num_json(h)));
        }
    }
    let counts = [
        (Kind::MaxLength, want.max_length, have.max_length, true),
        (Kind::MaxItems, want.max_items, have.max_items, true),
        // Lower limits the rules ask for must be there; the spec may add its own.
        (
            Kind::MinLength,
            want.min_length,
            have.min_length,
            want.min_length.is_some(),
        ),
        (
            Kind::MinItems,
            want.min_items,
            have.min_items,
            want.min_items.is_some(),
        ),
    ];
    for (kind, w, h, check) in counts {
        if check && w != h {
            out.push(new(field, kind, json!(w), json!(h)));
        }
    }
    if let (Some(w), Some(h)) = (&want.items, &have.items) {
        compare_schema(&format!("{field}[]"), w, h, new, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::source;

    fn spec(props: &str, required: &str) -> Value {
        let yaml = format!(
            r##"
paths:
  /openapi/v2/m/one:
    post:
      requestBody:
        content:
          application/json:
            schema: {{$ref: "#/components/schemas/One"}}
components:
  schemas:
    One:
      type: object
      required: [{required}]
      properties:
{props}
"##
        );
        serde_yaml::from_str(&yaml).unwrap()
    }

    fn catalog(params: &str) -> Catalog {
        let text = format!(
            r#"{{"version": "v1", "total": 1, "endpoints": [{{"endpoint": "m/one", "params": [{params}]}}]}}"#
        );
        source::parse("c.json", &text).unwrap()
    }

    #[test]
    fn enum_differences_name_added_and_removed_values() {
        let doc = spec("        d: {type: string, enum: [\"5\", \"6\"]}", "");
        let cat = catalog(r#"{"key": "d", "type": "LIST", "options": ["6", "5", "8"]}"#);
        let r = compare(&doc, &cat, false).unwrap();
        assert_eq!(r.differences.len(), 1, "{:?}", r.differences);
        let d = &r.differences[0];
        assert_eq!(d.kind, Kind::Enum);
        assert_eq!(d.added, ["8"]);
        assert!(d.removed.is_empty());
        assert!(r.to_text().contains("d: enum: catalog adds [\"8\"]"));
    }

    #[test]
    fn enum_order_alone_is_not_a_difference() {
        let doc = spec("        d: {type: string, enum: [\"6\", \"5\"]}", "");
        let cat = catalog(r#"{"key": "d", "type": "LIST", "options": ["5", "6"]}"#);
        let r = compare(&doc, &cat, false).unwrap();
        assert!(r.differences.is_empty(), "{:?}", r.differences);
        assert!(!r.differs());
    }

    #[test]
    fn type_mismatch_stops_further_comparison_of_the_field() {
        let doc = spec("        d: {type: integer, minimum: 1}", "d");
        let cat = catalog(r#"{"key": "d", "type": "LIST", "required": true, "options": ["5"]}"#);
        let r = compare(&doc, &cat, false).unwrap();
        let kinds: Vec<_> = r.differences.iter().map(|d| d.kind).collect();
        assert_eq!(kinds, [Kind::Type]);
        assert_eq!(r.differences[0].catalog, json!("string"));
        assert_eq!(r.differences[0].spec, json!("integer"));
    }

    #[test]
    fn item_limits_are_compared_inside_arrays() {
        let doc = spec(
            "        m: {type: array, minItems: 1, maxItems: 2, items: {type: string, enum: [\"a\"]}}",
            "m",
        );
        let cat = catalog(
            r#"{"key": "m", "type": "LIST", "required": true, "multiple": true, "maxCount": 3, "options": ["a", "b"]}"#,
        );
        let r = compare(&doc, &cat, false).unwrap();
        let got: Vec<_> = r
            .differences
            .iter()
            .map(|d| (d.field.clone().unwrap(), d.kind))
            .collect();
        assert_eq!(
            got,
            [
                ("m".to_string(), Kind::MaxItems),
                ("m[]".to_string(), Kind::Enum)
            ],
            "minItems the spec adds on a non-media array is allowed"
        );
    }

    #[test]
    fn an_operation_note_acknowledges_catalog_fields_the_spec_leaves_out() {
        let mut doc = spec("        a: {type: string}", "");
        doc["paths"]["/openapi/v2/m/one"]["post"][spec::DEVIATES] =
            json!({"v1": "the API ignores b"});
        let cat = catalog(r#"{"key": "a", "type": "STRING"}, {"key": "b", "type": "INT"}"#);
        let r = compare(&doc, &cat, false).unwrap();
        assert!(r.differences.is_empty(), "{:?}", r.differences);
        assert_eq!(r.acknowledged.len(), 1);
        assert_eq!(r.acknowledged[0].kind, Kind::CatalogOnly);
        assert_eq!(
            r.acknowledged[0].reason.as_deref(),
            Some("the API ignores b")
        );
        assert!(!r.differs());
    }

    #[test]
    fn a_spec_min_length_on_optional_text_is_allowed_but_required_text_needs_it() {
        let doc = spec(
            "        a: {type: string, minLength: 1}\n        b: {type: string}",
            "b",
        );
        let cat = catalog(
            r#"{"key": "a", "type": "STRING"}, {"key": "b", "type": "STRING", "required": true}"#,
        );
        let r = compare(&doc, &cat, false).unwrap();
        let got: Vec<_> = r
            .differences
            .iter()
            .map(|d| (d.field.clone().unwrap(), d.kind, d.catalog.clone()))
            .collect();
        assert_eq!(got, [("b".to_string(), Kind::MinLength, json!(1))]);
    }

    #[test]
    fn what_a_model_produces_is_compared_and_can_be_acknowledged() {
        let doc = spec("        p: {type: string}", "");
        let text = r#"{"version": "v1", "total": 1, "endpoints": [{"endpoint": "m/one", "output_type": "video", "params": [{"key": "p", "type": "STRING"}]}]}"#;
        let cat = source::parse("c.json", text).unwrap();
        // The spec does not say: a difference.
        let r = compare(&doc, &cat, false).unwrap();
        assert_eq!(r.differences.len(), 1, "{:?}", r.differences);
        assert_eq!(r.differences[0].kind, Kind::Output);
        assert_eq!(r.differences[0].catalog, json!("video"));
        // The same kind: none; another kind, acknowledged on the operation: acknowledged.
        let mut doc = doc;
        let post = &mut doc["paths"]["/openapi/v2/m/one"]["post"];
        post["x-runninghub-output"] = json!("video");
        assert!(compare(&doc, &cat, false).unwrap().differences.is_empty());
        let post = &mut doc["paths"]["/openapi/v2/m/one"]["post"];
        post["x-runninghub-output"] = json!("image");
        post["x-runninghub-deviates"] = json!({"v1": "the catalog is wrong"});
        let r = compare(&doc, &cat, false).unwrap();
        assert!(r.differences.is_empty(), "{:?}", r.differences);
        assert_eq!(r.acknowledged.len(), 1);
    }
}
