//! From a submit (or a bare task id) to a finished task: adaptive polling with jitter, an
//! overall timeout, retries of failed queries, progress reports, and webhook delivery.
//! Dropping the future stops everything: no request is made after that.

use crate::client::{Client, check_task};
use crate::error::Error;
use crate::learn::{Learning, WaitState};
use crate::operation::TaskOperation;
use crate::retry::{PollSchedule, RetryPolicy};
use crate::task::{Output, TaskStatus};
use crate::types;
use crate::webhook::WebhookInbox;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// A status change seen while waiting.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// The task.
    pub task_id: String,
    /// Its new status.
    pub status: TaskStatus,
    /// Time since the wait started.
    pub elapsed: Duration,
    /// Queries made so far (retries included).
    pub queries: u32,
}

type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How to wait for a task.
#[derive(Clone)]
pub struct WaitOptions {
    /// Give up after this long (default 30 minutes) with [`Error::Timeout`]. The task is
    /// not cancelled; it can be awaited again by id.
    pub timeout: Duration,
    /// Delays between queries.
    pub schedule: PollSchedule,
    /// Retries of failed queries.
    pub retry: RetryPolicy,
    /// How to use the durations seen for tasks of the same endpoint (default on; `None`
    /// always follows [`WaitOptions::schedule`]). Applies to waits that know their endpoint:
    /// [`Submission::wait`] and the batch runner, not [`Client::wait`] by bare id.
    pub learning: Option<Learning>,
    progress: Option<ProgressFn>,
    webhook: Option<(WebhookInbox, Duration)>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(30 * 60),
            schedule: PollSchedule::default(),
            retry: RetryPolicy::default(),
            learning: Some(Learning::default()),
            progress: None,
            webhook: None,
        }
    }
}

impl std::fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitOptions")
            .field("timeout", &self.timeout)
            .field("schedule", &self.schedule)
            .field("retry", &self.retry)
            .field("learning", &self.learning)
            .field("progress", &self.progress.is_some())
            .field("webhook_grace", &self.webhook.as_ref().map(|(_, g)| g))
            .finish()
    }
}

impl WaitOptions {
    /// The defaults: 30 minutes, [`PollSchedule::default`], [`RetryPolicy::default`].
    pub fn new() -> WaitOptions {
        WaitOptions::default()
    }

    /// Sets the overall timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the poll schedule.
    pub fn schedule(mut self, schedule: PollSchedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Sets the retry policy for queries.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets how waits learn from earlier tasks of the same endpoint (`None`: never).
    pub fn learning(mut self, learning: Option<Learning>) -> Self {
        self.learning = learning;
        self
    }

    /// Calls `f` on every status change (and on the first status seen).
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Waits for the task's webhook event in `inbox` first, and falls back to polling if it
    /// has not arrived within `grace`. The submit must carry a `webhookUrl` whose receiver
    /// feeds `inbox`.
    pub fn webhook(mut self, inbox: WebhookInbox, grace: Duration) -> Self {
        self.webhook = Some((inbox, grace));
        self
    }
}

/// A task that finished with results.
#[derive(Debug, Clone)]
pub struct FinishedTask {
    pub(crate) task: types::Task,
    pub(crate) client: Client,
}

impl FinishedTask {
    /// The task object as RunningHub last reported it.
    pub fn task(&self) -> &types::Task {
        &self.task
    }

    /// The task object, consuming `self`.
    pub fn into_task(self) -> types::Task {
        self.task
    }

    /// The task's id.
    pub fn task_id(&self) -> &str {
        &self.task.task_id
    }

    /// The outputs (never empty).
    pub fn outputs(&self) -> Vec<Output> {
        self.task.outputs()
    }
}

/// A submit to a model endpoint, returned by the generated methods of the `runninghub`
/// crate's client (such as `vidu_reference_to_video_q3`) and by [`Client::submission`].
/// `.await` it to submit and get the created task,
/// or call [`Submission::wait`] / [`Submission::wait_with`] to submit and wait for the
/// result.
#[must_use = "a submission does nothing until it is awaited"]
pub struct Submission<'a, O: TaskOperation> {
    client: &'a Client,
    body: &'a O::Body,
}

