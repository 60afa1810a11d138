//! The client users hold: configuration, authentication, and the generic submit and query
//! that every generated endpoint method goes through.

use crate::error::{Error, ErrorCode};
use crate::limit::RateLimiter;
use crate::operation::{Registry, TaskOperation};
use crate::raw;
use crate::retry::{Jitter, RetryPolicy};
use crate::transport::{Audience, RawInner, Transport, TransportSlot};
use crate::types;
use crate::validation::{Path, Problem, Validate, Violations};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The `User-Agent` of every request.
const USER_AGENT: &str = concat!("runninghub-rust/", env!("CARGO_PKG_VERSION"));

/// Environment variable read for the API key by [`Client::from_env`] and
/// [`ClientBuilder::build`] when no key was given.
pub const ENV_API_KEY: &str = "RUNNINGHUB_API_KEY";
/// Environment variable read by [`Client::from_env`] for a base URL overriding the region.
pub const ENV_BASE_URL: &str = "RUNNINGHUB_BASE_URL";

/// Where an account lives. API keys are bound to one region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Region {
    /// `https://www.runninghub.ai`, the international service.
    #[default]
    Global,
    /// `https://www.runninghub.cn`, the service in China.
    China,
}

impl Region {
    /// The region's base URL.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Global => "https://www.runninghub.ai",
            Region::China => "https://www.runninghub.cn",
        }
    }
}

/// A RunningHub API key. Its `Debug` output is redacted and it has no `Display`, so it
/// cannot end up in logs or error messages by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl From<String> for ApiKey {
    fn from(key: String) -> Self {
        ApiKey(key)
    }
}

impl From<&str> for ApiKey {
    fn from(key: &str) -> Self {
        ApiKey(key.to_owned())
    }
}

/// Configures a client: the runtime's [`Client`], or (the default in the `runninghub`
/// crate) its client with the model families, which wraps this one.
#[derive(Debug)]
pub struct ClientBuilder<C = Client> {
    settings: Settings,
    client: std::marker::PhantomData<fn() -> C>,
}

/// What a [`ClientBuilder`] has been told, whatever client it builds.
#[derive(Debug, Clone, Default)]
struct Settings {
    api_key: Option<ApiKey>,
    base_url: Option<String>,
    region: Region,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    max_requests_per_second: Option<f64>,
    transport: TransportSlot,
    jitter: Jitter,
    trace_bodies: bool,
}

// By hand: derived impls would require `C: Default` and `C: Clone` of the built client.
impl<C> Default for ClientBuilder<C> {
    fn default() -> Self {
        ClientBuilder {
            settings: Settings::default(),
            client: std::marker::PhantomData,
        }
    }
}

impl<C> Clone for ClientBuilder<C> {
    fn clone(&self) -> Self {
        ClientBuilder {
            settings: self.settings.clone(),
            client: std::marker::PhantomData,
        }
    }
}

/// A client type [`ClientBuilder`] builds: the runtime's [`Client`] itself, or a wrapper of
/// it that knows more operations (the `runninghub` crate's client, with the model
/// families). Not for implementing outside these two crates.
pub trait Assemble: Sized {
    /// Every operation the built client can send by name: the table that
    /// [`Client::submit_json`], batches and the request hook look endpoints up in.
    fn registry() -> &'static Registry;
    /// The built client, from the runtime's.
    fn assemble(client: Client) -> Self;
}

impl Assemble for Client {
    /// The platform calls only: this crate has no model families.
    fn registry() -> &'static Registry {
        &crate::operation::PLATFORM
    }
    fn assemble(client: Client) -> Self {
        client
    }
}

impl<C: Assemble> ClientBuilder<C> {
    /// A builder configured from the environment: the base URL from [`ENV_BASE_URL`] when
    /// set (else the global region); the key is read from [`ENV_API_KEY`] at
    /// [`ClientBuilder::build`] unless one is given.
    pub fn from_env() -> Self {
        let builder = ClientBuilder::default();
        match std::env::var(ENV_BASE_URL) {
            Ok(url) if !url.trim().is_empty() => builder.base_url(url),
            _ => builder,
        }
    }

    /// The API key; when not given, [`ENV_API_KEY`] is read at [`ClientBuilder::build`].
    pub fn api_key(mut self, key: impl Into<ApiKey>) -> Self {
        self.settings.api_key = Some(key.into());
        self
    }

