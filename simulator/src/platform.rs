//! The platform calls (`x-runninghub-role: envelope`): the account, cancellation, webhook
//! events and workflow graphs, answered with the `{code, msg, data}` envelope and the
//! platform's codes, the key checked where the spec says each call carries it.

use crate::{Shared, WebhookRecord, schemas};
use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use runninghub::operations::OPERATIONS;
use serde_json::{Value, json};
use std::sync::Arc;

fn envelope(code: i64, msg: &str, data: Value) -> Response {
    axum::Json(json!({"code": code, "msg": msg, "data": data})).into_response()
}

/// Answers the platform call `operation` with `body`.
/// `authorized` says whether the `Authorization` header carried the key, which is all a call
/// without a key in its body has.
pub(crate) async fn call(
    shared: &Arc<Shared>,
    authorized: bool,
    operation: &'static str,
    body: &Bytes,
) -> Response {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return envelope(301, "PARAMS_INVALID", Value::Null);
    };
    {
        let mut inner = shared.lock();
        inner.counts.platform_calls += 1;
        inner
            .platform_calls
            .push((operation.to_owned(), value.clone()));
    }
    // The key, where the spec says this call carries it (the header, for the others).
    if schemas::credential(operation).is_none() && !authorized {
        shared.lock().counts.unauthorized += 1;
        return envelope(802, "APIKEY_UNAUTHORIZED", Value::Null);
    }
    let expected = shared.lock().config.api_key.clone();
    if let (Some(key), Some(name)) = (expected, schemas::credential(operation))
        && value.get(name).and_then(Value::as_str) != Some(key.as_str())
    {
        shared.lock().counts.unauthorized += 1;
        return envelope(802, "APIKEY_UNAUTHORIZED", Value::Null);
    }
    // Checked against the spec's own schemas, not with the client's validation.
    if let Some(problems) = schemas::problems(operation, &value)
        && !problems.is_empty()
    {
        return envelope(
            301,
            &format!("PARAMS_INVALID: {}", problems.join("; ")),
            Value::Null,
        );
    }
    let text = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    if is_legacy_run(operation) {
        return legacy_run(shared, operation, value).await;
    }
    match operation {
        "task_status_legacy" | "task_outputs_legacy" => {
            let id = text("taskId");
            let task = {
                let inner = shared.lock();
                if !inner.tasks.contains_key(&id) {
                    return envelope(807, "APIKEY_TASK_NOT_FOUND", Value::Null);
                }
                crate::task_view(shared, &inner, &id)
            };
            if operation == "task_status_legacy" {
                let status = match task["status"].as_str().unwrap_or("") {
                    "CANCEL" | "CANCELLED" => "FAILED",
                    other => other,
                };
                return envelope(0, "", Value::String(status.to_owned()));
            }
            axum::Json(legacy_outputs(&task)).into_response()
        }
        "quick_create_styles" => {
            let id = text("webappId");
            let styles: Vec<Value> = (1..=2)
                .map(|n| {
                    json!({"id": n.to_string(), "type": value["type"], "webappId": id,
                           "modelCategory": 1, "modelName": format!("Simulated style {n}"),
                           "modelKey": format!("input{n}"),
                           "modelPreviewUrl": format!("{}/files/styles/{n}", shared.base_url),
                           "content": "a sample prompt", "modelTrigger": "simulated style",
                           "modelLoar1FileName": format!("style-{n}.safetensors"),
                           "modelLoar1Weight": 0.7, "modelLoar2FileName": null,
                           "modelLoar2Weight": null})
                })
                .collect();
            envelope(0, "success", Value::Array(styles))
        }
        "account_status" => {
            let inner = shared.lock();
            let data = json!({
                "remainCoins": inner.config.coins.to_string(),
                "currentTaskCounts": inner.in_flight().to_string(),
                "remainMoney": null,
                "currency": null,
                "apiType": "NORMAL",
            });
            envelope(0, "success", data)
        }
        "cancel_task" => {
            let id = text("taskId");
            let mut inner = shared.lock();
            match inner.tasks.get_mut(&id) {
                Some(task) => {
                    task.cancelled.get_or_insert_with(tokio::time::Instant::now);
                    envelope(0, "success", Value::Null)
                }
                None => envelope(807, "APIKEY_TASK_NOT_FOUND", Value::Null),
            }
        }
        "webhook_detail" => {
            let id = text("taskId");
            let inner = shared.lock();
            if !inner.tasks.contains_key(&id) {
                return envelope(807, "APIKEY_TASK_NOT_FOUND", Value::Null);
            }
            match inner.webhooks.iter().rev().find(|w| w.task_id == id) {
                Some(w) => envelope(0, "success", w.to_json()),
                None => envelope(0, "success", Value::Null),
            }
        }
        "webhook_resend" => {
            let webhook_id = text("webhookId");
            let found = {
                let inner = shared.lock();
                inner
                    .webhooks
                    .iter()
                    .find(|w| w.id == webhook_id)
                    .map(|w| (w.task_id.clone(), w.url.clone()))
            };
            let Some((task_id, url)) = found else {
                return envelope(807, "APIKEY_TASK_NOT_FOUND", Value::Null);
            };
            let url = value
                .get("webhookUrl")
                .and_then(Value::as_str)
                .map_or(url, str::to_owned);
            crate::send_webhook(shared, &task_id, &url).await;
            envelope(0, "", Value::Null)
        }
        "lora_upload_url" => {
            let md5 = text("md5Hex").to_ascii_lowercase();
            if md5.len() != 32 || !md5.chars().all(|c| c.is_ascii_hexdigit()) {
                return envelope(301, "PARAMS_INVALID: md5Hex", Value::Null);
            }
            let url = format!("{}{}{md5}", shared.base_url, crate::LORA_PATH);
            envelope(
                0,
                "success",
                json!({"fileName": format!("api-lora-cn/{md5}.safetensors"), "url": url}),
            )
        }
        "ai_app_list" => {
            let apps: Vec<String> = {
                let inner = shared.lock();
                let mut ids: Vec<String> = inner.config.apps.keys().cloned().collect();
                ids.sort();
                ids
            };
            let size = value
                .get("size")
                .and_then(Value::as_u64)
                .unwrap_or(20)
                .max(1) as usize;
            let current = value
                .get("current")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .max(1) as usize;
            let records: Vec<Value> = apps
                .iter()
                .skip((current - 1) * size)
                .take(size)
                .map(|id| {
                    json!({"title": format!("Simulated app {id}"), "description": "", "cover": "",
                           "invokeExample": format!("curl -X POST '{}/openapi/v2/run/ai-app/{id}'", shared.base_url)})
                })
                .collect();
            let pages = apps.len().div_ceil(size);
            envelope(
                0,
                "success",
                json!({"records": records, "current": current, "size": size, "total": apps.len(),
                       "pages": pages, "hasNext": current < pages}),
            )
        }
        "workflow_json" => {
            let id = text("workflowId");
            match shared.lock().config.workflows.get(&id) {
                Some(graph) => envelope(0, "SUCCESS", json!({"prompt": graph})),
                None => envelope(380, "WORKFLOW_NOT_EXISTS", Value::Null),
            }
        }
        _ => envelope(
            301,
            &format!("the simulator does not implement {operation}"),
            Value::Null,
        ),
    }
}

