//! `runninghub batch`: many tasks from a JSONL or CSV file, under the account's limits,
//! resumable from a journal.

use super::{Failure, apply_fields, fill_defaults, find};
use indicatif::{ProgressBar, ProgressStyle};
use runninghub::batch::{BatchInput, BatchItem, BatchOptions, BatchProgress, ItemState};
use runninghub::{BatchError, Client, Error, WaitOptions};
use serde_json::{Value, json};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What `runninghub batch` was asked to do.
pub(crate) struct Args {
    pub file: PathBuf,
    pub endpoint: Option<String>,
    pub journal: Option<PathBuf>,
    pub no_journal: bool,
    pub out: Option<PathBuf>,
    pub max_in_flight: Option<usize>,
    pub rate: f64,
    pub resubmit_unknown: bool,
    pub timeout: f64,
    pub json: bool,
}

/// A line that runs an AI app or a workflow: `{"app": ID, "nodes": [...]}` or
/// `{"workflow": ID, "nodes": [...]}`, with the other fields of the run's body beside them
/// (`instanceType`, `webhookUrl`, ...). `None` for any other line.
fn run_line(value: &Value) -> Result<Option<BatchInput>, String> {
    let (operation, key) = match (value.get("app"), value.get("workflow")) {
        (Some(_), Some(_)) => return Err("give `app` or `workflow`, not both".into()),
        (Some(_), None) => ("run_ai_app", "app"),
        (None, Some(_)) => ("run_workflow", "workflow"),
        (None, None) => return Ok(None),
    };
    let id = match &value[key] {
        Value::String(s) => s.clone(),
        // An id written as a number is taken as written (never through a float).
        Value::Number(n) if n.is_u64() => n.to_string(),
        other => return Err(format!("`{key}` must be the id as a string, found {other}")),
    };
    let op = runninghub::operations::OPERATIONS
        .iter()
        .find(|op| op.operation_id == operation)
        .ok_or_else(|| format!("this build has no `{operation}` operation"))?;
    let Value::Object(fields) = value else {
        unreachable!("a line with `{key}` is an object")
    };
    let mut body = serde_json::Map::new();
    for (name, field) in fields {
        match name.as_str() {
            "app" | "workflow" => {}
            "nodes" => {
                body.insert("nodeInfoList".into(), field.clone());
            }
            _ => {
                body.insert(name.clone(), field.clone());
            }
        }
    }
    Ok(Some(BatchInput::new(
        op.endpoint_for(&id),
        Value::Object(body),
    )))
}

/// Reads the inputs: JSONL (`{"endpoint": …, "body": {…}}` per line, or an app or workflow
/// run: `{"app": ID, "nodes": [...]}`) or, with an endpoint, a CSV whose header names the
/// fields. Every problem names its line; nothing is sent.
pub(crate) fn read_inputs(file: &Path, endpoint: Option<&str>) -> Result<Vec<BatchInput>, Failure> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
    let at = |line: usize, why: String| Failure::usage(format!("{}:{line}: {why}", file.display()));
    let mut inputs = Vec::new();
    // `name=value` of every default filled in, over all inputs.
    let mut filled = std::collections::BTreeSet::new();
    match endpoint {
        None => {
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let value: Value =
                    serde_json::from_str(line).map_err(|e| at(n + 1, format!("not JSON: {e}")))?;
                if let Some(input) = run_line(&value).map_err(|why| at(n + 1, why))? {
                    inputs.push(input);
                    continue;
                }
                let endpoint = value["endpoint"].as_str().ok_or_else(|| {
                    at(
                        n + 1,
                        "expected {\"endpoint\": \"…\", \"body\": {…}}".into(),
                    )
                })?;
                let op = find(endpoint).map_err(|f| at(n + 1, f.message))?;
                let mut body = value.get("body").cloned().unwrap_or_else(|| json!({}));
                if !body.is_object() {
                    return Err(at(n + 1, "`body` must be a JSON object".into()));
                }
                filled.extend(fill_defaults(op, &mut body));
                inputs.push(BatchInput::new(op.operation_id, body));
            }
        }
        Some(endpoint) => {
            let op = find(endpoint)?;
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .from_reader(text.as_bytes());
            let header: Vec<String> = reader
                .headers()
                .map_err(|e| at(1, format!("not CSV: {e}")))?
                .iter()
                .map(str::to_owned)
                .collect();
            for (n, record) in reader.records().enumerate() {
                let record = record.map_err(|e| at(n + 2, format!("not CSV: {e}")))?;
                // Cells become `--field name=value` arguments, typed by the field table;
                // empty cells are left out.
                let fields: Vec<String> = header
                    .iter()
                    .zip(record.iter())
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                let mut body = json!({});
                apply_fields(op, &mut body, &fields, &[], None)
                    .map_err(|f| at(n + 2, f.message))?;
                filled.extend(fill_defaults(op, &mut body));
                inputs.push(BatchInput::new(op.operation_id, body));
            }
        }
    }
    if inputs.is_empty() {
        return Err(Failure::usage(format!("{} holds no input", file.display())));
    }
    if !filled.is_empty() {
        let filled: Vec<String> = filled.into_iter().collect();
        eprintln!(
            "filled with their defaults where left out: {}",
            filled.join(", ")
        );
    }
    Ok(inputs)
}

