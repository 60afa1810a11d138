//! Responses: one success shape and one error shape (progenitor panics otherwise), no
//! `default` beside them, statuses progenitor knows.

use super::Site;
use super::refs::resolve_response;
use crate::load::escape;
use openapiv3::{ReferenceOr, StatusCode};
use std::collections::BTreeSet;

/// What the role check needs to know about the responses.
pub(super) struct Responses {
    /// The `$ref` of the success response's schema, when it is one.
    pub(super) success_ref: Option<String>,
    /// The success response's JSON schema, and where it is written.
    pub(super) success_schema: Option<(openapiv3::ReferenceOr<openapiv3::Schema>, String)>,
    /// The shapes of the error responses (`no body` for none).
    pub(super) error: BTreeSet<String>,
}

/// Reports every response progenitor cannot generate or would panic on.
pub(super) fn check(site: &mut Site<'_>) -> Responses {
    let (spec, ptr, op) = (site.spec, site.ptr, site.op);
    // Responses: one success shape, one error shape, no `default` beside them.
    let mut success: BTreeSet<String> = BTreeSet::new();
    let mut error: BTreeSet<String> = BTreeSet::new();
    let mut success_ref: Option<String> = None;
    let mut success_schema = None;
    let mut codes = Vec::new();
    if let Some(def) = &op.responses.default {
        codes.push(("default".to_owned(), true, true, def));
    }
    for (code, r) in &op.responses.responses {
        let valid = match code {
            StatusCode::Code(c) => (200..600).contains(c),
            StatusCode::Range(r) => (2..=5).contains(r),
        };
        if !valid {
            site.report(
                format!("{ptr}/responses/{}", escape(&code.to_string())),
                format!("response status `{code}` is not supported (use 200–599 or 2XX–5XX)"),
            );
            continue;
        }
        let (s, e) = match code {
            StatusCode::Code(c) => ((200..300).contains(c), (400..600).contains(c)),
            StatusCode::Range(r) => (*r == 2, *r == 4 || *r == 5),
        };
        codes.push((code.to_string(), s, e, r));
    }
    for (code, is_success, is_error, r) in codes {
        let rptr = format!("{ptr}/responses/{}", escape(&code));
        let Some(r) = resolve_response(spec, r) else {
            site.report(
                rptr,
                "response `$ref` does not resolve to #/components/responses".into(),
            );
            continue;
        };
        if r.content.len() > 1 {
            site.report(
                format!("{rptr}/content"),
                format!(
                    "{} media types given; at most one is supported",
                    r.content.len()
                ),
            );
        }
        for (media, mt) in &r.content {
            let json = media == "application/json" || media.starts_with("application/json;");
            if json && mt.schema.is_none() {
                site.report(
                    format!("{rptr}/content/{}", escape(media)),
                    "a JSON response needs a schema (progenitor panics without one)".into(),
                );
            }
            if !mt.encoding.is_empty() {
                site.report(
                    format!("{rptr}/content/{}/encoding", escape(media)),
                    "`encoding` is not supported by progenitor (it panics)".into(),
                );
            }
        }
        if is_success
            && let Some((media, mt)) = r.content.iter().next()
            && let Some(schema) = &mt.schema
        {
            success_schema = Some((
                schema.clone(),
                format!("{rptr}/content/{}/schema", escape(media)),
            ));
        }
        let shape = match r.content.iter().next() {
            None => "no body".to_owned(),
            Some((media, mt)) => match &mt.schema {
                Some(ReferenceOr::Reference { reference }) => {
                    if is_success {
                        success_ref = Some(reference.clone());
                    }
                    format!("{media} {reference}")
                }
                Some(ReferenceOr::Item(s)) => {
                    format!("{media} {}", serde_json::to_string(s).unwrap_or_default())
                }
                None => format!("{media} (no schema)"),
            },
        };
        if is_success {
            success.insert(shape.clone());
        }
        if is_error {
            error.insert(shape);
        }
    }
    if success.len() > 1 {
        site.report(
            format!("{ptr}/responses"),
            format!(
                "{} different success response shapes ({}); progenitor supports one (it panics otherwise){}",
                success.len(),
                success.into_iter().collect::<Vec<_>>().join(" | "),
                if op.responses.default.is_some() {
                    "; a `default` response counts as both success and error"
                } else {
                    ""
                }
            ),
        );
    }
    if error.len() > 1 {
        site.report(
            format!("{ptr}/responses"),
            format!(
                "{} different error response shapes ({}); progenitor supports one (it panics otherwise)",
                error.len(),
                error.iter().cloned().collect::<Vec<_>>().join(" | ")
            ),
        );
    }
    Responses {
        success_ref,
        success_schema,
        error,
    }
}
