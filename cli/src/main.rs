//! `runninghub`: every task endpoint of the spec from the terminal, with live progress,
//! downloads, and an embedded simulator to try it without an API key. Commands and fields
//! come from the generated operation table; nothing here is written per endpoint.

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use runninghub::operation::{FieldInfo, FieldKind, OperationInfo, OutputKind, Role};
use runninghub::operations::OPERATIONS;
use runninghub::{
    BatchError, Client, Error, FinishedTask, PollSchedule, Region, WaitOptions, types,
};
use runninghub_simulator::{Config, Outcome, Simulator};
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

mod batch;
mod config;
mod interrupt;
mod mcp;
mod suggest;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the task failed, or RunningHub answered with an error
  2  usage or client-side validation error (nothing was sent)
  3  timeout (the task may still be running; `runninghub wait <task-id>` picks it up)
  4  transport error, or a submit whose outcome is unknown (it was not resent)
  130  interrupted (Ctrl-C) while waiting; the task keeps running

The API key comes from --api-key, RUNNINGHUB_API_KEY or the configuration file
(`runninghub config set-key`), in that order, and is never printed.";

#[derive(Parser)]
#[command(name = "runninghub", version, about = "RunningHub's API from the terminal", after_help = EXIT_CODES)]
struct Cli {
    /// Where and as whom to connect; also accepted after the commands that connect.
    #[command(flatten)]
    conn: Connection,
    /// Print more about what happens, with the client's traces (requests, retries, polls,
    /// downloads) on stderr; `RUST_LOG` (such as `runninghub=trace`) chooses them instead.
    /// Never the key. Twice (`-vv`), each request's JSON body too, with the key taken out.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

/// How to reach RunningHub: given before the command (`runninghub --mock run ...`) or after
/// it, for the commands that connect (`runninghub run ... --mock`); after it wins.
#[derive(Args, Clone, Default)]
struct Connection {
    /// Base URL of the API (overrides --region).
    #[arg(long, env = "RUNNINGHUB_BASE_URL")]
    base_url: Option<String>,
    /// Region of the account: ai (international) or cn (China).
    #[arg(long, value_enum)]
    region: Option<RegionArg>,
    /// API key (default: RUNNINGHUB_API_KEY, then the configuration file).
    #[arg(long, env = "RUNNINGHUB_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Run against a local simulator started in this process (no key, no account).
    #[arg(long)]
    mock: bool,
}

/// [`Connection`] given after the command: the same flags, without the environment (which
/// [`Connection`] reads), so that a flag wins over the environment wherever it is written.
#[derive(Args, Clone, Default)]
struct ConnectionAfter {
    /// Base URL of the API (overrides --region; default: RUNNINGHUB_BASE_URL).
    #[arg(long)]
    base_url: Option<String>,
    /// Region of the account: ai (international) or cn (China).
    #[arg(long, value_enum)]
    region: Option<RegionArg>,
    /// API key (default: RUNNINGHUB_API_KEY, then the configuration file).
    #[arg(long)]
    api_key: Option<String>,
    /// Run against a local simulator started in this process (no key, no account).
    #[arg(long)]
    mock: bool,
}

impl Connection {
    /// These settings, each replaced by `later`'s where it gives one.
    fn then(self, later: &ConnectionAfter) -> Connection {
        Connection {
            base_url: later.base_url.clone().or(self.base_url),
            region: later.region.or(self.region),
            api_key: later.api_key.clone().or(self.api_key),
            mock: later.mock || self.mock,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum RegionArg {
    Ai,
    Cn,
}

impl RegionArg {
    fn name(self) -> &'static str {
        match self {
            RegionArg::Ai => "ai",
            RegionArg::Cn => "cn",
        }
    }

    fn parse(name: &str) -> Option<RegionArg> {
        match name {
            "ai" => Some(RegionArg::Ai),
            "cn" => Some(RegionArg::Cn),
            _ => None,
        }
    }
}

/// `runninghub lora ...`
#[derive(Subcommand)]
enum LoraAction {
    /// Upload a .safetensors file; prints the name an RHLoraLoader node takes.
    #[command(
        after_help = "Examples:\n  runninghub lora upload my-style.safetensors\n  runninghub lora upload my-style.safetensors --name my-style --json"
    )]
    Upload {
        /// The LoRA file.
        path: PathBuf,
        /// A name for it (default: the file's name without its extension).
        #[arg(long)]
        name: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: ConnectionAfter,
    },
}

/// `runninghub webhook ...`
#[derive(Subcommand)]
enum WebhookAction {
    /// Show the webhook call RunningHub made for a task: URL, status, answer, retries.
    #[command(after_help = "Examples:\n  runninghub webhook show 1904444422770114561 --json")]
    Show {
        /// The task id.
        task_id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: ConnectionAfter,
    },
    /// Send a task's webhook event again, to its URL or to --url.
    #[command(
        after_help = "Examples:\n  runninghub webhook resend 1904444422770114561\n  runninghub webhook resend 1904444422770114561 --url https://example.com/hook"
    )]
    Resend {
        /// The task id.
        task_id: String,
        /// Send it here instead of the original URL.
        #[arg(long)]
        url: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: ConnectionAfter,
    },
}

/// `runninghub app ...`
#[derive(Subcommand)]
enum AppAction {
    /// Show the app's editable inputs, and a command that runs it.
    #[command(
        after_help = "Examples:\n  runninghub app info 2016740236478386178\n  runninghub app info 2016740236478386178 --json"
    )]
    Info {
        /// The app's id: the number at the end of its page's address.
        webapp_id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: ConnectionAfter,
    },
    /// Run the app and (by default) wait for it and download its outputs.
    #[command(
        after_help = "Examples:\n  runninghub app run 2016740236478386178 --node 52:prompt=\"a paper boat\" --out out/\n  runninghub app run 2016740236478386178 --file 285:image=boat.png --no-wait --json\n\nThe app's page on RunningHub (its API call example) lists its editable nodes and fields."
    )]
    Run {
        /// The app's id: the number at the end of its page's address.
        webapp_id: String,
        #[command(flatten)]
        run: NodeRun,
    },
}

/// `runninghub workflow ...`
#[derive(Subcommand)]
enum WorkflowAction {
    /// Run the workflow and (by default) wait for it and download its outputs.
    #[command(
        after_help = "Examples:\n  runninghub workflow run 1904136902449209346 --node 6:text=\"1 girl in classroom\" --out out/\n  runninghub workflow run 1904136902449209346 --no-wait --json\n\n`runninghub workflow get <id>` shows the node ids and input names."
    )]
    Run {
        /// The workflow's id: the number at the end of its page's address.
        workflow_id: String,
        #[command(flatten)]
        run: NodeRun,
    },
    /// Print the workflow's graph (ComfyUI API format): node ids, classes and inputs.
    #[command(
        after_help = "Examples:\n  runninghub workflow get 1904136902449209346\n  runninghub workflow get 1904136902449209346 --out graph.json"
    )]
    Get {
        /// The workflow's id.
        workflow_id: String,
        /// Write the graph to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        conn: ConnectionAfter,
    },
}

/// What a run of an app or workflow takes besides its id.
#[derive(Args)]
struct NodeRun {
    /// Check the node list against the app's inputs (or the workflow's graph) first: an
    /// unknown node or input, or a value of the wrong kind, is refused before anything runs.
    #[arg(long)]
    check: bool,
    /// Run through RunningHub's legacy call (`/task/openapi/ai-app/run` or
    /// `/task/openapi/create`) instead of the v2 one; the task is followed the same way.
    #[arg(long)]
    legacy: bool,
    /// An input to set: NODE:FIELD=VALUE (such as 6:text="a boat"); repeat for more.
    #[arg(long = "node", value_name = "NODE:FIELD=VALUE")]
    nodes: Vec<String>,
    /// A local file to upload first, its file name going into the input: NODE:FIELD=PATH.
    #[arg(long = "file", value_name = "NODE:FIELD=PATH")]
    files: Vec<String>,
    #[command(flatten)]
    follow: Follow,
    #[command(flatten)]
    conn: ConnectionAfter,
}