fn bar(total: usize, json: bool) -> ProgressBar {
    if json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed}]")
            .expect("a valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn totals(p: &BatchProgress) -> String {
    let mut text = format!(
        "{} succeeded, {} failed, {} running, {} queued",
        p.succeeded, p.failed, p.running, p.queued
    );
    if p.unknown > 0 {
        text.push_str(&format!(", {} unknown", p.unknown));
    }
    if p.not_saved > 0 {
        text.push_str(&format!(", {} not saved", p.not_saved));
    }
    if p.spent_money > 0.0 {
        text.push_str(&format!(", spent {:.2}", p.spent_money));
    }
    text
}

fn state_name(state: ItemState) -> &'static str {
    match state {
        ItemState::Succeeded => "succeeded",
        ItemState::Failed => "failed",
        ItemState::NotSubmitted => "not_submitted",
        ItemState::OutcomeUnknown => "outcome_unknown",
        ItemState::Unfinished => "unfinished",
        ItemState::NotSaved => "not_saved",
    }
}

fn print_item(item: &BatchItem, json: bool, bar: &ProgressBar) {
    let files: Vec<String> = item.files.iter().map(|p| p.display().to_string()).collect();
    if json {
        let outputs: Vec<Value> = item
            .outputs()
            .into_iter()
            .map(|o| json!({"url": o.url, "outputType": o.output_type, "text": o.text, "nodeId": o.node_id}))
            .collect();
        outln!(
            "{}",
            json!({
                "index": item.index,
                "state": state_name(item.state),
                "taskId": item.task_id,
                "outputs": outputs,
                "cost": item.task.as_ref().map(super::cost_json),
                "files": files,
                "error": item.error.as_ref().map(Error::to_string),
                "errorCode": item.error.as_ref().and_then(Error::code).map(|c| c.as_str().to_owned()),
                "fromJournal": item.from_journal,
            })
        );
        return;
    }
    let mut line = format!("input {}: {}", item.index, state_name(item.state));
    if let Some(id) = &item.task_id {
        line.push_str(&format!(" (task {id})"));
    }
    if item.from_journal {
        line.push_str(" [journal]");
    }
    for file in &files {
        line.push_str(&format!("\n  saved {file}"));
    }
    if let Some(e) = &item.error {
        line.push_str(&format!("\n  {e}"));
    }
    bar.suspend(|| outln!("{line}"));
}

/// Whether running the batch again can still change how `item` ended.
fn resumable(item: &BatchItem) -> bool {
    match item.state {
        ItemState::Succeeded | ItemState::Failed => false,
        // An invalid input stays invalid; a refused one is tried again.
        ItemState::NotSubmitted => !matches!(
            item.error,
            Some(Error::Validation(_) | Error::UnknownOperation(_))
        ),
        ItemState::OutcomeUnknown | ItemState::Unfinished | ItemState::NotSaved => true,
    }
}

