//! What can go wrong between spec text and Rust source, with enough context to fix it.

use std::fmt;

/// One problem found in the spec, located by a JSON pointer and, where it could be found,
/// a line of the YAML source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file the problem is in, when the spec is several files and it is not the root.
    pub file: Option<String>,
    /// JSON pointer into the spec, such as `#/paths/~1openapi~1v2~1query/post`.
    pub pointer: String,
    /// 1-based line of the YAML source the pointer leads to, when it could be located.
    pub line: Option<usize>,
    /// The `operationId` (or, lacking one, `METHOD path`) of the operation concerned.
    pub operation: Option<String>,
    /// What is wrong and, where there is one, what to do about it.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{file}, line {line}: ")?,
            (Some(file), None) => write!(f, "{file}: ")?,
            (None, Some(line)) => write!(f, "line {line}: ")?,
            (None, None) => {}
        }
        write!(f, "{}", self.pointer)?;
        if let Some(op) = &self.operation {
            write!(f, " (operation `{op}`)")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why [`crate::generate`] produced no code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The spec text is not well-formed YAML.
    #[error("{spec}: not valid YAML{}: {message}", line_col(*.line, *.column))]
    Yaml {
        /// Name of the spec, as given to the generator.
        spec: String,
        /// 1-based line of the error, when known.
        line: Option<usize>,
        /// 1-based column of the error, when known.
        column: Option<usize>,
        /// The parser's explanation.
        message: String,
    },
    /// The spec is well-formed but breaks one or more rules; every problem found is listed.
    #[error("{spec}: {} problem(s) found:\n{}", .diagnostics.len(), list(.diagnostics))]
    Invalid {
        /// Name of the spec, as given to the generator.
        spec: String,
        /// The problems, in document order.
        diagnostics: Vec<Diagnostic>,
    },
    /// progenitor rejected the spec although the pre-flight checks passed.
    #[error("{spec}: progenitor could not generate a client: {message}")]
    Generator {
        /// Name of the spec, as given to the generator.
        spec: String,
        /// progenitor's explanation.
        message: String,
    },
    /// progenitor panicked although the pre-flight checks passed. This is a gap in the
    /// pre-flight checks; the panic was contained.
    #[error(
        "{spec}: progenitor panicked ({message}); the pre-flight checks should have caught this spec, please report it"
    )]
    GeneratorPanic {
        /// Name of the spec, as given to the generator.
        spec: String,
        /// The panic's message.
        message: String,
    },
    /// This generator's own stages failed after progenitor succeeded: a bug in the
    /// generator (not a problem of the spec), or a progenitor release whose output it no
    /// longer reads.
    #[error(
        "{spec}: the generator failed after progenitor succeeded (a bug in codegen, not in the spec): {message}"
    )]
    Emit {
        /// Name of the spec, as given to the generator.
        spec: String,
        /// What went wrong.
        message: String,
    },
    /// A rewrite of progenitor's output recognised fewer items than the spec implies:
    /// progenitor's output changed shape, and the module named must learn the new one.
    #[error(
        "{spec}: progenitor's output no longer has the shape `{module}` expects: {message}; update `{module}` to what progenitor now emits"
    )]
    ProgenitorShape {
        /// Name of the spec, as given to the generator.
        spec: String,
        /// The generator's source file that reads that shape.
        module: &'static str,
        /// What was expected and what was found.
        message: String,
    },
    /// The generated tokens are not valid Rust (a bug in the generator).
    #[error("generated code does not parse as Rust: {0}")]
    Unparsable(String),
}

fn line_col(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l}, column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}

fn list(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("  - {d}"))
        .collect::<Vec<_>>()
        .join("\n")
}
