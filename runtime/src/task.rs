//! Typed views of a task: its status as an open enum, its outputs, its usage and its
//! prompt tips. These read the generated [`types::Task`], which stays tolerant of whatever
//! RunningHub sends.

use crate::types;
use serde::Deserialize;
use std::fmt;

/// Where a task is. Open: a status this client does not know is kept as
/// [`TaskStatus::Unknown`] and treated as "still in progress", never as a failure.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    /// Waiting for a worker.
    Queued,
    /// Being worked on.
    Running,
    /// Being created (seen in RunningHub's own code; in progress).
    Create,
    /// Finished with results.
    Success,
    /// Finished without results.
    Failed,
    /// Cancelled (`CANCEL`).
    Cancel,
    /// Cancelled (`CANCELLED`, seen by a third-party client).
    Cancelled,
    /// Anything else, as received (an empty string for a rejected submit).
    Unknown(String),
}

impl TaskStatus {
    /// Reads a status as RunningHub sends it.
    pub fn parse(status: &str) -> TaskStatus {
        match status {
            "QUEUED" => TaskStatus::Queued,
            "RUNNING" => TaskStatus::Running,
            "CREATE" => TaskStatus::Create,
            "SUCCESS" => TaskStatus::Success,
            "FAILED" => TaskStatus::Failed,
            "CANCEL" => TaskStatus::Cancel,
            "CANCELLED" => TaskStatus::Cancelled,
            other => TaskStatus::Unknown(other.to_owned()),
        }
    }

    /// The status as RunningHub sends it.
    pub fn as_str(&self) -> &str {
        match self {
            TaskStatus::Queued => "QUEUED",
            TaskStatus::Running => "RUNNING",
            TaskStatus::Create => "CREATE",
            TaskStatus::Success => "SUCCESS",
            TaskStatus::Failed => "FAILED",
            TaskStatus::Cancel => "CANCEL",
            TaskStatus::Cancelled => "CANCELLED",
            TaskStatus::Unknown(s) => s,
        }
    }

    /// Whether the task has finished, one way or another.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            TaskStatus::Success | TaskStatus::Failed | TaskStatus::Cancel | TaskStatus::Cancelled
        )
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One output of a finished task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Where to download it, if it is a file.
    pub url: Option<String>,
    /// Its file extension, such as `mp4` or `png`, as RunningHub reports it.
    pub output_type: Option<String>,
    /// The output itself, for text outputs.
    pub text: Option<String>,
    /// The workflow node that produced it.
    pub node_id: Option<String>,
}

/// What a task cost and how long it ran, as numbers where RunningHub sent decimal strings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Usage {
    /// Amount charged.
    pub consume_money: Option<f64>,
    /// Amount charged by a third-party model provider.
    pub third_party_consume_money: Option<f64>,
    /// RunningHub coins charged.
    pub consume_coins: Option<f64>,
    /// Running time of the task, in seconds.
    pub task_cost_time: Option<f64>,
}

/// The workflow diagnostics RunningHub sends as a JSON document inside `promptTips`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PromptTips {
    /// Whether the workflow was accepted.
    #[serde(default)]
    pub result: Option<bool>,
    /// An error, if the workflow was refused.
    #[serde(default)]
    pub error: Option<serde_json::Value>,
    /// The nodes whose outputs were computed.
    #[serde(default)]
    pub outputs_to_execute: Vec<String>,
    /// Errors by node.
    #[serde(default)]
    pub node_errors: serde_json::Value,
}

fn number(s: &Option<String>) -> Option<f64> {
    s.as_deref().and_then(|s| s.trim().parse().ok())
}

impl types::Task {
    /// The status as an open enum.
    pub fn state(&self) -> TaskStatus {
        TaskStatus::parse(&self.status)
    }

    /// The outputs, empty until the task succeeded.
    pub fn outputs(&self) -> Vec<Output> {
        self.results
            .iter()
            .flatten()
            .map(|r| Output {
                url: r.url.clone().filter(|u| !u.is_empty()),
                output_type: r.output_type.clone().filter(|t| !t.is_empty()),
                text: r.text.clone(),
                node_id: r.node_id.clone(),
            })
            .collect()
    }

    /// Usage with its numbers parsed, once RunningHub reports it.
    pub fn usage_numbers(&self) -> Option<Usage> {
        self.usage.as_ref().map(|u| Usage {
            consume_money: number(&u.consume_money),
            third_party_consume_money: number(&u.third_party_consume_money),
            consume_coins: number(&u.consume_coins),
            task_cost_time: number(&u.task_cost_time),
        })
    }

    /// `promptTips` parsed: `None` when absent or empty, an error when it is not the
    /// expected JSON document.
    pub fn prompt_tips(&self) -> Option<Result<PromptTips, serde_json::Error>> {
        let raw = self.prompt_tips.as_deref()?.trim();
        if raw.is_empty() {
            return None;
        }
        Some(serde_json::from_str(raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_unknown_ones_are_kept() {
        for s in [
            "QUEUED",
            "RUNNING",
            "CREATE",
            "SUCCESS",
            "FAILED",
            "CANCEL",
            "CANCELLED",
            "PAUSED",
            "",
        ] {
            assert_eq!(TaskStatus::parse(s).as_str(), s);
        }
        assert_eq!(
            TaskStatus::parse("PAUSED"),
            TaskStatus::Unknown("PAUSED".into())
        );
        assert!(!TaskStatus::parse("PAUSED").is_terminal());
        assert!(TaskStatus::Cancelled.is_terminal());
        assert!(!TaskStatus::Create.is_terminal());
    }

    #[test]
    fn outputs_usage_and_tips_are_typed() {
        let task: types::Task = serde_json::from_value(serde_json::json!({
            "taskId": "1", "status": "SUCCESS",
            "results": [{"url": "https://x/a.mp4", "outputType": "mp4"}, {"url": "", "outputType": "txt", "text": "hello"}],
            "usage": {"consumeMoney": "0.35", "taskCostTime": "42", "consumeCoins": null},
            "promptTips": "{\"result\": true, \"error\": null, \"outputs_to_execute\": [\"4\"], \"node_errors\": {}}"
        }))
        .unwrap();
        assert_eq!(task.state(), TaskStatus::Success);
        let outputs = task.outputs();
        assert_eq!(outputs[0].url.as_deref(), Some("https://x/a.mp4"));
        assert_eq!(outputs[1].url, None);
        assert_eq!(outputs[1].text.as_deref(), Some("hello"));
        let usage = task.usage_numbers().unwrap();
        assert_eq!(usage.consume_money, Some(0.35));
        assert_eq!(usage.task_cost_time, Some(42.0));
        assert_eq!(usage.consume_coins, None);
        let tips = task.prompt_tips().unwrap().unwrap();
        assert_eq!(tips.result, Some(true));
        assert_eq!(tips.outputs_to_execute, vec!["4".to_owned()]);
    }

    #[test]
    fn empty_or_broken_tips_are_told_apart() {
        let mut task: types::Task = serde_json::from_value(
            serde_json::json!({"taskId": "1", "status": "RUNNING", "promptTips": ""}),
        )
        .unwrap();
        assert!(task.prompt_tips().is_none());
        task.prompt_tips = Some("{not json".into());
        assert!(task.prompt_tips().unwrap().is_err());
    }
}