    /// The region of the account (default [`Region::Global`]).
    pub fn region(mut self, region: Region) -> Self {
        self.settings.region = region;
        self
    }

    /// Any base URL, overriding the region: a proxy, or a local simulator in tests.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.settings.base_url = Some(url.into());
        self
    }

    /// Limit on one HTTP request, from sending to the end of the answer (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = Some(timeout);
        self
    }

    /// Limit on establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = Some(timeout);
        self
    }

    /// Retries of submits that RunningHub explicitly refused for a passing reason (rate
    /// limit, busy, concurrency limit: the task was not created) and of submits that could
    /// not connect (default [`RetryPolicy::default`]). A submit that may have reached
    /// RunningHub is never retried.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.settings.retry = Some(retry);
        self
    }

    /// Limits submits and queries (together) to this many per second, spaced evenly, to
    /// stay under the account's rate limit (default: no limit; a rate-limit refusal, 1003,
    /// is retried with backoff anyway). Zero, negative or non-finite values mean no limit.
    pub fn max_requests_per_second(mut self, per_second: f64) -> Self {
        self.settings.max_requests_per_second = Some(per_second);
        self
    }

    /// Where the random spread of poll delays and retry backoffs comes from (default
    /// [`Jitter::random`]); [`Jitter::fixed`] or [`Jitter::seeded`] make them reproducible.
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.settings.jitter = jitter;
        self
    }

    /// Sends every request of the client (submits, queries, uploads, the queue status,
    /// output downloads) through `transport` instead of the network: an in-process server
    /// for deterministic tests, a recorder, a proxy. See [`Transport`] for what it receives.
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.settings.transport = TransportSlot(Some(Arc::new(transport)));
        self
    }

    /// Whether each request's JSON body is traced, as a `request body` event at debug level
    /// in the request's span (default: never). For debugging what was sent: the key is
    /// replaced by `<redacted>` wherever it appears in a body, but prompts, URLs and
    /// every other field are recorded as they are. A non-JSON body (an upload) is traced
    /// by its size only.
    pub fn trace_bodies(mut self, trace: bool) -> Self {
        self.settings.trace_bodies = trace;
        self
    }

    /// Builds the client. Fails with [`Error::Config`] when there is no API key, the key
    /// cannot be sent in an HTTP header, or the base URL is not an absolute http(s) URL.
    pub fn build(self) -> Result<C, Error> {
        let key = match self.settings.api_key {
            Some(key) => key,
            None => match std::env::var(ENV_API_KEY) {
                Ok(key) if !key.trim().is_empty() => ApiKey(key),
                _ => {
                    return Err(Error::Config(format!(
                        "no API key: pass one to ClientBuilder::api_key or set {ENV_API_KEY}"
                    )));
                }
            },
        };
        if key.0.trim().is_empty() {
            return Err(Error::Config("the API key is empty".into()));
        }
        let base_url = self
            .settings
            .base_url
            .unwrap_or_else(|| self.settings.region.base_url().to_owned());
        let parsed = reqwest::Url::parse(&base_url)
            .map_err(|e| Error::Config(format!("base URL {base_url:?} is not a valid URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(Error::Config(format!(
                "base URL {base_url:?} must be an absolute http or https URL"
            )));
        }
        let base_url = base_url.trim_end_matches('/').to_owned();

        let mut auth = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", key.0))
            .map_err(|_| {
                Error::Config(
                    "the API key contains characters that cannot be sent in an HTTP header".into(),
                )
            })?;
        auth.set_sensitive(true);
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::AUTHORIZATION, auth);
        headers.insert(
            reqwest::header::USER_AGENT,
            reqwest::header::HeaderValue::from_static(USER_AGENT),
        );
        let http = reqwest::Client::builder()
            .default_headers(headers.clone())
            .timeout(self.settings.timeout.unwrap_or(Duration::from_secs(60)))
            .connect_timeout(
                self.settings
                    .connect_timeout
                    .unwrap_or(Duration::from_secs(10)),
            )
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        // Outputs are downloaded from storage hosts that must never see the API key, so
        // downloads use a client without the Authorization header.
        let files = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(
                self.settings
                    .connect_timeout
                    .unwrap_or(Duration::from_secs(10)),
            )
            .read_timeout(self.settings.timeout.unwrap_or(Duration::from_secs(60)))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(C::assemble(Client {
            raw: raw::Client::new_with_client(
                &base_url,
                http,
                RawInner::new(
                    self.settings.transport.0,
                    headers,
                    Arc::from(key.0.as_str()),
                    self.settings.trace_bodies,
                    C::registry(),
                ),
            ),
            files,
            base_url,
            retry: self.settings.retry.unwrap_or_default(),
            jitter: self.settings.jitter,
            durations: Default::default(),
            limiter: self
                .settings
                .max_requests_per_second
                .and_then(RateLimiter::per_second)
                .map(Arc::new),
        }))
    }
}

