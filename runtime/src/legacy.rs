//! The legacy outputs read (`/task/openapi/outputs`), whose `data` changes shape with the
//! envelope's `code`, and the same answer as a legacy webhook event carries it. Progenitor
//! types one success shape per operation, so the generated `task_outputs_legacy` returns
//! the files of a finished task and reports the other codes as errors; this module reads
//! every shape ([`LegacyOutputs`]), with the generated component types for each.

use crate::client::{Client, EnvelopeCall, require_task_id};
use crate::error::Error;
use crate::types;
use serde_json::Value;

/// What the legacy outputs call says of a task. The envelope's `code` decides the shape of
/// its `data`, so each code is a variant.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum LegacyOutputs {
    /// Code 0: the task succeeded, with its files (each naming the node that saved it).
    Succeeded(Vec<types::LegacyOutputFile>),
    /// Code 805: the task failed.
    Failed(Box<LegacyFailure>),
    /// Code 804: the task is running.
    Running(types::LegacyTaskRunning),
    /// Code 813: the task is queued.
    Queued,
}

/// A failed task, as the legacy outputs call reports it (code 805).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LegacyFailure {
    /// ComfyUI's report (the node, the exception, the traceback), when it came in the
    /// documented shape.
    pub reason: Option<types::LegacyFailedReason>,
    /// The answer's `msg`, such as `APIKEY_TASK_STATUS_ERROR`.
    pub message: String,
    /// The answer's `data` as it came, for anything the report's type does not hold.
    pub data: Value,
}

impl LegacyOutputs {
    /// Reads a whole `{code, msg, data}` answer of the legacy outputs call about `task_id`.
    /// A code other than 0, 804, 805 and 813 (807: no such task) is [`Error::Api`] naming
    /// the task; a `data` that does not have its code's shape is [`Error::Decode`], with the
    /// answer kept.
    pub fn from_envelope(envelope: Value, task_id: &str) -> Result<LegacyOutputs, Error> {
        let decode = |source: serde_json::Error, envelope: &Value| Error::Decode {
            status: 200,
            body: envelope.to_string(),
            source,
        };
        let code = crate::error::envelope_code(&envelope);
        let data = envelope.get("data").cloned().unwrap_or(Value::Null);
        match code.as_deref() {
            Some("0") => match data {
                Value::Null => Ok(LegacyOutputs::Succeeded(Vec::new())),
                data => serde_json::from_value(data)
                    .map(LegacyOutputs::Succeeded)
                    .map_err(|e| decode(e, &envelope)),
            },
            Some("804") => match data {
                Value::Null => Ok(LegacyOutputs::Running(types::LegacyTaskRunning::default())),
                data => serde_json::from_value(data)
                    .map(LegacyOutputs::Running)
                    .map_err(|e| decode(e, &envelope)),
            },
            Some("805") => {
                let reason = data
                    .get("failedReason")
                    .filter(|r| !r.is_null())
                    .and_then(|r| serde_json::from_value(r.clone()).ok());
                let message = ["msg", "message"]
                    .iter()
                    .find_map(|k| envelope.get(*k).and_then(Value::as_str))
                    .unwrap_or_default()
                    .to_owned();
                Ok(LegacyOutputs::Failed(Box::new(LegacyFailure {
                    reason,
                    message,
                    data,
                })))
            }
            Some("813") => Ok(LegacyOutputs::Queued),
            Some(other) => Err(crate::error::envelope_error(
                &envelope,
                other,
                Some(task_id),
            )),
            // Not an envelope: the generic opening says so, with the answer kept.
            None => {
                crate::error::open_envelope(envelope, Some(task_id)).map(|_| LegacyOutputs::Queued)
            }
        }
    }

    /// The status this answer stands for, as the task object words it (`SUCCESS`,
    /// `FAILED`, `RUNNING`, `QUEUED`).
    pub fn status(&self) -> crate::TaskStatus {
        match self {
            LegacyOutputs::Succeeded(_) => crate::TaskStatus::Success,
            LegacyOutputs::Failed(_) => crate::TaskStatus::Failed,
            LegacyOutputs::Running(_) => crate::TaskStatus::Running,
            LegacyOutputs::Queued => crate::TaskStatus::Queued,
        }
    }

