//! Reading the spec's model endpoints and their request-body properties in the terms of
//! [`Schema`], resolving local `$ref`s on the way.

use super::rules::Schema;
use anyhow::{Result, anyhow, bail};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The path prefix of every model endpoint.
pub const PREFIX: &str = "/openapi/v2/";
/// Acknowledged deviations from a catalog version, on a property or an operation.
pub const DEVIATES: &str = "x-runninghub-deviates";
/// Root-level list of catalog endpoints deliberately left out of the spec.
pub const NOT_COVERED: &str = codegen::NOT_COVERED_EXTENSION;

/// Reads the spec as one self-contained document: the root and its family files,
/// bundled as `cargo xtask codegen` bundles them.
pub fn load_spec(root: &Path) -> Result<Value> {
    codegen::bundle(&crate::spec_files(root)?).map_err(|e| anyhow!("{e}"))
}

/// A model endpoint of the spec.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The path under `/openapi/v2/`.
    pub endpoint: String,
    /// The operation's first tag.
    pub tag: Option<String>,
    /// The operation's acknowledged deviations (catalog version -> reason).
    pub deviates: BTreeMap<String, String>,
    /// The body's properties, by name.
    pub properties: Vec<Property>,
    /// What the model produces (`x-runninghub-output`), when the spec says.
    pub output: Option<String>,
}

/// One request-body property.
#[derive(Debug, Clone)]
pub struct Property {
    /// The wire name.
    pub key: String,
    /// Whether the body's `required` lists it.
    pub required: bool,
    /// Its schema, `$ref`s resolved.
    pub schema: Schema,
    /// Its acknowledged deviations (catalog version -> reason).
    pub deviates: BTreeMap<String, String>,
}

/// An entry of the root-level not-covered list.
#[derive(Debug, Clone, PartialEq)]
pub struct NotCovered {
    /// The catalog endpoint.
    pub endpoint: String,
    /// Why the spec leaves it out.
    pub reason: String,
}

/// The spec's model endpoints: `POST /openapi/v2/...` with a JSON body, role `task` (or
/// none) and not hand-written.
pub fn endpoints(doc: &Value) -> Result<Vec<Endpoint>> {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        bail!("{}: no `paths` mapping", crate::SPEC);
    };
    let mut out = Vec::new();
    for (path, item) in paths {
        let Some(endpoint) = path.strip_prefix(PREFIX) else {
            continue;
        };
        let at = format!("{}: {path}", crate::SPEC);
        let item = resolve(doc, item, &at)?;
        let Some(op) = item.get("post") else {
            continue;
        };
        let role = op.get(codegen::ROLE_EXTENSION).and_then(Value::as_str);
        let handwritten = op.get(codegen::HANDWRITTEN_EXTENSION) == Some(&Value::Bool(true));
        if role.is_some_and(|r| r != "task") || handwritten {
            continue;
        }
        let Some(body) = op.get("requestBody") else {
            continue;
        };
        let body = resolve(doc, body, &at)?;
        let Some(schema) = body.pointer("/content/application~1json/schema") else {
            continue;
        };
        let mut properties = Vec::new();
        let mut required = Vec::new();
        collect_object(doc, schema, &at, &mut properties, &mut required, 0)?;
        let properties = properties
            .into_iter()
            .map(|(key, raw)| {
                let at = format!("{at}: {key}");
                let resolved = resolve(doc, raw, &at)?;
                let mut deviates = deviations(resolved, &at)?;
                deviates.extend(deviations(raw, &at)?);
                Ok(Property {
                    required: required.contains(&key),
                    schema: schema_of(doc, raw, &at, 0)?,
                    deviates,
                    key,
                })
            })
            .collect::<Result<_>>()?;
        out.push(Endpoint {
            endpoint: endpoint.to_string(),
            tag: op
                .get("tags")
                .and_then(|t| t.get(0))
                .and_then(Value::as_str)
                .map(str::to_string),
            deviates: deviations(op, &at)?,
            properties,
            output: op
                .get(codegen::OUTPUT_EXTENSION)
                .and_then(Value::as_str)
                .map(str::to_string),
        });
    }
    Ok(out)
}

