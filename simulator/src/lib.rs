//! A local RunningHub simulator: a real HTTP server on 127.0.0.1 that speaks the API as
//! RunningHub does, for tests and for trying the `runninghub` client without an account.
//!
//! It serves every task operation of the spec (validating bodies against the spec's own
//! schemas, not with the client's checks, and answering `1007` in a 200 body, as RunningHub
//! does), the query, the upload, the queue status and the output files, and calls
//! webhooks. The platform calls (account, cancel, webhook events, workflow graphs) answer
//! with the `{code, msg, data}` envelope and the platform's codes (802 for a key missing from
//! or wrong in the body, 807 for an unknown task, 380 for an unknown workflow), and a
//! cancelled task reports `CANCEL`. It can enforce an account's concurrency limit (1520) and request rate (1003). Tasks follow a configurable
//! lifecycle (QUEUED → RUNNING → outcome, after chosen delays). Faults can be queued per
//! route (HTTP errors with `Retry-After`, HTML pages, empty or truncated bodies, hanging
//! answers, business rejections, a submit that creates its task and never answers, a
//! truncated download). It counts what it received, so tests can assert request counts.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use runninghub_simulator::Simulator;
//! let sim = Simulator::start().await;
//! let client = sim.client();
//! let err = client.query("42").await.unwrap_err(); // no such task: errorCode 1004
//! assert_eq!(err.code().unwrap().as_str(), "1004");
//! assert_eq!(sim.counts().queries, 1);
//! # }
//! ```

mod platform;
mod schemas;

pub use schemas::request_schema;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use runninghub::handwritten_paths;
use runninghub::operation::Role;
use runninghub::operations::OPERATIONS;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// `GET` this path for the request counts as JSON (camelCase names of [`Counts`]'s fields),
/// when the simulator runs in another process.
pub const COUNTS_PATH: &str = "/_simulator/counts";

/// What a finished task turns into.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// SUCCESS with these outputs.
    Success(Vec<SimOutput>),
    /// FAILED with an error code and message.
    Failed {
        /// The error code, such as `"1015"`.
        code: String,
        /// The message.
        message: String,
    },
    /// CANCELLED.
    Cancelled,
    /// Never finishes: stays in the last lifecycle status.
    Never,
    /// SUCCESS with one output of the kind the task's model produces
    /// ([`runninghub::operation::OperationInfo::output`]): an `mp4` for a video model, a `png`
    /// for an image model, an `mp3`, a `glb`, or a text result without a file.
    ByModel,
}

/// The outputs of a task of `operation` that succeeds under `outcome`, or `None` when it
/// does not succeed. A text output has no bytes: its `text` is the content.
fn success_outputs(outcome: &Outcome, operation: &str) -> Option<Vec<SimOutput>> {
    use runninghub::operation::OutputKind;
    match outcome {
        Outcome::Success(outputs) => Some(outputs.clone()),
        Outcome::ByModel => {
            let kind =
                runninghub::operation::task(operation).map_or(OutputKind::Unknown, |op| op.output);
            let (output_type, bytes): (&str, &[u8]) = match kind {
                OutputKind::Video => ("mp4", b"\0\0\0\x18ftypmp42simulated video"),
                OutputKind::Audio => ("mp3", b"ID3\x03\0\0\0\0\0\0simulated audio"),
                OutputKind::Model3d => ("glb", b"glTF\x02\0\0\0simulated 3D model"),
                OutputKind::Text => ("txt", b""),
                OutputKind::Image | OutputKind::Unknown => {
                    ("png", b"\x89PNG\r\n\x1a\nsimulated output")
                }
            };
            Some(vec![SimOutput {
                output_type: output_type.into(),
                bytes: bytes.to_vec(),
            }])
        }
        Outcome::Failed { .. } | Outcome::Cancelled | Outcome::Never => None,
    }
}

/// One output file of a simulated task.
#[derive(Debug, Clone)]
pub struct SimOutput {
    /// The output type (file extension), such as `mp4`.
    pub output_type: String,
    /// The file's content.
    pub bytes: Vec<u8>,
}

/// How `eventData` is sent in webhook calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookStyle {
    /// As a JSON string holding the task object (the documented form).
    String,
    /// As the task object itself (seen in v2).
    Object,
}

/// The simulator's behaviour; it can be changed while it runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// When set, requests must carry `Authorization: Bearer <key>`.
    pub api_key: Option<String>,
    /// The statuses a task goes through before its outcome, each for a duration. Empty:
    /// the submit answers with the outcome at once.
    pub lifecycle: Vec<(String, Duration)>,
    /// What tasks end as.
    pub outcome: Outcome,
    /// How webhooks carry the task.
    pub webhook_style: WebhookStyle,
    /// Lifecycles for particular task operations (by `operationId`), replacing
    /// [`Config::lifecycle`] for them: models differ in how long they take.
    pub operation_lifecycles: HashMap<String, Vec<(String, Duration)>>,
    /// Each task's lifecycle is stretched by a factor drawn uniformly from
    /// `1 - spread ..= 1 + spread` when it is created (0: every task takes the same time).
    pub spread: f64,
    /// The account's limit on tasks in flight: a submit while this many tasks are unfinished
    /// is refused with errorCode `1520`, and creates nothing.
    pub max_in_flight: Option<usize>,
    /// The account's request-rate limit: at most this many submits and queries (together)
    /// per window; requests over it are refused with errorCode `1003`.
    pub rate_limit: Option<(u32, Duration)>,
    /// How long a submit takes to answer (default: no delay).
    pub submit_latency: Duration,
    /// The account's RH coin balance, as the account status reports it.
    pub coins: u64,
    /// The workflows whose graphs `workflow_json` returns: id to the graph's JSON text.
    pub workflows: HashMap<String, String>,
    /// The AI apps whose inputs `ai_app_info` lists: id to the app's `nodeInfoList`.
    pub apps: HashMap<String, Value>,
}

