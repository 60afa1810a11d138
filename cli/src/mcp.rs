//! `runninghub mcp`: a Model Context Protocol server over standard input and output, so an
//! AI agent can find, describe, check, price and run every model of the spec, and run AI
//! apps, workflows and platform calls, through the same client as the rest of the command
//! line (its validation, retries, waits and downloads).
//!
//! The tools are few and driven by the spec's tables: a model added to the spec is found,
//! described and run with no change here. One tool per endpoint would put hundreds of tools
//! in front of an agent; a search and a describe tool scale instead, as the MCP servers of
//! other generative-media APIs do.
//!
//! Every tool result is JSON (`structuredContent`, and the same as text). A refused or failed
//! call is a tool error (`isError`) whose JSON has `error` (`kind`, `code`, `message`) and,
//! whenever a task exists, its `taskId`. The key is never in a result.

use crate::{Failure, cost_json};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, InitializeResult,
    JsonObject, ListToolsResult, PaginatedRequestParams, ProgressNotificationParam,
    ServerCapabilities, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt as _};
use runninghub::operation::{OperationInfo, OutputKind, Role};
use runninghub::operations::OPERATIONS;
use runninghub::{Client, Error, FinishedTask, Progress, WaitOptions, types};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

/// How long `run_model`, `run_app` and `run_workflow` wait by default.
const DEFAULT_TIMEOUT_SECS: f64 = 600.0;

/// Serves MCP on standard input and output until the client closes them.
pub(crate) async fn serve(client: Client) -> Result<(), Failure> {
    let running = Server { client }
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| Failure::usage(format!("starting the MCP server: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| Failure::usage(format!("the MCP server stopped: {e}")))?;
    Ok(())
}

#[derive(Clone)]
struct Server {
    client: Client,
}

impl ServerHandler for Server {
    fn get_info(&self) -> InitializeResult {
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("runninghub", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "RunningHub's generative models (image, video, audio, 3D), AI apps and ComfyUI \
                 workflows. Find a model with find_models, read its fields with describe_model, \
                 check a request with validate_request, then run_model: it submits, waits with \
                 progress and returns output URLs and costs. Running creates a paid task; its \
                 taskId is in every result, also on timeout or error: follow it with get_task \
                 rather than running again.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = Args(request.arguments.unwrap_or_default());
        let result = match request.name.as_ref() {
            "find_models" => find_models(&args),
            "describe_model" => describe_model(&args),
            "validate_request" => validate_request(&args),
            "estimate_price" => self.estimate_price(&args).await,
            "run_model" => self.run_model(&args, &context).await,
            "run_app" => {
                self.run_nodes("run_ai_app", "webappId", &args, &context)
                    .await
            }
            "run_workflow" => {
                self.run_nodes("run_workflow", "workflowId", &args, &context)
                    .await
            }
            "get_task" => self.get_task(&args).await,
            "cancel_task" => self.cancel_task(&args).await,
            "upload_file" => self.upload_file(&args).await,
            "account" => self.account().await,
            "call_platform" => self.call_platform(&args).await,
            other => {
                return Err(ErrorData::invalid_params(
                    format!("no tool `{other}`"),
                    None,
                ));
            }
        };
        Ok(result.unwrap_or_else(|e| e.0).into())
    }
}

/// A tool's refusal or failure, as the tool result to return.
struct ToolError(CallToolResult);

impl ToolError {
    /// A usage error: a missing or malformed argument.
    fn usage(message: impl Into<String>) -> ToolError {
        ToolError(CallToolResult::structured_error(json!({
            "error": {"kind": "usage", "code": null, "message": message.into()}
        })))
    }

    /// `e`, naming `task_id` when a task exists (the error's own, or the one given).
    fn from_error(e: Error, task_id: Option<&str>) -> ToolError {
        let failure = Failure::from(e);
        let task_id = failure.task_id.clone().or(task_id.map(str::to_owned));
        let mut value = json!({
            "error": {"kind": failure.kind, "code": failure.error_code, "message": failure.message}
        });
        if let Some(id) = task_id {
            value["taskId"] = Value::String(id.clone());
            value["resume"] = Value::String(format!(
                "the task exists and may be paid for: follow it with get_task {{\"taskId\": \"{id}\"}}"
            ));
        }
        ToolError(CallToolResult::structured_error(value))
    }
}

impl From<Error> for ToolError {
    fn from(e: Error) -> ToolError {
        ToolError::from_error(e, None)
    }
}

type ToolResult = Result<CallToolResult, ToolError>;

/// A tool's arguments.
struct Args(JsonObject);

impl Args {
    fn text(&self, name: &str) -> Result<Option<String>, ToolError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(ToolError::usage(format!(
                "`{name}` must be a string, not {other}"
            ))),
        }
    }

    fn required_text(&self, name: &str) -> Result<String, ToolError> {
        self.text(name)?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| ToolError::usage(format!("`{name}` is required")))
    }

    fn object(&self, name: &str) -> Result<Value, ToolError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(json!({})),
            Some(v @ Value::Object(_)) => Ok(v.clone()),
            Some(other) => Err(ToolError::usage(format!(
                "`{name}` must be a JSON object, not {other}"
            ))),
        }
    }

    fn flag(&self, name: &str, default: bool) -> Result<bool, ToolError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(ToolError::usage(format!(
                "`{name}` must be true or false, not {other}"
            ))),
        }
    }

    fn seconds(&self, name: &str, default: f64) -> Result<Duration, ToolError> {
        let secs = match self.0.get(name) {
            None | Some(Value::Null) => default,
            Some(v) => v.as_f64().unwrap_or(f64::NAN),
        };
        if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 {
            Ok(Duration::from_secs_f64(secs))
        } else {
            Err(ToolError::usage(format!(
                "`{name}` must be a number of seconds above 0 and at most a day"
            )))
        }
    }
}