/// A request body from the command line: a JSON file to start from and fields set on it;
/// taken by `run`, `price` and `call`.
#[derive(Args)]
struct BodyArgs {
    /// A field, as name=value; list fields repeat the flag or take a JSON array.
    #[arg(long = "field", value_name = "NAME=VALUE")]
    fields: Vec<String>,
    /// A JSON body to start from (a file, or - for standard input).
    #[arg(long, value_name = "FILE")]
    body_json: Option<String>,
}

impl BodyArgs {
    /// The body: the JSON file's (an empty object without one), with `files` (already
    /// uploaded or not) and the fields applied as `op`'s field table says.
    fn read(
        &self,
        op: &OperationInfo,
        files: &[String],
        webhook_url: Option<String>,
    ) -> Result<Value, Failure> {
        let mut body = match &self.body_json {
            Some(source) => read_body(source)?,
            None => json!({}),
        };
        apply_fields(op, &mut body, &self.fields, files, webhook_url)?;
        Ok(body)
    }
}

/// What every command that submits a task takes about what follows the submit: `run`,
/// `app run`, `workflow run`.
#[derive(Args)]
struct Follow {
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
}

impl Follow {
    /// The checked flags, as [`submit_and_finish`] takes them (the webhook URL goes in the
    /// body instead). `--timeout` must be above 0 and `--out` a directory, or one is
    /// created, before anything is sent.
    fn finish(&self) -> Result<Finish, Failure> {
        let timeout = seconds("--timeout", self.timeout)?;
        if let Some(dir) = &self.out {
            out_dir(dir)?;
        }
        Ok(Finish {
            no_wait: self.no_wait,
            timeout,
            out: self.out.clone(),
            json: self.json,
        })
    }
}

#[derive(Subcommand)]
enum Command {
    /// List the task endpoints in the spec, or its model families.
    #[command(after_help = examples(Examples::Endpoints))]
    Endpoints {
        /// Only this model family.
        #[arg(long)]
        family: Option<String>,
        /// List the model families instead, with their endpoint counts.
        #[arg(long, conflicts_with = "family")]
        families: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show an endpoint's fields: types, required, defaults, bounds.
    #[command(after_help = examples(Examples::Describe))]
    Describe {
        /// The endpoint: its path under /openapi/v2/ or its operation name.
        endpoint: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Submit a task and (by default) wait for it and download its outputs.
    #[command(after_help = examples(Examples::Run))]
    Run {
        /// The endpoint: its path under /openapi/v2/ or its operation name.
        endpoint: String,
        #[command(flatten)]
        body: BodyArgs,
        /// A local file to upload first, its URL going into the field: name=PATH.
        #[arg(long = "file", value_name = "NAME=PATH")]
        files: Vec<String>,
        #[command(flatten)]
        follow: Follow,
        #[command(flatten)]
        conn: ConnectionAfter,
    },
    /// Show a task's current state.
    #[command(
        after_help = "Examples:\n  runninghub status 1915730282413514754\n  runninghub status 1915730282413514754 --json"
    )]
    Status {
        /// The task id.
        task_id: String,
        /// Read it through the legacy outputs call (`/task/openapi/outputs`).
        #[arg(long)]
        legacy: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: ConnectionAfter,
    },
    /// Send a platform call by name (legacy runs and reads, Quick Create, app lists, ...)
    /// and print its `data` as JSON; without a name, list them.
    #[command(
        after_help = "Examples:\n  runninghub call\n  runninghub call task_status_legacy --field taskId=1904152026220003329\n  runninghub call quick_create_styles --field type=2 --field webappId=1957344152277151746\n  runninghub call run_quick_create --body-json quick.json\n\nThe key is added where each call takes it; a body never holds it. A call that creates a\ntask names it on stderr at once; follow it with `runninghub wait <id>`."
    )]
    Call {
        /// The call's operation name, as `runninghub call` lists them.
        operation: Option<String>,
        #[command(flatten)]
        body: BodyArgs,
        /// Print compact JSON, and errors as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: ConnectionAfter,
    },
    /// Serve the client to an AI agent: a Model Context Protocol server on standard input
    /// and output (find, describe, validate, price and run models; apps, workflows, tasks,
    /// uploads, the account and every platform call).
    #[command(
        after_help = "Examples:\n  runninghub mcp\n  runninghub mcp --mock\n\nAn MCP client starts it as a command, for example:\n  {\"mcpServers\": {\"runninghub\": {\"command\": \"runninghub\", \"args\": [\"mcp\"]}}}\nThe key comes from RUNNINGHUB_API_KEY or `runninghub config set-key`, as for every command;\ntraces (-v, RUST_LOG) go to stderr, never into the protocol."
    )]
    Mcp {
        #[command(flatten)]
        conn: ConnectionAfter,
    },
    /// Run an AI app with its inputs set by node.
    App {
        #[command(subcommand)]
        action: AppAction,
    },
    /// Run a ComfyUI workflow, or get its graph.
    Workflow {
        #[command(subcommand)]
        action: WorkflowAction,
    },
    /// Quote what a model request would cost, without running it.
    #[command(after_help = examples(Examples::Price))]
    Price {
        /// The endpoint: its path under /openapi/v2/ or its operation name.
        endpoint: String,
        #[command(flatten)]
        body: BodyArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: ConnectionAfter,
    },
    /// Upload a LoRA for workflows and apps.
    Lora {
        #[command(subcommand)]
        action: LoraAction,
    },
    /// Show a task's webhook event, or send it again.
    Webhook {
        #[command(subcommand)]
        action: WebhookAction,
    },
    /// Cancel a queued or running task.
    #[command(
        after_help = "Examples:\n  runninghub cancel 1915730282413514754\n  runninghub cancel 1915730282413514754 --json\n\nRunningHub documents cancellation for workflow tasks; an unknown task is error 807."
    )]
    Cancel {
        /// The task id.
        task_id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: ConnectionAfter,
    },
    /// Show the account behind the API key: balances, kind of key, tasks running.
    #[command(after_help = "Examples:\n  runninghub account\n  runninghub account --json")]
    Account {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: ConnectionAfter,
    },
    /// Wait for a task to finish, and optionally download its outputs.
    #[command(
        after_help = "Examples:\n  runninghub wait 1915730282413514754 --out out/\n  runninghub wait 1915730282413514754 --timeout 600 --json"
    )]
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
        #[command(flatten)]
        conn: ConnectionAfter,
    },
    /// Upload a local file and print its URL.
    #[command(
        after_help = "Examples:\n  runninghub upload boat.png\n  runninghub upload boat.png --json"
    )]
    Upload {
        /// The file.
        path: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: ConnectionAfter,
    },
    /// Download a finished task's outputs.
    #[command(after_help = "Examples:\n  runninghub download 1915730282413514754 --out out/")]
    Download {
        /// The task id.
        task_id: String,
        /// The directory to save into.
        #[arg(long)]
        out: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: ConnectionAfter,
    },
    /// Run many tasks from a file, under the account's limits, resumable from a journal.
    ///
    /// FILE is JSONL, one {"endpoint": "…", "body": {…}} per line, or with --endpoint a CSV
    /// whose header names the fields. Results print as tasks finish, with their input's
    /// index. Every step is recorded in the journal (default FILE.journal) before it is
    /// relied on: running the same command again resumes, submitting only inputs never
    /// submitted. Exit code 0 when every input succeeded, 1 when some did not, 4 when some
    /// submits have an unknown outcome.
    #[command(after_help = examples(Examples::Batch))]
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
        #[command(flatten)]
        conn: ConnectionAfter,
    },
    /// Save the API key or the region in the configuration file, or show the settings.
    #[command(
        after_help = "Examples:\n  runninghub config set-key < key.txt\n  runninghub config set-region cn\n  runninghub config show"
    )]
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Examples:\n  runninghub completions bash > ~/.local/share/bash-completion/completions/runninghub\n  runninghub completions zsh > \"${fpath[1]}/_runninghub\""
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Run the local RunningHub simulator in the foreground.
    #[command(
        after_help = "Examples:\n  runninghub simulate --port 8080\n  RUNNINGHUB_BASE_URL=http://127.0.0.1:8080 RUNNINGHUB_API_KEY=sim-key runninghub endpoints"
    )]
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