/// Where the simulator's signed LoRA addresses point (then the MD5).
const LORA_PATH: &str = "/lora-storage/";

/// A LoRA received by the simulator's storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimLora {
    /// The MD5 its address named.
    pub md5: String,
    /// The bytes put there.
    pub bytes: Vec<u8>,
    /// Whether the request carried an `Authorization` header (a storage host must never
    /// see the key).
    pub had_key: bool,
}

/// The id of the AI app the default [`Config`] knows.
pub const SAMPLE_APP_ID: &str = "2016740236478386178";

/// The id of the workflow the default [`Config`] knows.
pub const SAMPLE_WORKFLOW_ID: &str = "1904136902449209346";

/// The inputs of the sample AI app: a prompt and an image.
fn sample_app_nodes() -> Value {
    json!([
        {"nodeId": "52", "nodeName": "RH_Translator", "fieldName": "prompt",
         "fieldValue": "a paper boat", "fieldType": "STRING",
         "fieldData": "[\"STRING\", {\"default\": \"\", \"multiline\": true}]",
         "description": "prompt", "descriptionEn": "Prompt"},
        {"nodeId": "285", "nodeName": "LoadImage", "fieldName": "image",
         "fieldValue": "example.png", "fieldType": "IMAGE", "fieldData": null,
         "description": "image", "descriptionEn": "Input image"},
    ])
}

/// A small text-to-image ComfyUI graph in API format, for the sample workflow.
const SAMPLE_WORKFLOW: &str = r#"{"3":{"class_type":"KSampler","inputs":{"seed":1,"steps":20,"cfg":8,"model":["4",0],"positive":["6",0],"latent_image":["5",0]},"_meta":{"title":"KSampler"}},"4":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"model.safetensors"},"_meta":{"title":"Load Checkpoint"}},"5":{"class_type":"EmptyLatentImage","inputs":{"width":512,"height":512,"batch_size":1},"_meta":{"title":"Empty Latent Image"}},"6":{"class_type":"CLIPTextEncode","inputs":{"text":"a paper boat","clip":["4",1]},"_meta":{"title":"Prompt"}}}"#;

impl Default for Config {
    /// Key `sim-key`; QUEUED 20 ms, RUNNING 50 ms, then SUCCESS with one small `png`.
    fn default() -> Self {
        Config {
            api_key: Some("sim-key".into()),
            lifecycle: vec![
                ("QUEUED".into(), Duration::from_millis(20)),
                ("RUNNING".into(), Duration::from_millis(50)),
            ],
            outcome: Outcome::Success(vec![SimOutput {
                output_type: "png".into(),
                bytes: b"\x89PNG\r\n\x1a\nsimulated output".to_vec(),
            }]),
            webhook_style: WebhookStyle::String,
            operation_lifecycles: HashMap::new(),
            spread: 0.0,
            max_in_flight: None,
            rate_limit: None,
            submit_latency: Duration::ZERO,
            coins: 1000,
            workflows: HashMap::from([(SAMPLE_WORKFLOW_ID.to_owned(), SAMPLE_WORKFLOW.to_owned())]),
            apps: HashMap::from([(SAMPLE_APP_ID.to_owned(), sample_app_nodes())]),
        }
    }
}

impl Config {
    /// The lifecycle of tasks of `operation`.
    fn lifecycle_of(&self, operation: &str) -> &[(String, Duration)] {
        self.operation_lifecycles
            .get(operation)
            .unwrap_or(&self.lifecycle)
    }
}

/// Which requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// Submits to task operations.
    Submit,
    /// Task queries.
    Query,
    /// Uploads.
    Upload,
    /// Output downloads.
    Download,
}

/// A fault to answer one request with.
#[derive(Debug, Clone)]
pub enum Fault {
    /// This HTTP status and body, with a `Retry-After` header (seconds) if given.
    Status {
        /// The status.
        status: u16,
        /// The body.
        body: String,
        /// `Retry-After`, in seconds.
        retry_after: Option<u64>,
    },
    /// An HTML error page with this status, as a proxy would send.
    Html(u16),
    /// HTTP 200 with an empty body.
    Empty,
    /// HTTP 200 with the first half of the real answer.
    Truncated,
    /// Never answers.
    Hang,
    /// HTTP 200 with an empty task id and this error code (a business rejection).
    Reject {
        /// The error code, such as `"1003"`.
        code: String,
        /// The message.
        message: String,
    },
    /// Submits only: the task is created, but the answer never comes.
    AcceptThenHang,
    /// Downloads only: announces twice the bytes it sends, then closes.
    TruncatedDownload,
}

