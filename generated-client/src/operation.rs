//! The generic view of an operation, implemented by the generated marker types in
//! [`crate::operations`]. The hand-written layer works through these traits, so it never
//! names a model endpoint and a new spec entry needs no Rust.

pub use crate::fields::{FieldInfo, FieldKind};
use crate::raw;
use crate::types;
use crate::validation::Validate;
use std::future::Future;

/// Validates a JSON request body for the operation named by its `operationId` against every
/// constraint of the spec (types, required fields, enumerations, lengths, ranges, item
/// counts, unknown fields), returning the body as the client would send it (JSON nulls in
/// optional fields dropped). `None` for an operation without a JSON request body.
///
/// Most operations are checked from their [`FieldInfo`] table; the few whose bodies hold
/// nested objects are decoded into their generated type instead.
pub fn check_json_body(
    operation_id: &str,
    body: serde_json::Value,
) -> Option<Result<serde_json::Value, crate::ValidationError>> {
    match crate::operations::OPERATIONS
        .iter()
        .find(|op| op.operation_id == operation_id && op.json_table)
    {
        Some(op) => Some(crate::validation::validate_fields(op.fields, body)),
        None => crate::generated::typed_json_check(operation_id, body),
    }
}

/// What an operation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A model endpoint: submitting creates a (paid) task.
    Task,
    /// The task lookup.
    Query,
    /// A platform call (account, cancel, webhook events, ...) answered with RunningHub's
    /// `{code, msg, data}` envelope; see [`EnvelopeOperation`].
    Envelope,
    /// A run of an AI app or a workflow: it creates a task like a model endpoint, and its
    /// path holds the app's or workflow's id (`run/ai-app/{webappId}`). Submitted through
    /// [`crate::Client::submit_json`] with the id in the endpoint, or
    /// [`crate::Client::run_app`] / [`crate::Client::run_workflow`].
    Run,
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

    /// Sends the body to the operation's path, without the checks of [`crate::Client`]
    /// (the request hook still validates the body). One function sends every operation:
    /// they are all a JSON `POST` of the body answered with the task object.
    fn send<'a>(
        client: &'a raw::Client,
        body: &'a Self::Body,
    ) -> impl Future<Output = Result<raw::ResponseValue<types::Task>, raw::Error<()>>> + Send + 'a
    {
        send_json(
            client,
            Self::PATH,
            Self::OPERATION_ID,
            serde_json::to_vec(body),
        )
    }
}

/// Sends an operation's serialized body to its path through the generated client's shared
/// send (hooks, headers, decoding), for [`Operation::send`]: not generic, so it is compiled
/// once for every endpoint.
async fn send_json(
    client: &raw::Client,
    path: &str,
    operation_id: &'static str,
    body: serde_json::Result<Vec<u8>>,
) -> Result<raw::ResponseValue<types::Task>, raw::Error<()>> {
    use progenitor_client::ClientInfo as _;
    let body =
        body.map_err(|e| raw::Error::InvalidRequest(format!("cannot encode the body: {e}")))?;
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

/// An operation's identity, for code that dispatches by path or id (see
/// [`crate::operations::OPERATIONS`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OperationInfo {
    /// The spec's `operationId`.
    pub operation_id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path below the server URL.
    pub path: &'static str,
    /// What the operation is for.
    pub role: Role,
    /// A short name, from the spec's summary.
    pub summary: &'static str,
    /// The model family (the spec's first tag).
    pub family: &'static str,
    /// The request body's fields, in spec order.
    pub fields: &'static [FieldInfo],
    /// Whether `fields` describe the body completely (no nested objects), so that a JSON
    /// body can be checked from them alone.
    pub json_table: bool,
    /// The spec's example request body, as compact JSON text (it satisfies every
    /// constraint: `cargo xtask codegen` checks it).
    pub example: Option<&'static str>,
    /// What the task produces, as the spec says (`x-runninghub-output`).
    pub output: OutputKind,
    /// Where a platform call carries the API key besides the `Authorization` header; the
    /// client fills it in. `None`: the header only.
    pub credential: Option<Credential>,
    /// Whether a platform call creates a (paid) task, named by `data.taskId`
    /// (`x-runninghub-creates-task`): the client never repeats it after sending it.
    pub creates_task: bool,
}

