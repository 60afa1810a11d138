//! The operation table's types and lookups: what each generated operation is (its path,
//! role, fields, output) and [`Registry`], the table a client looks endpoints up in by
//! name. A leaf: it names no generated item, so the transport can carry a registry.

use crate::fields::FieldInfo;

/// What a client can send by name: an operation table and the typed checks of the bodies
/// the table cannot check on its own. The runtime's [`crate::operation::PLATFORM`] knows the platform calls;
/// the `runninghub` crate's registry knows those and every model endpoint of its families,
/// and its client carries it (see [`crate::client::Assemble`]).
#[derive(Debug)]
pub struct Registry {
    operations: &'static [OperationInfo],
    typed_check: TypedCheck,
}

/// Decodes a JSON body into the typed request of an operation named by its `operationId`
/// and back; `None` for an operation it does not know.
pub type TypedCheck = fn(
    &str,
    serde_json::Value,
) -> Option<Result<serde_json::Value, crate::validation::ValidationError>>;

impl Registry {
    /// A registry of `operations`, whose bodies the field table cannot check decoded by
    /// `typed_check` (generated code builds one per crate).
    pub const fn new(operations: &'static [OperationInfo], typed_check: TypedCheck) -> Registry {
        Registry {
            operations,
            typed_check,
        }
    }