/// A RunningHub client: validates requests against the spec, authenticates, and turns
/// RunningHub's answers into typed results or typed errors.
///
/// This crate's client knows the platform calls; the `runninghub` crate's client wraps it
/// and adds a method per model endpoint of the spec, named after its `operationId`.
/// [`Client::submit`] is the generic form. Cloning is cheap and clones share connections.
#[derive(Clone)]
pub struct Client {
    raw: raw::Client,
    pub(crate) files: reqwest::Client,
    base_url: String,
    retry: RetryPolicy,
    /// The source of every random delay: poll spread and backoffs.
    pub(crate) jitter: Jitter,
    /// Durations of finished tasks per endpoint, shared by clones (see [`crate::Learning`]).
    pub(crate) durations: Arc<crate::learn::DurationBook>,
    /// The request-rate limit shared by submits and queries, if any.
    limiter: Option<Arc<RateLimiter>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

impl Client {
    /// A client for the global region with the given key.
    pub fn new(api_key: impl Into<ApiKey>) -> Result<Client, Error> {
        Client::builder().api_key(api_key).build()
    }

    /// A client configured from the environment: the key from [`ENV_API_KEY`], and the base
    /// URL from [`ENV_BASE_URL`] when set (else the global region).
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env().build()
    }

    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The operations this client can send by name (see [`Assemble::registry`]).
    pub fn registry(&self) -> &'static Registry {
        crate::operation::registry_of(progenitor_client::ClientInfo::inner(&self.raw))
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A clone of this client for a batch: under its own rate limit of `per_second` submits
    /// and queries (see [`ClientBuilder::max_requests_per_second`]), and without retries of
    /// refused submits, which the batch retries (and counts) itself.
    pub(crate) fn for_batch(&self, per_second: Option<f64>) -> Client {
        Client {
            limiter: per_second.and_then(RateLimiter::per_second).map(Arc::new),
            retry: RetryPolicy::none(),
            ..self.clone()
        }
    }