impl<'a, O: TaskOperation> Submission<'a, O> {
    pub(crate) fn new(client: &'a Client, body: &'a O::Body) -> Self {
        Submission { client, body }
    }

    /// Submits and waits with the default options.
    pub async fn wait(self) -> Result<FinishedTask, Error> {
        self.wait_with(WaitOptions::default()).await
    }

    /// Submits and waits. A submit answered with `SUCCESS` and results needs no query.
    pub async fn wait_with(self, options: WaitOptions) -> Result<FinishedTask, Error> {
        let task = self.client.submit::<O>(self.body).await?;
        self.client
            .wait_inner(
                task.task_id.clone(),
                Some(task),
                options,
                Some(O::OPERATION_ID),
            )
            .await
    }
}

impl<'a, O: TaskOperation + 'a> IntoFuture for Submission<'a, O> {
    type Output = Result<types::Task, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.client.submit::<O>(self.body))
    }
}

impl<O> std::fmt::Debug for Submission<'_, O>
where
    O: TaskOperation,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("operation", &O::OPERATION_ID)
            .field("body", self.body)
            .finish()
    }
}

impl Client {
    /// A submission of `body` to the model endpoint `O`: `.await` it for the created task,
    /// or call [`Submission::wait`] for the finished one. The generated endpoint methods
    /// return the same thing.
    pub fn submission<'a, O: TaskOperation>(&'a self, body: &'a O::Body) -> Submission<'a, O> {
        Submission::new(self, body)
    }