fn ok(value: Value) -> ToolResult {
    Ok(CallToolResult::structured(value))
}

/// The model endpoints of this build.
fn models() -> impl Iterator<Item = &'static OperationInfo> {
    OPERATIONS.iter().filter(|op| op.role == Role::Task)
}

/// The model `endpoint` names (its path below `/openapi/v2/` or its operation name).
fn model(endpoint: &str) -> Result<&'static OperationInfo, ToolError> {
    runninghub::operation::find(endpoint)
        .filter(|op| op.role == Role::Task)
        .ok_or_else(|| {
            ToolError::usage(format!(
                "no model `{endpoint}`: find_models lists them (its `endpoint` values)"
            ))
        })
}

fn output_name(kind: OutputKind) -> Option<&'static str> {
    crate::output_name(kind)
}

fn model_json(op: &OperationInfo) -> Value {
    json!({
        "endpoint": op.endpoint(),
        "operation": op.operation_id,
        "family": op.family,
        "summary": op.summary,
        "output": output_name(op.output),
    })
}

/// A finished or submitted task, as the tools report it.
fn task_json(task: &types::Task, saved: &[PathBuf]) -> Value {
    let outputs: Vec<Value> = task
        .outputs()
        .iter()
        .map(|o| json!({"url": o.url, "type": o.output_type, "text": o.text, "nodeId": o.node_id}))
        .collect();
    json!({
        "taskId": task.task_id,
        "status": task.status,
        "outputs": outputs,
        "cost": cost_json(task),
        "usage": task.usage,
        "savedFiles": saved.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
    })
}

fn find_models(args: &Args) -> ToolResult {
    let text = args.text("text")?.map(|t| t.to_lowercase());
    let family = args.text("family")?;
    let output = args.text("output")?;
    let found: Vec<Value> = models()
        .filter(|op| family.as_deref().is_none_or(|f| op.family == f))
        .filter(|op| {
            output
                .as_deref()
                .is_none_or(|o| output_name(op.output) == Some(o))
        })
        .filter(|op| {
            text.as_deref().is_none_or(|t| {
                t.split_whitespace().all(|word| {
                    [op.endpoint(), op.operation_id, op.summary, op.family]
                        .iter()
                        .any(|s| s.to_lowercase().contains(word))
                })
            })
        })
        .map(model_json)
        .collect();
    ok(json!({"count": found.len(), "models": found}))
}

