//! Webhooks: RunningHub POSTs `{"event": "TASK_END", "taskId": …, "eventData": …}` to a
//! submit's `webhookUrl` when the task ends. [`parse`] reads such a body (with `eventData`
//! as a JSON string, the documented form, or as an object, as seen in v2); a
//! [`WebhookInbox`] hands events to tasks waiting on them (see
//! [`crate::WaitOptions::webhook`]).
//!
//! No signature is documented, so a receiver should treat the event as a hint and, when it
//! matters, confirm the task's state with a query. `examples/webhook_receiver.rs` shows a
//! receiver.

use crate::error::Error;
use crate::types;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// One webhook delivery.
#[derive(Debug, Clone)]
pub struct WebhookEvent {
    /// The event name; `TASK_END` for a finished task.
    pub event: String,
    /// The task the event is about.
    pub task_id: String,
    /// The task object carried in `eventData`.
    pub task: types::Task,
}

/// Parses a webhook body. `eventData` may be a JSON string holding the task object or the
/// object itself; for a task of a legacy run call it is the legacy outputs answer
/// (`{code, msg, data}`, see [`crate::LegacyOutputs`]), which becomes the equivalent task
/// object. A body that is not such an event is [`Error::Decode`], with the body kept.
pub fn parse(body: &[u8]) -> Result<WebhookEvent, Error> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Raw {
        #[serde(default)]
        event: String,
        #[serde(default)]
        task_id: Option<String>,
        event_data: serde_json::Value,
    }
    let decode = |source: serde_json::Error| Error::Decode {
        status: 200,
        body: String::from_utf8_lossy(body).into_owned(),
        source,
    };
    let raw: Raw = serde_json::from_slice(body).map_err(decode)?;
    let data: serde_json::Value = match raw.event_data {
        serde_json::Value::String(inner) => serde_json::from_str(&inner).map_err(decode)?,
        other => other,
    };
    let given_id = raw.task_id.filter(|id| !id.is_empty());
    let legacy = data.get("code").is_some() && data.get("taskId").is_none();
    let task: types::Task = match (&given_id, legacy) {
        (Some(id), true) => crate::LegacyOutputs::from_envelope(data, id)?.to_task(id),
        _ => serde_json::from_value(data).map_err(decode)?,
    };
    let task_id = given_id.unwrap_or_else(|| task.task_id.clone());
    Ok(WebhookEvent {
        event: raw.event,
        task_id,
        task,
    })
}

#[derive(Default)]
struct Inbox {
    waiting: HashMap<String, Vec<oneshot::Sender<types::Task>>>,
    arrived: HashMap<String, types::Task>,
}

/// Routes webhook deliveries to the tasks waiting for them. Feed it from your HTTP handler
/// with [`WebhookInbox::deliver`]; clones share the same inbox. An event that arrives before
/// anyone waits for it is kept until someone does.
#[derive(Clone, Default)]
pub struct WebhookInbox {
    inner: Arc<Mutex<Inbox>>,
}

impl std::fmt::Debug for WebhookInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inbox = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("WebhookInbox")
            .field("waiting", &inbox.waiting.len())
            .field("arrived", &inbox.arrived.len())
            .finish()
    }
}

impl WebhookInbox {
    /// An empty inbox.
    pub fn new() -> WebhookInbox {
        WebhookInbox::default()
    }

    /// Parses a webhook body and hands its task to whoever waits for it.
    pub fn deliver(&self, body: &[u8]) -> Result<WebhookEvent, Error> {
        let event = parse(body)?;
        self.deliver_event(&event);
        Ok(event)
    }

    /// Hands an already parsed event to whoever waits for its task.
    pub fn deliver_event(&self, event: &WebhookEvent) {
        let mut inbox = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let waiters = inbox.waiting.remove(&event.task_id).unwrap_or_default();
        let mut delivered = false;
        for waiter in waiters {
            delivered |= waiter.send(event.task.clone()).is_ok();
        }
        if !delivered {
            inbox
                .arrived
                .insert(event.task_id.clone(), event.task.clone());
        }
    }