    /// Waits for the rate limit, if any.
    async fn pace(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.acquire().await;
        }
    }

    /// progenitor's generated client underneath, for calls this layer does not cover. Its
    /// requests are still authenticated and validated, but answers are returned as they
    /// are: an `errorCode` in a 200 body is not turned into an error. It has methods for
    /// the query and the platform calls; a model endpoint is sent unchecked with
    /// [`Operation::send`](crate::operation::Operation::send)`(client.raw(), &body)`.
    pub fn raw(&self) -> &raw::Client {
        &self.raw
    }

    /// Validates `body`, submits it to the model endpoint `O`, and returns the created task.
    ///
    /// Nothing is sent when validation fails ([`Error::Validation`]). A submit RunningHub
    /// explicitly refused for a passing reason (rate limit 1003, busy 1011, concurrency
    /// limit 1520 or 421, HTTP 429; no task was created) or that could not connect is
    /// retried under the client's [`RetryPolicy`]. When the request was sent but no answer
    /// came back, the result is [`Error::SubmitOutcomeUnknown`]: the task may exist, and it
    /// is never resubmitted automatically.
    pub async fn submit<O: TaskOperation>(&self, body: &O::Body) -> Result<types::Task, Error> {
        body.validate()?;
        // Only this thin wrapper is instantiated per endpoint; the retry loop is compiled
        // once, which keeps the cost of each endpoint in build time small.
        self.submit_erased(O::OPERATION_ID, &|| Box::pin(O::send(&self.raw, body)))
            .await
    }

    async fn submit_erased<'a>(
        &'a self,
        operation: &'static str,
        send: &(dyn Fn() -> SendFuture<'a> + Sync),
    ) -> Result<types::Task, Error> {
        use tracing::Instrument as _;
        let span = tracing::info_span!("submit", operation, task_id = tracing::field::Empty);
        let task = crate::retry::run(&self.retry, &self.jitter, refused_for_now, || async {
            self.pace().await;
            check_task(answer_to_task(send().await, Some(operation)).await?)
        })
        .instrument(span.clone())
        .await;
        match &task {
            Ok(task) => {
                span.record("task_id", task.task_id.as_str());
                tracing::info!(parent: &span, task_id = task.task_id.as_str(), status = task.status.as_str(), "submitted");
            }
            Err(e) => tracing::info!(parent: &span, error = %e, "submit failed"),
        }
        task
    }

    /// Checks and submits `body` to `endpoint`; `submit_json` without the sugar.
    pub(crate) async fn submit_json_now(
        &self,
        endpoint: &str,
        body: serde_json::Value,
    ) -> Result<(types::Task, &'static str), Error> {
        let unknown = || Error::UnknownOperation(endpoint.to_owned());
        // A model endpoint by path or id, or a run with its id in the path.
        let (op, path) = self.registry().submittable(endpoint).ok_or_else(unknown)?;
        let body = self
            .registry()
            .check_json_body(op.operation_id, body)
            .ok_or_else(unknown)??;
        let task = self
            .submit_erased(op.operation_id, &|| {
                Box::pin(self.send_value(op.operation_id, &path, &body))
            })
            .await?;
        Ok((task, op.operation_id))
    }

    /// POSTs an already checked JSON body to `path` the way progenitor's methods do: through
    /// the request hooks (validation, the transport) under `operation`'s name, read the same.
    async fn send_value<T: serde::de::DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<raw::ResponseValue<T>, raw::Error<()>> {
        use progenitor_client::ClientInfo as _;
        let request = self
            .raw
            .client()
            .post(format!("{}{path}", self.raw.baseurl()))
            .json(body);
        self.send_hooked(operation, request).await
    }

    /// Sends `request` as progenitor's generated methods do: `Accept: application/json`,
    /// the request hooks (validation, a key the call carries outside the header, the
    /// transport) under `operation`'s name, and a 200 read as `T`.
    async fn send_hooked<T: serde::de::DeserializeOwned>(
        &self,
        operation: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<raw::ResponseValue<T>, raw::Error<()>> {
        use progenitor_client::{ClientHooks as _, OperationInfo};
        let mut request = request
            .header(reqwest::header::ACCEPT, "application/json")
            .build()?;
        let info = OperationInfo {
            operation_id: operation,
        };
        self.raw.pre(&mut request, &info).await?;
        let result = self.raw.exec(request, &info).await;
        self.raw.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            200 => raw::ResponseValue::from_response(response).await,
            _ => Err(raw::Error::UnexpectedResponse(response)),
        }
    }

    /// GETs `path` with the fields of `query` (a JSON object of scalars) as its query, the
    /// way progenitor's methods send a request: through the hooks (which add a key the call
    /// carries in its query) under `operation`'s name.
    async fn send_query<T: serde::de::DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &str,
        query: &serde_json::Value,
    ) -> Result<raw::ResponseValue<T>, raw::Error<()>> {
        use progenitor_client::ClientInfo as _;
        let pairs: Vec<(&str, String)> = query
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => (k.as_str(), s.clone()),
                other => (k.as_str(), other.to_string()),
            })
            .collect();
        let request = self
            .raw
            .client()
            .get(format!("{}{path}", self.raw.baseurl()))
            .query(&pairs);
        self.send_hooked(operation, request).await
    }

    /// Sends a request the generated methods do not cover (uploads, the queue status,
    /// downloads) the way they send theirs: through the transport, if any.
    pub(crate) async fn execute(
        &self,
        request: reqwest::RequestBuilder,
        audience: Audience,
    ) -> Result<reqwest::Response, Error> {
        use progenitor_client::ClientInfo as _;
        let request = request.build().map_err(Error::Transport)?;
        let client = match audience {
            Audience::RunningHub => self.raw.client(),
            Audience::Storage => &self.files,
        };
        self.raw
            .inner()
            .execute(client, request, audience)
            .await
            .map_err(Error::Transport)
    }

    /// POSTs a checked JSON body to a platform call's `path` (through the request hooks,
    /// which add the key where the call takes it) and opens the `{code, msg, data}` envelope
    /// of the answer: its `data` on success, [`Error::Api`] for any other code. A refusal
    /// for a passing reason (421, 1003, ...) is retried under the client's [`RetryPolicy`].
    /// `task_id` is the task the call concerns, for the error.
    ///
    /// A call that creates a task (`call.creates_task`) is a submit: a transport failure
    /// after sending is [`Error::SubmitOutcomeUnknown`] and is not retried, and a numeric
    /// `data.taskId` is read as its decimal digits.
    pub(crate) async fn send_envelope(
        &self,
        call: EnvelopeCall,
        body: &serde_json::Value,
        task_id: Option<&str>,
    ) -> Result<serde_json::Value, Error> {
        let envelope = self.send_for_envelope(call, body, task_id).await?;
        let mut data = crate::error::open_envelope(envelope, task_id)?;
        if call.creates_task
            && let Some(id) = data.get_mut("taskId")
            && let serde_json::Value::Number(n) = id
        {
            *id = serde_json::Value::String(n.to_string());
        }
        Ok(data)
    }

    /// Sends a platform call and returns its whole envelope, with a refusal for a passing
    /// reason (421, 1003, ...) retried as [`Client::send_envelope`] does; the caller opens it.
    pub(crate) async fn send_for_envelope(
        &self,
        call: EnvelopeCall,
        body: &serde_json::Value,
        task_id: Option<&str>,
    ) -> Result<serde_json::Value, Error> {
        let EnvelopeCall {
            operation,
            method,
            path,
            creates_task,
        } = call;
        let submit = creates_task.then_some(operation);
        crate::retry::run(&self.retry, &self.jitter, refused_for_now, || async {
            self.pace().await;
            let answer = match method {
                "GET" => self.send_query(operation, path, body).await,
                _ => self.send_value(operation, path, body).await,
            };
            let envelope: serde_json::Value = answer_to_task(answer, submit).await?;
            // A passing refusal is retried like any other; the rest is the caller's to open.
            match crate::error::open_envelope(envelope.clone(), task_id) {
                Err(e) if refused_for_now(&e) => Err(e),
                _ => Ok(envelope),
            }
        })
        .await
    }

    /// The current state of a task. A task that failed is [`Error::TaskFailed`].
    pub async fn query(&self, task_id: &str) -> Result<types::Task, Error> {
        require_task_id(task_id)?;
        let body = types::QueryTaskRequest {
            task_id: task_id.to_owned(),
        };
        self.pace().await;
        let answer = self.raw.query_task(&body).await;
        let task = answer_to_task(answer, None).await?;
        check_task(task)
    }
}

