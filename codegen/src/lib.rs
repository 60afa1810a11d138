//! Spec in, formatted Rust out: the generator behind the `runninghub` client.
//!
//! [`generate_files`] takes the files of an OpenAPI 3.0 document (a root and the family
//! files its paths refer to, see [`SpecFiles`]; [`generate`] takes one file) and returns the
//! Rust source of the two generated files: `runtime/src/generated.rs` (what every build
//! compiles) and `generated-client/src/generated.rs` (the model families). Generation does no I/O
//! ([`SpecFiles::read`] gathers the files); `cargo xtask codegen` writes the result and
//! `cargo xtask codegen --check` compares it with the checked-in file.
//!
//! The pipeline:
//! 1. load: the files bundled into one document (`bundle`), YAML → `openapiv3::OpenAPI`,
//!    refusing non-3.0 documents up front;
//! 2. pre-flight: every rule progenitor would break on (or panic on) and every constraint
//!    the validator could not enforce, reported together with JSON pointers and lines;
//! 3. transform: the copy progenitor sees, with constraints and defaults moved into docs
//!    and repeated inline enums hoisted into shared option sets (`options`);
//! 4. progenitor, contained by `catch_unwind` as a last line of defence, with its repeated
//!    JSON `POST` method bodies replaced by calls to one shared method (`sends`);
//! 5. our additions (validators, operation markers, checked methods, lean `Deserialize`
//!    impls), named after what progenitor actually generated, and the cargo feature each
//!    item needs (`features`);
//! 6. the split between the two crates along the family gates (`split`), then
//!    prettyplease, behind a header naming the command, the spec and its SHA-256.
//!
//! The output is a pure function of the spec text: byte-for-byte deterministic.

mod artefacts;
mod bundle;
mod catalog;
mod deserialize;
mod emit;
mod entries;
mod error;
mod features;
mod load;
mod model;
mod options;
mod preflight;
mod request_schemas;
mod sends;
mod settings;
mod split;
mod transform;
mod unit_enums;
mod variants;
mod walk;

pub use artefacts::{
    ARTEFACT_PATHS, Artefact, CATALOG_PATH, CLIENT_PATH, MANIFEST_PATH, REQUEST_SCHEMAS_PATH,
    RUNTIME_PATH, SPEC_PATH, artefacts, is_fresh,
};
pub use bundle::{SpecFiles, bundle};
pub use catalog::NOT_COVERED_EXTENSION;
pub use entries::DRAFT_MARKER;
pub use error::{Diagnostic, Error};
pub use features::{REGION_BEGIN, REGION_END, RESERVED_FEATURES, splice_manifest};
pub use model::{OperationSummary, Role};
pub use preflight::{
    HANDWRITTEN_EXTENSION, OUTPUT_EXTENSION, OUTPUT_KINDS, ROLE_EXTENSION, TASK_SCHEMA_REF,
};

use sha2::{Digest, Sha256};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// The command that regenerates the client, named in the generated file's header.
pub const REGENERATE_COMMAND: &str = "cargo xtask codegen";

/// The result of a successful generation.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The formatted Rust source of the `runninghub` crate (the model families: request
    /// types, validators, markers, checked methods, and the whole operation table), header
    /// included.
    pub code: String,
    /// The formatted Rust source of the `runninghub-runtime` crate: what no family gates
    /// (the task object, the query and platform calls, progenitor's client, and the
    /// platform's own operation table), header included.
    pub runtime_code: String,
    /// The endpoint catalog in Markdown, header included.
    pub catalog: String,
    /// The generated region of the crate manifest's `[features]` table: one feature per
    /// model family, marker lines included. [`splice_manifest`] puts it in place.
    pub features: String,
    /// The request-body schemas of the spec as one JSON document, for the simulator to
    /// validate against the spec itself.
    pub request_schemas: String,
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
    generate_files(&SpecFiles::single(spec_name, spec_text))
}

/// Generates the client source from a spec in several files (see [`SpecFiles`]): the
/// root document and the family files its paths refer to.
///
/// Never panics: every problem, including a panic inside progenitor, is an [`Error`].
pub fn generate_files(spec: &SpecFiles) -> Result<Generated, Error> {
    generate_timed(spec).map(|(generated, _)| generated)
}

