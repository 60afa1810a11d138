//! The generic view of an operation, implemented by the generated marker types in
//! [`crate::operations`]. The hand-written layer works through these traits, so it never
//! names a model endpoint and a new spec entry needs no Rust.

pub use crate::fields::{FieldInfo, FieldKind};
use crate::raw;
pub use crate::table::{Credential, OperationInfo, OutputKind, Registry, Role, TypedCheck};
use crate::types;
use crate::validation::Validate;
use std::future::Future;

/// The platform calls, the query and the runs of apps and workflows: what every build knows.
pub static PLATFORM: Registry = Registry::new(
    crate::operations::OPERATIONS,
    crate::generated::typed_json_check,
);

/// The operations a raw client knows: those it was built with, or [`PLATFORM`] for one built
/// by hand from `RawInner::default()`.
pub(crate) fn registry_of(inner: &crate::transport::RawInner) -> &'static Registry {
    inner.registry().unwrap_or(&PLATFORM)
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

    /// Sends the body to the operation's path, without the checks of [`crate::Client`]:
    /// the body is still validated (an invalid one is `InvalidRequest` and nothing is
    /// sent), but errors in the answer are returned as they are. One function sends every
    /// operation: they are all a JSON `POST` of the body answered with the task object.
    fn send<'a>(
        client: &'a raw::Client,
        body: &'a Self::Body,
    ) -> impl Future<Output = Result<raw::ResponseValue<types::Task>, raw::Error<()>>> + Send + 'a
    {
        let body = match body.validate() {
            Ok(()) => serde_json::to_vec(body)
                .map_err(|e| raw::Error::InvalidRequest(format!("cannot encode the body: {e}"))),
            Err(e) => Err(raw::Error::InvalidRequest(e.to_string())),
        };
        send_json(client, Self::PATH, Self::OPERATION_ID, body)
    }
}

/// Sends an operation's checked and serialized body to its path through the generated
/// client's shared send (hooks, headers, decoding), for [`Operation::send`]: not generic,
/// so it is compiled once for every endpoint. The request hook checks the body again from
/// the client's registry when it knows the operation (see [`crate::raw::Inner`]).
async fn send_json(
    client: &raw::Client,
    path: &str,
    operation_id: &'static str,
    body: Result<Vec<u8>, raw::Error<()>>,
) -> Result<raw::ResponseValue<types::Task>, raw::Error<()>> {
    use progenitor_client::ClientInfo as _;
    let body = body?;
    let url = format!("{}{path}", client.baseurl());
    let request = client
        .client()
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body);
    client.send_json_post(request, operation_id).await
}

/// A model endpoint: its submit creates a task. Implemented by generated code for every
/// operation whose answer is the task object.
pub trait TaskOperation: Operation {}

/// A platform call answered with RunningHub's `{code, msg, data}` envelope, where `code` 0
/// is success and `data` the result. Implemented by generated code for every operation the
/// spec marks `x-runninghub-role: envelope`; [`crate::Client::call`] sends one.
pub trait EnvelopeOperation {
    /// The request body type, without the API key: the client puts the key where the call
    /// expects it ([`OperationInfo::credential`]).
    type Body: Validate + serde::Serialize + std::fmt::Debug + Send + Sync;
    /// What `data` holds on success (`()` for a call that returns nothing).
    type Data: serde::de::DeserializeOwned;
    /// The spec's `operationId`.
    const OPERATION_ID: &'static str;
    /// The HTTP method, upper case.
    const METHOD: &'static str;
    /// The path below the server URL.
    const PATH: &'static str;
    /// Whether a success creates a (paid) task, named by `data.taskId`: the client never
    /// repeats such a call after sending it.
    const CREATES_TASK: bool = false;
}