#[derive(Subcommand)]
enum ConfigAction {
    /// Save the API key (read from standard input when not given, to keep it out of the
    /// shell's history).
    SetKey {
        /// The key.
        key: Option<String>,
    },
    /// Save the region: ai (international) or cn (China).
    SetRegion {
        /// The region.
        #[arg(value_enum)]
        region: RegionArg,
    },
    /// Show where each setting comes from (the key is never printed).
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: ConnectionAfter,
    },
}

/// The commands whose `--help` examples name endpoints: those are taken from the spec's
/// own table (its first model endpoint, and one with a URL field), so they always exist.
#[derive(Clone, Copy)]
enum Examples {
    Endpoints,
    Describe,
    Run,
    Batch,
    Price,
}

/// The examples section of a command's `--help`.
fn examples(which: Examples) -> String {
    let first = tasks().next();
    let endpoint = first.map_or("<endpoint>", |op| op.endpoint());
    let family = first.map_or("<family>", |op| op.family);
    let run = first
        .and_then(example_command)
        .unwrap_or_else(|| format!("runninghub run {endpoint} --field NAME=VALUE"));
    let lines: Vec<String> = match which {
        Examples::Endpoints => vec![
            "runninghub endpoints".into(),
            "runninghub endpoints --families".into(),
            format!("runninghub endpoints --family {family} --json"),
        ],
        Examples::Describe => vec![
            format!("runninghub describe {endpoint}"),
            format!(
                "runninghub describe {} --json",
                first.map_or("<operation>", |op| op.operation_id)
            ),
        ],
        Examples::Run => {
            let mut lines = vec![format!("{run} --out out/")];
            // An endpoint with a URL field, to show `--file`.
            if let Some((op, field)) = tasks().find_map(|op| {
                op.fields
                    .iter()
                    .find(|f| f.required && f.name.to_ascii_lowercase().contains("url"))
                    .map(|f| (op, f))
            }) {
                lines.push(format!(
                    "runninghub run {} --file {}=photo.png --field ... --out out/",
                    op.endpoint(),
                    field.name
                ));
            }
            lines.push(format!(
                "runninghub run {endpoint} --body-json body.json --no-wait --json"
            ));
            lines.push(format!("{run} --mock"));
            lines
        }
        Examples::Price => vec![
            run.replacen("runninghub run", "runninghub price", 1),
            format!("runninghub price {endpoint} --body-json body.json --json"),
            "(a price of 0 may mean the model is priced by the token, not free)".into(),
        ],
        Examples::Batch => vec![
            "runninghub batch inputs.jsonl --out out/".into(),
            format!("runninghub batch rows.csv --endpoint {endpoint} --max-in-flight 3"),
            "runninghub batch inputs.jsonl --json > results.jsonl".into(),
        ],
    };
    let mut text = String::from("Examples:");
    for line in lines {
        text.push_str("\n  ");
        text.push_str(&line);
    }
    text
}

/// A failure with its exit code, printed once at the end.
#[derive(Debug)]
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

use interrupt::{EXIT_INTERRUPTED, Interrupt};

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
    interrupt: &mut Interrupt,
    task_id: &str,
    wait: impl std::future::Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    tokio::select! {
        result = wait => result,
        () = interrupt.wait() => Err(Failure::interrupted(task_id)),
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
            Error::Batch(BatchError::Journal(_)) => (2, "journal", None),
            Error::Batch(BatchError::NotResubmitted { .. }) => (4, "submit_outcome_unknown", None),
            Error::Batch(_) => (1, "batch", None),
            _ => (4, "transport", None),
        };
        Failure {
            code,
            kind,
            error_code: e.code().map(|c| c.as_str().to_owned()),
            message: with_causes(&e),
            task_id,
        }
    }
}

/// `e` and its causes, as one line: a transport error says what went wrong underneath
/// (connection refused, a name that does not resolve, a TLS failure, a timeout).
fn with_causes(e: &Error) -> String {
    let mut message = e.to_string();
    if let Error::Transport(inner) = e {
        let what = if inner.is_timeout() {
            Some("timed out")
        } else if inner.is_connect() {
            Some("could not connect")
        } else {
            None
        };
        if let Some(what) = what {
            message.push_str(&format!(" ({what})"));
        }
    }
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let text = c.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = c.source();
    }
    message
}

