//! `runninghub`: every task endpoint of the spec from the terminal, with live progress,
//! downloads, and an embedded simulator to try it without an API key. Commands and fields
//! come from the generated operation table; nothing here is written per endpoint.

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use runninghub::operation::{FieldInfo, FieldKind, OperationInfo, Role};
use runninghub::operations::OPERATIONS;
use runninghub::simulator::{Config, Simulator};
use runninghub::{Client, Error, FinishedTask, PollSchedule, Region, WaitOptions, types};
use serde_json::{Value, json};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// `println!` that ends the process quietly when stdout is closed (`… | head`) instead of
/// panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

#[path = "runninghub/batch.rs"]
mod batch;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the task failed, or RunningHub answered with an error
  2  usage or client-side validation error (nothing was sent)
  3  timeout (the task may still be running; `runninghub wait <task-id>` picks it up)
  4  transport error, or a submit whose outcome is unknown (it was not resent)
  130  interrupted (Ctrl-C) while waiting; the task keeps running

The API key comes from --api-key or RUNNINGHUB_API_KEY and is never printed.";

#[derive(Parser)]
#[command(name = "runninghub", version, about = "RunningHub's API from the terminal", after_help = EXIT_CODES)]
struct Cli {
    /// Base URL of the API (overrides --region).
    #[arg(long, env = "RUNNINGHUB_BASE_URL", global = true)]
    base_url: Option<String>,
    /// Region of the account: ai (international) or cn (China).
    #[arg(long, value_enum, global = true)]
    region: Option<RegionArg>,
    /// API key.
    #[arg(
        long,
        env = "RUNNINGHUB_API_KEY",
        hide_env_values = true,
        global = true
    )]
    api_key: Option<String>,
    /// Run against a local simulator started in this process (no key, no account).
    #[arg(long, global = true)]
    mock: bool,
    /// Print more about what happens (never the key).
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum RegionArg {
    Ai,
    Cn,
}