/// The root-level `x-runninghub-not-covered` list.
pub fn not_covered(doc: &Value) -> Result<Vec<NotCovered>> {
    let at = format!("{}: {NOT_COVERED}", crate::SPEC);
    let Some(list) = doc.get(NOT_COVERED) else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| anyhow!("{at} should be a list of {{endpoint, reason}}"))?;
    list.iter()
        .enumerate()
        .map(|(i, entry)| {
            let field = |name: &str| {
                entry
                    .get(name)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| anyhow!("{at}[{i}]: no `{name}` string"))
            };
            Ok(NotCovered {
                endpoint: field("endpoint")?,
                reason: field("reason")?,
            })
        })
        .collect()
}

fn deviations(node: &Value, at: &str) -> Result<BTreeMap<String, String>> {
    let Some(d) = node.get(DEVIATES) else {
        return Ok(BTreeMap::new());
    };
    let map = d
        .as_object()
        .ok_or_else(|| anyhow!("{at}: {DEVIATES} should map catalog versions to reasons"))?;
    map.iter()
        .map(|(version, why)| match why.as_str() {
            Some(why) => Ok((version.clone(), why.to_string())),
            None => bail!("{at}: {DEVIATES}.{version} should be a string (the reason)"),
        })
        .collect()
}

/// Follows `$ref`s within the bundled document, where every reference is local (`#/...`).
pub fn resolve<'a>(doc: &'a Value, node: &'a Value, at: &str) -> Result<&'a Value> {
    let mut node = node;
    for _ in 0..32 {
        let Some(reference) = node.get("$ref") else {
            return Ok(node);
        };
        let reference = reference
            .as_str()
            .ok_or_else(|| anyhow!("{at}: `$ref` is not a string"))?;
        let Some(fragment) = reference.strip_prefix('#') else {
            bail!("{at}: `$ref: {reference}` points into another file; bundle the spec first");
        };
        node = doc
            .pointer(fragment)
            .ok_or_else(|| anyhow!("{at}: `$ref: {reference}` points at nothing"))?;
    }
    bail!("{at}: `$ref`s loop")
}

fn collect_object<'a>(
    doc: &'a Value,
    schema: &'a Value,
    at: &str,
    properties: &mut Vec<(String, &'a Value)>,
    required: &mut Vec<String>,
    depth: usize,
) -> Result<()> {
    if depth > 16 {
        bail!("{at}: `allOf` nests too deep");
    }
    let schema = resolve(doc, schema, at)?;
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            collect_object(doc, part, at, properties, required, depth + 1)?;
        }
    }
    if let Some(props) = schema.get("properties") {
        let props = props
            .as_object()
            .ok_or_else(|| anyhow!("{at}: `properties` is not a mapping"))?;
        for (key, value) in props {
            properties.retain(|(k, _)| k != key);
            properties.push((key.clone(), value));
        }
    }
    if let Some(req) = schema.get("required") {
        let req = req
            .as_array()
            .ok_or_else(|| anyhow!("{at}: `required` is not a list"))?;
        for name in req {
            let name = name
                .as_str()
                .ok_or_else(|| anyhow!("{at}: `required` holds a non-string"))?;
            required.push(name.to_string());
        }
    }
    Ok(())
}