/// What the simulator received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Submit requests (valid or not).
    pub submits: u32,
    /// Tasks created.
    pub tasks_created: u32,
    /// Submits refused as invalid (1007).
    pub invalid_submits: u32,
    /// Query requests.
    pub queries: u32,
    /// Upload requests.
    pub uploads: u32,
    /// Download requests.
    pub downloads: u32,
    /// Webhook calls started.
    pub webhooks_sent: u32,
    /// Platform calls (account, cancel, webhook events, workflow graphs).
    pub platform_calls: u32,
    /// Price previews.
    pub price_previews: u32,
    /// Requests whose key was missing or wrong.
    pub unauthorized: u32,
    /// Submits refused because [`Config::max_in_flight`] tasks were unfinished (1520).
    pub concurrency_rejections: u32,
    /// Requests refused by [`Config::rate_limit`] (1003).
    pub rate_rejections: u32,
    /// The most submit requests the simulator was answering at the same time.
    pub peak_concurrent_submits: u32,
    /// The most tasks that were ever unfinished at once.
    pub max_in_flight: u32,
}

struct SimTask {
    created: Instant,
    /// When the task was cancelled, if it was.
    cancelled: Option<Instant>,
    operation: &'static str,
    body: Value,
    /// The stretch of this task's lifecycle (see [`Config::spread`]).
    stretch: f64,
}

impl SimTask {
    /// When the task reaches its outcome under `config`, or `None` if it never does.
    fn ends_at(&self, config: &Config) -> Option<Instant> {
        let end = self.natural_end(config);
        match (self.cancelled, end) {
            (Some(c), Some(e)) => Some(c.min(e)),
            (Some(c), None) => Some(c),
            (None, end) => end,
        }
    }

    /// When the task reaches its outcome if nobody cancels it.
    fn natural_end(&self, config: &Config) -> Option<Instant> {
        if matches!(config.outcome, Outcome::Never) {
            return None;
        }
        let total: Duration = config
            .lifecycle_of(self.operation)
            .iter()
            .map(|(_, d)| d.mul_f64(self.stretch))
            .sum();
        Some(self.created + total)
    }
}

struct Inner {
    config: Config,
    faults: HashMap<Route, VecDeque<Fault>>,
    counts: Counts,
    tasks: HashMap<String, SimTask>,
    task_order: Vec<String>,
    uploads: Vec<(String, Vec<u8>)>,
    next_id: u64,
    /// Start of the current rate-limit window and the requests counted in it.
    window: (Instant, u32),
    /// Submit requests being answered now.
    submits_in_flight: u32,
    /// The platform calls received, by operation id, with their bodies as sent.
    platform_calls: Vec<(String, Value)>,
    /// The webhook calls made, in order.
    webhooks: Vec<WebhookRecord>,
    /// The LoRAs put into storage, in order.
    loras: Vec<SimLora>,
}

/// A webhook call the simulator made, as the webhook-event calls report it.
struct WebhookRecord {
    id: String,
    task_id: String,
    url: String,
    /// What was sent, as JSON text.
    event_data: String,
    /// `SUCCESS` or `FAILED`.
    status: &'static str,
    /// The receiver's answer, or why there was none.
    response: String,
    /// How many times it was sent again.
    retries: u32,
}

impl Inner {
    /// Tasks created and not yet finished.
    fn in_flight(&self) -> usize {
        let now = Instant::now();
        self.tasks
            .values()
            .filter(|t| t.ends_at(&self.config).is_none_or(|end| end > now))
            .count()
    }

    /// Counts a submit or query against the rate limit; false when it is over the limit.
    fn admit(&mut self) -> bool {
        let Some((limit, per)) = self.config.rate_limit else {
            return true;
        };
        let now = Instant::now();
        if now.duration_since(self.window.0) >= per {
            self.window = (now, 0);
        }
        if self.window.1 >= limit {
            self.counts.rate_rejections += 1;
            return false;
        }
        self.window.1 += 1;
        true
    }
}

struct Shared {
    inner: Mutex<Inner>,
    base_url: String,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running simulator; stops when dropped.
pub struct Simulator {
    shared: Arc<Shared>,
    /// The listening socket and its server, unless the simulator runs in process.
    server: Option<(SocketAddr, tokio::task::JoinHandle<()>)>,
    router: axum::Router,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.server.as_ref().map(|(addr, _)| addr))
            .finish()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some((_, server)) = &self.server {
            server.abort();
        }
    }
}

/// The base URL of a simulator that runs in process: never resolved, since its clients
/// send through [`Simulator::transport`].
pub const IN_PROCESS_URL: &str = "http://simulator.invalid";

/// Sends a client's requests straight to a simulator's router, in process: no socket, so
/// tests can run on tokio's paused clock and see exact instants.
#[derive(Clone)]
pub struct InProcess(axum::Router);

impl std::fmt::Debug for InProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InProcess")
    }
}

impl runninghub::Transport for InProcess {
    fn send(&self, mut request: reqwest::Request) -> runninghub::TransportFuture {
        use tower::ServiceExt as _;
        let router = self.0.clone();
        Box::pin(async move {
            let mut builder = axum::http::Request::builder()
                .method(request.method().clone())
                .uri(request.url().as_str());
            for (name, value) in request.headers() {
                builder = builder.header(name, value);
            }
            let body = match request.body_mut().take() {
                Some(body) => Body::new(body),
                None => Body::empty(),
            };
            let request = builder
                .body(body)
                .expect("a request reqwest built is a valid HTTP request");
            let response = match router.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            let (parts, body) = response.into_parts();
            let body = reqwest::Body::wrap_stream(body.into_data_stream());
            Ok(reqwest::Response::from(axum::http::Response::from_parts(
                parts, body,
            )))
        })
    }
}

