//! The generic view of an operation, implemented by the generated marker types in
//! [`crate::operations`]. The hand-written layer works through these traits, so it never
//! names a model endpoint and a new spec entry needs no Rust.

use crate::raw;
use crate::types;
use crate::validation::Validate;
use std::future::Future;

pub use crate::generated::check_json_body;

/// What an operation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A model endpoint: submitting creates a (paid) task.
    Task,
    /// The task lookup.
    Query,
    /// Anything else.
    Other,
}

/// An operation whose JSON body and task answer the client understands.
pub trait Operation {
    /// The request body type.
    type Body: Validate
        + serde::Serialize
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync;
    /// The spec's `operationId`.
    const OPERATION_ID: &'static str;
    /// The HTTP method, upper case.
    const METHOD: &'static str;
    /// The path below the server URL.
    const PATH: &'static str;
    /// What the operation is for.
    const ROLE: Role;

    /// Sends the body through progenitor's generated method, without the checks of
    /// [`crate::Client`] (the request hook still validates the body).
    fn send<'a>(
        client: &'a raw::Client,
        body: &'a Self::Body,
    ) -> impl Future<Output = Result<raw::ResponseValue<types::Task>, raw::Error<()>>> + Send + 'a;
}

/// A model endpoint: its submit creates a task. Implemented by generated code for every
/// operation whose answer is the task object.
pub trait TaskOperation: Operation {}

/// An operation's identity, for code that dispatches by path or id (see
/// [`crate::operations::OPERATIONS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OperationInfo {
    /// The spec's `operationId`.
    pub operation_id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path below the server URL.
    pub path: &'static str,
    /// What the operation is for.
    pub role: Role,
}