/// Reads a (possibly referenced) property schema into a [`Schema`].
pub fn schema_of(doc: &Value, node: &Value, at: &str, depth: usize) -> Result<Schema> {
    if depth > 8 {
        bail!("{at}: `items` nest too deep");
    }
    let node = resolve(doc, node, at)?;
    let num = |name: &str| -> Result<Option<f64>> {
        match node.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| anyhow!("{at}: `{name}` is not a number")),
        }
    };
    let count = |name: &str| -> Result<Option<u64>> {
        match node.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| anyhow!("{at}: `{name}` is not a whole number")),
        }
    };
    let ty = match node.get("type") {
        None => None,
        Some(Value::String(t)) => Some(t.clone()),
        Some(_) => bail!("{at}: `type` is not a string"),
    };
    let enum_values = match node.get("enum") {
        None => None,
        Some(Value::Array(values)) => Some(
            values
                .iter()
                .map(|v| {
                    super::source::scalar_string(v)
                        .ok_or_else(|| anyhow!("{at}: an `enum` value is not a scalar"))
                })
                .collect::<Result<_>>()?,
        ),
        Some(_) => bail!("{at}: `enum` is not a list"),
    };
    let items = match node.get("items") {
        None => None,
        Some(items) => Some(Box::new(schema_of(
            doc,
            items,
            &format!("{at}.items"),
            depth + 1,
        )?)),
    };
    Ok(Schema {
        ty,
        enum_values,
        minimum: num("minimum")?,
        maximum: num("maximum")?,
        min_length: count("minLength")?,
        max_length: count("maxLength")?,
        min_items: count("minItems")?,
        max_items: count("maxItems")?,
        items,
        default: node.get("default").cloned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(yaml: &str) -> Value {
        serde_yaml::from_str(yaml).unwrap()
    }

    const SPEC: &str = r##"
x-runninghub-not-covered:
  - endpoint: a/zero
    reason: its fields are unknown
paths:
  /openapi/v2/a/one:
    post:
      tags: [fam]
      x-runninghub-deviates: {"v1": "because"}
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/One"}
  /openapi/v2/query:
    post:
      x-runninghub-role: query
      requestBody:
        content:
          application/json:
            schema: {type: object}
  /openapi/v2/upload:
    post:
      x-runninghub-handwritten: true
      requestBody:
        content:
          multipart/form-data:
            schema: {type: object}
components:
  schemas:
    Hook: {type: string}
    One:
      type: object
      required: [n]
      properties:
        n: {type: integer, minimum: 1, maximum: 9, x-runninghub-deviates: {"v1": "why"}}
        list: {type: array, maxItems: 2, items: {type: string, enum: ["1", 2]}}
        webhookUrl: {$ref: "#/components/schemas/Hook"}
"##;

    #[test]
    fn model_endpoints_and_their_properties_are_read() {
        let d = doc(SPEC);
        let eps = endpoints(&d).unwrap();
        assert_eq!(
            eps.len(),
            1,
            "query and hand-written operations are skipped"
        );
        let ep = &eps[0];
        assert_eq!(ep.endpoint, "a/one");
        assert_eq!(ep.tag.as_deref(), Some("fam"));
        assert_eq!(ep.deviates["v1"], "because");
        let keys: Vec<_> = ep.properties.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["list", "n", "webhookUrl"]);
        let n = &ep.properties[1];
        assert!(n.required);
        assert_eq!((n.schema.minimum, n.schema.maximum), (Some(1.0), Some(9.0)));
        assert_eq!(n.deviates["v1"], "why");
        let list = &ep.properties[0];
        assert!(!list.required);
        assert_eq!(list.schema.max_items, Some(2));
        assert_eq!(
            list.schema.items.as_ref().unwrap().enum_values,
            Some(vec!["1".to_string(), "2".to_string()])
        );
        assert_eq!(ep.properties[2].schema.ty.as_deref(), Some("string"));
        assert_eq!(
            not_covered(&d).unwrap(),
            [NotCovered {
                endpoint: "a/zero".into(),
                reason: "its fields are unknown".into()
            }]
        );
    }

    #[test]
    fn broken_refs_and_wrong_types_are_errors() {
        let d = doc(SPEC);
        let dangling = serde_json::json!({"$ref": "#/components/schemas/Nope"});
        let err = resolve(&d, &dangling, "here").unwrap_err().to_string();
        assert!(err.contains("points at nothing"), "{err}");
        let external = serde_json::json!({"$ref": "other.yaml#/x"});
        let err = resolve(&d, &external, "here").unwrap_err().to_string();
        assert!(err.contains("another file"), "{err}");
        let bad = serde_json::json!({"type": "string", "maxLength": "ten"});
        let err = schema_of(&d, &bad, "here", 0).unwrap_err().to_string();
        assert!(err.contains("`maxLength` is not a whole number"), "{err}");
        let bad_dev = doc("x-runninghub-deviates: [a]\n");
        assert!(deviations(&bad_dev, "here").is_err());
    }
}
