//! The account's limits and load.

use crate::client::{Client, read_json};
use crate::error::{Error, ErrorCode};
use crate::handwritten_paths;
use crate::transport::Audience;
use crate::types;
use progenitor_client::ClientInfo;

/// The account's task queue, as RunningHub reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueStatus {
    /// Tasks the account may run at once.
    pub concurrent_limit: Option<u32>,
    /// Tasks running now.
    pub running: Option<u32>,
    /// Tasks waiting for a slot now.
    pub queued: Option<u32>,
}

impl Client {
    /// The account's concurrency limit and current load (`GET /openapi/v2/queue/status`).
    /// The endpoint is observed rather than documented by RunningHub: treat a failure as
    /// "unknown", as [`Client::batch`] does.
    pub async fn queue_status(&self) -> Result<QueueStatus, Error> {
        let url = format!("{}{}", self.base_url(), handwritten_paths::QUEUE_STATUS);
        let request = self
            .raw()
            .client()
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json");
        let response = self.execute(request, Audience::RunningHub).await?;
        let envelope: types::QueueStatusResponse = read_json(response).await?;
        if envelope.code != 0 && envelope.code != 200 {
            return Err(Error::Api {
                code: ErrorCode::parse(&envelope.code.to_string()),
                message: envelope.message.or(envelope.msg).unwrap_or_default(),
                task_id: None,
            });
        }
        let data = envelope.data.unwrap_or_default();
        let count = |n: Option<i64>| n.and_then(|n| u32::try_from(n).ok());
        Ok(QueueStatus {
            concurrent_limit: count(data.concurrent_limit),
            running: count(data.running_count),
            queued: count(data.queued_count),
        })
    }
}