fn describe_model(args: &Args) -> ToolResult {
    let op = model(&args.required_text("endpoint")?)?;
    let mut value = model_json(op);
    value["method"] = json!(op.method);
    value["path"] = json!(op.path);
    value["schema"] = runninghub_simulator::request_schema(op.operation_id).unwrap_or(Value::Null);
    value["example"] = op
        .example
        .and_then(|e| serde_json::from_str(e).ok())
        .unwrap_or(Value::Null);
    ok(value)
}

/// A model request body from the arguments, its required fields that have a documented
/// default filled with it (as the command line does), with the names filled.
fn model_body(op: &OperationInfo, args: &Args) -> Result<(Value, Vec<String>), ToolError> {
    let mut body = args.object("body")?;
    let filled = crate::fill_defaults(op, &mut body);
    Ok((body, filled))
}

/// `body` checked against `op`'s spec: the body as it would be sent, or the violations.
fn check(op: &OperationInfo, body: Value) -> Result<Value, runninghub::ValidationError> {
    match runninghub::operation::check_json_body(op.operation_id, body.clone()) {
        Some(checked) => checked,
        None => Ok(body),
    }
}

fn violations_json(e: &runninghub::ValidationError) -> Value {
    Value::Array(
        e.violations()
            .iter()
            .map(|v| json!({"field": v.field, "problem": v.problem.to_string()}))
            .collect(),
    )
}

fn validate_request(args: &Args) -> ToolResult {
    let op = model(&args.required_text("endpoint")?)?;
    let (body, filled) = model_body(op, args)?;
    match check(op, body) {
        Ok(body) => ok(
            json!({"valid": true, "endpoint": op.endpoint(), "body": body,
                              "filledDefaults": filled}),
        ),
        Err(e) => ok(json!({
            "valid": false,
            "endpoint": op.endpoint(),
            "message": e.to_string(),
            "violations": violations_json(&e),
        })),
    }
}

/// Forwards a wait's status changes to the MCP client as progress notifications, when it
/// asked for them (a progress token); the first says which task was created.
struct ProgressForward {
    sender: Option<tokio::sync::mpsc::UnboundedSender<String>>,
    forward: Option<tokio::task::JoinHandle<()>>,
}

impl ProgressForward {
    fn new(context: &RequestContext<RoleServer>) -> ProgressForward {
        let Some(token) = context.meta.get_progress_token() else {
            return ProgressForward {
                sender: None,
                forward: None,
            };
        };
        let peer = context.peer.clone();
        let (sender, mut messages) = tokio::sync::mpsc::unbounded_channel::<String>();
        let forward = tokio::spawn(async move {
            let mut step = 0.0;
            while let Some(message) = messages.recv().await {
                step += 1.0;
                let note =
                    ProgressNotificationParam::new(token.clone(), step).with_message(message);
                let _ = peer.notify_progress(note).await;
            }
        });
        ProgressForward {
            sender: Some(sender),
            forward: Some(forward),
        }
    }

    fn say(&self, message: String) {
        if let Some(sender) = &self.sender {
            let _ = sender.send(message);
        }
    }

    fn on_progress(&self) -> impl Fn(&Progress) + Send + Sync + 'static {
        let sender = self.sender.clone();
        move |p: &Progress| {
            if let Some(sender) = &sender {
                let _ = sender.send(format!(
                    "task {}: {} after {:.0} s",
                    p.task_id,
                    p.status.as_str(),
                    p.elapsed.as_secs_f64()
                ));
            }
        }
    }

    /// Sends what is queued, so that every notification precedes the result.
    async fn finish(mut self) {
        self.sender = None;
        if let Some(forward) = self.forward.take() {
            let _ = forward.await;
        }
    }
}