/// The client's traces as readable lines on stderr: what `RUST_LOG` selects, else with `-v`
/// the client's requests, retries, polls and downloads (`runninghub=debug`), else nothing.
/// Standard output, where `--json` prints, is never written to.
fn init_tracing(verbose: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::new(directives),
        _ if verbose => EnvFilter::new("runninghub=debug"),
        _ => return,
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose > 0);
    let json = matches!(
        &cli.command,
        Command::Endpoints { json: true, .. }
            | Command::Describe { json: true, .. }
            | Command::Run {
                follow: Follow { json: true, .. },
                ..
            }
            | Command::Status { json: true, .. }
            | Command::Cancel { json: true, .. }
            | Command::Price { json: true, .. }
            | Command::Lora {
                action: LoraAction::Upload { json: true, .. },
            }
            | Command::Webhook {
                action: WebhookAction::Show { json: true, .. }
                    | WebhookAction::Resend { json: true, .. },
            }
            | Command::App {
                action: AppAction::Run {
                    run: NodeRun {
                        follow: Follow { json: true, .. },
                        ..
                    },
                    ..
                } | AppAction::Info { json: true, .. },
            }
            | Command::Workflow {
                action: WorkflowAction::Run {
                    run: NodeRun {
                        follow: Follow { json: true, .. },
                        ..
                    },
                    ..
                },
            }
            | Command::Account { json: true, .. }
            | Command::Call { json: true, .. }
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
        Command::Endpoints {
            family,
            families,
            json,
        } => return endpoints(family.as_deref(), families, json),
        Command::Describe { endpoint, json } => return describe(&endpoint, json),
        Command::Call {
            operation: None,
            json,
            ..
        } => return list_calls(json),
        Command::Call {
            operation: Some(ref operation),
            ..
        } => {
            platform_call(operation)?;
        }
        Command::Simulate {
            port,
            lifecycle,
            max_in_flight,
        } => return simulate(port, lifecycle, max_in_flight).await,
        Command::Config { ref action } => return configure(action, &cli),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "runninghub", &mut std::io::stdout());
            return Ok(());
        }
        // The endpoint is checked before anything else, the key included.
        Command::Run { ref endpoint, .. } | Command::Price { ref endpoint, .. } => {
            find(endpoint)?;
        }
        _ => {}
    }
    // From here on the command may talk to RunningHub: Ctrl-C is listened to at once (see
    // the `interrupt` module), before anything can be submitted.
    let mut interrupt = Interrupt::listen();
    // Connection flags after the command win over those before it.
    let conn = match &cli.command {
        Command::Run { conn, .. }
        | Command::Status { conn, .. }
        | Command::Cancel { conn, .. }
        | Command::Price { conn, .. }
        | Command::Lora {
            action: LoraAction::Upload { conn, .. },
        }
        | Command::Webhook {
            action: WebhookAction::Show { conn, .. } | WebhookAction::Resend { conn, .. },
        }
        | Command::App {
            action:
                AppAction::Run {
                    run: NodeRun { conn, .. },
                    ..
                }
                | AppAction::Info { conn, .. },
        }
        | Command::Workflow {
            action:
                WorkflowAction::Run {
                    run: NodeRun { conn, .. },
                    ..
                }
                | WorkflowAction::Get { conn, .. },
        }
        | Command::Account { conn, .. }
        | Command::Call { conn, .. }
        | Command::Mcp { conn }
        | Command::Wait { conn, .. }
        | Command::Upload { conn, .. }
        | Command::Download { conn, .. }
        | Command::Batch { conn, .. } => cli.conn.clone().then(conn),
        _ => cli.conn.clone(),
    };
    let file = config::read(&config::path()?)?;
    let region = match (conn.region, &file.region) {
        (Some(region), _) => Some(region),
        (None, Some(name)) => Some(RegionArg::parse(name).ok_or_else(|| {
            Failure::usage(format!(
                "the configuration file gives region `{name}`; it must be `ai` or `cn`"
            ))
        })?),
        (None, None) => None,
    };
    let api_key = conn.api_key.clone().or(file.api_key);
    // Kept alive for the whole command when --mock is given.
    let (client, _sim) = connect(
        &conn.base_url,
        region,
        api_key.as_deref(),
        conn.mock,
        cli.verbose,
    )
    .await?;
    match cli.command {
        Command::Run {
            endpoint,
            body,
            files,
            follow,
            ..
        } => {
            let op = find(&endpoint)?;
            let finish = follow.finish()?;
            let mut body = body.read(op, &files, follow.webhook_url)?;
            let filled = fill_defaults(op, &mut body);
            if !filled.is_empty() {
                eprintln!("filled with their defaults: {}", filled.join(", "));
            }
            // Validate before uploading anything or submitting: bad input costs nothing.
            if let Some(Err(e)) =
                runninghub::operation::check_json_body(op.operation_id, body.clone())
            {
                return Err(Error::Validation(e).into());
            }
            let body = client.upload_local_files(&body).await?;
            if cli.verbose > 0 {
                eprintln!("submitting to {} {}", op.method, op.path);
            }
            submit_and_finish(&client, &mut interrupt, op, op.operation_id, body, finish).await
        }
        Command::Status {
            task_id,
            json,
            legacy,
            ..
        } => {
            let task = if legacy {
                client.query_legacy(&task_id).await?
            } else {
                client.query(&task_id).await?
            };
            print_task(&task, &[], json)
        }
        Command::Call {
            operation: Some(operation),
            body,
            json,
            ..
        } => call(&client, &mut interrupt, &operation, &body, json).await,
        Command::Call {
            operation: None, ..
        } => unreachable!("handled above"),
        Command::Mcp { .. } => mcp::serve(client).await,
        Command::App {
            action: AppAction::Run { webapp_id, run },
        } => run_nodes(&client, &mut interrupt, "run_ai_app", &webapp_id, run).await,
        Command::App {
            action: AppAction::Info {
                webapp_id, json, ..
            },
        } => {
            let info = client
                .ai_app_info(&types::AiAppInfoQuery {
                    webapp_id: webapp_id.clone(),
                })
                .await?;
            print_app(&webapp_id, &info, json);
            Ok(())
        }
        Command::Workflow {
            action: WorkflowAction::Run { workflow_id, run },
        } => run_nodes(&client, &mut interrupt, "run_workflow", &workflow_id, run).await,
        Command::Workflow {
            action: WorkflowAction::Get {
                workflow_id, out, ..
            },
        } => {
            let graph = client
                .workflow_json(&types::WorkflowJsonBody { workflow_id })
                .await?;
            // The graph arrives as JSON text; shown indented when it parses.
            let text = match serde_json::from_str::<Value>(&graph.prompt) {
                Ok(value) => serde_json::to_string_pretty(&value).expect("JSON prints"),
                Err(_) => graph.prompt,
            };
            match out {
                Some(path) => std::fs::write(&path, format!("{text}\n"))
                    .map_err(|e| Failure::usage(format!("writing {}: {e}", path.display())))?,
                None => outln!("{text}"),
            }
            Ok(())
        }
        Command::Lora {
            action: LoraAction::Upload {
                path, name, json, ..
            },
        } => {
            if !path.is_file() {
                return Err(Failure::usage(format!(
                    "lora upload {}: not a file",
                    path.display()
                )));
            }
            let lora = client.upload_lora(&path, name.as_deref()).await?;
            if json {
                outln!(
                    "{}",
                    serde_json::to_value(&lora).expect("a LoRA serializes")
                );
            } else {
                outln!("{}", lora.file_name);
            }
            Ok(())
        }
        Command::Price {
            endpoint,
            body,
            json,
            ..
        } => {
            let op = find(&endpoint)?;
            let mut body = body.read(op, &[], None)?;
            let filled = fill_defaults(op, &mut body);
            if !filled.is_empty() {
                eprintln!("filled with their defaults: {}", filled.join(", "));
            }
            let quote = client.price_preview(op.operation_id, body).await?;
            if json {
                outln!(
                    "{}",
                    serde_json::to_value(&quote).expect("a quote serializes")
                );
            } else {
                let price = quote
                    .estimated_price
                    .map_or("unknown".to_owned(), |p| p.to_string());
                let currency = quote.currency.as_deref().unwrap_or("");
                outln!("{}: {price} {currency}", op.endpoint());
                if let Some(text) = quote.price_text_en.as_ref().or(quote.price_text.as_ref()) {
                    outln!("  ({text})");
                }
                if quote.estimated_price == Some(0.0) {
                    outln!("  a price of 0 may mean the model is priced by the token, not free");
                }
            }
            Ok(())
        }
        Command::Webhook {
            action: WebhookAction::Show { task_id, json, .. },
        } => {
            let event = webhook_event(&client, &task_id).await?;
            if json {
                outln!(
                    "{}",
                    serde_json::to_value(&event).expect("an event serializes")
                );
            } else {
                let or = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
                outln!("event:    {}", or(&event.id));
                outln!("url:      {}", or(&event.webhook_url));
                outln!("status:   {}", or(&event.callback_status));
                outln!("answer:   {}", or(&event.callback_response));
                outln!("retries:  {}", event.retry_count.unwrap_or(0));
                outln!("sent at:  {}", or(&event.create_time));
            }
            Ok(())
        }
        Command::Webhook {
            action: WebhookAction::Resend {
                task_id, url, json, ..
            },
        } => {
            let event = webhook_event(&client, &task_id).await?;
            let webhook_id = event.id.clone().ok_or_else(|| {
                Failure::from(Error::InvalidRequest(format!(
                    "the webhook event of task {task_id} has no id to resend"
                )))
                .about_task(&task_id)
            })?;
            client
                .webhook_resend(&types::WebhookResendBody {
                    webhook_id: webhook_id.clone(),
                    webhook_url: url.clone(),
                })
                .await
                .map_err(|e| Failure::from(e).about_task(&task_id))?;
            let to = url.or(event.webhook_url).unwrap_or_default();
            if json {
                outln!(
                    "{}",
                    json!({"taskId": task_id, "webhookId": webhook_id, "url": to, "resent": true})
                );
            } else {
                outln!("resent the webhook event of task {task_id} to {to}");
            }
            Ok(())
        }
        Command::Cancel { task_id, json, .. } => {
            client
                .cancel(&task_id)
                .await
                .map_err(|e| Failure::from(e).about_task(&task_id))?;
            if json {
                outln!("{}", json!({"taskId": task_id, "cancelled": true}));
            } else {
                outln!("cancelled task {task_id}");
            }
            Ok(())
        }
        Command::Account { json, .. } => {
            let account = client.account().await?;
            if json {
                outln!(
                    "{}",
                    serde_json::to_value(&account).expect("an account serializes")
                );
            } else {
                let or_unknown = |v: Option<u64>| v.map_or("unknown".to_owned(), |n| n.to_string());
                outln!("coins:         {}", or_unknown(account.remain_coins));
                if let Some(money) = &account.remain_money {
                    let currency = account.currency.as_deref().unwrap_or("");
                    outln!("wallet:        {money} {currency}");
                }
                outln!("tasks running: {}", or_unknown(account.current_task_counts));
                if let Some(kind) = &account.api_type {
                    outln!("key type:      {kind}");
                }
            }
            Ok(())
        }
        Command::Wait {
            task_id,
            timeout,
            out,
            json,
            ..
        } => {
            let timeout = seconds("--timeout", timeout)?;
            if let Some(dir) = &out {
                out_dir(dir)?;
            }
            // The task exists: Ctrl-C names it.
            interrupt.hold();
            let bar = progress_bar(json);
            let waiting = async {
                let finished = client.wait(&task_id, wait_options(timeout, &bar)).await;
                finish(finished, out, json, &bar).await
            };
            let result = or_interrupted(&mut interrupt, &task_id, waiting).await;
            bar.finish_and_clear();
            result.map_err(|f| f.about_task(&task_id))
        }
        Command::Upload { path, json, .. } => {
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
            ..
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
            // The batch's journal records every task: Ctrl-C is the batch's to report.
            interrupt.hold();
            batch::run(&client, args, &mut interrupt).await
        }
        Command::Download {
            task_id, out, json, ..
        } => {
            out_dir(&out)?;
            interrupt.hold();
            let bar = progress_bar(json);
            let waiting = async {
                let limit = Duration::from_secs(60);
                let finished = client.wait(&task_id, wait_options(limit, &bar)).await;
                finish(finished, Some(out), json, &bar).await
            };
            let result = or_interrupted(&mut interrupt, &task_id, waiting).await;
            bar.finish_and_clear();
            result.map_err(|f| f.about_task(&task_id))
        }
        Command::Endpoints { .. }
        | Command::Describe { .. }
        | Command::Simulate { .. }
        | Command::Config { .. }
        | Command::Completions { .. } => {
            unreachable!("handled above")
        }
    }
}

