//! Many tasks under the account's limits, resumable after a crash.
//!
//! [`Client::batch`] takes requests for any task endpoints and runs them with at most
//! [`BatchOptions::max_in_flight`] tasks unfinished at once and submits and queries under a
//! shared rate limit. Refusals for a passing reason (concurrency limit 1520 / 421, rate
//! limit 1003, busy, HTTP 429) are retried until they pass, never dropped. Results come back
//! as tasks finish, with their input's index, and aggregate [`BatchProgress`] is reported
//! on every change. Outputs can be downloaded into a directory per input.
//!
//! With a journal ([`BatchOptions::journal`]), every step is recorded on disk before it is
//! relied on. Running the same batch again with the same journal resumes it: finished
//! inputs are reported from the journal without any request, submitted ones are awaited by
//! task id, and only inputs never submitted are submitted. An input whose submit was sent
//! but whose answer was lost (the process was killed meanwhile, or the connection broke) may
//! or may not have created a paid task: it is reported as [`ItemState::OutcomeUnknown`]
//! and not submitted again unless [`BatchOptions::resubmit_unknown`] is set.
//!
//! ```no_run
//! # async fn example() -> Result<(), runninghub::Error> {
//! use runninghub::batch::{BatchInput, BatchOptions};
//! use serde_json::json;
//!
//! let client = runninghub::Client::from_env()?;
//! let inputs = ["a red kite", "a blue kite"].map(|prompt| {
//!     BatchInput::new(
//!         "vidu_text_to_video_q3_turbo",
//!         json!({"prompt": prompt, "style": "general", "aspectRatio": "16:9",
//!                "resolution": "720p", "duration": "5", "audio": true}),
//!     )
//! });
//! let options = BatchOptions::new()
//!     .max_in_flight(3)
//!     .journal("kites.journal")
//!     .download_dir("kites");
//! let mut run = client.batch(inputs, options)?;
//! while let Some(item) = run.next().await {
//!     println!("input {}: {:?} {:?}", item.index, item.state, item.files);
//! }
//! let summary = run.finish().await?;
//! println!("{} succeeded, {} failed", summary.succeeded, summary.failed);
//! # Ok(()) }
//! ```

use crate::client::{Client, refused_for_now};
use crate::error::{BatchError, Error, ErrorCode};
use crate::journal::{Entry, Journal, State, fingerprint};
use crate::retry::RetryPolicy;
use crate::task::Output;
use crate::types;
use crate::wait::{FinishedTask, WaitOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Tasks in flight when neither [`BatchOptions::max_in_flight`] nor the account says.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 3;

/// One request of a batch: a task endpoint, by its `operationId`, and its JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchInput {
    /// The endpoint's `operationId`, such as `vidu_reference_to_video_q3` (see
    /// [`crate::operations::OPERATIONS`]), or a run's endpoint with its id
    /// (`run/workflow/1904136902449209346`).
    pub operation: String,
    /// The request body, checked against the spec before anything is sent.
    pub body: Value,
}

impl BatchInput {
    /// An input for `operation` with `body`.
    pub fn new(operation: impl Into<String>, body: Value) -> BatchInput {
        BatchInput {
            operation: operation.into(),
            body,
        }
    }
}

type ProgressFn = Arc<dyn Fn(&BatchProgress) + Send + Sync>;
type SubmittedFn = Arc<dyn Fn(usize, &str) + Send + Sync>;

