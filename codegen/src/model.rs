//! The facts about each operation that the generator needs beyond what progenitor emits.

use openapiv3::{ReferenceOr, Schema};

/// What an operation is for, as far as the hand-written layer is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A model endpoint: submitting creates a (paid) task.
    Task,
    /// The task lookup.
    Query,
    /// A platform call answered with the `{code, msg, data}` envelope.
    Envelope,
    /// A run of an AI app or a workflow: creates a task like a model endpoint, addressed by
    /// ids in its path.
    Run,
    /// Anything else.
    Other,
}

impl Role {
    /// The role's name as written in the spec's `x-runninghub-role`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Task => "task",
            Role::Query => "query",
            Role::Envelope => "envelope",
            Role::Run => "run",
            Role::Other => "other",
        }
    }
}

/// One operation of the spec.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub(crate) id: String,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) role: Role,
    pub(crate) handwritten: bool,
    pub(crate) tags: Vec<String>,
    pub(crate) summary: Option<String>,
    pub(crate) description: Option<String>,
    /// The JSON request body's schema, if the operation has one.
    pub(crate) body: Option<ReferenceOr<Schema>>,
    /// The JSON request body's example, if the spec gives one.
    pub(crate) example: Option<serde_json::Value>,
    /// What the task produces (`x-runninghub-output`), for model endpoints that say.
    pub(crate) output: Option<String>,
    /// The body property (or, for a call without a body, the query parameter) the client
    /// fills with the API key (`x-runninghub-credential`).
    pub(crate) credential: Option<String>,
    /// Whether [`Operation::credential`] is a query parameter rather than a body property.
    pub(crate) credential_in_query: bool,
    /// For a call without a body whose query parameters the caller gives (a `GET` platform
    /// call), the component schema made of those parameters, which stands in for its body.
    pub(crate) query_body: Option<String>,
    /// For an envelope call, the component schema of its `data` (`None`: no data).
    pub(crate) envelope_data: Option<EnvelopeData>,
    /// Whether the envelope call creates a (paid) task (`x-runninghub-creates-task`).
    pub(crate) creates_task: bool,
}

/// What an envelope call's `data` holds on success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnvelopeData {
    /// The component schema.
    pub(crate) schema: String,
    /// Whether `data` may be null on success (the generated method returns an `Option`).
    pub(crate) nullable: bool,
}

/// What the generator did with one operation, for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationSummary {
    /// The operation's `operationId`.
    pub id: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Path below the server URL.
    pub path: String,
    /// Its role for the hand-written layer.
    pub role: Role,
}

impl From<&Operation> for OperationSummary {
    fn from(op: &Operation) -> Self {
        OperationSummary {
            id: op.id.clone(),
            method: op.method.clone(),
            path: op.path.clone(),
            role: op.role,
        }
    }
}

/// The first paragraph of a description, on one line: what catalogs and field tables show.
pub(crate) fn first_paragraph(text: &str) -> String {
    text.split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
