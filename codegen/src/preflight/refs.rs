//! References: every `$ref` local and resolvable, and the resolvers the other checks (and
//! the generator's later stages) use.

use crate::error::Diagnostic;
use crate::load::{Source, escape};
use openapiv3::{OpenAPI, Parameter, ReferenceOr, RequestBody, Response, Schema};

/// Every `$ref` must be local and lead somewhere, and every schema `type` must be one
/// OpenAPI 3.0 knows.
pub(super) fn check_refs(spec: &OpenAPI, src: &Source<'_>, diags: &mut Vec<Diagnostic>) {
    let Ok(doc) = serde_json::to_value(spec) else {
        return;
    };
    /// `names`: the keys of this map are property names, not keywords.
    fn walk(
        v: &serde_json::Value,
        ptr: &str,
        names: bool,
        doc: &serde_json::Value,
        src: &Source<'_>,
        diags: &mut Vec<Diagnostic>,
    ) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, child) in map {
                    let cptr = format!("{ptr}/{}", escape(k));
                    if names {
                        walk(child, &cptr, false, doc, src, diags);
                    } else if k == "$ref" {
                        if let serde_json::Value::String(r) = child {
                            let ok = r
                                .strip_prefix('#')
                                .is_some_and(|p| doc.pointer(p).is_some());
                            if !ok {
                                diags.push(src.diagnostic(
                                    ptr.to_owned(),
                                    None,
                                    format!("`$ref: {r}` does not resolve (only references inside this document are supported)"),
                                ));
                            }
                        }
                    } else if k == "example"
                        || k == "examples"
                        || k.starts_with("x-")
                        || cptr == "#/components/securitySchemes"
                    {
                        // Examples and extensions are data: their keys mean nothing here.
                    } else if k == "type"
                        && let serde_json::Value::String(t) = child
                    {
                        const TYPES: [&str; 6] =
                            ["boolean", "object", "array", "number", "string", "integer"];
                        if !TYPES.contains(&t.as_str()) {
                            diags.push(src.diagnostic(
                                cptr,
                                None,
                                format!(
                                    "unknown schema type `{t}` (expected one of {})",
                                    TYPES.join(", ")
                                ),
                            ));
                        }
                    } else {
                        let child_names = matches!(
                            k.as_str(),
                            "properties"
                                | "schemas"
                                | "responses"
                                | "parameters"
                                | "requestBodies"
                                | "paths"
                                | "content"
                                | "headers"
                                | "encoding"
                                | "callbacks"
                                | "links"
                        );
                        walk(child, &cptr, child_names, doc, src, diags);
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, &format!("{ptr}/{i}"), false, doc, src, diags);
                }
            }
            _ => {}
        }
    }
    walk(&doc, "#", false, &doc, src, diags);
}

pub(crate) fn resolve_schema<'a>(
    spec: &'a OpenAPI,
    s: &'a ReferenceOr<Schema>,
) -> Option<&'a Schema> {
    match s {
        ReferenceOr::Item(s) => Some(s),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            let next = spec.components.as_ref()?.schemas.get(name)?;
            // A chain of references is followed, but not forever.
            match next {
                ReferenceOr::Item(s) => Some(s),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

pub(crate) fn resolve_boxed<'a>(
    spec: &'a OpenAPI,
    s: &'a ReferenceOr<Box<Schema>>,
) -> Option<&'a Schema> {
    match s {
        ReferenceOr::Item(s) => Some(s),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            match spec.components.as_ref()?.schemas.get(name)? {
                ReferenceOr::Item(s) => Some(s),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

pub(super) fn resolve_parameter<'a>(
    spec: &'a OpenAPI,
    p: &'a ReferenceOr<Parameter>,
) -> Option<&'a Parameter> {
    match p {
        ReferenceOr::Item(p) => Some(p),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/parameters/")?;
            spec.components.as_ref()?.parameters.get(name)?.as_item()
        }
    }
}

pub(super) fn resolve_request_body<'a>(
    spec: &'a OpenAPI,
    r: &'a ReferenceOr<RequestBody>,
) -> Option<&'a RequestBody> {
    match r {
        ReferenceOr::Item(r) => Some(r),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/requestBodies/")?;
            spec.components
                .as_ref()?
                .request_bodies
                .get(name)?
                .as_item()
        }
    }
}

pub(super) fn resolve_response<'a>(
    spec: &'a OpenAPI,
    r: &'a ReferenceOr<Response>,
) -> Option<&'a Response> {
    match r {
        ReferenceOr::Item(r) => Some(r),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/responses/")?;
            spec.components.as_ref()?.responses.get(name)?.as_item()
        }
    }
}