/// How to run a batch.
#[derive(Clone)]
pub struct BatchOptions {
    /// Tasks unfinished at once. `None` (the default) asks the account
    /// ([`Client::queue_status`]) and uses its concurrency limit, or
    /// [`DEFAULT_MAX_IN_FLIGHT`] when the account does not say. RunningHub refuses submits
    /// over the account's limit (1520), and those refusals are retried, so a value above
    /// the limit costs only refused requests.
    pub max_in_flight: Option<usize>,
    /// Submits and queries per second, together (default 5; `None`: no limit).
    pub max_requests_per_second: Option<f64>,
    /// How each task is awaited.
    pub wait: WaitOptions,
    /// The journal file, created if missing (default: none, and nothing survives a crash).
    pub journal: Option<PathBuf>,
    /// Where to save outputs: `<dir>/<input index>/`, the index zero-padded.
    pub download_dir: Option<PathBuf>,
    /// Submit again inputs whose earlier submit has an unknown outcome (default false: they
    /// may have created a paid task).
    pub resubmit_unknown: bool,
    /// Backoff between retries of submits refused for a passing reason, up to its
    /// `max_consecutive_failures` refusals in a row (default: no limit).
    pub refusal_backoff: RetryPolicy,
    /// Submit requests in flight at once (default 1). A submit takes milliseconds and tasks
    /// still run in parallel up to [`BatchOptions::max_in_flight`]; one at a time means a
    /// crash leaves at most one input whose submit outcome is unknown (RunningHub has no
    /// idempotency key, so such an input may be a paid task whose id is lost).
    pub max_concurrent_submits: usize,
    progress: Option<ProgressFn>,
    submitted: Option<SubmittedFn>,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            max_in_flight: None,
            max_requests_per_second: Some(5.0),
            wait: WaitOptions::default(),
            journal: None,
            download_dir: None,
            resubmit_unknown: false,
            refusal_backoff: RetryPolicy {
                max_consecutive_failures: u32::MAX,
                base: Duration::from_secs(2),
                cap: Duration::from_secs(60),
            },
            max_concurrent_submits: 1,
            progress: None,
            submitted: None,
        }
    }
}

impl std::fmt::Debug for BatchOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchOptions")
            .field("max_in_flight", &self.max_in_flight)
            .field("max_requests_per_second", &self.max_requests_per_second)
            .field("wait", &self.wait)
            .field("journal", &self.journal)
            .field("download_dir", &self.download_dir)
            .field("resubmit_unknown", &self.resubmit_unknown)
            .field("refusal_backoff", &self.refusal_backoff)
            .field("max_concurrent_submits", &self.max_concurrent_submits)
            .field("progress", &self.progress.is_some())
            .field("submitted", &self.submitted.is_some())
            .finish()
    }
}

impl BatchOptions {
    /// The defaults.
    pub fn new() -> BatchOptions {
        BatchOptions::default()
    }

    /// Sets the number of tasks unfinished at once (at least 1), instead of asking the
    /// account.
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = Some(n.max(1));
        self
    }

    /// Sets the shared rate of submits and queries (`None`: unlimited).
    pub fn max_requests_per_second(mut self, per_second: Option<f64>) -> Self {
        self.max_requests_per_second = per_second;
        self
    }

    /// Sets how each task is awaited.
    pub fn wait(mut self, wait: WaitOptions) -> Self {
        self.wait = wait;
        self
    }

    /// Records the batch in this journal, and resumes from it.
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// Saves every output under this directory, one subdirectory per input.
    pub fn download_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.download_dir = Some(dir.into());
        self
    }

    /// Submits again inputs whose earlier submit has an unknown outcome.
    pub fn resubmit_unknown(mut self, yes: bool) -> Self {
        self.resubmit_unknown = yes;
        self
    }

    /// Sets the backoff between retries of refused submits.
    pub fn refusal_backoff(mut self, backoff: RetryPolicy) -> Self {
        self.refusal_backoff = backoff;
        self
    }

    /// Sets how many submit requests may be in flight at once (at least 1; see
    /// [`BatchOptions::max_concurrent_submits`]).
    pub fn max_concurrent_submits(mut self, n: usize) -> Self {
        self.max_concurrent_submits = n.max(1);
        self
    }

    /// Calls `f` with an input's index and its task's id as soon as a submit creates the
    /// task (after the journal, if any, recorded it): without a journal, this is where a
    /// caller learns the ids of tasks a stopped batch leaves running.
    pub fn on_submitted(mut self, f: impl Fn(usize, &str) + Send + Sync + 'static) -> Self {
        self.submitted = Some(Arc::new(f));
        self
    }

    /// Calls `f` with the totals after every change.
    pub fn on_progress(mut self, f: impl Fn(&BatchProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }
}