impl Simulator {
    /// Starts a simulator with the default [`Config`] on a free port of 127.0.0.1.
    pub async fn start() -> Simulator {
        Simulator::start_with(Config::default()).await
    }

    /// Starts a simulator with `config` on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// When no port of 127.0.0.1 can be bound (a broken test machine).
    pub async fn start_with(config: Config) -> Simulator {
        Simulator::bind(config, 0).await.expect("binding 127.0.0.1")
    }

    /// Starts a simulator on a given port of 127.0.0.1 (0 for any free port).
    pub async fn bind(config: Config, port: u16) -> std::io::Result<Simulator> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let mut simulator = Simulator::new(config, format!("http://{addr}"));
        let app = simulator.router.clone();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        simulator.server = Some((addr, server));
        Ok(simulator)
    }

    /// A simulator without a socket: its [`Simulator::client`] sends every request (output
    /// downloads included) straight to it through [`Simulator::transport`]. Nothing in it
    /// waits on I/O, so a test on tokio's paused clock (`start_paused = true`) runs through
    /// a task's whole life at once and sees exact instants. Webhooks are still sent over the
    /// network. Needs a tokio runtime.
    pub fn in_process(config: Config) -> Simulator {
        Simulator::new(config, IN_PROCESS_URL.to_owned())
    }

    fn new(config: Config, base_url: String) -> Simulator {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                config,
                faults: HashMap::new(),
                counts: Counts::default(),
                tasks: HashMap::new(),
                task_order: Vec::new(),
                uploads: Vec::new(),
                next_id: first_task_id(),
                window: (Instant::now(), 0),
                submits_in_flight: 0,
                platform_calls: Vec::new(),
                webhooks: Vec::new(),
                loras: Vec::new(),
            }),
            base_url,
        });
        let router = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        Simulator {
            shared,
            server: None,
            router,
        }
    }

    /// The transport that reaches this simulator in process (what the clients of an
    /// [`Simulator::in_process`] simulator use).
    pub fn transport(&self) -> InProcess {
        InProcess(self.router.clone())
    }

    /// The base URL to point a client at.
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// A client for this simulator, with its key and quick retries (and the in-process
    /// transport, for a simulator made by [`Simulator::in_process`]).
    pub fn client(&self) -> runninghub::Client {
        self.client_builder()
            .build()
            .expect("a client for a local URL builds")
    }

    /// The builder behind [`Simulator::client`], to configure more (a [`runninghub::Jitter`],
    /// a rate limit) before building.
    pub fn client_builder(&self) -> runninghub::ClientBuilder {
        let key = self
            .shared
            .lock()
            .config
            .api_key
            .clone()
            .unwrap_or_else(|| "sim-key".into());
        let builder = runninghub::Client::builder()
            .api_key(key)
            .base_url(self.url())
            .retry(runninghub::RetryPolicy {
                max_consecutive_failures: 5,
                base: Duration::from_millis(5),
                cap: Duration::from_millis(50),
            });
        match self.server {
            Some(_) => builder,
            None => builder.transport(self.transport()),
        }
    }

    /// Queues a fault for the next request of `route`.
    pub fn inject(&self, route: Route, fault: Fault) {
        self.shared
            .lock()
            .faults
            .entry(route)
            .or_default()
            .push_back(fault);
    }

    /// Removes the faults not yet used for `route`, and says how many there were.
    pub fn clear_faults(&self, route: Route) -> usize {
        self.shared
            .lock()
            .faults
            .remove(&route)
            .map_or(0, |faults| faults.len())
    }

    /// Changes the configuration; tasks already created keep their start time and follow
    /// the new lifecycle and outcome.
    pub fn configure(&self, f: impl FnOnce(&mut Config)) {
        f(&mut self.shared.lock().config);
    }

    /// What was received so far.
    pub fn counts(&self) -> Counts {
        self.shared.lock().counts.clone()
    }

    /// The bodies of the tasks created, in order.
    pub fn task_bodies(&self) -> Vec<Value> {
        let inner = self.shared.lock();
        inner
            .task_order
            .iter()
            .map(|id| inner.tasks[id].body.clone())
            .collect()
    }

    /// When a task reached (or will reach) its outcome on the server: the reference for
    /// measuring how late a client notices. `None` for unknown tasks and tasks that never
    /// finish.
    pub fn finished_at(&self, task_id: &str) -> Option<Instant> {
        let inner = self.shared.lock();
        inner.tasks.get(task_id)?.ends_at(&inner.config)
    }

    /// The platform calls received, in order: operation id and the body as sent (with the
    /// key, where the call carries it in the body).
    pub fn platform_calls(&self) -> Vec<(String, Value)> {
        self.shared.lock().platform_calls.clone()
    }

    /// The LoRAs put into the simulator's storage, in order.
    pub fn loras(&self) -> Vec<SimLora> {
        self.shared.lock().loras.clone()
    }

    /// The uploads received: file name and content.
    pub fn uploads(&self) -> Vec<(String, Vec<u8>)> {
        self.shared.lock().uploads.clone()
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    if method == Method::GET {
        if path == COUNTS_PATH {
            let c = shared.lock().counts.clone();
            return axum::Json(json!({
                "submits": c.submits, "tasksCreated": c.tasks_created, "invalidSubmits": c.invalid_submits,
                "queries": c.queries, "uploads": c.uploads, "downloads": c.downloads,
                "webhooksSent": c.webhooks_sent, "unauthorized": c.unauthorized,
                "concurrencyRejections": c.concurrency_rejections, "rateRejections": c.rate_rejections,
                "maxInFlight": c.max_in_flight,
            }))
            .into_response();
        }
        if path == handwritten_paths::QUEUE_STATUS {
            let inner = shared.lock();
            if let Some(key) = &inner.config.api_key
                && request
                    .headers()
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    != Some(format!("Bearer {key}").as_str())
            {
                return axum::Json(
                    json!({"code": 401, "message": "ApiKey verification failed", "data": null}),
                )
                .into_response();
            }
            return axum::Json(json!({"code": 0, "msg": "success", "data": {
                "concurrentLimit": inner.config.max_in_flight,
                "runningCount": inner.in_flight(),
                "queuedCount": 0,
            }}))
            .into_response();
        }
        // A platform call that reads its query (an app's inputs).
        if let Some(op) = OPERATIONS
            .iter()
            .find(|op| op.path == path && op.method == "GET" && op.role == Role::Envelope)
        {
            let query = request.uri().query().unwrap_or("").to_owned();
            return platform::call_get(&shared, op.operation_id, &query);
        }
        if let Some(rest) = path.strip_prefix("/files/") {
            return download(&shared, rest).await;
        }
        if let Some(rest) = path.strip_prefix("/uploads/") {
            let n: Option<usize> = rest.split('/').next().and_then(|n| n.parse().ok());
            let content = n.and_then(|n| shared.lock().uploads.get(n).map(|u| u.1.clone()));
            return match content {
                Some(bytes) => bytes.into_response(),
                None => StatusCode::NOT_FOUND.into_response(),
            };
        }
    }
    // The second step of a LoRA upload: the signed address, on a storage host (no key).
    if method == Method::PUT
        && let Some(md5) = path.strip_prefix(LORA_PATH)
    {
        let md5 = md5.to_owned();
        let had_key = request.headers().contains_key(header::AUTHORIZATION);
        let Ok(bytes) = axum::body::to_bytes(request.into_body(), 256 << 20).await else {
            return html(400);
        };
        return platform::store_lora(&shared, &md5, bytes.to_vec(), had_key);
    }
    if method != Method::POST {
        return html(405);
    }
    let authorized = {
        let inner = shared.lock();
        match &inner.config.api_key {
            None => true,
            Some(key) => {
                request
                    .headers()
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    == Some(format!("Bearer {key}").as_str())
            }
        }
    };
    if path == handwritten_paths::UPLOAD_MEDIA {
        return upload(&shared, authorized, request).await;
    }
    let price_prefix = handwritten_paths::PRICE_PREVIEW
        .split('{')
        .next()
        .unwrap_or_default();
    if let Some(model) = path.strip_prefix(price_prefix) {
        let model = model.to_owned();
        let body = match axum::body::to_bytes(request.into_body(), 64 << 20).await {
            Ok(b) => b,
            Err(_) => return html(400),
        };
        return platform::price(&shared, authorized, &model, &body);
    }
    // A run's path holds an id: `run/ai-app/{webappId}` matches `run/ai-app/123`.
    let Some(op) = OPERATIONS
        .iter()
        .find(|op| op.path == path || (op.path.contains('{') && op.path_for(&path).is_some()))
    else {
        return html(404);
    };
    let body = match axum::body::to_bytes(request.into_body(), 64 << 20).await {
        Ok(b) => b,
        Err(_) => return html(400),
    };
    match op.role {
        Role::Query => query(&shared, authorized, &body).await,
        Role::Envelope => platform::call(&shared, authorized, op.operation_id, &body).await,
        _ => submit(&shared, authorized, op.operation_id, &body).await,
    }
}

