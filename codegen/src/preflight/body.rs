//! The request body: one media type, JSON unless the operation is hand-written, an object
//! schema whose constraints the validator can enforce.

use super::constraints::check_constraints;
use super::refs::{resolve_request_body, resolve_schema};
use super::{HANDWRITTEN_EXTENSION, Site};
use crate::error::Diagnostic;
use crate::load::escape;
use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};

/// The JSON body's schema and example, if the operation has one; constraint problems go to
/// `constraint_diags`, reported after the others.
pub(super) fn request_body(
    site: &mut Site<'_>,
    handwritten: bool,
    constraint_diags: &mut Vec<Diagnostic>,
) -> (Option<ReferenceOr<Schema>>, Option<serde_json::Value>) {
    let (spec, src, ptr, op, label) = (site.spec, site.src, site.ptr, site.op, site.label);
    // Request body.
    let mut body_schema = None;
    let mut example = None;
    if let Some(rb) = &op.request_body {
        let bptr = format!("{ptr}/requestBody");
        match resolve_request_body(spec, rb) {
            None => site.report(
                bptr,
                "request body `$ref` does not resolve to #/components/requestBodies".into(),
            ),
            Some(rb) => {
                if rb.content.len() != 1 {
                    site.report(
                        format!("{bptr}/content"),
                        format!(
                            "{} media types given; exactly one is supported (progenitor panics on several)",
                            rb.content.len()
                        ),
                    );
                }
                for (media, mt) in &rb.content {
                    let mptr = format!("{bptr}/content/{}", escape(media));
                    if !mt.encoding.is_empty() {
                        site.report(
                            format!("{mptr}/encoding"),
                            "`encoding` is not supported by progenitor (it panics)".into(),
                        );
                    }
                    if media != "application/json" && !handwritten {
                        site.report(
                            mptr.to_owned(),
                            format!(
                                "request media type `{media}` cannot be generated (only application/json is); \
                                 mark the operation `{HANDWRITTEN_EXTENSION}: true` and implement it in the hand-written layer"
                            ),
                        );
                    }
                    match &mt.schema {
                        None => site.report(mptr, "the request body has no schema".into()),
                        Some(s) if media == "application/json" => {
                            if let Err(msg) = body_is_object(spec, s) {
                                site.report(format!("{mptr}/schema"), msg);
                            }
                            check_constraints(
                                spec,
                                s,
                                &format!("{mptr}/schema"),
                                src,
                                label,
                                constraint_diags,
                            );
                            body_schema = Some(s.clone());
                            example.clone_from(&mt.example);
                        }
                        Some(_) => {}
                    }
                }
            }
        }
    }
    (body_schema, example)
}

fn body_is_object(spec: &OpenAPI, s: &ReferenceOr<Schema>) -> Result<(), String> {
    match resolve_schema(spec, s).map(|s| &s.schema_kind) {
        Some(SchemaKind::Type(Type::Object(_))) => Ok(()),
        Some(_) => Err("a JSON request body must be an object schema (`type: object`)".into()),
        None => Err("the request body schema does not resolve".into()),
    }
}