/// Totals of a batch so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchProgress {
    /// Inputs in the batch.
    pub total: usize,
    /// Tasks allowed in flight at once (0 until the batch has decided).
    pub max_in_flight: usize,
    /// Not yet submitted.
    pub queued: usize,
    /// Submitted (or being submitted) and not finished.
    pub running: usize,
    /// Finished with results.
    pub succeeded: usize,
    /// Finished without results, refused, or invalid.
    pub failed: usize,
    /// Submitted with an unknown outcome, and not submitted again.
    pub unknown: usize,
    /// Finished with results that could not be saved (a later run retries the downloads).
    pub not_saved: usize,
    /// Submits refused for a passing reason and retried.
    pub refusals: usize,
    /// Money spent by succeeded tasks, from their usage.
    pub spent_money: f64,
    /// Coins spent by succeeded tasks, from their usage.
    pub spent_coins: f64,
}

impl BatchProgress {
    /// Inputs that reached an end (succeeded, failed, unknown or not saved).
    pub fn done(&self) -> usize {
        self.succeeded + self.failed + self.unknown + self.not_saved
    }
}

/// How an input ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    /// The task finished with results.
    Succeeded,
    /// The task ended without results (failed or cancelled).
    Failed,
    /// The input was not submitted: invalid, or refused for a lasting reason. A later run
    /// with the same journal tries it again.
    NotSubmitted,
    /// The submit was sent and its answer lost: a task may exist. Not submitted again
    /// unless [`BatchOptions::resubmit_unknown`].
    OutcomeUnknown,
    /// The task exists but the wait ended early (timeout, or queries kept failing); a later
    /// run with the same journal waits for it again.
    Unfinished,
    /// The task succeeded but its outputs could not be saved into the download directory
    /// (the item's `error` says why). It does not count as succeeded; a later run with the
    /// same journal retries the downloads without submitting again.
    NotSaved,
}

/// The end of one input.
#[derive(Debug)]
pub struct BatchItem {
    /// The input's position in the batch (0-based).
    pub index: usize,
    /// How it ended.
    pub state: ItemState,
    /// The task, once one exists.
    pub task_id: Option<String>,
    /// The task object, when it succeeded.
    pub task: Option<types::Task>,
    /// Files saved, when a download directory was given and the download succeeded.
    pub files: Vec<PathBuf>,
    /// Why it did not succeed (for [`ItemState::NotSaved`], why its download failed).
    pub error: Option<Error>,
    /// Reported from the journal of an earlier run, without any request.
    pub from_journal: bool,
}

impl BatchItem {
    /// The outputs of a succeeded task.
    pub fn outputs(&self) -> Vec<Output> {
        self.task.as_ref().map(|t| t.outputs()).unwrap_or_default()
    }
}

/// What a batch did, once every input reached an end.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchSummary {
    /// The final totals.
    pub progress: BatchProgress,
    /// Inputs that succeeded.
    pub succeeded: usize,
    /// Inputs that did not succeed (failed, not submitted, unknown, unfinished, not saved).
    pub failed: usize,
}

/// A running batch: read its items with [`BatchRun::next`] as they finish, then
/// [`BatchRun::finish`]. Dropping it stops the batch (the journal keeps what happened).
#[derive(Debug)]
pub struct BatchRun {
    items: tokio::sync::mpsc::Receiver<BatchItem>,
    driver: tokio::task::JoinHandle<Result<BatchProgress, Error>>,
    abort: tokio::task::AbortHandle,
}

impl Drop for BatchRun {
    fn drop(&mut self) {
        self.abort.abort();
    }
}

impl BatchRun {
    /// The next input to reach its end, or `None` when all have.
    pub async fn next(&mut self) -> Option<BatchItem> {
        self.items.recv().await
    }