    /// The same facts as a task object (what `query_task` answers), so that a legacy answer
    /// can be waited on, downloaded and printed like any task: each file becomes a result
    /// with its `nodeId`, and a failure's report becomes `failedReason` with the
    /// exception's message as `errorMessage`.
    pub fn to_task(&self, task_id: &str) -> types::Task {
        let mut task = serde_json::json!({
            "taskId": task_id,
            "status": self.status().as_str(),
        });
        match self {
            LegacyOutputs::Succeeded(files) => {
                let results: Vec<Value> = files
                    .iter()
                    .map(|f| {
                        serde_json::json!({
                            "url": f.file_url,
                            "outputType": f.file_type,
                            "nodeId": f.node_id,
                        })
                    })
                    .collect();
                task["results"] = Value::Array(results);
                if let Some(f) = files.first() {
                    let text = |v: &Option<types::TextOrNumber>| v.as_ref().map(|v| v.to_string());
                    task["usage"] = serde_json::json!({
                        "taskCostTime": text(&f.task_cost_time),
                        "consumeCoins": text(&f.consume_coins),
                        "consumeMoney": text(&f.consume_money),
                        "thirdPartyConsumeMoney": text(&f.third_party_consume_money),
                    });
                }
            }
            LegacyOutputs::Failed(failure) => {
                let reason = failure.data.get("failedReason").cloned();
                let message = failure
                    .reason
                    .as_ref()
                    .and_then(|r| r.exception_message.clone())
                    .unwrap_or_else(|| failure.message.clone());
                task["errorMessage"] = Value::String(message);
                if let Some(reason) = reason.filter(|r| !r.is_null()) {
                    task["failedReason"] = reason;
                }
            }
            LegacyOutputs::Running(_) | LegacyOutputs::Queued => {}
        }
        serde_json::from_value(task).unwrap_or_else(|_| types::Task {
            client_id: None,
            error_code: None,
            error_message: None,
            failed_reason: None,
            parent_task_id: None,
            prompt_tips: None,
            results: None,
            status: self.status().as_str().to_owned(),
            task_id: task_id.to_owned(),
            task_usage_list: None,
            usage: None,
        })
    }
}

impl Client {
    /// A task's state and outputs through the legacy outputs call
    /// (`/task/openapi/outputs`), every shape of its answer read ([`LegacyOutputs`]). An
    /// unknown task is [`Error::Api`] with code 807, naming it. [`Client::query`] is the
    /// current way to follow a task; this call serves tasks of the legacy run calls as
    /// well, and answers what older integrations expect.
    pub async fn task_outputs(&self, task_id: &str) -> Result<LegacyOutputs, Error> {
        require_task_id(task_id)?;
        let body = serde_json::json!({ "taskId": task_id });
        let call = EnvelopeCall::of::<crate::operations::TaskOutputsLegacy>();
        let envelope = self.send_for_envelope(call, &body, Some(task_id)).await?;
        LegacyOutputs::from_envelope(envelope, task_id)
    }