/// What to do once a task is submitted.
struct Finish {
    no_wait: bool,
    timeout: Duration,
    out: Option<PathBuf>,
    json: bool,
}

/// Submits a body (checked by the library against `op`'s spec) to `endpoint`, says the
/// task id as soon as the task exists, then, unless `no_wait`, waits for it and saves its
/// outputs; every error after the submit names the task.
async fn submit_and_finish(
    client: &Client,
    interrupt: &mut Interrupt,
    op: &'static OperationInfo,
    endpoint: &str,
    body: Value,
    finish_with: Finish,
) -> Result<(), Failure> {
    let Finish {
        no_wait,
        timeout,
        out,
        json,
    } = finish_with;
    // A submit in flight is let answer, even on Ctrl-C: its task may be paid for.
    interrupt.hold();
    let task = client.submit_json(endpoint, body).await?;
    // Said at once, whatever happens next: the task exists and may be paid for.
    let shown = if endpoint == op.operation_id {
        op.endpoint()
    } else {
        endpoint
    };
    eprintln!("submitted task {} to {shown}", task.task_id);
    let finish_with = Finish {
        no_wait,
        timeout,
        out,
        json,
    };
    follow(client, interrupt, task, op.operation_id, finish_with).await
}

/// After a submit: unless `no_wait`, waits for `task` and saves its outputs; every error
/// names the task.
async fn follow(
    client: &Client,
    interrupt: &mut Interrupt,
    task: types::Task,
    operation_id: &'static str,
    finish_with: Finish,
) -> Result<(), Failure> {
    let Finish {
        no_wait,
        timeout,
        out,
        json,
    } = finish_with;
    let task_id = task.task_id.clone();
    if interrupt.pressed() {
        return Err(Failure::interrupted(&task_id));
    }
    if no_wait {
        return print_task(&task, &[], json);
    }
    let bar = progress_bar(json);
    let waiting = async {
        let finished = client
            .wait_submitted(task, operation_id, wait_options(timeout, &bar))
            .await;
        finish(finished, out, json, &bar).await
    };
    let result = or_interrupted(interrupt, &task_id, waiting).await;
    bar.finish_and_clear();
    result.map_err(|f| f.about_task(&task_id))
}

/// Sends a platform call that creates a task (a legacy run), names the task on stderr as
/// soon as it exists, then follows it as [`follow`] does.
async fn submit_legacy(
    client: &Client,
    interrupt: &mut Interrupt,
    op: &'static OperationInfo,
    body: Value,
    finish_with: Finish,
) -> Result<(), Failure> {
    // A submit in flight is let answer, even on Ctrl-C: its task may be paid for.
    interrupt.hold();
    let data = client.call_json(op.operation_id, body).await?;
    let task = created_task(&data)?;
    eprintln!("submitted task {} to {}", task.task_id, op.path);
    follow(client, interrupt, task, op.operation_id, finish_with).await
}

/// The task a legacy run created, as a task object, from the call's `data`
/// (`taskId`, `taskStatus`, ...).
fn created_task(data: &Value) -> Result<types::Task, Failure> {
    let id = data["taskId"].as_str().unwrap_or_default();
    if id.is_empty() {
        // RunningHub accepted the run but named no task: one may exist, and be paid for.
        return Err(Failure {
            code: 4,
            kind: "submit_outcome_unknown",
            error_code: None,
            message: format!(
                "RunningHub accepted the run but its answer names no task (data: {data}); a task \
                 may exist: see `runninghub account` before running again"
            ),
            task_id: None,
        });
    }
    let status = data["taskStatus"].as_str().unwrap_or("QUEUED");
    let task = json!({"taskId": id, "status": status, "promptTips": data["promptTips"],
                      "clientId": data["clientId"]});
    serde_json::from_value(task).map_err(|e| {
        Failure::from(Error::InvalidRequest(format!(
            "reading the created task: {e}"
        )))
        .about_task(id)
    })
}

