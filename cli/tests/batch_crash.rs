//! `runninghub batch` killed with SIGKILL at several points and run again with the same
//! journal: every input is submitted exactly once and every result is recovered. The
//! simulator runs in this process; the batch is a real child process.
//!
//! Kill points are made deterministic by putting the child where it cannot move on:
//! tasks that never finish hold every slot, or submits whose answers never come do.

use runninghub_simulator::{Config, Fault, Outcome, Route, Simulator};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const INPUTS: usize = 9;
const IN_FLIGHT: usize = 3;

fn write_inputs(dir: &Path) -> PathBuf {
    let path = dir.join("inputs.jsonl");
    let lines: Vec<String> = (0..INPUTS)
        .map(|i| {
            json!({"endpoint": "vidu/text-to-video-q3-turbo", "body": {
                "prompt": format!("input {i}"), "style": "general", "aspectRatio": "16:9",
                "resolution": "720p", "duration": "5", "audio": true}})
            .to_string()
        })
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn command(sim: &Simulator, dir: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_runninghub"));
    cmd.env("RUNNINGHUB_BASE_URL", sim.url())
        .env("RUNNINGHUB_API_KEY", "sim-key")
        .current_dir(dir)
        .args([
            "batch",
            "inputs.jsonl",
            "--journal",
            "batch.journal",
            "--out",
            "out",
            "--max-in-flight",
            &IN_FLIGHT.to_string(),
            "--rate",
            "0",
            "--timeout",
            "60",
            "--json",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// The journal's events: per input index, the events in order.
fn journal(dir: &Path) -> BTreeMap<usize, Vec<String>> {
    let text = std::fs::read_to_string(dir.join("batch.journal")).unwrap_or_default();
    let mut events: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let Some(i) = v["i"].as_u64() {
            events
                .entry(i as usize)
                .or_default()
                .push(v["event"].as_str().unwrap().to_owned());
        }
    }
    events
}

fn count(events: &BTreeMap<usize, Vec<String>>, event: &str) -> usize {
    events
        .values()
        .filter(|e| e.iter().any(|x| x == event))
        .count()
}

/// Polls until `ready` holds (at most 20 s), lets the child run `settle` longer, then
/// kills it with SIGKILL.
async fn kill_when(mut child: Child, what: &str, settle: Duration, ready: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !ready() {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("the batch ended ({status}) before {what}: {err}");
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(settle).await;
    child.kill().unwrap(); // SIGKILL: no destructor, no flush, no clean-up runs.
    child.wait().unwrap();
}

/// Runs the batch to its end: exit code and the JSON lines it printed.
async fn run_to_end(mut cmd: Command) -> (i32, Vec<Value>) {
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code().unwrap_or(-1), lines)
}

fn created_inputs(sim: &Simulator) -> Vec<usize> {
    let mut created: Vec<usize> = sim
        .task_bodies()
        .iter()
        .map(|b| {
            b["prompt"].as_str().unwrap()["input ".len()..]
                .parse()
                .unwrap()
        })
        .collect();
    created.sort();
    created
}

fn items(lines: &[Value]) -> BTreeMap<usize, Value> {
    lines
        .iter()
        .filter_map(|l| Some((l["index"].as_u64()? as usize, l.clone())))
        .collect()
}

#[tokio::test]
async fn a_killed_batch_resumes_and_every_input_is_submitted_exactly_once() {
    let sim = Simulator::start_with(Config {
        lifecycle: vec![("RUNNING".into(), Duration::from_millis(40))],
        outcome: Outcome::Never,
        ..Config::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path());

    // 1. Killed while waiting: three tasks submitted that never finish hold every slot.
    let child = command(&sim, dir.path(), &[]).spawn().unwrap();
    kill_when(child, "three submitted tasks", Duration::ZERO, || {
        count(&journal(dir.path()), "submitted") == IN_FLIGHT
    })
    .await;
    assert_eq!(created_inputs(&sim), vec![0, 1, 2]);

    // 2. Killed while resuming: the three are awaited by id, nothing is submitted.
    let queries = sim.counts().queries;
    let submits = sim.counts().submits;
    let child = command(&sim, dir.path(), &[]).spawn().unwrap();
    kill_when(
        child,
        "queries for the submitted tasks",
        Duration::ZERO,
        || sim.counts().queries >= queries + 2 * IN_FLIGHT as u32,
    )
    .await;
    assert_eq!(sim.counts().submits, submits, "no submit while resuming");
    assert_eq!(created_inputs(&sim), vec![0, 1, 2]);

    // 3. Killed with a submit in flight: the three tasks succeed and are saved, then the
    // next submit never gets an answer (and creates nothing). Submits go one at a time, so
    // the three free slots do not put three submits in flight: the others wait their turn.
    sim.configure(|c| c.outcome = Config::default().outcome);
    sim.inject(Route::Submit, Fault::Hang);
    let child = command(&sim, dir.path(), &[]).spawn().unwrap();
    // Once the hung submit is in, 300 ms more: time for more submits to start, were they
    // not kept waiting.
    let settle = Duration::from_millis(300);
    kill_when(
        child,
        "three succeeded and a submit in flight",
        settle,
        || {
            let j = journal(dir.path());
            count(&j, "succeeded") == IN_FLIGHT && sim.counts().submits == submits + 1
        },
    )
    .await;
    assert_eq!(
        sim.counts().submits,
        submits + 1,
        "one submit at a time: {:?}",
        sim.counts()
    );
    let j = journal(dir.path());
    let dangling: Vec<usize> = j
        .iter()
        .filter(|(_, e)| e.last().map(String::as_str) == Some("submitting"))
        .map(|(i, _)| *i)
        .collect();
    assert_eq!(dangling, vec![3], "at most one unknown outcome: {j:?}");
    assert_eq!(created_inputs(&sim), vec![0, 1, 2]);

    // 4. Resumed: the unknown submit is reported, not resent; the rest run.
    let (code, lines) = run_to_end(command(&sim, dir.path(), &[])).await;
    assert_eq!(code, 4, "unknown outcomes exit with 4: {lines:?}");
    let found = items(&lines);
    assert_eq!(found.len(), INPUTS);
    for i in 0..INPUTS {
        let expected = match i {
            3 => "outcome_unknown",
            _ => "succeeded",
        };
        assert_eq!(found[&i]["state"], expected, "input {i}: {}", found[&i]);
    }
    for i in 0..3 {
        assert_eq!(found[&i]["fromJournal"], true, "input {i}");
    }
    assert_eq!(created_inputs(&sim), vec![0, 1, 2, 4, 5, 6, 7, 8]);

    // 5. The user checked (the simulator shows that submit created nothing) and asks
    // for it: it is submitted once, and every result is there.
    let (code, lines) = run_to_end(command(&sim, dir.path(), &["--resubmit-unknown"])).await;
    assert_eq!(code, 0, "{lines:?}");
    let found = items(&lines);
    assert_eq!(found.len(), INPUTS);
    assert_eq!(
        created_inputs(&sim),
        (0..INPUTS).collect::<Vec<_>>(),
        "every input submitted exactly once"
    );
    for i in 0..INPUTS {
        let item = &found[&i];
        assert_eq!(item["state"], "succeeded", "input {i}: {item}");
        assert_eq!(item["fromJournal"], i != 3, "input {i}");
        let files = item["files"].as_array().unwrap();
        assert_eq!(files.len(), 1, "input {i}: {item}");
        let file = dir.path().join(files[0].as_str().unwrap());
        assert!(file.is_file(), "input {i}: {}", file.display());
        assert!(file.starts_with(dir.path().join("out").join(format!("{i:04}"))));
    }
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(summary["succeeded"], INPUTS);
    assert_eq!(summary["failed"], 0);
}