/// Whether `operation` runs an AI app or a workflow (a v2 run, or a legacy call that
/// creates a task).
fn is_run(operation: &str) -> bool {
    OPERATIONS
        .iter()
        .any(|op| op.operation_id == operation && (op.role == Role::Run || op.creates_task))
}

fn html(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let page = format!(
        "<html><head><title>{status}</title></head><body><h1>{status}</h1><hr>nginx</body></html>"
    );
    (status, [(header::CONTENT_TYPE, "text/html")], page).into_response()
}

fn rejection(code: &str, message: &str) -> Value {
    json!({"taskId": "", "status": "", "errorCode": code, "errorMessage": message, "results": null, "clientId": "", "promptTips": ""})
}

/// Removes the next queued fault of `route` when it is of the kind `is` accepts (faults
/// that the route handles itself rather than by replacing the answer).
fn take_fault_if(shared: &Shared, route: Route, is: impl Fn(&Fault) -> bool) -> bool {
    let mut inner = shared.lock();
    let queue = inner.faults.entry(route).or_default();
    if queue.front().is_some_and(is) {
        queue.pop_front();
        true
    } else {
        false
    }
}

/// Applies the next queued fault of `route`, if any; `real` is the answer it replaces.
async fn fault(shared: &Shared, route: Route, real: impl FnOnce() -> Value) -> Option<Response> {
    let fault = shared
        .lock()
        .faults
        .get_mut(&route)
        .and_then(VecDeque::pop_front)?;
    Some(match fault {
        Fault::Status {
            status,
            body,
            retry_after,
        } => {
            let mut r = (
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                body,
            )
                .into_response();
            if let Some(s) = retry_after {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(s));
            }
            r
        }
        Fault::Html(status) => html(status),
        Fault::Empty => (StatusCode::OK, "").into_response(),
        Fault::Truncated => {
            let text = real().to_string();
            let half = text[..text.len() / 2].to_owned();
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                half,
            )
                .into_response()
        }
        Fault::Hang | Fault::AcceptThenHang => std::future::pending().await,
        Fault::Reject { code, message } => axum::Json(rejection(&code, &message)).into_response(),
        Fault::TruncatedDownload => html(500),
    })
}