/// `app run` and `workflow run`: the node list from `--node` and `--file` (files uploaded,
/// their file names used), checked before anything is uploaded or sent.
async fn run_nodes(
    client: &Client,
    interrupt: &mut Interrupt,
    operation_id: &str,
    id: &str,
    run: NodeRun,
) -> Result<(), Failure> {
    let op = OPERATIONS
        .iter()
        .find(|op| op.operation_id == operation_id)
        .ok_or_else(|| Failure::usage(format!("this build has no `{operation_id}` operation")))?;
    let finish_with = run.follow.finish()?;
    let mut nodes = Vec::new();
    for spec in &run.nodes {
        let (node, field, value) = node_spec("--node", spec)?;
        nodes.push(json!({"nodeId": node, "fieldName": field, "fieldValue": value}));
    }
    let mut files = Vec::new();
    for spec in &run.files {
        let (node, field, path) = node_spec("--file", spec)?;
        let path = PathBuf::from(path);
        if !path.is_file() {
            return Err(Failure::usage(format!(
                "--file {spec}: {} is not a file",
                path.display()
            )));
        }
        nodes.push(
            json!({"nodeId": node, "fieldName": field, "fieldValue": path.display().to_string()}),
        );
        files.push((nodes.len() - 1, path));
    }
    let mut body = json!({"nodeInfoList": nodes});
    if let Some(url) = &run.follow.webhook_url {
        body["webhookUrl"] = Value::String(url.clone());
    }
    // The legacy call takes the id in its body: an app's as a JSON number.
    let legacy = match (run.legacy, operation_id) {
        (false, _) => None,
        (true, "run_ai_app") => {
            let number: i64 = id.parse().map_err(|_| {
                Failure::usage(format!(
                    "app id `{id}`: the legacy call takes the app's id as a number"
                ))
            })?;
            body["webappId"] = json!(number);
            Some(platform_call("run_ai_app_legacy")?)
        }
        (true, _) => {
            body["workflowId"] = json!(id);
            Some(platform_call("run_workflow_legacy")?)
        }
    };
    let checked_as = legacy.map_or(op.operation_id, |op| op.operation_id);
    // Checked before uploading anything or submitting: bad input costs nothing.
    if let Some(Err(e)) = runninghub::operation::check_json_body(checked_as, body.clone()) {
        return Err(Error::Validation(e).into());
    }
    if run.check {
        let nodes: Vec<types::NodeInfo> = serde_json::from_value(body["nodeInfoList"].clone())
            .map_err(|e| Failure::usage(format!("the node list: {e}")))?;
        match operation_id {
            "run_ai_app" => client.check_app_nodes(id, &nodes).await?,
            _ => client.check_workflow_nodes(id, &nodes).await?,
        }
    }
    for (index, path) in files {
        let uploaded = client.upload(path.as_path()).await?;
        // A node takes the stored file's name, not its download URL.
        let name = uploaded.file_name.ok_or_else(|| Failure {
            code: 1,
            kind: "api",
            error_code: None,
            message: format!(
                "uploading {}: RunningHub's answer has no fileName, which a node input needs",
                path.display()
            ),
            task_id: None,
        })?;
        body["nodeInfoList"][index]["fieldValue"] = Value::String(name);
    }
    if let Some(legacy) = legacy {
        return submit_legacy(client, interrupt, legacy, body, finish_with).await;
    }
    let endpoint = op.endpoint_for(id);
    submit_and_finish(client, interrupt, op, &endpoint, body, finish_with).await
}

/// The platform calls of the spec (`x-runninghub-role: envelope`).
fn platform_calls() -> impl Iterator<Item = &'static OperationInfo> {
    OPERATIONS.iter().filter(|op| op.role == Role::Envelope)
}

/// The platform call named `operation`, or a usage error listing them.
fn platform_call(operation: &str) -> Result<&'static OperationInfo, Failure> {
    platform_calls()
        .find(|op| op.operation_id == operation)
        .ok_or_else(|| {
            let names: Vec<&str> = platform_calls().map(|op| op.operation_id).collect();
            Failure::usage(format!(
                "no platform call `{operation}`; they are: {}",
                names.join(", ")
            ))
        })
}

/// `runninghub call` without a name: the platform calls, one per line or as JSON.
fn list_calls(json: bool) -> Result<(), Failure> {
    if json {
        let calls: Vec<Value> = platform_calls()
            .map(|op| {
                json!({"operation": op.operation_id, "method": op.method, "path": op.path,
                       "summary": op.summary, "createsTask": op.creates_task,
                       "fields": op.fields.iter().map(field_json).collect::<Vec<_>>()})
            })
            .collect();
        outln!("{}", Value::Array(calls));
        return Ok(());
    }
    let width = platform_calls()
        .map(|op| op.operation_id.len())
        .max()
        .unwrap_or(0);
    for op in platform_calls() {
        let fields: Vec<String> = op
            .fields
            .iter()
            .map(|f| {
                if f.required {
                    f.name.to_owned()
                } else {
                    format!("[{}]", f.name)
                }
            })
            .collect();
        let paid = if op.creates_task {
            " (creates a task)"
        } else {
            ""
        };
        outln!(
            "{:width$}  {}{paid}\n{:width$}  {} {}  fields: {}",
            op.operation_id,
            op.summary,
            "",
            op.method,
            op.path,
            if fields.is_empty() {
                "none".to_owned()
            } else {
                fields.join(" ")
            }
        );
    }
    Ok(())
}

/// `runninghub call NAME`: the body from `--body-json` and `--field`, checked by the
/// library, sent with the key where the call takes it; its `data` printed as JSON. A call
/// that creates a task names it on stderr at once.
async fn call(
    client: &Client,
    interrupt: &mut Interrupt,
    operation: &str,
    body: &BodyArgs,
    json: bool,
) -> Result<(), Failure> {
    let op = platform_call(operation)?;
    let body = body.read(op, &[], None)?;
    if op.creates_task {
        // A submit in flight is let answer, even on Ctrl-C: its task may be paid for.
        interrupt.hold();
    }
    let task_id = body["taskId"].as_str().map(str::to_owned);
    let data = client.call_json(op.operation_id, body).await.map_err(|e| {
        let failure = Failure::from(e);
        match &task_id {
            Some(id) => failure.about_task(id),
            None => failure,
        }
    })?;
    if op.creates_task
        && let Some(id) = data["taskId"].as_str()
    {
        eprintln!("submitted task {id} to {}", op.path);
        eprintln!("to follow it: runninghub wait {id}");
    }
    if json {
        outln!("{data}");
    } else {
        outln!(
            "{}",
            serde_json::to_string_pretty(&data).expect("JSON prints")
        );
    }
    Ok(())
}

/// An app's inputs: as JSON (`name`, `nodes`, `example`), or one line per input and a
/// command that runs the app with them as they are.
fn print_app(webapp_id: &str, info: &types::AiAppInfo, json: bool) {
    let nodes = info.node_info_list.as_deref().unwrap_or_default();
    let mut example = format!("runninghub app run {webapp_id}");
    for node in nodes {
        let value = node.field_value.as_deref().unwrap_or("");
        let media = matches!(
            node.field_type.as_deref(),
            Some("IMAGE" | "VIDEO" | "AUDIO")
        );
        if media {
            example.push_str(&format!(
                " --file {}:{}=PATH",
                node.node_id, node.field_name
            ));
        } else {
            example.push_str(&format!(
                " --node {}",
                shell_quote(&format!("{}:{}={value}", node.node_id, node.field_name))
            ));
        }
    }
    if json {
        let nodes: Vec<Value> = nodes
            .iter()
            .map(|n| {
                json!({"nodeId": n.node_id, "fieldName": n.field_name, "fieldType": n.field_type,
                       "fieldValue": n.field_value, "description": n.description_en.as_ref().or(n.description.as_ref())})
            })
            .collect();
        outln!(
            "{}",
            json!({"webappId": webapp_id, "name": info.webapp_name, "nodes": nodes, "example": example})
        );
        return;
    }
    outln!("{}", info.webapp_name.as_deref().unwrap_or("(no name)"));
    if nodes.is_empty() {
        outln!("no editable inputs: the app has never been run on the web");
        return;
    }
    for n in nodes {
        let about = n
            .description_en
            .as_deref()
            .or(n.description.as_deref())
            .unwrap_or("");
        outln!(
            "  {}:{}  {}  = {:?}  {about}",
            n.node_id,
            n.field_name,
            n.field_type.as_deref().unwrap_or("?"),
            n.field_value.as_deref().unwrap_or("")
        );
    }
    outln!("\n{example}");
}

