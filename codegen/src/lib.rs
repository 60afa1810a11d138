//! Spec in, formatted Rust out: the generator behind the `runninghub` client.
//!
//! [`generate`] takes the text of an OpenAPI 3.0 document and returns the Rust source of
//! `generated-client/src/generated.rs`. It does no I/O; `cargo xtask codegen` writes the
//! result and `cargo xtask codegen --check` compares it with the checked-in file.
//!
//! The pipeline:
//! 1. load: YAML → `openapiv3::OpenAPI`, refusing non-3.0 documents up front;
//! 2. pre-flight: every rule progenitor would break on (or panic on) and every constraint
//!    the validator could not enforce, reported together with JSON pointers and lines;
//! 3. transform: the copy progenitor sees, with constraints and defaults moved into docs
//!    and repeated inline enums hoisted into shared option sets (`options`);
//! 4. progenitor, contained by `catch_unwind` as a last line of defence;
//! 5. our additions (validators, operation markers, checked methods, lean `Deserialize`
//!    impls), named after what progenitor actually generated, and the cargo feature each
//!    item needs (`features`);
//! 6. prettyplease, behind a header naming the command, the spec and its SHA-256.
//!
//! The output is a pure function of the spec text: byte-for-byte deterministic.

mod catalog;
mod deserialize;
mod emit;
mod error;
mod features;
mod load;
mod model;
mod options;
mod preflight;
mod settings;
mod transform;

pub use error::{Diagnostic, Error};
pub use features::{REGION_BEGIN, REGION_END, RESERVED_FEATURES, splice_manifest};
pub use model::{OperationSummary, Role};
pub use preflight::{HANDWRITTEN_EXTENSION, ROLE_EXTENSION, TASK_SCHEMA_REF};

use sha2::{Digest, Sha256};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The command that regenerates the client, named in the generated file's header.
pub const REGENERATE_COMMAND: &str = "cargo xtask codegen";

/// The result of a successful generation.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The formatted Rust source, header included.
    pub code: String,
    /// The endpoint catalog in Markdown, header included.
    pub catalog: String,
    /// The generated region of the crate manifest's `[features]` table: one feature per
    /// model family, marker lines included. [`splice_manifest`] puts it in place.
    pub features: String,
    /// Operations turned into Rust, in spec order.
    pub operations: Vec<OperationSummary>,
    /// Operations left to the hand-written layer (marked `x-runninghub-handwritten`).
    pub handwritten: Vec<OperationSummary>,
}

/// Generates the client source from the spec text. `spec_name` (such as
/// `spec/runninghub.yaml`) is used in the header and in error messages.
///
/// Never panics: every problem, including a panic inside progenitor, is an [`Error`].
pub fn generate(spec_name: &str, spec_text: &str) -> Result<Generated, Error> {
    let loaded = load::load(spec_name, spec_text)?;
    let (spec, source) = (loaded.spec, loaded.source);
    let operations = preflight::check(&spec, &source).map_err(|d| source.invalid(d))?;
    let mut for_progenitor = transform::for_progenitor(&spec, &operations);
    let shared = options::hoist(&mut for_progenitor);

    let mut file = run_progenitor(spec_name, &settings::progenitor_settings(), &for_progenitor)?;
    deserialize::lean_impls(&mut file);
    let index = emit::Index::new(&file);
    let gates = features::Gates::new(&file, &operations);
    emit::add_aliases(&mut file, &index, &shared, &gates);
    gates.apply(&mut file);
    let features = features::features(&spec, &operations).map_err(|message| Error::Generator {
        spec: spec_name.to_owned(),
        message,
    })?;
    let generated_ops: Vec<_> = operations
        .iter()
        .filter(|o| !o.handwritten)
        .cloned()
        .collect();
    let additions = emit::additions(&spec, &operations, &index, &gates).map_err(|message| {
        Error::Generator {
            spec: spec_name.to_owned(),
            message,
        }
    })?;
    let additions: syn::File =
        syn::parse2(additions).map_err(|e| Error::Unparsable(e.to_string()))?;
    file.items.extend(additions.items);

    let body = prettyplease::unparse(&file);
    let header = header(spec_name, spec_text);
    let code = format!("{header}\n{body}");
    let catalog = catalog::render(&spec, &operations, index.bodies(), &header);
    Ok(Generated {
        code,
        catalog,
        features: features::manifest_region(spec_name, &features),
        operations: generated_ops.iter().map(OperationSummary::from).collect(),
        handwritten: operations
            .iter()
            .filter(|o| o.handwritten)
            .map(OperationSummary::from)
            .collect(),
    })
}

/// The header of a generated file: the command, the spec and the spec's SHA-256.
pub fn header(spec_name: &str, spec_text: &str) -> String {
    let hash = Sha256::digest(spec_text.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "// @generated by `{REGENERATE_COMMAND}` from {spec_name}. Do not edit: change the spec and regenerate.\n\
         // spec sha256: {hex}\n"
    )
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

/// What progenitor alone produces from the same spec (positional style, default settings,
/// hand-written operations left out, no pre-flight, no additions), formatted the same way.
/// For benchmarks that compare this generator with raw progenitor.
pub fn generate_raw_progenitor(spec_name: &str, spec_text: &str) -> Result<String, Error> {
    let loaded = load::load(spec_name, spec_text)?;
    let mut spec = loaded.spec;
    for item in spec.paths.paths.values_mut() {
        if let openapiv3::ReferenceOr::Item(item) = item
            && item.post.as_ref().is_some_and(|op| {
                op.extensions.get(HANDWRITTEN_EXTENSION) == Some(&serde_json::Value::Bool(true))
            })
        {
            item.post = None;
        }
    }
    spec.paths.paths.retain(|_, item| match item {
        openapiv3::ReferenceOr::Item(item) => item.iter().next().is_some(),
        openapiv3::ReferenceOr::Reference { .. } => true,
    });
    let file = run_progenitor(spec_name, &progenitor::GenerationSettings::default(), &spec)?;
    Ok(prettyplease::unparse(&file))
}

/// Runs progenitor with a panic contained, and parses its output.
fn run_progenitor(
    spec_name: &str,
    settings: &progenitor::GenerationSettings,
    spec: &openapiv3::OpenAPI,
) -> Result<syn::File, Error> {
    let tokens = catch_unwind(AssertUnwindSafe(|| {
        progenitor::Generator::new(settings).generate_tokens(spec)
    }))
    .map_err(|panic| Error::GeneratorPanic {
        spec: spec_name.to_owned(),
        message: panic_message(&*panic),
    })?
    .map_err(|e| Error::Generator {
        spec: spec_name.to_owned(),
        message: e.to_string(),
    })?;
    syn::parse2(tokens).map_err(|e| Error::Unparsable(e.to_string()))
}