    /// Submits a JSON body to a model endpoint chosen at run time (a command line, a batch
    /// file), named by its `operationId` (`vidu_text_to_video_q3_turbo`) or its path, with
    /// or without the `/openapi/v2/` prefix. `.await` the result to submit and get the
    /// created task, or call [`JsonSubmission::wait`] / [`JsonSubmission::wait_with`] to
    /// submit and wait for the finished task, as with the typed methods.
    ///
    /// The body is checked against every constraint of the spec first
    /// ([`Registry::check_json_body`](crate::operation::Registry::check_json_body), over the
    /// client's [`registry`](Client::registry)); a problem is [`Error::Validation`] naming the
    /// field, and nothing is sent. An unknown endpoint is [`Error::UnknownOperation`].
    /// Retries and outcomes are as for [`Client::submit`].
    pub fn submit_json(&self, endpoint: &str, body: serde_json::Value) -> JsonSubmission<'_> {
        JsonSubmission {
            client: self,
            endpoint: endpoint.to_owned(),
            body,
        }
    }

    /// Waits for a task by id until it finishes.
    pub async fn wait(&self, task_id: &str, options: WaitOptions) -> Result<FinishedTask, Error> {
        self.wait_inner(task_id.to_owned(), None, options, None)
            .await
    }

    /// Waits for a task returned by a submit; if it already finished, no query is made.
    pub async fn wait_from(
        &self,
        task: types::Task,
        options: WaitOptions,
    ) -> Result<FinishedTask, Error> {
        self.wait_inner(task.task_id.clone(), Some(task), options, None)
            .await
    }

    /// Waits for a task just submitted to `operation` (its `operationId`): like
    /// [`Client::wait_from`], and the wait learns from and for other tasks of `operation`
    /// (see [`WaitOptions::learning`]).
    pub async fn wait_submitted(
        &self,
        task: types::Task,
        operation: &str,
        options: WaitOptions,
    ) -> Result<FinishedTask, Error> {
        let operation = self.registry().task(operation).map(|op| op.operation_id);
        self.wait_inner(task.task_id.clone(), Some(task), options, operation)
            .await
    }

    pub(crate) async fn wait_inner(
        &self,
        task_id: String,
        first: Option<types::Task>,
        options: WaitOptions,
        operation: Option<&'static str>,
    ) -> Result<FinishedTask, Error> {
        let mut watch = Watch {
            client: self,
            task_id,
            start: Instant::now(),
            last: None,
            last_pending: None,
            queries: 0,
            progress: options.progress.clone(),
        };
        use tracing::Instrument as _;
        let span = tracing::info_span!(
            "task",
            task_id = watch.task_id.as_str(),
            operation = operation.unwrap_or_default()
        );
        let result = self
            .watch(&mut watch, first, &options, operation)
            .instrument(span.clone())
            .await;
        match &result {
            Ok(done) => tracing::info!(
                parent: &span,
                status = done.task.status.as_str(),
                outputs = done.task.outputs().len(),
                queries = watch.queries,
                "finished"
            ),
            Err(e) => {
                tracing::info!(parent: &span, error = %e, queries = watch.queries, "wait ended")
            }
        }
        if let (Ok(_), Some(operation), Some(pending)) = (&result, operation, watch.last_pending) {
            self.durations
                .record(operation, pending, watch.start.elapsed());
        }
        result
    }

    async fn watch(
        &self,
        watch: &mut Watch<'_>,
        first: Option<types::Task>,
        options: &WaitOptions,
        operation: Option<&'static str>,
    ) -> Result<FinishedTask, Error> {
        let deadline = watch.start + options.timeout;
        if let Some(task) = first
            && let Some(done) = watch.observe(task)?
        {
            return Ok(done);
        }
        if let Some((inbox, grace)) = &options.webhook {
            let until = (watch.start + *grace).min(deadline);
            if let Ok(task) = tokio::time::timeout_at(until, inbox.wait(&watch.task_id)).await
                && let Some(done) = watch.observe(check_task(task)?)?
            {
                // A webhook arrives when the task ends: the finish is known exactly.
                watch.last_pending = Some(watch.start.elapsed());
                return Ok(done);
            }
        }
        let learning = options.learning.as_ref().zip(operation);
        let window = || {
            let (learning, operation) = learning?;
            Some((learning, self.durations.window(operation)?))
        };
        let mut last_query = Instant::now();
        let mut fallback = options.schedule.delay_with(0, &self.jitter);
        let mut state = WaitState {
            entered: false,
            started_unlearned: window().is_none(),
        };
        for n in 1.. {
            // Plan the next query from the last one; when another task of the same endpoint
            // finishes meanwhile, plan again with what it taught (its siblings in a batch
            // are likely to finish about now too).
            loop {
                let planned = match window() {
                    Some((learning, window)) => learning.next_delay(
                        last_query - watch.start,
                        window,
                        state,
                        fallback,
                        options.schedule.max,
                    ),
                    None => fallback,
                };
                let at = (last_query + planned).min(deadline);
                let changed = self.durations.changed();
                tokio::select! {
                    () = tokio::time::sleep_until(at) => break,
                    () = changed, if learning.is_some() => continue,
                }
            }
            if Instant::now() >= deadline {
                break;
            }
            let task = match tokio::time::timeout_at(deadline, watch.query(&options.retry)).await {
                Ok(task) => task?,
                Err(_) => break,
            };
            if let Some(done) = watch.observe(task)? {
                return Ok(done);
            }
            last_query = Instant::now();
            state.entered |= window().is_some_and(|(_, w)| last_query - watch.start >= w.lo);
            fallback = options.schedule.delay_with(n, &self.jitter);
        }
        Err(Error::Timeout {
            task_id: watch.task_id.clone(),
            last_status: watch.last.clone(),
            elapsed: watch.start.elapsed(),
        })
    }
}