/// The webhook event of `task_id`; a task without one is an error naming it.
async fn webhook_event(client: &Client, task_id: &str) -> Result<types::WebhookDelivery, Failure> {
    let asked = types::PlatformTaskRequest {
        task_id: task_id.to_owned(),
    };
    match client.webhook_detail(&asked).await {
        Ok(Some(event)) => Ok(event),
        Ok(None) => Err(Failure {
            code: 1,
            kind: "api",
            error_code: None,
            message: format!("task {task_id} has no webhook event (was it given a webhook URL?)"),
            task_id: Some(task_id.to_owned()),
        }),
        Err(e) => Err(Failure::from(e).about_task(task_id)),
    }
}

/// `NODE:FIELD=VALUE` split in three; the value may hold `:` and `=`.
fn node_spec<'a>(flag: &str, spec: &'a str) -> Result<(&'a str, &'a str, &'a str), Failure> {
    let bad = || {
        Failure::usage(format!(
            "{flag} {spec}: expected NODE:FIELD=VALUE, such as 6:text=\"a paper boat\""
        ))
    };
    let (target, value) = spec.split_once('=').ok_or_else(bad)?;
    let (node, field) = target.split_once(':').ok_or_else(bad)?;
    if node.trim().is_empty() || field.trim().is_empty() {
        return Err(bad());
    }
    Ok((node.trim(), field.trim(), value))
}

async fn connect(
    base_url: &Option<String>,
    region: Option<RegionArg>,
    api_key: Option<&str>,
    mock: bool,
    verbose: u8,
) -> Result<(Client, Option<Simulator>), Failure> {
    // `-vv`: each request's body in the traces, the key taken out.
    let trace_bodies = verbose > 1;
    let verbose = verbose > 0;
    if mock {
        let sim = Simulator::start_with(Config {
            lifecycle: vec![
                ("QUEUED".into(), Duration::from_millis(800)),
                ("RUNNING".into(), Duration::from_millis(1600)),
            ],
            // An output of the kind the model produces: a video model gives an mp4.
            outcome: Outcome::ByModel,
            ..Config::default()
        })
        .await;
        if verbose {
            eprintln!("simulator listening on {}", sim.url());
        }
        let client = sim.client_builder().trace_bodies(trace_bodies).build()?;
        return Ok((client, Some(sim)));
    }
    let Some(key) = api_key else {
        return Err(Failure::usage(format!(
            "no API key: pass --api-key KEY, set RUNNINGHUB_API_KEY, or save one with \
             `runninghub config set-key` (in {}); keys are in RunningHub's API console. \
             --mock runs everything against a local simulator without one",
            config::path().map_or_else(
                |_| "the configuration file".to_owned(),
                |p| p.display().to_string()
            )
        )));
    };
    let mut builder = Client::builder().api_key(key).trace_bodies(trace_bodies);
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

/// The task endpoint named `endpoint`: its path under `/openapi/v2/` or its operation name,
/// in either spelling (`vidu/text-to-video-q3-turbo`, `vidu_text_to_video_q3_turbo`). An
/// unknown name is a usage error with the closest names.
fn find(endpoint: &str) -> Result<&'static OperationInfo, Failure> {
    if let Some(op) = runninghub::operation::find(endpoint).filter(|op| op.role == Role::Task) {
        return Ok(op);
    }
    let wanted = suggest::key(endpoint.trim_start_matches("/openapi/v2/"));
    let same: Vec<_> = tasks()
        .filter(|op| {
            suggest::key(op.endpoint()) == wanted || suggest::key(op.operation_id) == wanted
        })
        .collect();
    if let [op] = same[..] {
        return Ok(op);
    }
    let mut message = format!("no endpoint `{endpoint}` in the spec");
    if families().iter().any(|(f, _)| suggest::key(f) == wanted) {
        message.push_str(&format!(
            "; `{endpoint}` is a model family: `runninghub endpoints --family {endpoint}` lists its endpoints"
        ));
    } else {
        let names = tasks().map(OperationInfo::endpoint);
        message.push_str(&suggest::did_you_mean(&suggest::closest(
            endpoint, names, 3,
        )));
    }
    message.push_str("\n`runninghub endpoints` lists them all");
    Err(Failure::usage(message))
}

/// The model families of the enabled endpoints, in spec order, with their endpoint counts.
fn families() -> Vec<(&'static str, usize)> {
    let mut families: Vec<(&'static str, usize)> = Vec::new();
    for op in tasks() {
        match families.iter_mut().find(|(f, _)| *f == op.family) {
            Some((_, n)) => *n += 1,
            None => families.push((op.family, 1)),
        }
    }
    families
}

fn endpoints(family: Option<&str>, list_families: bool, json: bool) -> Result<(), Failure> {
    let all = families();
    if list_families {
        if json {
            let items: Vec<Value> = all
                .iter()
                .map(|(f, n)| json!({"family": f, "endpoints": n}))
                .collect();
            outln!("{}", json!({ "families": items }));
        } else {
            for (f, n) in &all {
                outln!("{f:<20} {n} endpoint{}", if *n == 1 { "" } else { "s" });
            }
        }
        return Ok(());
    }
    if let Some(family) = family
        && !all.iter().any(|(f, _)| *f == family)
    {
        let names: Vec<&str> = all.iter().map(|(f, _)| *f).collect();
        return Err(Failure::usage(format!(
            "no model family `{family}`{}\nfamilies: {}",
            suggest::did_you_mean(&suggest::closest(family, names.iter().copied(), 3)),
            names.join(", ")
        )));
    }
    let list: Vec<_> = tasks()
        .filter(|op| family.is_none_or(|f| op.family == f))
        .collect();
    if json {
        let items: Vec<Value> = list
            .iter()
            .map(|op| json!({"endpoint": op.endpoint(), "operation": op.operation_id, "family": op.family, "summary": op.summary}))
            .collect();
        outln!("{}", json!({ "endpoints": items }));
        return Ok(());
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
    Ok(())
}

fn field_json(f: &FieldInfo) -> Value {
    json!({
        "name": f.name,
        "type": kind_name(f.kind),
        "required": f.required,
        "filledWhenOmitted": f.required && f.default.is_some(),
        "default": f.default.and_then(|d| serde_json::from_str::<Value>(d).ok()),
        "allowed": f.allowed,
        "minimum": f.minimum, "maximum": f.maximum,
        "minItems": f.min_items, "maxItems": f.max_items,
        "minLength": f.min_length, "maxLength": f.max_length,
        "description": f.description,
    })
}

/// What a model produces, as the spec names it.
fn output_name(kind: OutputKind) -> Option<&'static str> {
    match kind {
        OutputKind::Video => Some("video"),
        OutputKind::Image => Some("image"),
        OutputKind::Audio => Some("audio"),
        OutputKind::Text => Some("text"),
        OutputKind::Model3d => Some("3d"),
        _ => None,
    }
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
                   "family": op.family, "summary": op.summary, "output": output_name(op.output), "fields": fields,
                   "example": op.example.and_then(|e| serde_json::from_str::<Value>(e).ok()),
                   "exampleCommand": example_command(op)})
        );
        return Ok(());
    }
    outln!(
        "{} ({}{})\n{} {}\n",
        op.summary,
        op.family,
        output_name(op.output).map_or(String::new(), |o| format!(", produces {o}")),
        op.method,
        op.path
    );
    for f in op.fields {
        let required = match (f.required, f.default) {
            (true, Some(_)) => "required, filled with its default when left out",
            (true, None) => "required",
            (false, _) => "optional",
        };
        outln!("  {:<18} {:<15} {required}", f.name, kind_name(f.kind));
        let b = bounds(f);
        if !b.is_empty() {
            outln!("  {:<18} {b}", "");
        }
        if !f.description.is_empty() {
            outln!("  {:<18} {}", "", f.description);
        }
    }
    if let Some(example) = example_command(op) {
        outln!("\nExample:\n  {example}");
    }
    Ok(())
}