/// Where the wall time of one generation went, phase by phase, in pipeline order.
#[derive(Debug, Clone, Default)]
pub struct Phases(pub Vec<(&'static str, Duration)>);

struct Laps {
    last: Instant,
    phases: Vec<(&'static str, Duration)>,
}

impl Laps {
    fn new() -> Laps {
        Laps {
            last: Instant::now(),
            phases: Vec::new(),
        }
    }

    fn lap(&mut self, phase: &'static str) {
        let now = Instant::now();
        self.phases.push((phase, now - self.last));
        self.last = now;
    }
}

/// [`generate_files`], with the time of each phase.
pub fn generate_timed(files: &SpecFiles) -> Result<(Generated, Phases), Error> {
    let spec_name = files.root.as_str();
    let mut laps = Laps::new();
    let loaded = load::load(files)?;
    let (spec, source) = (loaded.spec, loaded.source);
    laps.lap("load");
    let unwritten = entries::check(&loaded.document, &source);
    drop(loaded.document);
    let mut operations = match preflight::check(&spec, &source) {
        Ok(operations) if unwritten.is_empty() => operations,
        Ok(_) => return Err(source.invalid(unwritten)),
        Err(mut problems) => {
            problems.extend(unwritten);
            return Err(source.invalid(problems));
        }
    };
    laps.lap("pre-flight");
    // The simulator checks requests as they travel, with the key where the platform calls
    // carry it; from here on the spec is the caller's view, in which the client fills the
    // key in and no request type has a field for it.
    let header = header_files(files);
    let comment = header
        .lines()
        .map(|l| l.trim_start_matches("// "))
        .collect::<Vec<_>>()
        .join(" ");
    let request_schemas = request_schemas::render(&spec, &operations, &comment);
    let mut spec = spec;
    transform::caller_view(&mut spec, &mut operations);
    let mut for_progenitor = transform::for_progenitor(&spec, &operations);
    let shared = options::hoist(&mut for_progenitor);
    laps.lap("transform");

    let tokens = run_progenitor(spec_name, &settings::progenitor_settings(), &for_progenitor)?;
    drop(for_progenitor);
    laps.lap("progenitor");
    let mut file = parse_file(tokens)?;
    variants::capitalize(&mut file);
    laps.lap("parse");
    let index = emit::Index::new(&file);
    let gates = features::Gates::new(&file, &operations);
    let features = features::features(&spec, &operations).map_err(|message| {
        source.invalid(vec![source.diagnostic("#/tags".into(), None, message)])
    })?;
    laps.lap("index, gates");

    // Every JSON `POST` method gets the shared body; one that does not means progenitor
    // changed how it writes them. Model endpoints lose their methods: the runtime sends
    // them all with one function.
    let model_endpoints: Vec<&str> = operations
        .iter()
        .filter(|o| o.role == model::Role::Task && !o.handwritten)
        .map(|o| o.id.as_str())
        .collect();
    let rewritten = sends::share(&mut file, &model_endpoints);
    sends::check_all_shared(&sends::json_posts(&operations), &rewritten).map_err(|message| {
        Error::ProgenitorShape {
            spec: spec_name.to_owned(),
            module: "codegen/src/sends.rs",
            message,
        }
    })?;
    // Lean impls add no dependency between types (they mention what the fields do), so
    // the index and gates read before them stay right.
    deserialize::lean_impls(&mut file);
    laps.lap("shared sends, lean serde impls");
    emit::add_aliases(&mut file, &index, &shared, &gates);
    gates.apply(&mut file);
    laps.lap("aliases, gates applied");
    let body = split::split(file);
    let (runtime_body, models_body) = (
        prettyplease::unparse(&body.runtime),
        prettyplease::unparse(&body.models),
    );
    drop(body);
    laps.lap("split, format");

    let mut tokens =
        emit::additions(&spec, &operations, &index, &gates).map_err(|message| Error::Emit {
            spec: spec_name.to_owned(),
            message,
        })?;
    // The rewritten methods call the shared method, so it is emitted whenever there is a
    // generated operation; it is allowed to be unused.
    if operations.iter().any(|o| !o.handwritten) {
        tokens.extend(sends::shared_method());
    }
    let additions = split::split(parse_file(tokens)?);
    let (runtime_additions, models_additions) = (
        prettyplease::unparse(&additions.runtime),
        prettyplease::unparse(&additions.models),
    );
    laps.lap("additions");

    // prettyplease prints a file item by item, so formatting the two parts apart and
    // joining the text is the same as formatting them together.
    let code = format!("{header}\n{models_body}{models_additions}");
    // Without the spec's hash: a change to a model family leaves the runtime's file, and so
    // the runtime crate's build, as they are.
    let runtime_code = format!(
        "{}\n{runtime_body}{runtime_additions}",
        runtime_header(spec_name)
    );
    let catalog = catalog::render(&spec, &operations, index.bodies(), &header);
    let generated = Generated {
        code,
        runtime_code,
        catalog,
        features: features::manifest_region(spec_name, &features),
        request_schemas,
        operations: operations
            .iter()
            .filter(|o| !o.handwritten)
            .map(OperationSummary::from)
            .collect(),
        handwritten: operations
            .iter()
            .filter(|o| o.handwritten)
            .map(OperationSummary::from)
            .collect(),
    };
    laps.lap("catalog");
    Ok((generated, Phases(laps.phases)))
}

/// The header of the runtime crate's generated file: the command and the spec, without the
/// spec's hash, so that the file changes only when what it holds does.
pub fn runtime_header(spec_name: &str) -> String {
    format!(
        "// @generated by `{REGENERATE_COMMAND}` from {spec_name}. Do not edit: change the spec and regenerate.\n\
         // The part no model family gates; a change to the families alone leaves this file as it is.\n"
    )
}

/// The header of a generated file: the command, the spec and the spec's SHA-256.
pub fn header(spec_name: &str, spec_text: &str) -> String {
    header_files(&SpecFiles::single(spec_name, spec_text))
}

/// The header of a file generated from a spec in several files: the SHA-256 covers every
/// file, by name and text (for one file, it is the SHA-256 of its text).
pub fn header_files(files: &SpecFiles) -> String {
    let spec_name = files.root.as_str();
    let hash = if files.files.len() == 1 {
        Sha256::digest(files.root_text().as_bytes())
    } else {
        let mut hasher = Sha256::new();
        for (name, text) in &files.files {
            hasher.update(name.as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
        }
        hasher.finalize()
    };
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
pub fn generate_raw_progenitor(files: &SpecFiles) -> Result<String, Error> {
    let spec_name = files.root.as_str();
    let loaded = load::load(files)?;
    let mut spec = loaded.spec;
    let handwritten = |op: &Option<openapiv3::Operation>| {
        op.as_ref().is_some_and(|op| {
            op.extensions.get(HANDWRITTEN_EXTENSION) == Some(&serde_json::Value::Bool(true))
        })
    };
    for item in spec.paths.paths.values_mut() {
        if let openapiv3::ReferenceOr::Item(item) = item {
            if handwritten(&item.post) {
                item.post = None;
            }
            if handwritten(&item.get) {
                item.get = None;
            }
        }
    }
    spec.paths.paths.retain(|_, item| match item {
        openapiv3::ReferenceOr::Item(item) => item.iter().next().is_some(),
        openapiv3::ReferenceOr::Reference { .. } => true,
    });
    let tokens = run_progenitor(spec_name, &progenitor::GenerationSettings::default(), &spec)?;
    Ok(prettyplease::unparse(&parse_file(tokens)?))
}

/// Runs progenitor with a panic contained.
fn run_progenitor(
    spec_name: &str,
    settings: &progenitor::GenerationSettings,
    spec: &openapiv3::OpenAPI,
) -> Result<proc_macro2::TokenStream, Error> {
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
    Ok(tokens)
}

fn parse_file(tokens: proc_macro2::TokenStream) -> Result<syn::File, Error> {
    syn::parse2(tokens).map_err(|e| Error::Unparsable(e.to_string()))
}