/// Runs the batch; the exit code says how it ended (0: every input succeeded).
pub(crate) async fn run(
    client: &Client,
    args: Args,
    interrupt: &mut crate::Interrupt,
) -> Result<(), Failure> {
    // Flags that cannot work are refused before anything is read or sent.
    let timeout = super::seconds("--timeout", args.timeout)?;
    if !args.rate.is_finite() || args.rate < 0.0 {
        return Err(Failure::usage(format!(
            "--rate {}: must be a number of requests per second, 0 or more (0: no limit)",
            args.rate
        )));
    }
    if args.max_in_flight == Some(0) {
        return Err(Failure::usage(
            "--max-in-flight 0: at least one task must run",
        ));
    }
    if let Some(dir) = &args.out {
        super::out_dir(dir)?;
    }
    let inputs = read_inputs(&args.file, args.endpoint.as_deref())?;
    let total = inputs.len();
    let journal = match (args.no_journal, args.journal) {
        (true, _) => None,
        (false, Some(path)) => Some(path),
        (false, None) => {
            let mut path = args.file.clone().into_os_string();
            path.push(".journal");
            Some(PathBuf::from(path))
        }
    };
    let bar = bar(total, args.json);
    let mut options = BatchOptions::new()
        .max_requests_per_second((args.rate > 0.0).then_some(args.rate))
        .resubmit_unknown(args.resubmit_unknown)
        .wait(WaitOptions::new().timeout(timeout))
        .on_progress({
            let bar = bar.clone();
            move |p| {
                bar.set_position(p.done() as u64);
                bar.set_message(totals(p));
            }
        });
    match &journal {
        Some(path) => options = options.journal(path),
        // Without a journal, stderr is the only record of the tasks created: each is named
        // as soon as it exists.
        None => {
            let bar = bar.clone();
            options = options.on_submitted(move |index, task_id| {
                bar.suspend(|| eprintln!("input {index}: submitted task {task_id}"));
            });
        }
    }
    if let Some(n) = args.max_in_flight {
        options = options.max_in_flight(n);
    }
    if let Some(dir) = &args.out {
        options = options.download_dir(dir);
    }
    let mut run = client
        .batch(inputs, options)
        .map_err(|e| match (&e, &journal) {
            // The journal belongs to another batch or another place: say what to do.
            (Error::Batch(BatchError::Journal(_)), Some(path)) => {
                let mut failure = Failure::from(e);
                failure.message.push_str(&format!(
                "\nto start over, remove {} or give another file with --journal PATH{}",
                path.display(),
                if failure.message.contains("http://127.0.0.1") {
                    " (a journal of http://127.0.0.1 was written by --mock or a local simulator)"
                } else {
                    ""
                }
            ));
                failure
            }
            _ => Failure::from(e),
        })?;
    let mut left = 0;
    let batch = async {
        while let Some(item) = run.next().await {
            if resumable(&item) {
                left += 1;
            }
            print_item(&item, args.json, &bar);
        }
        run.finish().await.map_err(Failure::from)
    };
    let summary = tokio::select! {
        summary = batch => summary?,
        () = interrupt.wait() => {
            bar.finish_and_clear();
            return Err(Failure {
                code: crate::EXIT_INTERRUPTED,
                kind: "interrupted",
                error_code: None,
                message: match &journal {
                    Some(j) => format!(
                        "interrupted; the journal {} keeps every task: run the same command again to resume",
                        j.display()
                    ),
                    None => "interrupted; without a journal, the tasks submitted so far are named only on stderr above (`runninghub wait <id>` picks one up)".into(),
                },
                task_id: None,
            });
        }
    };
    bar.finish_and_clear();
    let p = &summary.progress;
    if args.json {
        outln!(
            "{}",
            json!({"summary": {
                "total": p.total, "succeeded": p.succeeded, "failed": p.failed,
                "unknown": p.unknown, "notSaved": p.not_saved, "refusals": p.refusals,
                "spentMoney": p.spent_money, "spentCoins": p.spent_coins,
                "spent": {"money": p.spent_money, "coins": p.spent_coins},
                "journal": journal.as_ref().map(|j| j.display().to_string()),
            }})
        );
    } else {
        eprintln!("batch: {total} inputs: {}", totals(p));
    }
    // A resume hint only when a run again can change something.
    if let (Some(j), true) = (&journal, left > 0) {
        eprintln!(
            "journal: {} ({left} input{} left: run the same command again to resume)",
            j.display(),
            if left == 1 { "" } else { "s" }
        );
    }
    if summary.failed == 0 {
        return Ok(());
    }
    let (code, kind) = if p.unknown > 0 {
        (4, "batch_unknown")
    } else {
        (1, "batch_failed")
    };
    Err(Failure {
        code,
        kind,
        error_code: None,
        message: format!(
            "{} of {total} inputs did not succeed{}",
            summary.failed,
            if p.unknown > 0 {
                " (some submits have an unknown outcome: check them before --resubmit-unknown)"
            } else if p.not_saved > 0 {
                " (some outputs could not be saved: run the same command again to retry the downloads)"
            } else {
                ""
            }
        ),
        task_id: None,
    })
}