/// A ready-to-run `runninghub run` command from the spec's example request: one `--field`
/// per value the example gives (list items repeat the flag), leaving out values equal to
/// their default.
fn example_command(op: &OperationInfo) -> Option<String> {
    let example: Value = serde_json::from_str(op.example?).ok()?;
    let mut args = vec![
        "runninghub".to_owned(),
        "run".to_owned(),
        op.endpoint().to_owned(),
    ];
    for f in op.fields {
        let Some(value) = example.get(f.name) else {
            continue;
        };
        let default = f
            .default
            .and_then(|d| serde_json::from_str::<Value>(d).ok());
        if default.as_ref() == Some(value) || f.name == "webhookUrl" {
            continue;
        }
        let items: Vec<String> = match (f.kind, value) {
            (FieldKind::StringList, Value::Array(items))
                if items.iter().all(Value::is_string) && !items.is_empty() =>
            {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            }
            (_, Value::String(text)) => vec![text.clone()],
            (_, other) => vec![other.to_string()],
        };
        for item in items {
            args.push("--field".to_owned());
            args.push(shell_quote(&format!("{}={item}", f.name)));
        }
    }
    Some(args.join(" "))
}

/// `text` as one POSIX shell word: as it is when it is plain, else in single quotes.
fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=./:,@%+".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
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

/// Fills the required fields of `body` that are missing and have a documented default with
/// that default, as RunningHub's own CLI does, and returns them as `name=value`.
fn fill_defaults(op: &OperationInfo, body: &mut Value) -> Vec<String> {
    let mut filled = Vec::new();
    for f in op.fields.iter().filter(|f| f.required) {
        let Some(default) = f
            .default
            .and_then(|d| serde_json::from_str::<Value>(d).ok())
        else {
            continue;
        };
        if body.get(f.name).is_none_or(Value::is_null) {
            filled.push(format!("{}={default}", f.name));
            body[f.name] = default;
        }
    }
    filled
}

/// When `value` for a URL field is a local file (or reads as a path, not a URL), what to do
/// instead: upload it with `--file`.
fn local_file_hint(info: &FieldInfo, value: &str) -> Option<String> {
    if !matches!(info.kind, FieldKind::String | FieldKind::StringList) {
        return None;
    }
    let value = value.trim();
    let is_url = value.contains("://") || value.starts_with("data:");
    let exists = !is_url && !value.is_empty() && std::path::Path::new(value).is_file();
    let url_field = info.name.to_ascii_lowercase().contains("url");
    (exists || (url_field && !is_url && !value.starts_with('['))).then(|| {
        format!(
            "--field {name}={value}: `{name}` takes a URL{}; to upload a local file and use its URL, pass --file {name}={value}",
            if exists { ", and this is a local file" } else { "" },
            name = info.name
        )
    })
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
        if let Some(hint) = local_file_hint(info, &raw) {
            return Err(Failure::usage(hint));
        }
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

/// What a task cost, as JSON numbers, in the one shape `run` and `batch` print: `money`
/// (charged by RunningHub, in the account's currency), `thirdPartyMoney` (charged by the
/// model's provider) and `coins` (RunningHub coins); `null` where RunningHub says nothing.
pub(crate) fn cost_json(task: &types::Task) -> Value {
    let usage = task.usage_numbers().unwrap_or_default();
    json!({
        "money": usage.consume_money,
        "thirdPartyMoney": usage.third_party_consume_money,
        "coins": usage.consume_coins,
    })
}

/// What a task cost, for people: `0.35 (money) + 0.10 (third party) + 12 coins`.
fn cost_text(task: &types::Task) -> Option<String> {
    let usage = task.usage_numbers()?;
    let mut parts = Vec::new();
    if let Some(money) = usage.consume_money {
        parts.push(format!("{money} (money, in the account's currency)"));
    }
    if let Some(money) = usage.third_party_consume_money.filter(|m| *m != 0.0) {
        parts.push(format!("{money} (third-party money)"));
    }
    if let Some(coins) = usage.consume_coins {
        parts.push(format!("{coins} coins"));
    }
    (!parts.is_empty()).then(|| parts.join(" + "))
}

fn print_task(task: &types::Task, saved: &[PathBuf], json: bool) -> Result<(), Failure> {
    if json {
        let mut value = serde_json::to_value(task).expect("a task serializes");
        value["cost"] = cost_json(task);
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
    if let Some(cost) = cost_text(task) {
        outln!("  cost {cost}");
    }
    if let Some(secs) = task.usage_numbers().and_then(|u| u.task_cost_time) {
        outln!("  ran {secs} s");
    }
    Ok(())
}

/// `runninghub config ...`.
fn configure(action: &ConfigAction, cli: &Cli) -> Result<(), Failure> {
    let path = config::path()?;
    let mut file = config::read(&path)?;
    match action {
        ConfigAction::SetKey { key } => {
            let key = match key {
                Some(key) => key.clone(),
                None => {
                    if std::io::stdin().is_terminal() {
                        eprintln!("API key (then Enter):");
                    }
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .map_err(|e| Failure::usage(format!("reading the key: {e}")))?;
                    line
                }
            };
            let key = key.trim();
            if key.is_empty() || key.chars().any(char::is_whitespace) {
                return Err(Failure::usage(
                    "the key is empty or holds spaces; nothing was saved",
                ));
            }
            file.api_key = Some(key.to_owned());
            config::write(&path, &file)?;
            eprintln!("saved the API key in {}", path.display());
        }
        ConfigAction::SetRegion { region } => {
            file.region = Some(region.name().to_owned());
            config::write(&path, &file)?;
            eprintln!("saved region {} in {}", region.name(), path.display());
        }
        ConfigAction::Show { json, conn } => {
            let conn = cli.conn.clone().then(conn);
            let env_key = std::env::var_os("RUNNINGHUB_API_KEY").is_some_and(|v| !v.is_empty());
            // clap fills `api_key` from the flag or the environment: the flag when the
            // environment does not hold it.
            let key_from = match (&conn.api_key, env_key, &file.api_key) {
                (Some(_), false, _) => Some("--api-key"),
                (Some(_), true, _) => Some("RUNNINGHUB_API_KEY"),
                (None, _, Some(_)) => Some("the configuration file"),
                (None, _, None) => None,
            };
            let region_from = match (conn.region, &file.region) {
                (Some(r), _) => Some((r.name().to_owned(), "--region")),
                (None, Some(r)) => Some((r.clone(), "the configuration file")),
                (None, None) => None,
            };
            if *json {
                outln!(
                    "{}",
                    json!({"file": path.display().to_string(), "fileExists": path.exists(),
                           "apiKey": {"set": key_from.is_some(), "from": key_from},
                           "region": region_from.as_ref().map(|(r, _)| r),
                           "regionFrom": region_from.as_ref().map(|(_, from)| from),
                           "baseUrl": conn.base_url})
                );
            } else {
                outln!(
                    "file: {}{}",
                    path.display(),
                    if path.exists() { "" } else { " (none yet)" }
                );
                match key_from {
                    Some(from) => outln!("api key: set (from {from})"),
                    None => outln!("api key: not set"),
                }
                match &region_from {
                    Some((region, from)) => outln!("region: {region} (from {from})"),
                    None => outln!("region: ai (the default)"),
                }
                if let Some(url) = &conn.base_url {
                    outln!("base url: {url}");
                }
            }
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
        outcome: Outcome::ByModel,
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