/// Where a platform call carries the API key, besides the `Authorization` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Credential {
    /// A property of the JSON body, such as `apiKey` or `apikey`.
    Body(&'static str),
    /// A query parameter, such as `apiKey`.
    Query(&'static str),
}

/// What a model endpoint's task produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputKind {
    /// Video files.
    Video,
    /// Images.
    Image,
    /// Audio files.
    Audio,
    /// Text (the output's `text`, no file).
    Text,
    /// 3D models.
    Model3d,
    /// The spec does not say.
    Unknown,
}

impl OperationInfo {
    /// The path below `/openapi/v2/`, as RunningHub's documentation names endpoints.
    pub fn endpoint(&self) -> &'static str {
        self.path.strip_prefix("/openapi/v2/").unwrap_or(self.path)
    }

    /// The model endpoint (task operation) whose `operationId` is exactly `operation_id`.
    pub fn task(operation_id: &str) -> Option<&'static OperationInfo> {
        crate::operations::OPERATIONS
            .iter()
            .find(|op| op.operation_id == operation_id && op.role == Role::Task)
    }

    /// The endpoint of a run with its path parameter set to `id`
    /// (`run/ai-app/2016740236478386178` for `run/ai-app/{webappId}`); the endpoint itself
    /// for an operation without one.
    pub fn endpoint_for(&self, id: &str) -> String {
        self.endpoint()
            .split('/')
            .map(|part| {
                if part.starts_with('{') && part.ends_with('}') {
                    id
                } else {
                    part
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The path to send to for `endpoint` (with or without the `/openapi/v2/` prefix): this
    /// operation's own path when it has no parameters and `endpoint` names it, or, for a path
    /// with parameters (`run/ai-app/{webappId}`), `endpoint` filled in
    /// (`run/ai-app/2016740236478386178`). A parameter's value is one path segment of
    /// letters, digits, `-`, `_` and `.`, so it never needs encoding. `None` when `endpoint`
    /// is not this operation.
    pub fn path_for(&self, endpoint: &str) -> Option<String> {
        let wanted = endpoint
            .trim_start_matches("/openapi/v2/")
            .trim_start_matches('/');
        let own = self.endpoint();
        if !own.contains('{') {
            return (own == wanted).then(|| self.path.to_owned());
        }
        let mut own_parts = own.split('/');
        let mut wanted_parts = wanted.split('/');
        loop {
            match (own_parts.next(), wanted_parts.next()) {
                (None, None) => break,
                (Some(o), Some(w)) if o.starts_with('{') && o.ends_with('}') => {
                    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
                    if w.is_empty() || w == "." || w == ".." || !w.chars().all(plain) {
                        return None;
                    }
                }
                (Some(o), Some(w)) if o == w => {}
                _ => return None,
            }
        }
        let prefix = &self.path[..self.path.len() - own.len()];
        Some(format!("{prefix}{wanted}"))
    }

    /// What a submit to `endpoint` creates a task with: a model endpoint named by its path or
    /// operation id, or a run of an app or workflow with its id in the path
    /// (`run/ai-app/2016740236478386178`); with the path to send to.
    pub fn submittable(endpoint: &str) -> Option<(&'static OperationInfo, String)> {
        if let Some(op) = OperationInfo::find(endpoint).filter(|op| op.role == Role::Task) {
            return Some((op, op.path.to_owned()));
        }
        crate::operations::OPERATIONS
            .iter()
            .filter(|op| op.role == Role::Run)
            .find_map(|op| op.path_for(endpoint).map(|path| (op, path)))
    }

    /// The task operation named by its endpoint (`vidu/...`, with or without the
    /// `/openapi/v2/` prefix) or by its operation id.
    pub fn find(name: &str) -> Option<&'static OperationInfo> {
        let name = name
            .trim_start_matches("/openapi/v2/")
            .trim_start_matches('/');
        crate::operations::OPERATIONS
            .iter()
            .find(|op| op.endpoint() == name || op.operation_id == name)
    }
}

/// A generated operation's marker type and its [`Operation`] impl, written once here
/// instead of spelled out for each of hundreds of endpoints (the generator's `emit` module
/// emits one invocation per task or query operation):
/// `Marker(BodyType) "operationId" "METHOD" "/path" Role`, then `task` for a model
/// endpoint, which also implements [`TaskOperation`]. Attributes given first (docs, the
/// family's `cfg`) go on the marker type.
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
            type Body = $crate::types::$body;
            const OPERATION_ID: &'static str = $id;
            const METHOD: &'static str = $method;
            const PATH: &'static str = $path;
            const ROLE: $crate::operation::Role = $crate::operation::Role::$role;
        }
        $($crate::operation::operation_marker!(@$task $marker);)?
    };
    (@task $marker:ident) => {
        impl $crate::operation::TaskOperation for $marker {}
    };
}
pub(crate) use operation_marker;