/// The first task id of a simulator: 19 digits like RunningHub's, drawn from the clock so
/// that simulators started one after the other (`runninghub --mock` runs) do not hand out
/// the same ids.
fn first_task_id() -> u64 {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64);
    // 2 followed by 18 digits: the clock's microseconds modulo 10^15, times 1000, leaves
    // room for a thousand tasks per microsecond of start time.
    2_000_000_000_000_000_000 + (micros % 1_000_000_000_000_000) * 1000 + 1
}

/// Counts a submit as being answered until dropped.
struct SubmitInFlight<'a>(&'a Shared);

impl<'a> SubmitInFlight<'a> {
    fn new(shared: &'a Shared) -> Self {
        let mut inner = shared.lock();
        inner.submits_in_flight += 1;
        inner.counts.peak_concurrent_submits = inner
            .counts
            .peak_concurrent_submits
            .max(inner.submits_in_flight);
        SubmitInFlight(shared)
    }
}

impl Drop for SubmitInFlight<'_> {
    fn drop(&mut self) {
        self.0.lock().submits_in_flight -= 1;
    }
}

/// How a created task is answered: as the task object (model endpoints and v2 runs) or as
/// the platform envelope around the task's id (legacy runs).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    Task,
    Envelope,
}

/// What every submit goes through first: the submit latency and the submit route's faults.
/// `Ok(true)`: a fault says to create the task and never answer.
async fn submit_prelude(shared: &Arc<Shared>) -> Result<bool, Response> {
    shared.lock().counts.submits += 1;
    let latency = shared.lock().config.submit_latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let pending = take_fault_if(shared, Route::Submit, |f| {
        matches!(f, Fault::AcceptThenHang)
    });
    if !pending && let Some(r) = fault(shared, Route::Submit, || rejection("", "")).await {
        return Err(r);
    }
    Ok(pending)
}

/// A legacy run (a platform call that creates a task), its key and body already checked:
/// creates the task and answers with the envelope around its id.
pub(crate) async fn submit_checked(
    shared: &Arc<Shared>,
    operation: &'static str,
    value: Value,
) -> Response {
    let _in_flight = SubmitInFlight::new(shared);
    match submit_prelude(shared).await {
        Ok(pending) => create(shared, operation, value, pending, Answer::Envelope).await,
        Err(r) => r,
    }
}

async fn submit(
    shared: &Arc<Shared>,
    authorized: bool,
    operation: &'static str,
    body: &Bytes,
) -> Response {
    let _in_flight = SubmitInFlight::new(shared);
    let pending = match submit_prelude(shared).await {
        Ok(pending) => pending,
        Err(r) => return r,
    };
    if !authorized {
        shared.lock().counts.unauthorized += 1;
        return axum::Json(rejection("1002", "invalid api key")).into_response();
    }
    // Checked against the spec's own schemas, not with the client's validation.
    let checked = match serde_json::from_slice::<Value>(body) {
        Ok(value) => schemas::problems(operation, &value).map(|problems| (value, problems)),
        Err(_) => None,
    };
    let value = match checked {
        Some((value, problems)) if problems.is_empty() => value,
        Some((_, problems)) => {
            shared.lock().counts.invalid_submits += 1;
            let message = format!("invalid request: {}", problems.join("; "));
            return axum::Json(rejection("1007", &message)).into_response();
        }
        None => {
            shared.lock().counts.invalid_submits += 1;
            return axum::Json(rejection("1007", "failed to parse request body")).into_response();
        }
    };
    create(shared, operation, value, pending, Answer::Task).await
}