/// A generated operation's marker type and its [`Operation`] impl, written once here
/// instead of spelled out for each of hundreds of endpoints (the generator's `emit` module
/// emits one invocation per task or query operation):
/// `Marker(BodyType) "operationId" "METHOD" "/path" Role`, then `task` for a model
/// endpoint, which also implements [`TaskOperation`]. Attributes given first (docs, the
/// family's `cfg`) go on the marker type.
#[macro_export]
#[doc(hidden)]
macro_rules! operation_marker {
    (
        $(#[$attr:meta])*
        $marker:ident($body:ident) $id:literal $method:literal $path:literal $role:ident
        $($task:ident)?
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $marker;
        impl $crate::operation::Operation for $marker {
            type Body = super::types::$body;
            const OPERATION_ID: &'static str = $id;
            const METHOD: &'static str = $method;
            const PATH: &'static str = $path;
            const ROLE: $crate::operation::Role = $crate::operation::Role::$role;
        }
        $($crate::operation_marker!(@$task $marker);)?
    };
    (@task $marker:ident) => {
        impl $crate::operation::TaskOperation for $marker {}
    };
}

/// A generated platform call's marker type and its [`EnvelopeOperation`] impl:
/// `Marker(BodyType) -> DataType, "operationId" "METHOD" "/path"`. Attributes given first
/// go on the marker type.
#[allow(
    unused_macros,
    reason = "invoked once per platform call of the spec; a spec may have none"
)]
#[macro_export]
#[doc(hidden)]
macro_rules! envelope_marker {
    (
        $(#[$attr:meta])*
        $marker:ident($body:ident) -> $data:ty, $id:literal $method:literal $path:literal
        $($creates_task:ident)?
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $marker;
        impl $crate::operation::EnvelopeOperation for $marker {
            type Body = super::types::$body;
            type Data = $data;
            const OPERATION_ID: &'static str = $id;
            const METHOD: &'static str = $method;
            const PATH: &'static str = $path;
            $(const CREATES_TASK: bool = $crate::table_flag!($creates_task);)?
        }
    };
}

/// `true`, for an optional flag of the table macros (`creates_task`).
#[macro_export]
#[doc(hidden)]
macro_rules! table_flag {
    (creates_task) => {
        true
    };
}

/// One [`OperationInfo`] of the generated table, written compactly:
/// `"operationId" "METHOD" "/path" Role "family" json_table "summary"`, then the fields in
/// brackets, each `"jsonName" Kind` followed by the [`FieldInfo`] builder calls it needs
/// (`required()`, `with_default("\"16:9\"")`, ...), then `output:` and the
/// [`OutputKind`] variant, `example:` and the example body's JSON text as an `Option`, a comma, and
/// last `credential:` and where the key goes, as an `Option<Credential>`, followed by
/// `, creates_task` for a platform call that creates a task.
#[macro_export]
#[doc(hidden)]
macro_rules! operation_info {
    (
        $id:literal $method:literal $path:literal $role:ident $family:literal $json_table:literal
        $summary:literal [$($name:literal $kind:ident $($with:ident($($arg:tt)*))*),* $(,)?]
        output: $output:ident example: $example:expr, credential: $credential:expr
        $(, $creates_task:ident)?
    ) => {
        $crate::operation::OperationInfo {
            operation_id: $id,
            method: $method,
            path: $path,
            role: $crate::operation::Role::$role,
            summary: $summary,
            family: $family,
            fields: &[$(
                $crate::operation::FieldInfo::new($name, $crate::operation::FieldKind::$kind)
                    $(.$with($($arg)*))*
            ),*],
            json_table: $json_table,
            example: $example,
            output: $crate::operation::OutputKind::$output,
            credential: $credential,
            creates_task: false $(|| $crate::table_flag!($creates_task))?,
        }
    };
}

/// `new` for a generated request type, written once here (the generator's `emit` module
/// emits one invocation per model endpoint's request type): `args` are the required fields
/// without a default, taken as `impl Into<T>`; `defaults` are the required fields with a
/// documented default, set from its JSON text; `empty` are the optional fields, left out.
#[allow(
    unused_macros,
    reason = "the generated code invokes it once per model endpoint: none in a build without any model family"
)]
#[macro_export]
#[doc(hidden)]
macro_rules! request_new {
    (
        $(#[$attr:meta])*
        $ty:path {
            args: [$($arg:ident: $arg_ty:ty),*],
            defaults: [$($def:ident = $json:literal),*],
            empty: [$($empty:ident),*]
        }
    ) => {
        impl $ty {
            $(#[$attr])*
            #[allow(clippy::too_many_arguments)]
            pub fn new($($arg: impl ::std::convert::Into<$arg_ty>),*) -> Self {
                Self {
                    $($arg: $arg.into(),)*
                    $($def: $crate::operation::spec_default($json),)*
                    $($empty: ::std::default::Default::default(),)*
                }
            }
        }
    };
}

/// A field's documented default, from its JSON text in the spec. `cargo xtask codegen`
/// refuses a default that does not satisfy its field's schema (type, values, bounds), so the
/// text always decodes.
#[doc(hidden)]
pub fn spec_default<T: serde::de::DeserializeOwned>(json: &str) -> T {
    match serde_json::from_str(json) {
        Ok(value) => value,
        Err(e) => unreachable!("the spec's default {json} was checked by codegen: {e}"),
    }
}