/// What [`Client::send_envelope`] needs to know of a platform call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EnvelopeCall {
    /// The spec's `operationId`.
    pub(crate) operation: &'static str,
    /// The HTTP method, upper case.
    pub(crate) method: &'static str,
    /// The path below the server URL.
    pub(crate) path: &'static str,
    /// Whether a success creates a task (the call is a submit).
    pub(crate) creates_task: bool,
}

impl EnvelopeCall {
    /// The call `O`.
    pub(crate) fn of<O: crate::operation::EnvelopeOperation>() -> EnvelopeCall {
        EnvelopeCall {
            operation: O::OPERATION_ID,
            method: O::METHOD,
            path: O::PATH,
            creates_task: O::CREATES_TASK,
        }
    }
}

/// Refuses an empty task id before anything is sent ([`Error::Validation`] on `taskId`).
pub(crate) fn require_task_id(task_id: &str) -> Result<(), Error> {
    if task_id.trim().is_empty() {
        let mut out = Violations::default();
        out.push(
            &Path::root().field("taskId"),
            Problem::Invalid {
                message: "the task id is empty".into(),
            },
        );
        out.into_result()?;
    }
    Ok(())
}

/// One send of a submit, as [`crate::operation::Operation::send`] returns it.
type SendFuture<'a> = std::pin::Pin<
    Box<
        dyn std::future::Future<Output = Result<raw::ResponseValue<types::Task>, raw::Error<()>>>
            + Send
            + 'a,
    >,
>;

/// A submit that certainly created no task and may succeed later.
pub(crate) fn refused_for_now(e: &Error) -> bool {
    match e {
        Error::Api {
            code,
            task_id: None,
            ..
        } => matches!(
            code,
            ErrorCode::RateLimited
                | ErrorCode::Busy
                | ErrorCode::ConcurrencyLimit
                | ErrorCode::TaskQueueFull
        ),
        Error::Http { status: 429, .. } => true,
        // `answer_to_task` only reports a submit as `Transport` when it never connected.
        Error::Transport(_) => true,
        _ => false,
    }
}