/// What `run_model`, `run_app` and `run_workflow` do after the checks: submit `body` to
/// `endpoint`, and unless told not to, wait (with progress) and save the outputs.
async fn submit_and_follow(
    client: &Client,
    endpoint: &str,
    body: Value,
    args: &Args,
    context: &RequestContext<RoleServer>,
) -> ToolResult {
    let wait = args.flag("wait", true)?;
    let timeout = args.seconds("timeoutSeconds", DEFAULT_TIMEOUT_SECS)?;
    let out_dir = args.text("outDir")?.map(PathBuf::from);
    let progress = ProgressForward::new(context);
    let task = client.submit_json(endpoint, body).await?;
    let task_id = task.task_id.clone();
    progress.say(format!("submitted task {task_id} to {endpoint}"));
    if !wait {
        progress.finish().await;
        return ok(task_json(&task, &[]));
    }
    let options = WaitOptions::new()
        .timeout(timeout)
        .on_progress(progress.on_progress());
    let operation =
        runninghub::operation::submittable(endpoint).map_or("", |(op, _)| op.operation_id);
    let waited = tokio::select! {
        waited = client.wait_submitted(task, operation, options) => waited,
        () = context.ct.cancelled() => {
            progress.finish().await;
            return Err(ToolError::from_error(
                Error::InvalidRequest("the wait was cancelled by the MCP client; the task goes on".into()),
                Some(&task_id),
            ));
        }
    };
    progress.finish().await;
    let finished: FinishedTask = waited.map_err(|e| ToolError::from_error(e, Some(&task_id)))?;
    let saved = match out_dir {
        Some(dir) => finished
            .download_to(&dir)
            .await
            .map_err(|e| ToolError::from_error(e, Some(&task_id)))?,
        None => Vec::new(),
    };
    ok(task_json(finished.task(), &saved))
}

impl Server {
    async fn estimate_price(&self, args: &Args) -> ToolResult {
        let op = model(&args.required_text("endpoint")?)?;
        let (body, _) = model_body(op, args)?;
        let quote = self.client.price_preview(op.operation_id, body).await?;
        let mut value = serde_json::to_value(&quote).unwrap_or_default();
        value["endpoint"] = json!(op.endpoint());
        if quote.estimated_price == Some(0.0) {
            value["note"] =
                json!("a price of 0 may mean the model is priced by the token, not free");
        }
        ok(value)
    }

    async fn run_model(&self, args: &Args, context: &RequestContext<RoleServer>) -> ToolResult {
        let op = model(&args.required_text("endpoint")?)?;
        let (body, _) = model_body(op, args)?;
        // Refused here with the field-naming message, before anything is sent.
        let body = check(op, body).map_err(|e| ToolError::from(Error::Validation(e)))?;
        submit_and_follow(&self.client, op.endpoint(), body, args, context).await
    }

    async fn run_nodes(
        &self,
        operation: &str,
        id_name: &str,
        args: &Args,
        context: &RequestContext<RoleServer>,
    ) -> ToolResult {
        let id = args.required_text(id_name)?;
        let op = OPERATIONS
            .iter()
            .find(|op| op.operation_id == operation)
            .ok_or_else(|| ToolError::usage(format!("this build has no `{operation}`")))?;
        let mut body = args.object("options")?;
        body["nodeInfoList"] = match args.0.get("nodes") {
            Some(nodes @ Value::Array(_)) => nodes.clone(),
            None | Some(Value::Null) => json!([]),
            Some(other) => {
                return Err(ToolError::usage(format!(
                    "`nodes` must be a list of {{nodeId, fieldName, fieldValue}}, not {other}"
                )));
            }
        };
        let body = check(op, body).map_err(|e| ToolError::from(Error::Validation(e)))?;
        if args.flag("check", false)? {
            let nodes: Vec<types::NodeInfo> = serde_json::from_value(body["nodeInfoList"].clone())
                .map_err(|e| ToolError::usage(format!("`nodes`: {e}")))?;
            match operation {
                "run_ai_app" => self.client.check_app_nodes(&id, &nodes).await?,
                _ => self.client.check_workflow_nodes(&id, &nodes).await?,
            }
        }
        let endpoint = op.endpoint_for(&id);
        submit_and_follow(&self.client, &endpoint, body, args, context).await
    }