    /// Waits for the event of `task_id`.
    pub async fn wait(&self, task_id: &str) -> types::Task {
        let rx = {
            let mut inbox = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(task) = inbox.arrived.remove(task_id) {
                return task;
            }
            let (tx, rx) = oneshot::channel();
            inbox
                .waiting
                .entry(task_id.to_owned())
                .or_default()
                .push(tx);
            rx
        };
        match rx.await {
            Ok(task) => task,
            // The sender is only dropped by `deliver_event`, after sending: unreachable in
            // practice, and waiting forever is the honest answer if it ever happens.
            Err(_) => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_data_as_string_or_object() {
        let task = serde_json::json!({"taskId": "42", "status": "SUCCESS", "results": [{"url": "https://x/y.png", "outputType": "png"}]});
        let as_string =
            serde_json::json!({"event": "TASK_END", "taskId": "42", "eventData": task.to_string()});
        let as_object = serde_json::json!({"event": "TASK_END", "taskId": "42", "eventData": task});
        for body in [as_string, as_object] {
            let e = parse(body.to_string().as_bytes()).unwrap();
            assert_eq!(e.event, "TASK_END");
            assert_eq!(e.task_id, "42");
            assert_eq!(e.task.status, "SUCCESS");
            assert_eq!(e.task.outputs()[0].url.as_deref(), Some("https://x/y.png"));
        }
    }

    #[test]
    fn a_legacy_event_becomes_the_equivalent_task() {
        // A legacy run's event: the outputs answer inside a string, the time as a number.
        let answer = serde_json::json!({"code": 0, "msg": "success", "data": [
            {"fileUrl": "https://x/ComfyUI_00059.png", "fileType": "png", "taskCostTime": 78, "nodeId": "9"}
        ]});
        let body = serde_json::json!({"event": "TASK_END", "taskId": "1904444422770114561",
            "eventData": answer.to_string()});
        let e = parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(e.task_id, "1904444422770114561");
        assert_eq!(e.task.task_id, "1904444422770114561");
        assert_eq!(e.task.status, "SUCCESS");
        let outputs = e.task.outputs();
        assert_eq!(
            outputs[0].url.as_deref(),
            Some("https://x/ComfyUI_00059.png")
        );
        assert_eq!(outputs[0].node_id.as_deref(), Some("9"));

        let failed = serde_json::json!({"code": 805, "msg": "APIKEY_TASK_STATUS_ERROR",
            "data": {"failedReason": {"exception_message": "out of memory"}}});
        let body = serde_json::json!({"event": "TASK_END", "taskId": "7", "eventData": failed.to_string()});
        let e = parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(e.task.status, "FAILED");
        assert_eq!(e.task.error_message.as_deref(), Some("out of memory"));
    }

    #[test]
    fn bad_bodies_are_decode_errors_with_the_body_kept() {
        for body in ["", "{}", "{\"eventData\": \"{not json\"}", "<html/>"] {
            let Err(Error::Decode { body: kept, .. }) = parse(body.as_bytes()) else {
                panic!("{body:?} was accepted");
            };
            assert_eq!(kept, body);
        }
    }

    #[tokio::test]
    async fn events_reach_waiters_whether_they_come_first_or_last() {
        let inbox = WebhookInbox::new();
        let body = |id: &str| {
            serde_json::json!({"event": "TASK_END", "taskId": id, "eventData": {"taskId": id, "status": "SUCCESS"}}).to_string()
        };
        // Early: delivered before anyone waits.
        inbox.deliver(body("1").as_bytes()).unwrap();
        assert_eq!(inbox.wait("1").await.task_id, "1");
        // Late: a waiter is already there.
        let waiter = {
            let inbox = inbox.clone();
            tokio::spawn(async move { inbox.wait("2").await })
        };
        tokio::task::yield_now().await;
        inbox.deliver(body("2").as_bytes()).unwrap();
        assert_eq!(waiter.await.unwrap().task_id, "2");
    }
}