/// Creates a task of `operation` from a checked body, unless the account's limits refuse it,
/// and answers as `answer` says; `pending`: create it and never answer.
async fn create(
    shared: &Arc<Shared>,
    operation: &'static str,
    value: Value,
    pending: bool,
    answer_as: Answer,
) -> Response {
    let refuse = |code: &str, legacy: i64, message: &str| match answer_as {
        Answer::Task => axum::Json(rejection(code, message)).into_response(),
        Answer::Envelope => {
            axum::Json(json!({"code": legacy, "msg": message, "data": null})).into_response()
        }
    };
    let webhook_url = value
        .get("webhookUrl")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let (id, answer, ends_at) = {
        let mut inner = shared.lock();
        if !inner.admit() {
            return refuse("1003", 1003, "too many requests, please retry later");
        }
        if let Some(limit) = inner.config.max_in_flight
            && inner.in_flight() >= limit
        {
            inner.counts.concurrency_rejections += 1;
            // The platform's code for a full queue is 421 (TASK_QUEUE_MAXED).
            return refuse(
                "1520",
                421,
                "the number of concurrent tasks has reached the account limit",
            );
        }
        let id = inner.next_id.to_string();
        inner.next_id += 1;
        inner.counts.tasks_created += 1;
        let spread = inner.config.spread.clamp(0.0, 1.0);
        let task = SimTask {
            created: Instant::now(),
            cancelled: None,
            operation,
            body: value,
            stretch: 1.0 - spread + 2.0 * spread * fastrand::f64(),
        };
        let ends_at = task.ends_at(&inner.config);
        inner.tasks.insert(id.clone(), task);
        inner.task_order.push(id.clone());
        let in_flight = inner.in_flight() as u32;
        inner.counts.max_in_flight = inner.counts.max_in_flight.max(in_flight);
        let answer = task_view(shared, &inner, &id);
        (id, answer, ends_at)
    };
    if let (Some(url), Some(at)) = (webhook_url, ends_at) {
        let shared = shared.clone();
        tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            send_webhook(&shared, &id, &url).await;
        });
    }
    if pending {
        return std::future::pending().await;
    }
    match answer_as {
        Answer::Task => axum::Json(answer).into_response(),
        // RunningHub's examples carry the id as a string.
        Answer::Envelope => axum::Json(json!({"code": 0, "msg": "success", "data": {
            "netWssUrl": null,
            "taskId": answer["taskId"],
            "clientId": "",
            "taskStatus": answer["status"],
            "promptTips": "{\"result\": true, \"error\": null, \"outputs_to_execute\": [\"9\"], \"node_errors\": {}}",
        }}))
        .into_response(),
    }
}