/// A generated platform call's marker type and its [`EnvelopeOperation`] impl:
/// `Marker(BodyType) -> DataType, "operationId" "METHOD" "/path"`. Attributes given first
/// go on the marker type.
#[allow(
    unused_macros,
    reason = "invoked once per platform call of the spec; a spec may have none"
)]
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
            type Body = $crate::types::$body;
            type Data = $data;
            const OPERATION_ID: &'static str = $id;
            const METHOD: &'static str = $method;
            const PATH: &'static str = $path;
            $(const CREATES_TASK: bool = $crate::operation::flag!($creates_task);)?
        }
    };
}

/// `true`, for an optional flag of the table macros (`creates_task`).
macro_rules! flag {
    (creates_task) => {
        true
    };
}
#[allow(
    unused_imports,
    reason = "invoked once per platform call of the spec; a spec may have none"
)]
pub(crate) use envelope_marker;
#[allow(
    unused_imports,
    reason = "invoked only for platform calls that create tasks; a spec may have none"
)]
pub(crate) use flag;

/// One [`OperationInfo`] of the generated table, written compactly:
/// `"operationId" "METHOD" "/path" Role "family" json_table "summary"`, then the fields in
/// brackets, each `"jsonName" Kind` followed by the [`FieldInfo`] builder calls it needs
/// (`required()`, `with_default("\"16:9\"")`, ...), then `output:` and the
/// [`OutputKind`] variant, `example:` and the example body's JSON text as an `Option`, a comma, and
/// last `credential:` and where the key goes, as an `Option<Credential>`, followed by
/// `, creates_task` for a platform call that creates a task.
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
            creates_task: false $(|| $crate::operation::flag!($creates_task))?,
        }
    };
}
pub(crate) use operation_info;

/// `new` for a generated request type, written once here (the generator's `emit` module
/// emits one invocation per model endpoint's request type): `args` are the required fields
/// without a default, taken as `impl Into<T>`; `defaults` are the required fields with a
/// documented default, set from its JSON text; `empty` are the optional fields, left out.
#[allow(
    unused_macros,
    reason = "the generated code invokes it once per model endpoint: none in a build without any model family"
)]
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
#[allow(
    unused_imports,
    reason = "the generated code invokes it once per model endpoint: none in a build without any model family"
)]
pub(crate) use request_new;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn op(path: &'static str) -> OperationInfo {
        OperationInfo {
            operation_id: "op",
            method: "POST",
            path,
            role: Role::Run,
            summary: "",
            family: "",
            fields: &[],
            json_table: true,
            example: None,
            output: OutputKind::Unknown,
            credential: None,
            creates_task: false,
        }
    }

    #[test]
    fn a_path_with_a_parameter_is_filled_from_one_plain_segment() {
        let run = op("/openapi/v2/run/ai-app/{webappId}");
        let filled = Some("/openapi/v2/run/ai-app/2016740236478386178".to_owned());
        assert_eq!(run.path_for("run/ai-app/2016740236478386178"), filled);
        assert_eq!(
            run.path_for("/openapi/v2/run/ai-app/2016740236478386178"),
            filled
        );
        for bad in [
            "run/ai-app/",
            "run/ai-app",
            "run/ai-app/1/2",
            "run/ai-app/..",
            "run/ai-app/a%2Fb",
            "run/ai-app/1?x=2",
            "run/workflow/1",
            "run/ai-app/{webappId}",
        ] {
            assert_eq!(run.path_for(bad), None, "{bad}");
        }
        // Without parameters, only the path itself.
        let fixed = op("/openapi/v2/acme/text-to-image");
        assert_eq!(
            fixed.path_for("acme/text-to-image").as_deref(),
            Some("/openapi/v2/acme/text-to-image")
        );
        assert_eq!(fixed.path_for("acme/text-to-image/1"), None);
    }
}