    /// Every operation, in spec order.
    pub fn operations(&self) -> &'static [OperationInfo] {
        self.operations
    }

    /// Validates a JSON request body for the operation named by its `operationId` against
    /// every constraint of the spec (types, required fields, enumerations, lengths, ranges,
    /// item counts, unknown fields), returning the body as the client would send it (JSON
    /// nulls in optional fields dropped). `None` for an operation without a JSON request
    /// body, or one this registry does not know.
    ///
    /// Most operations are checked from their [`FieldInfo`] table; the few whose bodies hold
    /// nested objects are decoded into their generated type instead.
    pub fn check_json_body(
        &self,
        operation_id: &str,
        body: serde_json::Value,
    ) -> Option<Result<serde_json::Value, crate::validation::ValidationError>> {
        match self
            .operations
            .iter()
            .find(|op| op.operation_id == operation_id && op.json_table)
        {
            Some(op) => Some(crate::validation::validate_fields(op.fields, body)),
            None => (self.typed_check)(operation_id, body),
        }
    }

    /// The operation whose `operationId` is exactly `operation_id`.
    pub fn operation(&self, operation_id: &str) -> Option<&'static OperationInfo> {
        self.operations
            .iter()
            .find(|op| op.operation_id == operation_id)
    }

    /// The model endpoint (task operation) whose `operationId` is exactly `operation_id`.
    pub fn task(&self, operation_id: &str) -> Option<&'static OperationInfo> {
        self.operation(operation_id)
            .filter(|op| op.role == Role::Task)
    }

    /// The operation named by its endpoint (`vidu/...`, with or without the `/openapi/v2/`
    /// prefix) or by its operation id.
    pub fn find(&self, name: &str) -> Option<&'static OperationInfo> {
        let name = name
            .trim_start_matches("/openapi/v2/")
            .trim_start_matches('/');
        self.operations
            .iter()
            .find(|op| op.endpoint() == name || op.operation_id == name)
    }

    /// What a submit to `endpoint` creates a task with: a model endpoint named by its path
    /// or operation id, or a run of an app or workflow with its id in the path
    /// (`run/ai-app/2016740236478386178`); with the path to send to.
    pub fn submittable(&self, endpoint: &str) -> Option<(&'static OperationInfo, String)> {
        if let Some(op) = self.find(endpoint).filter(|op| op.role == Role::Task) {
            return Some((op, op.path.to_owned()));
        }
        self.operations
            .iter()
            .filter(|op| op.role == Role::Run)
            .find_map(|op| op.path_for(endpoint).map(|path| (op, path)))
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
    /// `{code, msg, data}` envelope; see [`crate::operation::EnvelopeOperation`].
    Envelope,
    /// A run of an AI app or a workflow: it creates a task like a model endpoint, and its
    /// path holds the app's or workflow's id (`run/ai-app/{webappId}`). Submitted through
    /// [`crate::Client::submit_json`] with the id in the endpoint, or
    /// [`crate::Client::run_app`] / [`crate::Client::run_workflow`].
    Run,
    /// Anything else.
    Other,
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table entry with no fields, no example and no credential.
    const fn entry(
        operation_id: &'static str,
        path: &'static str,
        role: Role,
        json_table: bool,
    ) -> OperationInfo {
        OperationInfo {
            operation_id,
            method: "POST",
            path,
            role,
            summary: "",
            family: "",
            fields: &[],
            json_table,
            example: None,
            output: OutputKind::Unknown,
            credential: None,
            creates_task: false,
        }
    }

    fn op(path: &'static str) -> OperationInfo {
        entry("op", path, Role::Run, true)
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

    /// A table of one model endpoint (checked from its fields), one run (whose path holds
    /// an id) and one operation only the typed check knows.
    static TABLE: [OperationInfo; 3] = [
        entry(
            "acme_text_to_image",
            "/openapi/v2/acme/text-to-image",
            Role::Task,
            true,
        ),
        entry(
            "run_ai_app",
            "/openapi/v2/run/ai-app/{webappId}",
            Role::Run,
            false,
        ),
        entry("nested", "/openapi/v2/nested", Role::Envelope, false),
    ];

    /// Knows `nested` only, and marks what it returns.
    fn typed(
        operation_id: &str,
        body: serde_json::Value,
    ) -> Option<Result<serde_json::Value, crate::validation::ValidationError>> {
        (operation_id == "nested").then(|| Ok(serde_json::json!({ "typed": body })))
    }

    static REGISTRY: Registry = Registry::new(&TABLE, typed);

    #[test]
    fn a_registry_finds_operations_by_endpoint_or_id() {
        let by_id = REGISTRY.find("acme_text_to_image").unwrap();
        assert_eq!(by_id.path, "/openapi/v2/acme/text-to-image");
        for name in ["acme/text-to-image", "/openapi/v2/acme/text-to-image"] {
            assert!(std::ptr::eq(REGISTRY.find(name).unwrap(), by_id), "{name}");
        }
        assert!(REGISTRY.find("acme").is_none());
        // `task` is exact and for model endpoints only.
        assert!(REGISTRY.task("acme_text_to_image").is_some());
        assert!(REGISTRY.task("nested").is_none());
        assert!(REGISTRY.task("acme/text-to-image").is_none());
        assert_eq!(REGISTRY.operation("nested").unwrap().role, Role::Envelope);
        assert_eq!(REGISTRY.operations().len(), 3);
    }

    #[test]
    fn a_submit_goes_to_a_model_endpoint_or_a_run_with_its_id() {
        let (op, path) = REGISTRY.submittable("acme/text-to-image").unwrap();
        assert_eq!(
            (op.operation_id, path.as_str()),
            ("acme_text_to_image", "/openapi/v2/acme/text-to-image")
        );
        let (op, path) = REGISTRY.submittable("run/ai-app/42").unwrap();
        assert_eq!(
            (op.operation_id, path.as_str()),
            ("run_ai_app", "/openapi/v2/run/ai-app/42")
        );
        // A platform call creates no task through a submit.
        assert!(REGISTRY.submittable("nested").is_none());
        assert!(REGISTRY.submittable("unknown/model").is_none());
    }

    #[test]
    fn a_body_is_checked_from_the_table_or_by_the_typed_check() {
        // From the field table: no fields, so an unknown one is refused.
        let err = REGISTRY
            .check_json_body("acme_text_to_image", serde_json::json!({ "x": 1 }))
            .unwrap()
            .unwrap_err();
        assert_eq!(err.violations()[0].field, "x");
        // The typed check for what the table cannot check.
        let body = REGISTRY
            .check_json_body("nested", serde_json::json!({ "a": 1 }))
            .unwrap()
            .unwrap();
        assert_eq!(body, serde_json::json!({ "typed": { "a": 1 } }));
        // Neither knows it.
        assert!(
            REGISTRY
                .check_json_body("unknown", serde_json::json!({}))
                .is_none()
        );
    }
}