    /// A task's current state through the legacy outputs call, as a task object: what
    /// [`Client::query`] gives, read from [`Client::task_outputs`]
    /// ([`LegacyOutputs::to_task`]). A task that failed is [`Error::TaskFailed`] with
    /// ComfyUI's report as its `failed_reason`.
    pub async fn query_legacy(&self, task_id: &str) -> Result<types::Task, Error> {
        let outputs = self.task_outputs(task_id).await?;
        crate::client::check_task(outputs.to_task(task_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_code_reads_its_own_shape() {
        let ok = json!({"code": 0, "msg": "success", "data": [{"fileUrl": "https://x/a.png",
            "fileType": "png", "taskCostTime": "83", "nodeId": "12", "consumeCoins": "17",
            "consumeMoney": null, "thirdPartyConsumeMoney": null}]});
        let LegacyOutputs::Succeeded(files) = LegacyOutputs::from_envelope(ok, "1").unwrap() else {
            panic!("code 0 is a success");
        };
        assert_eq!(files[0].node_id.as_deref(), Some("12"));
        assert_eq!(files[0].task_cost_time.as_ref().unwrap().to_string(), "83");

        let running = json!({"code": 804, "msg": "APIKEY_TASK_IS_RUNNING", "data": {"netWssUrl": "wss://h/ws"}});
        let LegacyOutputs::Running(r) = LegacyOutputs::from_envelope(running, "1").unwrap() else {
            panic!("804 is running");
        };
        assert_eq!(r.net_wss_url.as_deref(), Some("wss://h/ws"));

        let queued = json!({"code": 813, "msg": "APIKEY_TASK_IS_QUEUED", "data": null});
        assert!(matches!(
            LegacyOutputs::from_envelope(queued, "1").unwrap(),
            LegacyOutputs::Queued
        ));

        let failed = json!({"code": 805, "msg": "APIKEY_TASK_STATUS_ERROR", "data": {"failedReason": {
            "node_id": "7", "exception_type": "TypeError", "exception_message": "bad input",
            "traceback": "[\"line 1\"]", "node_name": "SONIC_PreData", "current_inputs": "{}",
            "current_outputs": "{}"}}});
        let LegacyOutputs::Failed(f) = LegacyOutputs::from_envelope(failed, "1").unwrap() else {
            panic!("805 is a failure");
        };
        let reason = f.reason.as_ref().unwrap();
        assert_eq!(reason.node_id.as_deref(), Some("7"));
        assert_eq!(reason.exception_type.as_deref(), Some("TypeError"));
        assert_eq!(f.message, "APIKEY_TASK_STATUS_ERROR");
        let task = LegacyOutputs::Failed(f).to_task("1");
        assert_eq!(task.status, "FAILED");
        assert_eq!(task.error_message.as_deref(), Some("bad input"));
        assert!(task.failed_reason.is_some());
    }

    #[test]
    fn a_failure_in_an_unknown_shape_keeps_its_data() {
        let odd = json!({"code": 805, "msg": "APIKEY_TASK_STATUS_ERROR", "data": {"failedReason": {"node_id": 7}}});
        let LegacyOutputs::Failed(f) = LegacyOutputs::from_envelope(odd, "1").unwrap() else {
            panic!("805 is a failure");
        };
        assert!(f.reason.is_none());
        assert_eq!(f.data["failedReason"]["node_id"], 7);
    }

    #[test]
    fn other_codes_are_errors_naming_the_task() {
        let missing = json!({"code": 807, "msg": "APIKEY_TASK_NOT_FOUND", "data": null});
        match LegacyOutputs::from_envelope(missing, "190415").unwrap_err() {
            Error::Api { code, task_id, .. } => {
                assert_eq!(code, crate::ErrorCode::TaskNotFoundForKey);
                assert_eq!(task_id.as_deref(), Some("190415"));
            }
            other => panic!("expected Error::Api, got {other:?}"),
        }
        let wrong = json!({"code": 0, "msg": "success", "data": {"not": "a list"}});
        assert!(matches!(
            LegacyOutputs::from_envelope(wrong, "1").unwrap_err(),
            Error::Decode { .. }
        ));
    }

    #[test]
    fn a_success_becomes_a_task_with_node_ids_and_usage() {
        // As a legacy webhook event carries it: the time as a number.
        let ok = json!({"code": 0, "msg": "success", "data": [{"fileUrl": "https://x/a.png",
            "fileType": "png", "taskCostTime": 78, "nodeId": "9"}]});
        let task = LegacyOutputs::from_envelope(ok, "42")
            .unwrap()
            .to_task("42");
        assert_eq!(task.task_id, "42");
        assert_eq!(task.status, "SUCCESS");
        let results = task.results.as_ref().unwrap();
        assert_eq!(results[0].url.as_deref(), Some("https://x/a.png"));
        let json = serde_json::to_value(&task).unwrap();
        assert_eq!(json["results"][0]["nodeId"], "9");
        assert_eq!(json["usage"]["taskCostTime"], "78");
    }
}