/// Answers the `GET` platform call `operation` with its `query` string.
pub(crate) fn call_get(shared: &Arc<Shared>, operation: &'static str, query: &str) -> Response {
    let params: std::collections::BTreeMap<String, String> =
        form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
    {
        let mut inner = shared.lock();
        inner.counts.platform_calls += 1;
        let recorded = serde_json::to_value(&params).unwrap_or_default();
        inner.platform_calls.push((operation.to_owned(), recorded));
    }
    let expected = shared.lock().config.api_key.clone();
    if let (Some(key), Some(name)) = (expected, schemas::credential(operation))
        && params.get(name) != Some(&key)
    {
        shared.lock().counts.unauthorized += 1;
        return envelope(802, "APIKEY_UNAUTHORIZED", Value::Null);
    }
    match operation {
        "ai_app_info" => {
            let id = params.get("webappId").cloned().unwrap_or_default();
            let nodes = shared.lock().config.apps.get(&id).cloned();
            match nodes {
                Some(nodes) => envelope(
                    0,
                    "success",
                    json!({"webappName": format!("Simulated app {id}"), "nodeInfoList": nodes,
                           "curl": "", "covers": [], "tags": []}),
                ),
                None => envelope(901, "WEBAPP_NOT_EXISTS", Value::Null),
            }
        }
        _ => envelope(
            301,
            &format!("the simulator does not implement {operation}"),
            Value::Null,
        ),
    }
}

/// A quote for a request to the model endpoint at `model` (its path below `/openapi/v2/`):
/// refused with `1007` as a submit would be when the body breaks the spec, never a task.
pub(crate) fn price(shared: &Arc<Shared>, authorized: bool, model: &str, body: &Bytes) -> Response {
    shared.lock().counts.price_previews += 1;
    let refuse = |code: &str, message: &str| {
        axum::Json(json!({"errorCode": code, "errorMessage": message})).into_response()
    };
    if !authorized {
        shared.lock().counts.unauthorized += 1;
        return refuse("1002", "invalid api key");
    }
    let Some(op) = runninghub::operation::find(model)
        .filter(|op| op.role == runninghub::operation::Role::Task)
    else {
        return refuse("1001", "invalid request URL");
    };
    let problems = match serde_json::from_slice::<Value>(body) {
        Ok(value) => schemas::problems(op.operation_id, &value).unwrap_or_default(),
        Err(_) => vec!["failed to parse request body".to_owned()],
    };
    if !problems.is_empty() {
        return refuse("1007", &format!("invalid request: {}", problems.join("; ")));
    }
    axum::Json(json!({
        "estimatedPrice": 0.1, "currency": "CNY", "priceText": "0.10 元", "priceTextEn": "0.10 CNY",
        "freeLimit": false, "isFreeThisCall": false, "freeLimitCount": "0", "remainingFreeLimitCount": "0",
    }))
    .into_response()
}