    /// Waits for the rest of the batch (dropping items not read) and returns the totals.
    /// Fails only when the journal cannot be written: then the batch stopped.
    pub async fn finish(mut self) -> Result<BatchSummary, Error> {
        while self.items.recv().await.is_some() {}
        let progress = (&mut self.driver)
            .await
            .map_err(|e| BatchError::Stopped(e.to_string()))??;
        Ok(BatchSummary {
            succeeded: progress.succeeded,
            failed: progress.total - progress.succeeded,
            progress,
        })
    }
}

/// The state the tasks of one batch share: the client, the options, the journal, the totals.
struct BatchState {
    client: Client,
    options: BatchOptions,
    journal: Option<Journal>,
    progress: Mutex<BatchProgress>,
    items: tokio::sync::mpsc::Sender<BatchItem>,
    total: usize,
    /// Held from the journal's `submitting` line to the line that records the outcome.
    submits: tokio::sync::Semaphore,
}

impl BatchState {
    fn update(&self, f: impl FnOnce(&mut BatchProgress)) {
        let snapshot = {
            let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut p);
            p.clone()
        };
        if let Some(report) = &self.options.progress {
            report(&snapshot);
        }
    }

    async fn record(&self, entry: Entry) -> Result<(), Error> {
        match &self.journal {
            Some(journal) => journal.append(entry).await,
            None => Ok(()),
        }
    }

    fn dir_of(&self, index: usize) -> Option<PathBuf> {
        let dir = self.options.download_dir.as_ref()?;
        Some(input_dir(dir, index, self.total))
    }

    async fn emit(&self, item: BatchItem) {
        let _ = self.items.send(item).await;
    }
}

impl Client {
    /// Runs `inputs` as a batch (see [the module](crate::batch)). Fails at once, before any
    /// request, when the journal cannot be opened or belongs to another batch; invalid
    /// inputs are reported as [`ItemState::NotSubmitted`] items and the others run.
    ///
    /// Must be called within a Tokio runtime: the batch runs in spawned tasks.
    pub fn batch(
        &self,
        inputs: impl IntoIterator<Item = BatchInput>,
        options: BatchOptions,
    ) -> Result<BatchRun, Error> {
        let inputs: Vec<BatchInput> = inputs.into_iter().collect();
        let fingerprints: Vec<String> = inputs
            .iter()
            .map(|i| fingerprint(&i.operation, &i.body))
            .collect();
        let (journal, states) = match &options.journal {
            Some(path) => {
                let (journal, states) = Journal::open(path, &fingerprints, self.base_url())?;
                (Some(journal), states)
            }
            None => (None, vec![State::Fresh; inputs.len()]),
        };
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let total = inputs.len();
        let shared = Arc::new(BatchState {
            client: self.for_batch(options.max_requests_per_second),
            total,
            submits: tokio::sync::Semaphore::new(options.max_concurrent_submits.max(1)),
            options,
            journal,
            progress: Mutex::new(BatchProgress {
                total,
                queued: total,
                ..BatchProgress::default()
            }),
            items: tx,
        });
        let driver = tokio::spawn(drive(shared, inputs, states));
        let abort = driver.abort_handle();
        Ok(BatchRun {
            items: rx,
            driver,
            abort,
        })
    }
}