    async fn get_task(&self, args: &Args) -> ToolResult {
        let task_id = args.required_text("taskId")?;
        match self.client.query(&task_id).await {
            Ok(task) => ok(task_json(&task, &[])),
            Err(e) => Err(ToolError::from_error(e, Some(&task_id))),
        }
    }

    async fn cancel_task(&self, args: &Args) -> ToolResult {
        let task_id = args.required_text("taskId")?;
        self.client
            .cancel(&task_id)
            .await
            .map_err(|e| ToolError::from_error(e, Some(&task_id)))?;
        ok(json!({"taskId": task_id, "cancelled": true}))
    }

    async fn upload_file(&self, args: &Args) -> ToolResult {
        let path = PathBuf::from(args.required_text("path")?);
        if !path.is_file() {
            return Err(ToolError::usage(format!(
                "{} is not a file",
                path.display()
            )));
        }
        let uploaded = self.client.upload(path.as_path()).await?;
        ok(json!({
            "downloadUrl": uploaded.download_url,
            "fileName": uploaded.file_name,
            "type": uploaded.media_type,
            "size": uploaded.size,
        }))
    }

    async fn account(&self) -> ToolResult {
        let account = self.client.account().await?;
        ok(serde_json::to_value(&account).unwrap_or_default())
    }