/// The refusal a 200 answer of an unexpected shape states, if it states one: a non-empty
/// `errorCode` (with `errorMessage`, and `taskId` when not empty), or a `{code, msg}` envelope
/// whose `code` is not 0.
fn refusal_in(body: &[u8]) -> Option<Error> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = |key: &str| match value.get(key) {
        Some(serde_json::Value::String(s)) => Some(s.trim().to_owned()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    if let Some(code) = text("errorCode").filter(|c| !c.is_empty()) {
        let message = text("errorMessage")
            .filter(|m| !m.is_empty())
            .or_else(|| ErrorCode::parse(&code).meaning().map(str::to_owned))
            .unwrap_or_else(|| "no message".to_owned());
        return Some(Error::Api {
            code: ErrorCode::parse(&code),
            message,
            task_id: text("taskId").filter(|id| !id.is_empty()),
        });
    }
    let code = crate::error::envelope_code(&value).filter(|c| c != "0")?;
    Some(crate::error::envelope_error(&value, &code, None))
}

/// Maps progenitor's result to ours. `submit` names the operation when the request was a
/// submit, whose transport failures after sending have an unknown outcome.
async fn answer_to_task<T>(
    answer: Result<raw::ResponseValue<T>, raw::Error<()>>,
    submit: Option<&'static str>,
) -> Result<T, Error> {
    let transport = |e: reqwest::Error| match submit {
        // A connection never made (or a request never built) carried nothing.
        Some(operation) if !(e.is_connect() || e.is_builder()) => Error::SubmitOutcomeUnknown {
            operation,
            source: e,
        },
        _ => Error::Transport(e),
    };
    match answer {
        Ok(value) => Ok(value.into_inner()),
        Err(raw::Error::InvalidRequest(message)) => Err(Error::InvalidRequest(message)),
        Err(raw::Error::CommunicationError(e)) => Err(transport(e)),
        Err(raw::Error::ResponseBodyError(e)) => Err(transport(e)),
        // An answer that is not the expected shape but says why it refused (a bare
        // `{errorCode, errorMessage}`, or an envelope with a non-zero `code`) is that refusal.
        Err(raw::Error::InvalidResponsePayload(body, source)) => Err(refusal_in(&body)
            .unwrap_or_else(|| Error::Decode {
                status: 200,
                body: String::from_utf8_lossy(&body).into_owned(),
                source,
            })),
        Err(raw::Error::UnexpectedResponse(response)) => Err(http_error(response).await),
        Err(raw::Error::ErrorResponse(value)) => Err(Error::Http {
            status: value.status().as_u16(),
            body: String::new(),
            retry_after: None,
        }),
        Err(other) => Err(Error::InvalidRequest(other.to_string())),
    }
}

/// Reads a JSON answer of a hand-written endpoint: a status other than 200 is
/// [`Error::Http`], a body that is not a `T` is [`Error::Decode`] with the body kept.
pub(crate) async fn read_json<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, Error> {
    if response.status() != reqwest::StatusCode::OK {
        return Err(http_error(response).await);
    }
    let bytes = response.bytes().await.map_err(Error::Transport)?;
    serde_json::from_slice(&bytes).map_err(|source| Error::Decode {
        status: 200,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        source,
    })
}

/// An answer with an unexpected status, its body and `Retry-After` kept.
pub(crate) async fn http_error(response: reqwest::Response) -> Error {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = response.text().await.unwrap_or_default();
    Error::Http {
        status,
        body,
        retry_after,
    }
}

/// RunningHub reports business errors inside HTTP 200 bodies: a non-empty `errorCode` or
/// `errorMessage` is an error, and a `FAILED` task is a failed task, whatever the endpoint.
pub(crate) fn check_task(task: types::Task) -> Result<types::Task, Error> {
    let code = task.error_code.as_deref().unwrap_or("").trim().to_owned();
    let message = task
        .error_message
        .as_deref()
        .unwrap_or("")
        .trim()
        .to_owned();
    let has_id = !task.task_id.is_empty();
    if task.status == "FAILED" && has_id {
        return Err(Error::TaskFailed {
            task_id: task.task_id,
            code: ErrorCode::parse(&code),
            message,
            failed_reason: task.failed_reason.filter(|r| !r.is_null()),
        });
    }
    if code.is_empty() && message.is_empty() {
        return Ok(task);
    }
    Err(Error::Api {
        code: ErrorCode::parse(&code),
        message,
        task_id: has_id.then_some(task.task_id),
    })
}