struct Watch<'a> {
    client: &'a Client,
    task_id: String,
    start: Instant,
    last: Option<TaskStatus>,
    /// When a task object last showed the task unfinished, since the start.
    last_pending: Option<Duration>,
    queries: u32,
    progress: Option<ProgressFn>,
}

impl Watch<'_> {
    /// Reports a status change and decides whether the wait is over.
    fn observe(&mut self, task: types::Task) -> Result<Option<FinishedTask>, Error> {
        let status = task.state();
        if self.last.as_ref() != Some(&status) {
            tracing::info!(
                status = status.as_str(),
                elapsed_ms = self.start.elapsed().as_millis() as u64,
                "status"
            );
            if let Some(progress) = &self.progress {
                progress(&Progress {
                    task_id: self.task_id.clone(),
                    status: status.clone(),
                    elapsed: self.start.elapsed(),
                    queries: self.queries,
                });
            }
            self.last = Some(status.clone());
        }
        match status {
            TaskStatus::Success if task.outputs().is_empty() => Err(Error::TaskFailed {
                task_id: self.task_id.clone(),
                code: crate::ErrorCode::Other(String::new()),
                message: "the task reported SUCCESS without any result".into(),
                failed_reason: None,
            }),
            TaskStatus::Success => Ok(Some(FinishedTask {
                task,
                client: self.client.clone(),
            })),
            TaskStatus::Failed => Err(Error::TaskFailed {
                task_id: self.task_id.clone(),
                code: crate::ErrorCode::parse(task.error_code.as_deref().unwrap_or("")),
                message: task.error_message.clone().unwrap_or_default(),
                failed_reason: task.failed_reason.clone(),
            }),
            TaskStatus::Cancel | TaskStatus::Cancelled => Err(Error::TaskCancelled {
                task_id: self.task_id.clone(),
                status: status.as_str().to_owned(),
            }),
            _ => {
                self.last_pending = Some(self.start.elapsed());
                Ok(None)
            }
        }
    }

    /// One query, retried on retryable failures up to the policy's limit.
    async fn query(&mut self, policy: &RetryPolicy) -> Result<types::Task, Error> {
        let (client, task_id) = (self.client, self.task_id.as_str());
        let queries = &mut self.queries;
        crate::retry::run(policy, &client.jitter, Error::is_retryable, || {
            *queries += 1;
            tracing::debug!(query = *queries, "poll");
            client.query(task_id)
        })
        .await
    }
}

/// A submit of a JSON body, returned by [`Client::submit_json`]. `.await` it to submit and
/// get the created task, or call [`JsonSubmission::wait`] / [`JsonSubmission::wait_with`]
/// to submit and wait for the result.
#[must_use = "a submission does nothing until it is awaited"]
pub struct JsonSubmission<'a> {
    client: &'a Client,
    endpoint: String,
    body: serde_json::Value,
}

impl JsonSubmission<'_> {
    /// Submits and waits with the default options.
    pub async fn wait(self) -> Result<FinishedTask, Error> {
        self.wait_with(WaitOptions::default()).await
    }

    /// Submits and waits. A submit answered with `SUCCESS` and results needs no query; the
    /// wait learns from and for other tasks of the same endpoint
    /// ([`WaitOptions::learning`]).
    pub async fn wait_with(self, options: WaitOptions) -> Result<FinishedTask, Error> {
        let (task, operation) = self
            .client
            .submit_json_now(&self.endpoint, self.body)
            .await?;
        self.client
            .wait_inner(task.task_id.clone(), Some(task), options, Some(operation))
            .await
    }
}

impl<'a> std::future::IntoFuture for JsonSubmission<'a> {
    type Output = Result<types::Task, Error>;
    type IntoFuture =
        std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            self.client
                .submit_json_now(&self.endpoint, self.body)
                .await
                .map(|(task, _)| task)
        })
    }
}

impl std::fmt::Debug for JsonSubmission<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonSubmission")
            .field("endpoint", &self.endpoint)
            .field("body", &self.body)
            .finish()
    }
}