    async fn call_platform(&self, args: &Args) -> ToolResult {
        let name = args.required_text("name")?;
        let body = args.object("body")?;
        let task_id = body
            .get("taskId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let data = self
            .client
            .call_json(&name, body)
            .await
            .map_err(|e| ToolError::from_error(e, task_id.as_deref()))?;
        let mut value = json!({"name": name, "data": data});
        if let Some(id) = data.get("taskId").and_then(Value::as_str) {
            value["taskId"] = json!(id);
        }
        ok(value)
    }
}

fn schema(value: Value) -> JsonObject {
    match value {
        Value::Object(map) => map,
        _ => JsonObject::new(),
    }
}

fn tool(name: &'static str, description: String, input: Value, read_only: bool) -> Tool {
    let mut annotations = ToolAnnotations::default();
    annotations.read_only_hint = Some(read_only);
    let mut tool = Tool::new(name, description, schema(input));
    tool.annotations = Some(annotations);
    tool
}

/// The tools, with the spec's families, output kinds and platform calls in their schemas.
fn tools() -> Vec<Tool> {
    let mut families: Vec<&str> = models().map(|op| op.family).collect();
    families.sort_unstable();
    families.dedup();
    let outputs = ["video", "image", "audio", "text", "3d"];
    let platform: Vec<&str> = OPERATIONS
        .iter()
        .filter(|op| op.role == Role::Envelope)
        .map(|op| op.operation_id)
        .collect();
    let endpoint = json!({"type": "string", "minLength": 1,
        "description": "The model: its endpoint as find_models gives it (such as a path below /openapi/v2/), or its operation name."});
    let body = json!({"type": "object",
        "description": "The request body, as describe_model's schema says; required fields with a documented default may be left out."});
    let wait_fields = json!({
        "wait": {"type": "boolean", "default": true,
                 "description": "Wait for the task to finish (with progress notifications); false returns at once with the taskId."},
        "timeoutSeconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 86400, "default": DEFAULT_TIMEOUT_SECS,
                           "description": "How long to wait; on timeout the result names the task, which goes on."},
        "outDir": {"type": "string", "description": "A local directory to save the outputs into."},
    });
    let node_run = |id_name: &str, what: &str| {
        let mut properties = json!({
            id_name: {"type": "string", "minLength": 1, "description": format!("The {what}'s id: the number at the end of its page's address.")},
            "nodes": {"type": "array", "description": "The inputs to set.",
                      "items": {"type": "object", "required": ["nodeId", "fieldName", "fieldValue"],
                                "properties": {"nodeId": {"type": "string"}, "fieldName": {"type": "string"},
                                               "fieldValue": {"type": "string", "description": "The value as text; a media input takes an upload's fileName."}}}},
            "check": {"type": "boolean", "default": false,
                      "description": format!("Check the nodes against the {what}'s own inputs first (one extra call).")},
            "options": {"type": "object", "description": "Other body fields, such as instanceType or webhookUrl."},
        });
        if let (Value::Object(p), Value::Object(w)) = (&mut properties, &wait_fields) {
            p.extend(w.clone());
        }
        json!({"type": "object", "required": [id_name], "properties": properties})
    };
    let mut run_model = json!({"type": "object", "required": ["endpoint", "body"],
        "properties": {"endpoint": endpoint, "body": body}});
    if let (Value::Object(p), Value::Object(w)) = (&mut run_model["properties"], &wait_fields) {
        p.extend(w.clone());
    }
    vec![
        tool(
            "find_models",
            format!(
                "Search RunningHub's {} models by words (in the endpoint, name, summary or family), family and output kind. Without arguments, lists them all.",
                models().count()
            ),
            json!({"type": "object", "properties": {
                "text": {"type": "string", "description": "Words that must all appear, such as \"kling image\"."},
                "family": {"type": "string", "enum": families},
                "output": {"type": "string", "enum": outputs},
            }}),
            true,
        ),
        tool(
            "describe_model",
            "A model's request: its JSON Schema straight from the spec (types, required fields, choices, bounds, defaults) and an example body that passes it.".into(),
            json!({"type": "object", "required": ["endpoint"], "properties": {"endpoint": endpoint}}),
            true,
        ),
        tool(
            "validate_request",
            "Check a request body against the model's spec without sending anything: valid, with the body as it would be sent, or each violation with its field.".into(),
            json!({"type": "object", "required": ["endpoint", "body"], "properties": {"endpoint": endpoint, "body": body}}),
            true,
        ),
        tool(
            "estimate_price",
            "What a request would cost, without running it (the body is checked first). A price of 0 may mean priced by the token, not free.".into(),
            json!({"type": "object", "required": ["endpoint", "body"], "properties": {"endpoint": endpoint, "body": body}}),
            true,
        ),
        tool(
            "run_model",
            "Run a model: check the body (an invalid one is refused, nothing sent), submit it (a paid task), wait with progress notifications, and return the output URLs, costs and any saved files. The taskId is in every result, also on timeout or error.".into(),
            run_model,
            false,
        ),
        tool(
            "run_app",
            "Run an AI app with its inputs set by node, then as run_model.".into(),
            node_run("webappId", "app"),
            false,
        ),
        tool(
            "run_workflow",
            "Run a ComfyUI workflow with node inputs overridden, then as run_model.".into(),
            node_run("workflowId", "workflow"),
            false,
        ),
        tool(
            "get_task",
            "A task's current status, outputs and costs.".into(),
            json!({"type": "object", "required": ["taskId"], "properties": {"taskId": {"type": "string", "minLength": 1}}}),
            true,
        ),
        tool(
            "cancel_task",
            "Cancel a queued or running task.".into(),
            json!({"type": "object", "required": ["taskId"], "properties": {"taskId": {"type": "string", "minLength": 1}}}),
            false,
        ),
        tool(
            "upload_file",
            "Upload a local file (image, audio, video) and return the URL model fields take and the fileName app and workflow nodes take.".into(),
            json!({"type": "object", "required": ["path"], "properties": {"path": {"type": "string", "minLength": 1}}}),
            false,
        ),
        tool(
            "account",
            "The account: RH coin balance, wallet, kind of key, tasks running now.".into(),
            json!({"type": "object", "properties": {}}),
            true,
        ),
        tool(
            "call_platform",
            "Any other RunningHub platform call by name (the legacy runs and reads, Quick Create, the app list, webhook events, ...); the key is added by the server, never in the body. Returns the call's data.".into(),
            json!({"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string", "enum": platform},
                "body": {"type": "object", "description": "The call's body, without any key."},
            }}),
            false,
        ),
    ]
}