/// The signed `PUT` of a LoRA: kept when its bytes have the MD5 the address names.
pub(crate) fn store_lora(
    shared: &Arc<Shared>,
    md5: &str,
    bytes: Vec<u8>,
    had_key: bool,
) -> Response {
    use md5::Digest as _;
    let digest: String = md5::Md5::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if digest != md5 {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            "the content's MD5 does not match the signed address",
        )
            .into_response();
    }
    shared.lock().loras.push(crate::SimLora {
        md5: md5.to_owned(),
        bytes,
        had_key,
    });
    axum::http::StatusCode::OK.into_response()
}

impl WebhookRecord {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "userApiKey": "******************",
            "taskId": self.task_id,
            "webhookUrl": self.url,
            "event": "TASK_END",
            "eventData": self.event_data,
            "callbackStatus": self.status,
            "callbackResponse": self.response,
            "retryCount": self.retries,
            "createTime": "2026-01-01T00:00:00",
            "updateTime": "2026-01-01T00:00:00",
        })
    }
}

/// Whether `operation` is a platform call that creates a task (a legacy run).
pub(crate) fn is_legacy_run(operation: &str) -> bool {
    OPERATIONS
        .iter()
        .any(|op| op.operation_id == operation && op.creates_task)
}

/// A legacy run: the app or workflow must exist (901, 380), a workflow's node list must
/// name its nodes (803); then the task is created like any other and answered with the
/// envelope around its id.
async fn legacy_run(shared: &Arc<Shared>, operation: &'static str, value: Value) -> Response {
    match operation {
        "run_workflow_legacy" => {
            let id = value["workflowId"].as_str().unwrap_or_default().to_owned();
            let graph = shared.lock().config.workflows.get(&id).cloned();
            let Some(graph) = graph else {
                return envelope(380, "WORKFLOW_NOT_EXISTS", Value::Null);
            };
            let graph: Value = serde_json::from_str(&graph).unwrap_or(Value::Null);
            let nodes = value["nodeInfoList"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let unknown = nodes.iter().any(|n| {
                let (node, field) = (n["nodeId"].as_str(), n["fieldName"].as_str());
                node.and_then(|node| graph.get(node))
                    .and_then(|node| node.get("inputs"))
                    .and_then(|inputs| field.and_then(|f| inputs.get(f)))
                    .is_none()
            });
            if unknown {
                return envelope(803, "APIKEY_INVALID_NODE_INFO", Value::Null);
            }
        }
        "run_ai_app_legacy" => {
            // The id arrives as a JSON number; the simulator's apps are keyed by its digits.
            let id = match &value["webappId"] {
                Value::Number(n) => n.to_string(),
                _ => String::new(),
            };
            if !shared.lock().config.apps.contains_key(&id) {
                return envelope(901, "WEBAPP_NOT_EXISTS", Value::Null);
            }
        }
        _ => {}
    }
    crate::submit_checked(shared, operation, value).await
}

/// The legacy outputs answer for a task object: code 0 and the files on success, 805 and
/// ComfyUI's report on failure, 804 while running, 813 while queued.
pub(crate) fn legacy_outputs(task: &Value) -> Value {
    match task["status"].as_str().unwrap_or("") {
        "SUCCESS" => {
            let usage = &task["usage"];
            let files: Vec<Value> = task["results"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    json!({"fileUrl": r["url"], "fileType": r["outputType"],
                           "taskCostTime": usage["taskCostTime"], "nodeId": r["nodeId"],
                           "thirdPartyConsumeMoney": null, "consumeMoney": usage["consumeMoney"],
                           "consumeCoins": usage["consumeCoins"]})
                })
                .collect();
            json!({"code": 0, "msg": "success", "data": files})
        }
        "RUNNING" => json!({"code": 804, "msg": "APIKEY_TASK_IS_RUNNING",
                            "data": {"netWssUrl": "wss://simulator.invalid/ws"}}),
        "QUEUED" | "CREATE" => json!({"code": 813, "msg": "APIKEY_TASK_IS_QUEUED", "data": null}),
        _ => json!({"code": 805, "msg": "APIKEY_TASK_STATUS_ERROR", "data": {"failedReason": {
            "node_id": "9", "node_name": "SaveImage", "exception_type": "RuntimeError",
            "exception_message": task["errorMessage"].as_str().filter(|m| !m.is_empty()).unwrap_or("the task did not succeed"),
            "traceback": "[]", "current_inputs": "{}", "current_outputs": "{}"}}}),
    }
}