/// Starts one task per input, at most `max_in_flight` at once, in input order.
async fn drive(
    shared: Arc<BatchState>,
    inputs: Vec<BatchInput>,
    states: Vec<State>,
) -> Result<BatchProgress, Error> {
    let limit = match shared.options.max_in_flight {
        Some(n) => n,
        None => match shared.client.queue_status().await {
            Ok(status) => status
                .concurrent_limit
                .map_or(DEFAULT_MAX_IN_FLIGHT, |n| (n as usize).max(1)),
            Err(_) => DEFAULT_MAX_IN_FLIGHT,
        },
    };
    shared.update(|p| p.max_in_flight = limit);
    let slots = Arc::new(tokio::sync::Semaphore::new(limit));
    let mut running = tokio::task::JoinSet::new();
    // Inputs already submitted go first: they hold slots on the account already.
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by_key(|&i| !matches!(states[i], State::Submitted { .. }));
    let mut inputs: Vec<Option<BatchInput>> = inputs.into_iter().map(Some).collect();
    let mut states: Vec<Option<State>> = states.into_iter().map(Some).collect();
    for index in order {
        let input = inputs[index].take().expect("each input once");
        let state = states[index].take().expect("each state once");
        let needs_slot = match &state {
            State::Fresh | State::Submitted { .. } => true,
            State::Unknown { .. } => shared.options.resubmit_unknown,
            State::Succeeded { files: None, .. } => shared.options.download_dir.is_some(),
            _ => false,
        };
        let permit = if needs_slot {
            Some(
                slots
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("the semaphore is never closed"),
            )
        } else {
            None
        };
        // A journal write failure stops the batch: going on would lose what it records.
        while let Some(done) = running.try_join_next() {
            done.map_err(|e| BatchError::Stopped(format!("an input's task: {e}")))??;
        }
        let shared = shared.clone();
        // One span per input: its index and endpoint, for the traces of all it does.
        let span = tracing::info_span!("input", index, operation = input.operation.as_str());
        running.spawn(tracing::Instrument::instrument(
            async move {
                let result = drive_input(&shared, index, input, state).await;
                drop(permit);
                result
            },
            span,
        ));
    }
    while let Some(done) = running.join_next().await {
        done.map_err(|e| BatchError::Stopped(format!("an input's task: {e}")))??;
    }
    let progress = shared
        .progress
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    Ok(progress)
}

/// Takes one input from where the journal left it to its end.
async fn drive_input(
    shared: &BatchState,
    index: usize,
    input: BatchInput,
    state: State,
) -> Result<(), Error> {
    let item = |state, task_id: Option<String>| BatchItem {
        index,
        state,
        task_id,
        task: None,
        files: Vec::new(),
        error: None,
        from_journal: true,
    };
    let task = match state {
        State::Succeeded { task, files } => {
            shared.update(|p| p.queued -= 1);
            return finished(shared, index, *task, files, true).await;
        }
        State::Failed {
            task_id,
            code,
            error,
        } => {
            shared.update(|p| {
                p.queued -= 1;
                p.failed += 1;
            });
            let mut item = item(ItemState::Failed, Some(task_id.clone()));
            item.error = Some(Error::TaskFailed {
                task_id,
                code: ErrorCode::parse(&code),
                message: error,
                failed_reason: None,
            });
            shared.emit(item).await;
            return Ok(());
        }
        State::Unknown { error } if !shared.options.resubmit_unknown => {
            shared.update(|p| {
                p.queued -= 1;
                p.unknown += 1;
            });
            let mut item = item(ItemState::OutcomeUnknown, None);
            item.error = Some(Error::Batch(BatchError::NotResubmitted {
                index,
                previous: error.clone(),
            }));
            shared.emit(item).await;
            return Ok(());
        }
        State::Submitted { task_id } => {
            shared.update(|p| {
                p.queued -= 1;
                p.running += 1;
            });
            Err(task_id)
        }
        State::Fresh | State::Unknown { .. } => {
            shared.update(|p| {
                p.queued -= 1;
                p.running += 1;
            });
            match submit(shared, index, &input).await? {
                Some(task) => Ok(task),
                None => return Ok(()),
            }
        }
    };
    let registry = shared.client.registry();
    let operation = registry
        .submittable(&input.operation)
        .map(|(op, _)| op.operation_id);
    let options = shared.options.wait.clone();
    let waited = match task {
        Ok(task) => {
            shared
                .client
                .wait_inner(task.task_id.clone(), Some(task), options, operation)
                .await
        }
        Err(task_id) => {
            shared
                .client
                .wait_inner(task_id, None, options, operation)
                .await
        }
    };
    match waited {
        Ok(done) => {
            shared.update(|p| p.running -= 1);
            finished(shared, index, done.into_task(), None, false).await
        }
        Err(e @ (Error::TaskFailed { .. } | Error::TaskCancelled { .. })) => {
            let (task_id, code) = match &e {
                Error::TaskFailed { task_id, code, .. } => {
                    (task_id.clone(), code.as_str().to_owned())
                }
                Error::TaskCancelled { task_id, status } => (task_id.clone(), status.clone()),
                _ => unreachable!("matched above"),
            };
            shared
                .record(Entry::Failed {
                    i: index,
                    task_id: task_id.clone(),
                    code,
                    error: e.to_string(),
                })
                .await?;
            shared.update(|p| {
                p.running -= 1;
                p.failed += 1;
            });
            let mut item = item(ItemState::Failed, Some(task_id));
            item.from_journal = false;
            item.error = Some(e);
            shared.emit(item).await;
            Ok(())
        }
        Err(e) => {
            // The task exists; the journal keeps it as submitted, to be awaited again.
            let task_id = match &e {
                Error::Timeout { task_id, .. } => Some(task_id.clone()),
                _ => None,
            };
            shared.update(|p| {
                p.running -= 1;
                p.failed += 1;
            });
            let mut item = item(ItemState::Unfinished, task_id);
            item.from_journal = false;
            item.error = Some(e);
            shared.emit(item).await;
            Ok(())
        }
    }
}