#[derive(Subcommand)]
enum Command {
    /// List the task endpoints in the spec.
    Endpoints {
        /// Only this model family.
        #[arg(long)]
        family: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show an endpoint's fields: types, required, defaults, bounds.
    Describe {
        /// The endpoint: its path under /openapi/v2/ or its operation name.
        endpoint: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Submit a task and (by default) wait for it and download its outputs.
    Run {
        /// The endpoint: its path under /openapi/v2/ or its operation name.
        endpoint: String,
        /// A field, as name=value; list fields repeat the flag or take a JSON array.
        #[arg(long = "field", value_name = "NAME=VALUE")]
        fields: Vec<String>,
        /// A local file to upload first, its URL going into the field: name=PATH.
        #[arg(long = "file", value_name = "NAME=PATH")]
        files: Vec<String>,
        /// A JSON body to start from (a file, or - for standard input).
        #[arg(long, value_name = "FILE")]
        body_json: Option<String>,
        /// Submit only; print the created task.
        #[arg(long)]
        no_wait: bool,
        /// Give up waiting after this many seconds.
        #[arg(long, default_value_t = 1800.0)]
        timeout: f64,
        /// Download the outputs into this directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// URL RunningHub calls when the task ends.
        #[arg(long)]
        webhook_url: Option<String>,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Show a task's current state.
    Status {
        /// The task id.
        task_id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Wait for a task to finish, and optionally download its outputs.
    Wait {
        /// The task id.
        task_id: String,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 1800.0)]
        timeout: f64,
        /// Download the outputs into this directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Upload a local file and print its URL.
    Upload {
        /// The file.
        path: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Download a finished task's outputs.
    Download {
        /// The task id.
        task_id: String,
        /// The directory to save into.
        #[arg(long)]
        out: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run many tasks from a file, under the account's limits, resumable from a journal.
    ///
    /// FILE is JSONL, one {"endpoint": "…", "body": {…}} per line, or with --endpoint a CSV
    /// whose header names the fields. Results print as tasks finish, with their input's
    /// index. Every step is recorded in the journal (default FILE.journal) before it is
    /// relied on: running the same command again resumes, submitting only inputs never
    /// submitted. Exit code 0 when every input succeeded, 1 when some did not, 4 when some
    /// submits have an unknown outcome.
    Batch {
        /// The inputs.
        file: PathBuf,
        /// The endpoint of every row, when FILE is a CSV.
        #[arg(long)]
        endpoint: Option<String>,
        /// The journal (default: FILE.journal).
        #[arg(long)]
        journal: Option<PathBuf>,
        /// Keep no journal (nothing survives a crash).
        #[arg(long, conflicts_with = "journal")]
        no_journal: bool,
        /// Download outputs into DIR/<input index>/.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Tasks unfinished at once (default: the account's limit, or 3 when it does not say).
        #[arg(long)]
        max_in_flight: Option<usize>,
        /// Submits and queries per second, together (0: no limit).
        #[arg(long, default_value_t = 5.0)]
        rate: f64,
        /// Submit again inputs whose earlier submit has an unknown outcome (may pay twice).
        #[arg(long)]
        resubmit_unknown: bool,
        /// Give up waiting for a task after this many seconds (it is awaited again on resume).
        #[arg(long, default_value_t = 1800.0)]
        timeout: f64,
        /// Print one JSON object per input, then a summary.
        #[arg(long)]
        json: bool,
    },
    /// Run the local RunningHub simulator in the foreground.
    Simulate {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Seconds from submit to result (a third queued, the rest running).
        #[arg(long, default_value_t = 6.0)]
        lifecycle: f64,
        /// The account's concurrency limit: submits over it are refused with 1520.
        #[arg(long)]
        max_in_flight: Option<usize>,
    },
}

/// A failure with its exit code, printed once at the end.
struct Failure {
    code: u8,
    kind: &'static str,
    error_code: Option<String>,
    message: String,
    task_id: Option<String>,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            kind: "usage",
            error_code: None,
            message: message.into(),
            task_id: None,
        }
    }

    /// The same failure, naming `task_id` when it names no task yet: once a task exists,
    /// every error about it says which one it is.
    fn about_task(mut self, task_id: &str) -> Failure {
        if self.task_id.is_none() {
            self.task_id = Some(task_id.to_owned());
        }
        self
    }

    /// Ctrl-C while waiting for `task_id`: the task goes on at RunningHub.
    fn interrupted(task_id: &str) -> Failure {
        Failure {
            code: EXIT_INTERRUPTED,
            kind: "interrupted",
            error_code: None,
            message: format!("interrupted while waiting for task {task_id}; it keeps running"),
            task_id: Some(task_id.to_owned()),
        }
    }

    /// How to pick the task up again, for a wait that ended before the task did.
    fn resume_hint(&self) -> Option<String> {
        let id = self.task_id.as_ref()?;
        matches!(
            self.kind,
            "timeout" | "interrupted" | "transport" | "http" | "io"
        )
        .then(|| format!("runninghub wait {id}"))
    }
}

/// The exit code of a command stopped by Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

/// A length of time given in seconds on the command line: finite and above zero.
fn seconds(flag: &str, value: f64) -> Result<Duration, Failure> {
    if value.is_nan() || value <= 0.0 {
        return Err(Failure::usage(format!(
            "{flag} {value}: must be a number of seconds above 0"
        )));
    }
    Duration::try_from_secs_f64(value)
        .map_err(|_| Failure::usage(format!("{flag} {value}: too large")))
}

/// Makes sure `--out DIR` can receive files before anything is sent: it is a directory, or
/// one is created there. A task is never paid for only to find its outputs cannot be saved.
fn out_dir(dir: &std::path::Path) -> Result<(), Failure> {
    if dir.exists() && !dir.is_dir() {
        return Err(Failure::usage(format!(
            "--out {}: exists and is not a directory",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        Failure::usage(format!(
            "--out {}: cannot create the directory: {e}",
            dir.display()
        ))
    })?;
    // Writable: a probe file is created and removed.
    let probe = dir.join(format!(".runninghub-probe-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| Failure::usage(format!("--out {}: cannot write there: {e}", dir.display())))
}

/// Waits for `wait`, unless Ctrl-C comes first: then the task, still running, is named.
async fn or_interrupted<T>(
    task_id: &str,
    wait: impl std::future::Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    tokio::select! {
        result = wait => result,
        _ = tokio::signal::ctrl_c() => Err(Failure::interrupted(task_id)),
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let (code, kind, task_id) = match &e {
            Error::Validation(_) => (2, "validation", None),
            Error::Config(_) | Error::UnknownOperation(_) | Error::InvalidRequest(_) => {
                (2, "usage", None)
            }
            Error::Api { task_id, .. } => (1, "api", task_id.clone()),
            Error::TaskFailed { task_id, .. } => (1, "task_failed", Some(task_id.clone())),
            Error::TaskCancelled { task_id, .. } => (1, "task_cancelled", Some(task_id.clone())),
            Error::Http { .. } => (1, "http", None),
            Error::Decode { .. } => (1, "decode", None),
            Error::Io { .. } => (1, "io", None),
            Error::Timeout { task_id, .. } => (3, "timeout", Some(task_id.clone())),
            Error::SubmitOutcomeUnknown { .. } => (4, "submit_outcome_unknown", None),
            Error::Journal(_) => (2, "journal", None),
            _ => (4, "transport", None),
        };
        Failure {
            code,
            kind,
            error_code: e.code().map(|c| c.as_str().to_owned()),
            message: e.to_string(),
            task_id,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = matches!(
        &cli.command,
        Command::Endpoints { json: true, .. }
            | Command::Describe { json: true, .. }
            | Command::Run { json: true, .. }
            | Command::Status { json: true, .. }
            | Command::Wait { json: true, .. }
            | Command::Upload { json: true, .. }
            | Command::Download { json: true, .. }
            | Command::Batch { json: true, .. }
    );
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let resume = f.resume_hint();
            if json {
                let error = json!({"error": {"kind": f.kind, "code": f.error_code, "message": f.message, "taskId": f.task_id, "resume": resume}});
                outln!("{error}");
            } else {
                eprintln!("error: {}", f.message);
                if let Some(id) = &f.task_id {
                    eprintln!("task: {id}");
                }
            }
            if let Some(resume) = resume {
                eprintln!("to pick the task up again: {resume}");
            }
            ExitCode::from(f.code)
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Endpoints { family, json } => {
            endpoints(family.as_deref(), json);
            return Ok(());
        }
        Command::Describe { endpoint, json } => return describe(&endpoint, json),
        Command::Simulate {
            port,
            lifecycle,
            max_in_flight,
        } => return simulate(port, lifecycle, max_in_flight).await,
        _ => {}
    }
    // Kept alive for the whole command when --mock is given.
    let (client, _sim) = connect(
        &cli.base_url,
        cli.region,
        cli.api_key.as_deref(),
        cli.mock,
        cli.verbose,
    )
    .await?;
    match cli.command {
        Command::Run {
            endpoint,
            fields,
            files,
            body_json,
            no_wait,
            timeout,
            out,
            webhook_url,
            json,
        } => {
            let op = find(&endpoint)?;
            let timeout = seconds("--timeout", timeout)?;
            if let Some(dir) = &out {
                out_dir(dir)?;
            }
            let mut body = match body_json {
                Some(source) => read_body(&source)?,
                None => json!({}),
            };
            apply_fields(op, &mut body, &fields, &files, webhook_url)?;
            // Validate before uploading anything or submitting: bad input costs nothing.
            if let Some(Err(e)) =
                runninghub::operation::check_json_body(op.operation_id, body.clone())
            {
                return Err(Error::Validation(e).into());
            }
            let body = client.upload_local_files(&body).await?;
            if cli.verbose {
                eprintln!("submitting to {} {}", op.method, op.path);
            }
            let task = client.submit_json(op.operation_id, body).await?;
            // Said at once, whatever happens next: the task exists and may be paid for.
            eprintln!("submitted task {} to {}", task.task_id, op.endpoint());
            let task_id = task.task_id.clone();
            if no_wait {
                return print_task(&task, &[], json);
            }
            let bar = progress_bar(json);
            let waiting = async {
                let finished = client
                    .wait_submitted(task, op.operation_id, wait_options(timeout, &bar))
                    .await;
                finish(finished, out, json, &bar).await
            };
            let result = or_interrupted(&task_id, waiting).await;
            bar.finish_and_clear();
            result.map_err(|f| f.about_task(&task_id))
        }
        Command::Status { task_id, json } => {
            let task = client.query(&task_id).await?;
            print_task(&task, &[], json)
        }
        Command::Wait {
            task_id,
            timeout,
            out,
            json,
        } => {
            let timeout = seconds("--timeout", timeout)?;
            if let Some(dir) = &out {
                out_dir(dir)?;
            }
            let bar = progress_bar(json);
            let waiting = async {
                let finished = client.wait(&task_id, wait_options(timeout, &bar)).await;
                finish(finished, out, json, &bar).await
            };
            let result = or_interrupted(&task_id, waiting).await;
            bar.finish_and_clear();
            result.map_err(|f| f.about_task(&task_id))
        }
        Command::Upload { path, json } => {
            if !path.is_file() {
                return Err(Failure::usage(format!(
                    "upload {}: not a file (upload takes one file; a directory is not uploaded)",
                    path.display()
                )));
            }
            let uploaded = client.upload(path.as_path()).await?;
            if json {
                outln!(
                    "{}",
                    json!({"downloadUrl": uploaded.download_url, "fileName": uploaded.file_name, "type": uploaded.media_type, "size": uploaded.size})
                );
            } else {
                outln!("{}", uploaded.download_url);
            }
            Ok(())
        }
        Command::Batch {
            file,
            endpoint,
            journal,
            no_journal,
            out,
            max_in_flight,
            rate,
            resubmit_unknown,
            timeout,
            json,
        } => {
            let args = batch::Args {
                file,
                endpoint,
                journal,
                no_journal,
                out,
                max_in_flight,
                rate,
                resubmit_unknown,
                timeout,
                json,
            };
            batch::run(&client, args).await
        }
        Command::Download { task_id, out, json } => {
            out_dir(&out)?;
            let bar = progress_bar(json);
            let waiting = async {
                let limit = Duration::from_secs(60);
                let finished = client.wait(&task_id, wait_options(limit, &bar)).await;
                finish(finished, Some(out), json, &bar).await
            };
            let result = or_interrupted(&task_id, waiting).await;
            bar.finish_and_clear();
            result.map_err(|f| f.about_task(&task_id))
        }
        Command::Endpoints { .. } | Command::Describe { .. } | Command::Simulate { .. } => {
            unreachable!("handled above")
        }
    }
}

async fn connect(
    base_url: &Option<String>,
    region: Option<RegionArg>,
    api_key: Option<&str>,
    mock: bool,
    verbose: bool,
) -> Result<(Client, Option<Simulator>), Failure> {
    if mock {
        let sim = Simulator::start_with(Config {
            lifecycle: vec![
                ("QUEUED".into(), Duration::from_millis(800)),
                ("RUNNING".into(), Duration::from_millis(1600)),
            ],
            ..Config::default()
        })
        .await;
        if verbose {
            eprintln!("simulator listening on {}", sim.url());
        }
        return Ok((sim.client(), Some(sim)));
    }
    let mut builder = Client::builder();
    if let Some(key) = api_key {
        builder = builder.api_key(key);
    }
    if let Some(region) = region {
        builder = builder.region(match region {
            RegionArg::Ai => Region::Global,
            RegionArg::Cn => Region::China,
        });
    }
    if let Some(url) = base_url {
        builder = builder.base_url(url.clone());
    }
    let client = builder.build()?;
    if verbose {
        eprintln!("using {}", client.base_url());
    }
    Ok((client, None))
}

fn tasks() -> impl Iterator<Item = &'static OperationInfo> {
    OPERATIONS.iter().filter(|op| op.role == Role::Task)
}

fn find(endpoint: &str) -> Result<&'static OperationInfo, Failure> {
    OperationInfo::find(endpoint)
        .filter(|op| op.role == Role::Task)
        .ok_or_else(|| {
            Failure::usage(format!(
                "no endpoint `{endpoint}` in the spec; `runninghub endpoints` lists them"
            ))
        })
}

fn endpoints(family: Option<&str>, json: bool) {
    let list: Vec<_> = tasks()
        .filter(|op| family.is_none_or(|f| op.family == f))
        .collect();
    if json {
        let items: Vec<Value> = list
            .iter()
            .map(|op| json!({"endpoint": op.endpoint(), "operation": op.operation_id, "family": op.family, "summary": op.summary}))
            .collect();
        outln!("{}", json!({ "endpoints": items }));
        return;
    }
    let width = list.iter().map(|op| op.endpoint().len()).max().unwrap_or(0);
    for op in list {
        outln!(
            "{:<width$}  {:<14} {}",
            op.endpoint(),
            op.family,
            op.summary
        );
    }
}

fn field_json(f: &FieldInfo) -> Value {
    json!({
        "name": f.name,
        "type": kind_name(f.kind),
        "required": f.required,
        "default": f.default.and_then(|d| serde_json::from_str::<Value>(d).ok()),
        "allowed": f.allowed,
        "minimum": f.minimum, "maximum": f.maximum,
        "minItems": f.min_items, "maxItems": f.max_items,
        "minLength": f.min_length, "maxLength": f.max_length,
        "description": f.description,
    })
}

fn kind_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::String => "string",
        FieldKind::Integer => "integer",
        FieldKind::Number => "number",
        FieldKind::Boolean => "boolean",
        FieldKind::StringList => "list of string",
        FieldKind::Other => "JSON",
    }
}

fn bounds(f: &FieldInfo) -> String {
    let mut parts = Vec::new();
    if !f.allowed.is_empty() {
        parts.push(format!("one of {}", f.allowed.join(", ")));
    }
    let range = |a: Option<String>, b: Option<String>, unit: &str| match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a} to {b}{unit}")),
        (Some(a), None) => Some(format!("at least {a}{unit}")),
        (None, Some(b)) => Some(format!("at most {b}{unit}")),
        (None, None) => None,
    };
    parts.extend(range(
        f.minimum.map(|v| v.to_string()),
        f.maximum.map(|v| v.to_string()),
        "",
    ));
    parts.extend(range(
        f.min_items.map(|v| v.to_string()),
        f.max_items.map(|v| v.to_string()),
        " items",
    ));
    parts.extend(range(
        f.min_length.map(|v| v.to_string()),
        f.max_length.map(|v| v.to_string()),
        " characters",
    ));
    if let Some(d) = f.default {
        parts.push(format!("default {d}"));
    }
    parts.join("; ")
}

fn describe(endpoint: &str, json: bool) -> Result<(), Failure> {
    let op = find(endpoint)?;
    if json {
        let fields: Vec<Value> = op.fields.iter().map(field_json).collect();
        outln!(
            "{}",
            json!({"endpoint": op.endpoint(), "operation": op.operation_id, "method": op.method, "path": op.path,
                   "family": op.family, "summary": op.summary, "fields": fields})
        );
        return Ok(());
    }
    outln!(
        "{} ({})\n{} {}\n",
        op.summary,
        op.family,
        op.method,
        op.path
    );
    for f in op.fields {
        let required = if f.required { "required" } else { "optional" };
        outln!("  {:<18} {:<15} {required}", f.name, kind_name(f.kind));
        let b = bounds(f);
        if !b.is_empty() {
            outln!("  {:<18} {b}", "");
        }
        if !f.description.is_empty() {
            outln!("  {:<18} {}", "", f.description);
        }
    }
    Ok(())
}

fn read_body(source: &str) -> Result<Value, Failure> {
    let text = if source == "-" {
        std::io::read_to_string(std::io::stdin())
            .map_err(|e| Failure::usage(format!("reading standard input: {e}")))?
    } else {
        std::fs::read_to_string(source)
            .map_err(|e| Failure::usage(format!("reading {source}: {e}")))?
    };
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| Failure::usage(format!("{source} is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(Failure::usage(format!("{source} must hold a JSON object")));
    }
    Ok(value)
}

/// Puts `--field`, `--file` and `--webhook-url` values into `body`, typed by the field table.
fn apply_fields(
    op: &OperationInfo,
    body: &mut Value,
    fields: &[String],
    files: &[String],
    webhook_url: Option<String>,
) -> Result<(), Failure> {
    let field = |name: &str| {
        op.fields.iter().find(|f| f.name == name).ok_or_else(|| {
            let names: Vec<_> = op.fields.iter().map(|f| f.name).collect();
            Failure::usage(format!(
                "`{}` has no field `{name}` (fields: {})",
                op.endpoint(),
                names.join(", ")
            ))
        })
    };
    let split = |arg: &str, what: &str| {
        arg.split_once('=')
            .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
            .ok_or_else(|| Failure::usage(format!("{what} `{arg}` must be NAME=VALUE")))
    };
    let mut lists: Vec<&str> = Vec::new();
    for arg in fields {
        let (name, raw) = split(arg, "--field")?;
        let info = field(&name)?;
        let bad = |why: &str| Failure {
            code: 2,
            kind: "validation",
            error_code: None,
            message: format!("invalid request: `{name}`: {why}"),
            task_id: None,
        };
        let value = match info.kind {
            FieldKind::String => Value::String(raw),
            FieldKind::Integer => raw
                .trim()
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| bad(&format!("{raw:?} is not an integer")))?,
            FieldKind::Number => raw
                .trim()
                .parse::<f64>()
                .map(Value::from)
                .map_err(|_| bad(&format!("{raw:?} is not a number")))?,
            FieldKind::Boolean => match raw.trim() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(bad(&format!("{raw:?} is not true or false"))),
            },
            FieldKind::StringList if raw.trim_start().starts_with('[') => {
                serde_json::from_str(&raw).map_err(|e| bad(&format!("not a JSON array: {e}")))?
            }
            FieldKind::StringList => {
                // Repeated flags add items; the first use replaces what --body-json gave.
                if !lists.contains(&info.name) {
                    body[&name] = json!([]);
                    lists.push(info.name);
                }
                body[&name]
                    .as_array_mut()
                    .expect("a list")
                    .push(Value::String(raw));
                continue;
            }
            FieldKind::Other => {
                serde_json::from_str(&raw).map_err(|e| bad(&format!("not JSON: {e}")))?
            }
        };
        body[&name] = value;
    }
    for arg in files {
        let (name, path) = split(arg, "--file")?;
        let info = field(&name)?;
        let local = Value::String(runninghub::local_file(&path));
        if !std::path::Path::new(&path).is_file() {
            return Err(Failure::usage(format!(
                "--file {name}: {path} is not a readable file"
            )));
        }
        match info.kind {
            FieldKind::StringList => {
                if !lists.contains(&info.name) && !body[&name].is_array() {
                    body[&name] = json!([]);
                }
                body[&name].as_array_mut().expect("a list").push(local);
            }
            FieldKind::String => body[&name] = local,
            _ => {
                return Err(Failure::usage(format!(
                    "--file {name}: the field is not a URL field"
                )));
            }
        }
    }
    if let Some(url) = webhook_url {
        body["webhookUrl"] = Value::String(url);
    }
    Ok(())
}

fn progress_bar(json: bool) -> ProgressBar {
    if json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("a valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn wait_options(timeout: Duration, bar: &ProgressBar) -> WaitOptions {
    let bar = bar.clone();
    WaitOptions::new()
        .timeout(timeout)
        .schedule(PollSchedule {
            initial: Duration::from_millis(500),
            ..PollSchedule::default()
        })
        .on_progress(move |p| bar.set_message(format!("task {} {}", p.task_id, p.status)))
}

async fn finish(
    finished: Result<FinishedTask, Error>,
    out: Option<PathBuf>,
    json: bool,
    bar: &ProgressBar,
) -> Result<(), Failure> {
    let finished = match finished {
        Ok(f) => f,
        Err(e) => {
            bar.finish_and_clear();
            return Err(e.into());
        }
    };
    let mut saved = Vec::new();
    if let Some(dir) = out {
        bar.set_message(format!("task {} downloading", finished.task_id()));
        saved = finished
            .download_to(&dir)
            .await
            .inspect_err(|_| bar.finish_and_clear())?;
    }
    bar.finish_and_clear();
    print_task(finished.task(), &saved, json)
}

fn print_task(task: &types::Task, saved: &[PathBuf], json: bool) -> Result<(), Failure> {
    if json {
        let mut value = serde_json::to_value(task).expect("a task serializes");
        value["savedFiles"] = json!(
            saved
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
        );
        outln!("{value}");
        return Ok(());
    }
    outln!("task {}: {}", task.task_id, task.status);
    for (i, output) in task.outputs().iter().enumerate() {
        let what = output.output_type.as_deref().unwrap_or("output");
        match (&output.url, &output.text) {
            (Some(url), _) => outln!("  output {}: {what} {url}", i + 1),
            (None, Some(text)) => outln!("  output {}: {text}", i + 1),
            (None, None) => {}
        }
    }
    for path in saved {
        outln!("  saved {}", path.display());
    }
    if let Some(usage) = task.usage_numbers() {
        if let Some(cost) = usage.consume_money {
            outln!("  cost {cost}");
        }
        if let Some(secs) = usage.task_cost_time {
            outln!("  ran {secs} s");
        }
    }
    Ok(())
}

async fn simulate(port: u16, lifecycle: f64, max_in_flight: Option<usize>) -> Result<(), Failure> {
    let total = Duration::from_secs_f64(lifecycle.max(0.0));
    let config = Config {
        lifecycle: vec![
            ("QUEUED".into(), total / 3),
            ("RUNNING".into(), total - total / 3),
        ],
        max_in_flight,
        ..Config::default()
    };
    let key = config.api_key.clone().unwrap_or_default();
    let sim = Simulator::bind(config, port)
        .await
        .map_err(|e| Failure::usage(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    outln!("RunningHub simulator on {}", sim.url());
    outln!(
        "try: RUNNINGHUB_BASE_URL={} RUNNINGHUB_API_KEY={key} runninghub endpoints",
        sim.url()
    );
    outln!("stop with Ctrl-C");
    let _ = tokio::signal::ctrl_c().await;
    let c = sim.counts();
    outln!(
        "received {} submits, {} queries, {} uploads, {} downloads",
        c.submits,
        c.queries,
        c.uploads,
        c.downloads
    );
    Ok(())
}