async fn send_webhook(shared: &Shared, id: &str, url: &str) {
    let (task, style, legacy) = {
        let inner = shared.lock();
        let legacy = inner
            .tasks
            .get(id)
            .is_some_and(|t| platform::is_legacy_run(t.operation));
        (
            task_view(shared, &inner, id),
            inner.config.webhook_style,
            legacy,
        )
    };
    // A legacy run's event carries the legacy outputs answer, as text.
    let event_data = match style {
        _ if legacy => Value::String(platform::legacy_outputs(&task).to_string()),
        WebhookStyle::String => Value::String(task.to_string()),
        WebhookStyle::Object => task,
    };
    let sent = match &event_data {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let event = json!({"event": "TASK_END", "taskId": id, "eventData": event_data});
    shared.lock().counts.webhooks_sent += 1;
    // Like RunningHub, the simulator does not act on what the receiver answers; it records
    // it for the webhook-event calls.
    let (status, response) = match reqwest::Client::new().post(url).json(&event).send().await {
        Ok(r) if r.status().is_success() => ("SUCCESS", r.text().await.unwrap_or_default()),
        Ok(r) => ("FAILED", format!("HTTP {}", r.status().as_u16())),
        Err(e) => ("FAILED", e.to_string()),
    };
    let mut inner = shared.lock();
    let retries = inner.webhooks.iter().filter(|w| w.task_id == id).count() as u32;
    let record_id = (first_task_id() + 500_000 + inner.webhooks.len() as u64).to_string();
    inner.webhooks.push(WebhookRecord {
        id: record_id,
        task_id: id.to_owned(),
        url: url.to_owned(),
        event_data: sent,
        status,
        response,
        retries,
    });
}

/// The task object as RunningHub would report it now.
pub(crate) fn task_view(shared: &Shared, inner: &Inner, id: &str) -> Value {
    let task = &inner.tasks[id];
    if task
        .cancelled
        .is_some_and(|at| task.natural_end(&inner.config).is_none_or(|end| at < end))
    {
        return json!({"taskId": id, "status": "CANCEL", "errorCode": "", "errorMessage": "", "results": null});
    }
    let elapsed = task.created.elapsed();
    let lifecycle = inner.config.lifecycle_of(task.operation);
    let mut until = Duration::ZERO;
    for (status, d) in lifecycle {
        until += d.mul_f64(task.stretch);
        if elapsed < until {
            return json!({"taskId": id, "status": status, "errorCode": "", "errorMessage": "", "results": null, "clientId": "", "promptTips": ""});
        }
    }
    let last = lifecycle.last().map_or("RUNNING", |(s, _)| s.as_str());
    match &inner.config.outcome {
        outcome @ (Outcome::Success(_) | Outcome::ByModel) => {
            let outputs = success_outputs(outcome, task.operation).unwrap_or_default();
            let results: Vec<Value> = outputs
                .iter()
                .enumerate()
                .map(|(n, o)| {
                    let mut result = match o.output_type.as_str() {
                        // A text result comes in the task object, without a file.
                        "txt" if o.bytes.is_empty() => json!({"url": null, "outputType": "txt", "text": "simulated text output"}),
                        _ => json!({"url": format!("{}/files/{id}/{n}", shared.base_url), "outputType": o.output_type, "text": null}),
                    };
                    // A workflow's or app's outputs name the node that saved them.
                    if is_run(task.operation) {
                        result["nodeId"] = Value::String((9 + n).to_string());
                    }
                    result
                })
                .collect();
            json!({"taskId": id, "status": "SUCCESS", "errorCode": "", "errorMessage": "", "results": results,
                   "clientId": "", "promptTips": "{\"result\": true, \"error\": null, \"outputs_to_execute\": [\"1\"], \"node_errors\": {}}",
                   "usage": {"consumeMoney": "0.10", "thirdPartyConsumeMoney": null, "consumeCoins": "10", "taskCostTime": format!("{}", elapsed.as_secs())},
                   "operation": task.operation})
        }
        Outcome::Failed { code, message } => {
            json!({"taskId": id, "status": "FAILED", "errorCode": code, "errorMessage": message, "results": null, "failedReason": {}, "clientId": "", "promptTips": ""})
        }
        Outcome::Cancelled => {
            json!({"taskId": id, "status": "CANCELLED", "errorCode": "", "errorMessage": "", "results": null})
        }
        Outcome::Never => {
            json!({"taskId": id, "status": last, "errorCode": "", "errorMessage": "", "results": null})
        }
    }
}

async fn query(shared: &Arc<Shared>, authorized: bool, body: &Bytes) -> Response {
    shared.lock().counts.queries += 1;
    let id = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("taskId").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    let real = || {
        let inner = shared.lock();
        if inner.tasks.contains_key(&id) {
            task_view(shared, &inner, &id)
        } else {
            rejection("1004", "task not found")
        }
    };
    if let Some(r) = fault(shared, Route::Query, real).await {
        return r;
    }
    if !authorized {
        shared.lock().counts.unauthorized += 1;
        return axum::Json(rejection("1002", "invalid api key")).into_response();
    }
    let mut inner = shared.lock();
    if !inner.admit() {
        return axum::Json(rejection("1003", "too many requests, please retry later"))
            .into_response();
    }
    if !inner.tasks.contains_key(&id) {
        let mut r = rejection("1004", "task not found");
        r["taskId"] = Value::String(id);
        return axum::Json(r).into_response();
    }
    axum::Json(task_view(shared, &inner, &id)).into_response()
}

async fn upload(shared: &Arc<Shared>, authorized: bool, request: Request) -> Response {
    shared.lock().counts.uploads += 1;
    if let Some(r) = fault(shared, Route::Upload, || json!({"code": 0})).await {
        return r;
    }
    if !authorized {
        shared.lock().counts.unauthorized += 1;
        return axum::Json(
            json!({"code": 401, "message": "ApiKey verification failed", "data": null}),
        )
        .into_response();
    }
    let Ok(mut multipart) = Multipart::from_request(request, &()).await else {
        return axum::Json(
            json!({"code": 400, "msg": "expected multipart/form-data", "data": null}),
        )
        .into_response();
    };
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("upload.bin").to_owned();
        let Ok(bytes) = field.bytes().await else {
            return axum::Json(json!({"code": 400, "msg": "truncated upload", "data": null}))
                .into_response();
        };
        let (n, size) = {
            let mut inner = shared.lock();
            inner.uploads.push((name.clone(), bytes.to_vec()));
            (inner.uploads.len() - 1, bytes.len())
        };
        let kind = match runninghub::upload_kind(&name) {
            "" => "file",
            k => k,
        };
        return axum::Json(json!({"code": 0, "message": "success", "data": {
            "type": kind,
            "download_url": format!("{}/uploads/{n}/{name}", shared.base_url),
            "fileName": format!("openapi/{name}"),
            "size": size.to_string(),
        }}))
        .into_response();
    }
    axum::Json(json!({"code": 400, "msg": "missing field `file`", "data": null})).into_response()
}

async fn download(shared: &Arc<Shared>, rest: &str) -> Response {
    shared.lock().counts.downloads += 1;
    let mut parts = rest.split('/');
    let (Some(id), Some(n)) = (
        parts.next(),
        parts.next().and_then(|n| n.parse::<usize>().ok()),
    ) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let bytes = {
        let inner = shared.lock();
        inner
            .tasks
            .get(id)
            .and_then(|task| success_outputs(&inner.config.outcome, task.operation))
            .and_then(|outputs| outputs.get(n).map(|o| o.bytes.clone()))
    };
    let Some(bytes) = bytes else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let truncated = take_fault_if(shared, Route::Download, |f| {
        matches!(f, Fault::TruncatedDownload)
    });
    if truncated {
        // Announce twice the length, send half, and let the connection close early.
        let announced = bytes.len() * 2;
        let half = Bytes::from(bytes[..bytes.len() / 2].to_vec());
        let stream = futures_stream(half);
        let mut r = Response::new(Body::from_stream(stream));
        r.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(announced));
        return r;
    }
    if let Some(r) = fault(shared, Route::Download, || Value::Null).await {
        return r;
    }
    bytes.into_response()
}

/// A body stream that yields `first` and then fails, cutting the response short.
fn futures_stream(
    first: Bytes,
) -> impl futures_core::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    struct Cut(Option<Bytes>, bool);
    impl futures_core::Stream for Cut {
        type Item = Result<Bytes, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            if let Some(b) = self.0.take() {
                return std::task::Poll::Ready(Some(Ok(b)));
            }
            if !self.1 {
                self.1 = true;
                return std::task::Poll::Ready(Some(Err(std::io::Error::other("simulated cut"))));
            }
            std::task::Poll::Ready(None)
        }
    }
    Cut(Some(first), false)
}