/// Submits one input, retrying refusals for a passing reason until they pass. `None` when
/// the input reached its end without a task (reported already).
async fn submit(
    shared: &BatchState,
    index: usize,
    input: &BatchInput,
) -> Result<Option<types::Task>, Error> {
    let not_submitted = |state, error: Error| BatchItem {
        index,
        state,
        task_id: None,
        task: None,
        files: Vec::new(),
        error: Some(error),
        from_journal: false,
    };
    // Invalid inputs are refused before the journal says anything was sent.
    let registry = shared.client.registry();
    let checked = match registry.submittable(&input.operation) {
        Some((op, _)) => match registry.check_json_body(op.operation_id, input.body.clone()) {
            Some(Ok(_)) => Ok(()),
            Some(Err(e)) => Err(Error::Validation(e)),
            None => Err(Error::UnknownOperation(input.operation.clone())),
        },
        None => Err(Error::UnknownOperation(input.operation.clone())),
    };
    if let Err(e) = checked {
        shared.update(|p| {
            p.running -= 1;
            p.failed += 1;
        });
        shared.emit(not_submitted(ItemState::NotSubmitted, e)).await;
        return Ok(None);
    }
    let outcome = crate::retry::run(
        &shared.options.refusal_backoff,
        &shared.client.jitter,
        |e: &Attempt| matches!(e, Attempt::Refused(_)),
        || submit_once(shared, index, input),
    )
    .await;
    let (e, record) = match outcome {
        Ok(task) => return Ok(Some(task)),
        Err(Attempt::Journal(e)) => return Err(e),
        // The refusal that used up `refusal_backoff` is in the journal already.
        Err(Attempt::Refused(e)) => (e, false),
        Err(Attempt::Failed(e)) => (e, true),
    };
    if let Error::SubmitOutcomeUnknown { .. } = e {
        shared
            .record(Entry::Unknown {
                i: index,
                error: e.to_string(),
            })
            .await?;
        shared.update(|p| {
            p.running -= 1;
            p.unknown += 1;
        });
        shared
            .emit(not_submitted(ItemState::OutcomeUnknown, e))
            .await;
        return Ok(None);
    }
    if record {
        shared
            .record(Entry::NotSubmitted {
                i: index,
                error: e.to_string(),
            })
            .await?;
    }
    shared.update(|p| {
        p.running -= 1;
        p.failed += 1;
    });
    shared.emit(not_submitted(ItemState::NotSubmitted, e)).await;
    Ok(None)
}

/// How one submit attempt of a batch input ended, when it did not create a task.
enum Attempt {
    /// Refused for a passing reason, nothing created (and the journal says so): retried.
    Refused(Error),
    /// Any other failure of the submit, the outcome unknown included.
    Failed(Error),
    /// The journal could not be written: the batch stops.
    Journal(Error),
}

impl std::fmt::Display for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Attempt::Refused(e) | Attempt::Failed(e) | Attempt::Journal(e) => e.fmt(f),
        }
    }
}

impl crate::retry::RetryAfter for Attempt {
    fn retry_after(&self) -> Option<Duration> {
        match self {
            Attempt::Refused(e) | Attempt::Failed(e) | Attempt::Journal(e) => e.retry_after(),
        }
    }
}

/// One submit of a batch input, with its journal lines.
async fn submit_once(
    shared: &BatchState,
    index: usize,
    input: &BatchInput,
) -> Result<types::Task, Attempt> {
    // One submit at a time by default: from its `submitting` line to the line that
    // records its outcome, so that a crash leaves as few unknown outcomes as possible.
    let _turn = shared
        .submits
        .acquire()
        .await
        .expect("the semaphore is never closed");
    shared
        .record(Entry::Submitting {
            i: index,
            input: fingerprint(&input.operation, &input.body),
        })
        .await
        .map_err(Attempt::Journal)?;
    match shared
        .client
        .submit_json(&input.operation, input.body.clone())
        .await
    {
        Ok(task) => {
            // The task exists: if the journal cannot say so, the error does.
            shared
                .record(Entry::Submitted {
                    i: index,
                    task_id: task.task_id.clone(),
                })
                .await
                .map_err(|e| {
                    Attempt::Journal(Error::Batch(BatchError::Journal(format!(
                        "input {index} became task {}, which the journal could not record: {e}",
                        task.task_id
                    ))))
                })?;
            if let Some(report) = &shared.options.submitted {
                report(index, &task.task_id);
            }
            Ok(task)
        }
        Err(e) if refused_for_now(&e) => {
            // Certainly nothing was created: said so before the backoff, so that a crash
            // meanwhile does not leave the input unknown. The turn is given up on return.
            shared
                .record(Entry::NotSubmitted {
                    i: index,
                    error: e.to_string(),
                })
                .await
                .map_err(Attempt::Journal)?;
            shared.update(|p| p.refusals += 1);
            Err(Attempt::Refused(e))
        }
        Err(e) => Err(Attempt::Failed(e)),
    }
}

/// Reports a succeeded task, downloading its outputs first when asked (and not done yet).
async fn finished(
    shared: &BatchState,
    index: usize,
    task: types::Task,
    files: Option<Vec<PathBuf>>,
    from_journal: bool,
) -> Result<(), Error> {
    let mut error = None;
    let files = match (files, shared.dir_of(index)) {
        (Some(files), _) => Some(files),
        (None, Some(dir)) => {
            let done = FinishedTask {
                task: task.clone(),
                client: shared.client.clone(),
            };
            match done.download_to(&dir).await {
                Ok(files) => Some(files),
                Err(e) => {
                    error = Some(e);
                    None
                }
            }
        }
        (None, None) => None,
    };
    if !from_journal || files.is_some() {
        shared
            .record(Entry::Succeeded {
                i: index,
                task: Box::new(task.clone()),
                files: files.clone(),
            })
            .await?;
    }
    let usage = task.usage_numbers().unwrap_or_default();
    let state = if error.is_some() {
        ItemState::NotSaved
    } else {
        ItemState::Succeeded
    };
    shared.update(|p| {
        match state {
            ItemState::NotSaved => p.not_saved += 1,
            _ => p.succeeded += 1,
        }
        p.spent_money += usage.consume_money.unwrap_or(0.0);
        p.spent_coins += usage.consume_coins.unwrap_or(0.0);
    });
    shared
        .emit(BatchItem {
            index,
            state,
            task_id: Some(task.task_id.clone()),
            task: Some(task),
            files: files.unwrap_or_default(),
            error,
            from_journal,
        })
        .await;
    Ok(())
}

/// The directory of input `index` under `dir` for a batch of `total` inputs, as
/// [`BatchOptions::download_dir`] lays it out.
pub fn input_dir(dir: &Path, index: usize, total: usize) -> PathBuf {
    let width = total.saturating_sub(1).to_string().len().max(4);
    dir.join(format!("{index:0width$}"))
}
