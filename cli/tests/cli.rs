//! The `runninghub` binary end to end against the simulator: runs with downloads, failed
//! tasks, validation errors that send nothing, timeouts, `--json` output, exit codes, and
//! the key never showing.

use runninghub_simulator::{Config, Fault, Outcome, Route, Simulator};
use serde_json::Value;
use std::process::Output;
use std::time::Duration;

const KEY: &str = "sim-key";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `args` (off the async runtime, so the simulator keeps serving).
async fn cli(sim: Option<&Simulator>, args: &[&str]) -> Run {
    cli_with(sim, args, &[], None).await
}

/// A configuration file path no test writes: the user's own file is never read.
fn no_config() -> std::path::PathBuf {
    std::env::temp_dir().join("runninghub-cli-tests-no-config/config.toml")
}

/// Runs the binary with `args`, extra environment variables and standard input.
async fn cli_with(
    sim: Option<&Simulator>,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> Run {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_runninghub"));
    cmd.env_remove("RUNNINGHUB_API_KEY")
        .env_remove("RUNNINGHUB_BASE_URL")
        .env_remove("RUST_LOG")
        .env("RUNNINGHUB_CONFIG", no_config());
    if let Some(sim) = sim {
        cmd.env("RUNNINGHUB_BASE_URL", sim.url())
            .env("RUNNINGHUB_API_KEY", KEY);
    }
    cmd.args(args);
    for (name, value) in env {
        cmd.env(name, value);
    }
    let input = stdin.map(str::to_owned);
    cmd.stdin(if input.is_some() {
        std::process::Stdio::piped()
    } else {
        std::process::Stdio::null()
    });
    let Output {
        status,
        stdout,
        stderr,
    } = tokio::task::spawn_blocking(move || {
        cmd.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(input) = input {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn json(run: &Run) -> Value {
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "stdout must hold exactly one JSON object:\n{}",
        run.stdout
    );
    serde_json::from_str(lines[0]).unwrap()
}

const VALID: &[&str] = &[
    "--field",
    "prompt=a paper boat on a rainy street",
    "--field",
    "imageUrls=https://example.com/boat.png",
    "--field",
    "duration=5",
    "--field",
    "resolution=720p",
];

fn run_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run", "vidu/reference-to-video-q3"];
    args.extend_from_slice(VALID);
    args.extend_from_slice(extra);
    args
}

#[tokio::test]
async fn a_run_submits_waits_and_downloads() {
    let sim = Simulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let run = cli(Some(&sim), &run_args(&["--out", out, "--json"])).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let task = json(&run);
    assert_eq!(task["status"], "SUCCESS");
    // The cost as numbers, whatever strings RunningHub sent.
    assert_eq!(
        task["cost"],
        serde_json::json!({"money": 0.1, "thirdPartyMoney": null, "coins": 10.0})
    );
    let saved = task["savedFiles"].as_array().unwrap();
    assert_eq!(saved.len(), 1);
    let bytes = std::fs::read(saved[0].as_str().unwrap()).unwrap();
    assert!(bytes.starts_with(b"\x89PNG"));
    let c = sim.counts();
    assert_eq!((c.submits, c.tasks_created, c.downloads), (1, 1, 1));
    let body = &sim.task_bodies()[0];
    assert_eq!(body["duration"], 5, "typed as an integer");
    assert_eq!(
        body["imageUrls"],
        serde_json::json!(["https://example.com/boat.png"])
    );
}

#[tokio::test]
async fn the_human_summary_names_outputs_files_and_cost() {
    let sim = Simulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let run = cli(
        Some(&sim),
        &run_args(&["--out", dir.path().to_str().unwrap()]),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(": SUCCESS"), "{}", run.stdout);
    assert!(
        run.stdout.contains("output 1: png http://127.0.0.1"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("saved "), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("cost 0.1 (money, in the account's currency) + 10 coins"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn a_failed_task_exits_1_with_a_json_error() {
    let sim = Simulator::start_with(Config {
        outcome: Outcome::Failed {
            code: "1501".into(),
            message: "content moderation failed".into(),
        },
        ..Config::default()
    })
    .await;
    let run = cli(Some(&sim), &run_args(&["--json"])).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let error = &json(&run)["error"];
    assert_eq!(error["kind"], "task_failed");
    assert_eq!(error["code"], "1501");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("content moderation failed")
    );
    assert!(!error["taskId"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn invalid_fields_exit_2_and_send_nothing() {
    let sim = Simulator::start().await;
    for (extra, expect) in [
        (
            vec!["--field", "duration=99"],
            "`duration`: 99 is above the maximum of 16",
        ),
        (
            vec!["--field", "duration=five"],
            "`duration`: \"five\" is not an integer",
        ),
        (vec!["--field", "resolution=4k"], "unknown variant `4k`"),
        (vec!["--field", "colour=red"], "has no field `colour`"),
        (
            vec!["--file", "imageUrls=/no/such/file.png"],
            "is not a readable file",
        ),
    ] {
        let run = cli(Some(&sim), &run_args(&extra)).await;
        assert_eq!(run.code, 2, "{extra:?}: {}", run.stderr);
        assert!(run.stderr.contains(expect), "{extra:?}: {}", run.stderr);
    }
    let run = cli(Some(&sim), &["run", "no/such-model", "--json"]).await;
    assert_eq!(run.code, 2);
    assert_eq!(json(&run)["error"]["kind"], "usage");
    let c = sim.counts();
    assert_eq!(
        (c.submits, c.uploads),
        (0, 0),
        "nothing may reach the server"
    );
}

#[tokio::test]
async fn a_task_that_never_finishes_exits_3() {
    let sim = Simulator::start_with(Config {
        outcome: Outcome::Never,
        ..Config::default()
    })
    .await;
    let run = cli(Some(&sim), &run_args(&["--timeout", "0.3", "--json"])).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let error = &json(&run)["error"];
    assert_eq!(error["kind"], "timeout");
    let task_id = error["taskId"].as_str().unwrap().to_owned();
    assert_eq!(sim.counts().submits, 1);
    // How to pick it up, in the JSON and on stderr.
    let resume = format!("runninghub wait {task_id}");
    assert_eq!(error["resume"], resume.as_str());
    assert!(run.stderr.contains(&resume), "{}", run.stderr);

    // The task can be picked up again by id, and its status read.
    let run = cli(Some(&sim), &["status", &task_id, "--json"]).await;
    assert_eq!(run.code, 0);
    assert_eq!(json(&run)["status"], "RUNNING");
    assert_eq!(sim.counts().submits, 1, "waiting again never resubmits");
}

#[tokio::test]
async fn an_unreachable_server_exits_4() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let run = cli(
        None,
        &[
            "--base-url",
            &url,
            "--api-key",
            KEY,
            "status",
            "1",
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    let error = &json(&run)["error"];
    assert_eq!(error["kind"], "transport");
    // The cause is given, not only "error sending request".
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("could not connect") && message.contains("onnection refused"),
        "{message}"
    );
}

#[tokio::test]
async fn files_are_uploaded_first_and_wait_and_download_work_by_id() {
    let sim = Simulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("boat.png");
    std::fs::write(&image, b"local png").unwrap();
    let file_arg = format!("imageUrls={}", image.display());
    let args = [
        "run",
        "vidu_reference_to_video_q3",
        "--field",
        "prompt=boat",
        "--field",
        "duration=3",
        "--field",
        "resolution=540p",
        "--file",
        &file_arg,
        "--no-wait",
        "--json",
    ];
    let run = cli(Some(&sim), &args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let task_id = json(&run)["taskId"].as_str().unwrap().to_owned();
    assert_eq!(
        sim.uploads(),
        [("boat.png".to_owned(), b"local png".to_vec())]
    );
    let sent = &sim.task_bodies()[0]["imageUrls"][0];
    assert_eq!(*sent, format!("{}/uploads/0/boat.png", sim.url()));

    let out = dir.path().join("out");
    let run = cli(Some(&sim), &["wait", &task_id, "--json"]).await;
    assert_eq!(
        (run.code, json(&run)["status"].as_str()),
        (0, Some("SUCCESS"))
    );
    let run = cli(
        Some(&sim),
        &[
            "download",
            &task_id,
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(out.join(format!("{task_id}.png")).is_file());

    let run = cli(Some(&sim), &["upload", image.to_str().unwrap()]).await;
    assert_eq!(
        run.stdout.trim(),
        format!("{}/uploads/1/boat.png", sim.url())
    );
}

#[tokio::test]
async fn endpoints_and_describe_come_from_the_spec() {
    let run = cli(None, &["endpoints", "--json"]).await;
    assert_eq!(run.code, 0);
    let list = json(&run)["endpoints"].as_array().unwrap().clone();
    assert_eq!(
        list.len(),
        runninghub::operations::OPERATIONS
            .iter()
            .filter(|o| o.role == runninghub::operation::Role::Task)
            .count()
    );
    let first = list[0]["endpoint"].as_str().unwrap().to_owned();

    let run = cli(None, &["describe", &first, "--json"]).await;
    assert_eq!(run.code, 0);
    let described = json(&run);
    let op = runninghub::operation::find(&first).unwrap();
    assert_eq!(described["operation"], op.operation_id);
    assert_eq!(
        described["fields"].as_array().unwrap().len(),
        op.fields.len()
    );

    let run = cli(None, &["describe", "nothing/here"]).await;
    assert_eq!(run.code, 2);
}

#[tokio::test]
async fn the_key_is_never_printed() {
    let secret = "rh-secret-key-7f1c2e";
    let sim = Simulator::start_with(Config {
        api_key: Some(secret.into()),
        lifecycle: vec![("RUNNING".into(), Duration::from_millis(20))],
        ..Config::default()
    })
    .await;
    let url = sim.url();
    let ok = cli(
        None,
        &[
            "-v",
            "--base-url",
            &url,
            "--api-key",
            secret,
            "run",
            "vidu/reference-to-video-q3",
            "--field",
            "prompt=p",
            "--field",
            "imageUrls=https://e.com/a.png",
            "--field",
            "duration=3",
            "--field",
            "resolution=720p",
        ],
    )
    .await;
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let wrong = cli(
        None,
        &[
            "-v",
            "--base-url",
            &url,
            "--api-key",
            "wrong-key-123",
            "status",
            "1",
        ],
    )
    .await;
    assert_eq!(wrong.code, 1, "{}", wrong.stderr);
    let help = cli(None, &["--help"]).await;
    for run in [&ok, &wrong, &help] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{}{}",
            run.stdout,
            run.stderr
        );
        assert!(!run.stdout.contains("wrong-key-123") && !run.stderr.contains("wrong-key-123"));
    }
    assert!(help.stdout.contains("Exit codes:"));
}

#[tokio::test]
async fn mock_mode_runs_the_whole_flow_without_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let run = cli(None, &{
        let mut a = vec!["--mock"];
        a.extend(run_args(&["--out", dir.path().to_str().unwrap(), "--json"]));
        a
    })
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let task = json(&run);
    assert_eq!(task["status"], "SUCCESS");
    assert_eq!(task["savedFiles"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_csv_batch_types_its_cells_by_the_field_table() {
    let sim = Simulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("rows.csv");
    std::fs::write(
        &csv,
        "prompt,style,aspectRatio,resolution,duration,audio\n\
         \"a kite, red\",general,16:9,720p,5,true\n\
         a boat,anime,9:16,1080p,8,false\n",
    )
    .unwrap();
    let csv = csv.to_str().unwrap();
    let run = cli(
        Some(&sim),
        &[
            "batch",
            csv,
            "--endpoint",
            "vidu/text-to-video-q3-turbo",
            "--no-journal",
            "--rate",
            "0",
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "two items and a summary: {}", run.stdout);
    assert_eq!(lines[2]["summary"]["succeeded"], 2);
    // Without a journal, stderr names each task as soon as it exists.
    for item in &lines[..2] {
        let named = format!(
            "input {}: submitted task {}",
            item["index"],
            item["taskId"].as_str().unwrap()
        );
        assert!(run.stderr.contains(&named), "{named}: {}", run.stderr);
    }
    // Costs have the shape and types of `run`'s.
    for item in &lines[..2] {
        assert_eq!(
            item["cost"],
            serde_json::json!({"money": 0.1, "thirdPartyMoney": null, "coins": 10.0})
        );
    }
    assert_eq!(
        lines[2]["summary"]["spent"],
        serde_json::json!({"money": 0.2, "coins": 20.0})
    );
    let mut bodies = sim.task_bodies();
    bodies.sort_by_key(|b| b["prompt"].as_str().unwrap().to_owned());
    assert_eq!(bodies[0]["prompt"], "a boat");
    assert_eq!(bodies[0]["duration"], "8", "LIST fields stay strings");
    assert_eq!(bodies[0]["audio"], false, "booleans become JSON booleans");
    assert_eq!(bodies[1]["prompt"], "a kite, red");
    assert_eq!(bodies[1]["audio"], true);

    // A bad cell is reported with its line, and nothing is sent.
    std::fs::write(
        dir.path().join("bad.csv"),
        "prompt,audio\nfine,true\nnot fine,maybe\n",
    )
    .unwrap();
    let before = sim.counts().submits;
    let bad = dir.path().join("bad.csv");
    let run = cli(
        Some(&sim),
        &[
            "batch",
            bad.to_str().unwrap(),
            "--endpoint",
            "vidu/text-to-video-q3-turbo",
            "--no-journal",
        ],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("bad.csv:3"), "{}", run.stderr);
    assert_eq!(sim.counts().submits, before);
}

#[tokio::test]
async fn a_created_task_is_announced_on_stderr_at_once_with_or_without_json() {
    let sim = Simulator::start().await;
    for extra in [&["--json"][..], &[][..], &["--no-wait"][..]] {
        let run = cli(Some(&sim), &run_args(extra)).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        let first = run.stderr.lines().next().unwrap_or_default();
        let id = first
            .strip_prefix("submitted task ")
            .and_then(|rest| rest.strip_suffix(" to vidu/reference-to-video-q3"))
            .unwrap_or_else(|| panic!("{extra:?}: {}", run.stderr));
        assert!(
            run.stdout.contains(id),
            "{extra:?}: the same task: {}",
            run.stdout
        );
    }
    assert_eq!(sim.counts().submits, 3);
}

#[tokio::test]
async fn flags_that_cannot_work_are_refused_before_anything_is_sent() {
    let sim = Simulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taken");
    std::fs::write(&file, "not a directory").unwrap();
    let file = file.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--out", file], "exists and is not a directory"),
        (&["--timeout", "0"], "--timeout 0"),
        (&["--timeout=-5"], "--timeout -5"),
        (&["--timeout", "NaN"], "--timeout NaN"),
    ];
    for (extra, why) in cases {
        let run = cli(Some(&sim), &run_args(extra)).await;
        assert_eq!(run.code, 2, "{extra:?}: {}", run.stderr);
        assert!(run.stderr.contains(why), "{extra:?}: {}", run.stderr);
    }
    for args in [
        &["wait", "1", "--timeout", "0"][..],
        &["download", "1", "--out", file][..],
        &["upload", dir.path().to_str().unwrap()][..],
    ] {
        let run = cli(Some(&sim), args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
    let c = sim.counts();
    assert_eq!((c.submits, c.queries, c.uploads), (0, 0, 0), "{c:?}");
    // A directory that does not exist yet is created up front.
    let fresh = dir.path().join("new/outputs");
    let run = cli(Some(&sim), &run_args(&["--out", fresh.to_str().unwrap()])).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read_dir(&fresh).unwrap().count(), 1);
}

#[tokio::test]
async fn a_failed_download_names_the_task() {
    let sim = Simulator::start().await;
    sim.inject(Route::Download, Fault::TruncatedDownload);
    let dir = tempfile::tempdir().unwrap();
    let run = cli(
        Some(&sim),
        &run_args(&["--out", dir.path().to_str().unwrap(), "--json"]),
    )
    .await;
    assert_ne!(run.code, 0, "{}", run.stderr);
    let error = &json(&run)["error"];
    let id = error["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("{error}"));
    assert!(
        run.stderr.contains(&format!("submitted task {id}")),
        "{}",
        run.stderr
    );
    assert_eq!(sim.counts().submits, 1);
}

#[cfg(unix)]
#[tokio::test]
async fn ctrl_c_while_waiting_exits_130_and_says_how_to_pick_the_task_up() {
    use std::io::BufRead;
    let sim = Simulator::start_with(Config {
        outcome: Outcome::Never,
        ..Config::default()
    })
    .await;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_runninghub"));
    cmd.env("RUNNINGHUB_BASE_URL", sim.url())
        .env("RUNNINGHUB_API_KEY", KEY)
        .args(run_args(&[]))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let (code, stderr) = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        stderr.read_line(&mut first).unwrap();
        // The task exists and the CLI waits for it: interrupt it as Ctrl-C would.
        let killed = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
        let status = child.wait().unwrap();
        (status.code(), first + &rest)
    })
    .await
    .unwrap();
    assert_eq!(code, Some(130), "{stderr}");
    let id = stderr
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("submitted task "))
        .and_then(|l| l.split(' ').next())
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        stderr.contains(&format!("runninghub wait {id}")),
        "{stderr}"
    );
    assert_eq!(sim.counts().submits, 1);
}

#[tokio::test]
async fn a_batch_journal_says_what_to_do_when_it_cannot_be_used_and_hints_only_when_needed() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs.jsonl");
    std::fs::write(
        &inputs,
        "{\"endpoint\": \"vidu/text-to-video-q3-turbo\", \"body\": {\"prompt\": \"a kite\", \"style\": \"general\", \"aspectRatio\": \"16:9\", \"resolution\": \"720p\", \"duration\": \"5\", \"audio\": true}}\n",
    )
    .unwrap();
    let inputs = inputs.to_str().unwrap();
    // Under --mock, everything succeeds: no resume hint.
    let run = cli(None, &["--mock", "batch", inputs, "--rate", "0"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("resume"), "{}", run.stderr);
    // The same journal against a real server is refused, saying what to do, and nothing
    // is sent.
    let sim = Simulator::start().await;
    let run = cli(Some(&sim), &["batch", inputs, "--rate", "0"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    for needle in [
        "records tasks created at http://127.0.0.1",
        "remove",
        "--journal PATH",
        "--mock",
    ] {
        assert!(run.stderr.contains(needle), "{needle}: {}", run.stderr);
    }
    let c = sim.counts();
    assert_eq!((c.submits, c.queries), (0, 0), "{c:?}");
}

#[tokio::test]
async fn unknown_names_get_the_closest_ones_before_any_key_is_needed() {
    // No key and no server: the name is checked first.
    let run = cli(None, &["run", "vidu/text-to-video-q3-turb"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("did you mean `vidu/text-to-video-q3-turbo`"),
        "{}",
        run.stderr
    );
    // A family name where an endpoint goes says so.
    let run = cli(None, &["describe", "vidu"]).await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("is a model family: `runninghub endpoints --family vidu`"),
        "{}",
        run.stderr
    );
    // Either spelling of a name, with dashes for underscores, finds the endpoint.
    for name in [
        "vidu_text_to_video_q3_turbo",
        "vidu-text-to-video-q3-turbo",
        "/openapi/v2/vidu/text-to-video-q3-turbo",
    ] {
        let run = cli(None, &["describe", name, "--json"]).await;
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert_eq!(json(&run)["operation"], "vidu_text_to_video_q3_turbo");
    }
    // An unknown family lists the families; `--families` lists them with counts.
    let run = cli(None, &["endpoints", "--family", "vidoo"]).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("did you mean `vidu`"), "{}", run.stderr);
    assert!(run.stderr.contains("families: vidu,"), "{}", run.stderr);
    let run = cli(None, &["endpoints", "--families", "--json"]).await;
    assert_eq!(run.code, 0);
    let families = json(&run)["families"].as_array().unwrap().clone();
    let vidu = families.iter().find(|f| f["family"] == "vidu").unwrap();
    let listed = cli(None, &["endpoints", "--family", "vidu", "--json"]).await;
    assert_eq!(
        vidu["endpoints"].as_u64().unwrap() as usize,
        json(&listed)["endpoints"].as_array().unwrap().len()
    );
}

#[tokio::test]
async fn a_missing_key_says_every_way_to_give_one() {
    let run = cli(None, &["status", "1"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    for way in [
        "--api-key",
        "RUNNINGHUB_API_KEY",
        "runninghub config set-key",
        "--mock",
    ] {
        assert!(run.stderr.contains(way), "{way}: {}", run.stderr);
    }
}

#[tokio::test]
async fn the_configuration_file_holds_the_key_and_flags_and_environment_win() {
    let sim = Simulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("conf/config.toml");
    let file_env = file.to_str().unwrap();
    let url = sim.url();
    let base: &[(&str, &str)] = &[
        ("RUNNINGHUB_CONFIG", file_env),
        ("RUNNINGHUB_BASE_URL", &url),
    ];
    // Saved from standard input, readable by its owner only.
    let run = cli_with(
        None,
        &["config", "set-key"],
        base,
        Some(&format!("{KEY}\n")),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The file's key is used when nothing else gives one.
    let run = cli_with(None, &run_args(&["--no-wait", "--json"]), base, None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(sim.counts().tasks_created, 1);
    // `config show` says where the key comes from and never prints it.
    let run = cli_with(None, &["config", "show", "--json"], base, None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let shown = json(&run);
    assert_eq!(shown["apiKey"]["from"], "the configuration file");
    assert!(!run.stdout.contains(KEY) && !run.stderr.contains(KEY));
    // The environment wins over the file, and the flag over both.
    let env_wrong = [base, &[("RUNNINGHUB_API_KEY", "wrong-key")]].concat();
    let run = cli_with(None, &run_args(&["--no-wait", "--json"]), &env_wrong, None).await;
    assert_eq!(
        run.code, 1,
        "the environment's wrong key is used: {}",
        run.stderr
    );
    let mut args = vec!["--api-key", KEY];
    args.extend(run_args(&["--no-wait", "--json"]));
    let run = cli_with(None, &args, &env_wrong, None).await;
    assert_eq!(run.code, 0, "the flag's key is used: {}", run.stderr);
    assert_eq!(sim.counts().tasks_created, 2);
    assert_eq!(sim.counts().unauthorized, 1);
}

#[tokio::test]
async fn required_fields_with_a_default_are_filled_and_named() {
    let sim = Simulator::start().await;
    let run = cli(
        Some(&sim),
        &[
            "run",
            "vidu/text-to-video-q3-turbo",
            "--field",
            "prompt=a kite",
            "--field",
            "style=anime",
            "--no-wait",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "filled with their defaults: aspectRatio=\"16:9\", resolution=\"720p\", duration=\"5\", audio=true"
        ),
        "{}",
        run.stderr
    );
    let body = &sim.task_bodies()[0];
    assert_eq!(
        body,
        &serde_json::json!({"prompt": "a kite", "style": "anime", "aspectRatio": "16:9",
                            "resolution": "720p", "duration": "5", "audio": true})
    );
    // `describe` says which fields are filled.
    let run = cli(None, &["describe", "vidu/text-to-video-q3-turbo"]).await;
    assert!(
        run.stdout
            .contains("required, filled with its default when left out"),
        "{}",
        run.stdout
    );
}

/// Splits a POSIX shell command line as `example_command` writes it: words separated by
/// spaces, single-quoted words with `'\''` for a quote.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    let mut started = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            '\\' if !quoted => {
                word.extend(chars.next());
            }
            ' ' if !quoted => {
                if started || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                started = false;
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started || !word.is_empty() {
        words.push(word);
    }
    words
}

#[tokio::test]
async fn describe_ends_with_a_command_that_runs_as_it_is() {
    let sim = Simulator::start().await;
    for endpoint in [
        "vidu/text-to-video-q3-turbo",
        "vidu/reference-to-video-q3",
        "vidu/start-end-to-video-q2-pro",
    ] {
        let described = cli(None, &["describe", endpoint, "--json"]).await;
        assert_eq!(described.code, 0, "{endpoint}: {}", described.stderr);
        let command = json(&described)["exampleCommand"]
            .as_str()
            .unwrap_or_else(|| panic!("{endpoint}: {}", described.stdout))
            .to_owned();
        let human = cli(None, &["describe", endpoint]).await;
        assert!(human.stdout.contains(&command), "{}", human.stdout);
        let words = shell_words(&command);
        assert_eq!(&words[..3], ["runninghub", "run", endpoint]);
        let mut args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        args.push("--no-wait");
        let before = sim.counts().tasks_created;
        let run = cli(Some(&sim), &args).await;
        assert_eq!(run.code, 0, "{command}: {}", run.stderr);
        assert_eq!(sim.counts().tasks_created, before + 1, "{command}");
    }
}

#[tokio::test]
async fn completions_are_printed_for_a_shell() {
    let run = cli(None, &["completions", "bash"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    for word in ["_runninghub()", "describe", "batch", "--max-in-flight"] {
        assert!(run.stdout.contains(word), "{word}");
    }
    let run = cli(None, &["completions", "tcsh"]).await;
    assert_eq!(run.code, 2);
}

#[tokio::test]
async fn mock_runs_hand_out_distinct_task_ids() {
    let mut ids = std::collections::BTreeSet::new();
    for _ in 0..2 {
        let mut args = vec!["--mock"];
        args.extend(run_args(&["--no-wait", "--json"]));
        let run = cli(None, &args).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        ids.insert(json(&run)["taskId"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 2, "{ids:?}");
}

#[tokio::test]
async fn a_local_path_given_to_a_url_field_suggests_file() {
    let sim = Simulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("boat.png");
    std::fs::write(&image, b"\x89PNG").unwrap();
    let image = image.to_str().unwrap();
    for value in [image, "boat.png"] {
        let field = format!("imageUrls={value}");
        let run = cli(
            Some(&sim),
            &[
                "run",
                "vidu/reference-to-video-q3",
                "--field",
                "prompt=a boat",
                "--field",
                &field,
            ],
        )
        .await;
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("pass --file imageUrls={value}")),
            "{}",
            run.stderr
        );
    }
    assert_eq!(sim.counts().submits, 0);
}

#[tokio::test]
async fn every_command_s_help_has_examples_and_connection_flags_only_where_they_connect() {
    let commands: &[(&[&str], bool)] = &[
        (&["endpoints"], false),
        (&["describe"], false),
        (&["run"], true),
        (&["status"], true),
        (&["call"], true),
        (&["mcp"], true),
        (&["wait"], true),
        (&["upload"], true),
        (&["download"], true),
        (&["batch"], true),
        (&["config"], false),
        (&["completions"], false),
        (&["simulate"], false),
    ];
    for (command, connects) in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let run = cli(None, &args).await;
        assert_eq!(run.code, 0, "{command:?}: {}", run.stderr);
        assert!(
            run.stdout.contains("\nExamples:\n"),
            "{command:?}: {}",
            run.stdout
        );
        assert_eq!(
            run.stdout.contains("--api-key"),
            *connects,
            "{command:?}: {}",
            run.stdout
        );
    }
    // The first example of `run` runs as it is (without its download directory).
    let sim = Simulator::start().await;
    let help = cli(None, &["run", "--help"]).await.stdout;
    let first = help
        .split("\nExamples:\n")
        .nth(1)
        .and_then(|e| e.lines().next())
        .unwrap()
        .trim()
        .trim_end_matches(" --out out/")
        .to_owned();
    let words = shell_words(&first);
    let mut args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    // Connection flags after the command work too.
    let url = sim.url();
    args.extend(["--no-wait", "--base-url", &url, "--api-key", KEY]);
    let run = cli(None, &args).await;
    assert_eq!(run.code, 0, "{first}: {}", run.stderr);
    assert_eq!(sim.counts().tasks_created, 1);
}

#[tokio::test]
async fn mock_outputs_are_of_the_kind_the_model_produces() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    // A video model gives an mp4 file.
    let run = cli(
        None,
        &[
            "--mock",
            "run",
            "vidu/text-to-video-q3-turbo",
            "--field",
            "prompt=a kite",
            "--out",
            out,
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let task = json(&run);
    let saved = task["savedFiles"][0].as_str().unwrap();
    assert!(saved.ends_with(".mp4"), "{saved}");
    assert_eq!(&std::fs::read(saved).unwrap()[4..8], b"ftyp");
    // A text model gives text, and no file.
    let described = cli(
        None,
        &["describe", "rhart-text-g-25-flash/text-to-text", "--json"],
    )
    .await;
    assert_eq!(json(&described)["output"], "text");
    let run = cli(
        None,
        &[
            "--mock",
            "run",
            "rhart-text-g-25-flash/text-to-text",
            "--field",
            "prompt=hello",
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let task = json(&run);
    assert_eq!(task["results"][0]["outputType"], "txt");
    assert!(task["results"][0]["text"].is_string(), "{task}");
    assert!(task["results"][0]["url"].is_null(), "{task}");
}

#[cfg(unix)]
#[tokio::test]
async fn ctrl_c_while_a_submit_is_in_flight_waits_for_its_task_and_names_it() {
    // The submit takes a second to answer; Ctrl-C comes while it is in flight.
    let sim = Simulator::start_with(Config {
        outcome: Outcome::Never,
        submit_latency: Duration::from_secs(1),
        ..Config::default()
    })
    .await;
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_runninghub"))
        .env("RUNNINGHUB_BASE_URL", sim.url())
        .env("RUNNINGHUB_API_KEY", KEY)
        .env("RUNNINGHUB_CONFIG", no_config())
        .args(run_args(&["--json"]))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while sim.counts().submits == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no submit arrived");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    // The task the submit created is named, with how to pick it up.
    assert_eq!(sim.counts().tasks_created, 1);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let error: Value = serde_json::from_str(stdout.trim()).unwrap();
    let id = error["error"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("{stdout}"));
    assert_eq!(error["error"]["kind"], "interrupted");
    assert!(stderr.contains(&format!("submitted task {id}")), "{stderr}");
    assert!(
        stderr.contains(&format!("runninghub wait {id}")),
        "{stderr}"
    );
}

#[tokio::test]
async fn account_prints_the_balance_and_sends_the_key_in_the_body() {
    let sim = Simulator::start_with(Config {
        coins: 4321,
        ..Config::default()
    })
    .await;
    let run = cli(Some(&sim), &["account", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let account = json(&run);
    assert_eq!(account["remainCoins"], 4321);
    assert_eq!(account["currentTaskCounts"], 0);
    assert_eq!(account["apiType"], "NORMAL");
    let human = cli(Some(&sim), &["account"]).await;
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert!(
        human.stdout.contains("coins:         4321"),
        "{}",
        human.stdout
    );
    let calls = sim.platform_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].0, "account_status");
    assert_eq!(calls[0].1, serde_json::json!({"apikey": KEY}));
    for out in [&run.stdout, &run.stderr, &human.stdout, &human.stderr] {
        assert!(!out.contains(KEY), "{out}");
    }
}

#[tokio::test]
async fn cancel_stops_a_task_and_an_unknown_task_exits_1_with_code_807() {
    let sim = Simulator::start_with(Config {
        lifecycle: vec![("RUNNING".into(), Duration::from_secs(600))],
        ..Config::default()
    })
    .await;
    let submitted = cli(Some(&sim), &run_args(&["--no-wait", "--json"])).await;
    assert_eq!(submitted.code, 0, "{}", submitted.stderr);
    let task_id = json(&submitted)["taskId"].as_str().unwrap().to_owned();

    let run = cli(Some(&sim), &["cancel", &task_id, "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        json(&run),
        serde_json::json!({"taskId": task_id, "cancelled": true})
    );
    let status = cli(Some(&sim), &["status", &task_id, "--json"]).await;
    assert_eq!(json(&status)["status"], "CANCEL");
    assert_eq!(
        sim.platform_calls()[0].1,
        serde_json::json!({"apiKey": KEY, "taskId": task_id})
    );

    let unknown = cli(Some(&sim), &["cancel", "1904152026220003329", "--json"]).await;
    assert_eq!(unknown.code, 1, "{}", unknown.stderr);
    let error = &json(&unknown)["error"];
    assert_eq!(error["kind"], "api");
    assert_eq!(error["code"], "807");
    assert_eq!(error["taskId"], "1904152026220003329");
}

#[tokio::test]
async fn app_run_uploads_node_files_and_sends_their_file_names() {
    let sim = Simulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("boat.png");
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\nboat").unwrap();
    let out = dir.path().join("outputs");
    let run = cli(
        Some(&sim),
        &[
            "app",
            "run",
            "2016740236478386178",
            "--node",
            "52:prompt=a boat: small, red = nice",
            "--file",
            &format!("285:image={}", photo.display()),
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("to run/ai-app/2016740236478386178"),
        "{}",
        run.stderr
    );
    let task = json(&run);
    assert_eq!(task["status"], "SUCCESS");
    assert_eq!(task["results"][0]["nodeId"], "9");
    assert_eq!(task["savedFiles"].as_array().unwrap().len(), 1);
    // The file went up first; the node got its stored name, not a URL or the local path.
    assert_eq!(sim.uploads().len(), 1);
    let body = &sim.task_bodies()[0];
    let nodes = body["nodeInfoList"].as_array().unwrap();
    assert_eq!(nodes[0]["fieldValue"], "a boat: small, red = nice");
    assert_eq!(nodes[1]["nodeId"], "285");
    let value = nodes[1]["fieldValue"].as_str().unwrap();
    assert!(
        value.starts_with("openapi/") && value.ends_with(".png"),
        "{value}"
    );
}

#[tokio::test]
async fn workflow_get_writes_the_graph_and_a_bad_node_flag_sends_nothing() {
    let sim = Simulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("graph.json");
    let run = cli(
        Some(&sim),
        &[
            "workflow",
            "get",
            runninghub_simulator::SAMPLE_WORKFLOW_ID,
            "--out",
            file.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let graph: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(graph["6"]["class_type"], "CLIPTextEncode");

    let bad = cli(Some(&sim), &["workflow", "run", "1", "--node", "6=text"]).await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("NODE:FIELD=VALUE"), "{}", bad.stderr);
    assert_eq!(sim.counts().submits, 0);
}

#[tokio::test]
async fn a_batch_runs_apps_and_workflows_beside_model_lines() {
    let sim = Simulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("inputs.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"app": "2016740236478386178", "nodes": [{"nodeId": "52", "fieldName": "prompt", "fieldValue": "a boat"}], "instanceType": "plus"}"#,
            "\n",
            r#"{"workflow": 1904136902449209346, "nodes": []}"#,
            "\n",
        ),
    )
    .unwrap();
    let run = cli(
        Some(&sim),
        &["batch", file.to_str().unwrap(), "--no-journal", "--json"],
    )
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(summary["succeeded"], 2);
    for item in &lines[..2] {
        assert_eq!(item["outputs"][0]["nodeId"], "9");
    }
    let mut bodies = sim.task_bodies();
    bodies.sort_by_key(|b| b["nodeInfoList"].as_array().unwrap().len());
    assert_eq!(bodies[0], serde_json::json!({"nodeInfoList": []}));
    assert_eq!(
        bodies[1],
        serde_json::json!({"nodeInfoList": [{"nodeId": "52", "fieldName": "prompt", "fieldValue": "a boat"}],
                           "instanceType": "plus"})
    );
    // A line with both is refused, naming the line, before anything is sent.
    std::fs::write(&file, r#"{"app": "1", "workflow": "2", "nodes": []}"#).unwrap();
    let bad = cli(
        Some(&sim),
        &["batch", file.to_str().unwrap(), "--no-journal"],
    )
    .await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(
        bad.stderr
            .contains(":1: give `app` or `workflow`, not both"),
        "{}",
        bad.stderr
    );
    assert_eq!(sim.counts().submits, 2);
}

#[tokio::test]
async fn app_info_lists_the_inputs_and_a_command_that_runs_them() {
    let sim = Simulator::start().await;
    let run = cli(
        Some(&sim),
        &["app", "info", runninghub_simulator::SAMPLE_APP_ID, "--json"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let info = json(&run);
    assert_eq!(info["nodes"][0]["nodeId"], "52");
    assert_eq!(info["nodes"][1]["fieldType"], "IMAGE");
    let example = info["example"].as_str().unwrap();
    assert!(
        example.ends_with("--node '52:prompt=a paper boat' --file 285:image=PATH"),
        "{example}"
    );
    assert!(!run.stdout.contains(KEY));
    let unknown = cli(Some(&sim), &["app", "info", "1", "--json"]).await;
    assert_eq!(unknown.code, 1);
    assert_eq!(json(&unknown)["error"]["code"], "901");
}

#[tokio::test]
async fn webhook_show_and_resend_name_the_event_of_a_task() {
    let sim = Simulator::start().await;
    let submitted = cli(
        Some(&sim),
        &run_args(&["--webhook-url", "http://127.0.0.1:9/hook", "--json"]),
    )
    .await;
    assert_eq!(submitted.code, 0, "{}", submitted.stderr);
    let task_id = json(&submitted)["taskId"].as_str().unwrap().to_owned();
    // The simulator calls the webhook when the task ends; give it a moment to record it.
    let mut shown = None;
    for _ in 0..100 {
        let run = cli(Some(&sim), &["webhook", "show", &task_id, "--json"]).await;
        if run.code == 0 {
            shown = Some(json(&run));
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let event = shown.expect("the webhook event is recorded");
    assert_eq!(event["taskId"], task_id.as_str());
    assert_eq!(event["webhookUrl"], "http://127.0.0.1:9/hook");
    assert_eq!(event["callbackStatus"], "FAILED");

    let resent = cli(
        Some(&sim),
        &[
            "webhook",
            "resend",
            &task_id,
            "--url",
            "http://127.0.0.1:9/other",
            "--json",
        ],
    )
    .await;
    assert_eq!(resent.code, 0, "{}", resent.stderr);
    assert_eq!(json(&resent)["url"], "http://127.0.0.1:9/other");
    let calls = sim.platform_calls();
    let (_, body) = calls
        .iter()
        .rev()
        .find(|(op, _)| op == "webhook_resend")
        .unwrap();
    assert_eq!(body["webhookId"], event["id"]);
    assert_eq!(body["webhookUrl"], "http://127.0.0.1:9/other");

    // A task without a webhook: an error that names it.
    let quiet = cli(Some(&sim), &run_args(&["--no-wait", "--json"])).await;
    let quiet_id = json(&quiet)["taskId"].as_str().unwrap().to_owned();
    let none = cli(Some(&sim), &["webhook", "show", &quiet_id, "--json"]).await;
    assert_eq!(none.code, 1, "{}", none.stderr);
    assert_eq!(json(&none)["error"]["taskId"], quiet_id.as_str());
    assert!(
        json(&none)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("has no webhook event")
    );
}

#[tokio::test]
async fn price_quotes_a_request_built_from_fields_and_creates_no_task() {
    let sim = Simulator::start().await;
    let mut args = vec!["price", "vidu/reference-to-video-q3"];
    args.extend_from_slice(VALID);
    args.push("--json");
    let run = cli(Some(&sim), &args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let quote = json(&run);
    assert_eq!(quote["estimatedPrice"], 0.1);
    assert_eq!(quote["currency"], "CNY");
    let bad = cli(
        Some(&sim),
        &["price", "vidu/reference-to-video-q3", "--json"],
    )
    .await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    let counts = sim.counts();
    assert_eq!((counts.price_previews, counts.tasks_created), (1, 0));
}

#[tokio::test]
async fn lora_upload_prints_the_name_a_node_takes() {
    let sim = Simulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("style.safetensors");
    std::fs::write(&file, b"lora-bytes-123").unwrap();
    let run = cli(
        Some(&sim),
        &[
            "lora",
            "upload",
            file.to_str().unwrap(),
            "--name",
            "mine",
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lora = json(&run);
    assert_eq!(
        lora["fileName"],
        "api-lora-cn/0032fcf434017309dffaa31268be1d27.safetensors"
    );
    assert_eq!(sim.platform_calls()[0].1["loraName"], "mine");
    assert_eq!(sim.loras().len(), 1);
    let missing = cli(Some(&sim), &["lora", "upload", "/no/such/file.safetensors"]).await;
    assert_eq!(missing.code, 2, "{}", missing.stderr);
}

#[tokio::test]
async fn call_lists_the_platform_calls_and_sends_one_by_name_with_the_key_in_its_body() {
    let list = cli(None, &["call"]).await;
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(
        list.stdout.contains("task_status_legacy"),
        "{}",
        list.stdout
    );
    assert!(
        list.stdout
            .contains("run_workflow_legacy  Run a ComfyUI workflow (legacy call) (creates a task)"),
        "{}",
        list.stdout
    );
    let listed = cli(None, &["call", "--json"]).await;
    let calls: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    assert!(
        calls
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["operation"] == "run_quick_create" && c["createsTask"] == true)
    );

    let sim = Simulator::start().await;
    let created = cli(
        Some(&sim),
        &[
            "call",
            "run_workflow_legacy",
            "--field",
            "workflowId=1904136902449209346",
            "--json",
        ],
    )
    .await;
    assert_eq!(created.code, 0, "{}", created.stderr);
    let data = json(&created);
    let id = data["taskId"].as_str().unwrap().to_owned();
    assert!(
        created
            .stderr
            .contains(&format!("submitted task {id} to /task/openapi/create")),
        "{}",
        created.stderr
    );
    assert!(
        created.stderr.contains(&format!("runninghub wait {id}")),
        "{}",
        created.stderr
    );
    let status = cli(
        Some(&sim),
        &[
            "call",
            "task_status_legacy",
            "--field",
            &format!("taskId={id}"),
            "--json",
        ],
    )
    .await;
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(
        matches!(
            status.stdout.trim(),
            "\"QUEUED\"" | "\"RUNNING\"" | "\"SUCCESS\""
        ),
        "{}",
        status.stdout
    );
    assert_eq!(
        sim.platform_calls()[0],
        (
            "run_workflow_legacy".to_owned(),
            serde_json::json!({"apiKey": KEY, "workflowId": "1904136902449209346"})
        )
    );
    // An unknown name and a body holding the key are usage errors; nothing is sent.
    let unknown = cli(Some(&sim), &["call", "no_such_call"]).await;
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("task_outputs_legacy"),
        "{}",
        unknown.stderr
    );
    let keyed = cli(
        Some(&sim),
        &[
            "call",
            "task_status_legacy",
            "--field",
            &format!("taskId={id}"),
            "--field",
            "apiKey=x",
        ],
    )
    .await;
    assert_eq!(keyed.code, 2, "{}", keyed.stderr);
    assert_eq!(sim.platform_calls().len(), 2);
}

#[tokio::test]
async fn app_and_workflow_runs_go_through_the_legacy_calls_and_are_followed_to_the_end() {
    let sim = Simulator::start().await;
    let run = cli(
        Some(&sim),
        &[
            "app",
            "run",
            "2016740236478386178",
            "--node",
            "52:prompt=a boat",
            "--legacy",
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("to /task/openapi/ai-app/run"),
        "{}",
        run.stderr
    );
    let task = json(&run);
    assert_eq!(task["status"], "SUCCESS");
    assert_eq!(task["results"][0]["nodeId"], "9");
    let (op, body) = &sim.platform_calls()[0];
    assert_eq!(op, "run_ai_app_legacy");
    // The app id as a JSON number, digit for digit.
    assert_eq!(body["webappId"].to_string(), "2016740236478386178");
    assert_eq!(body["apiKey"], KEY);

    let id = task["taskId"].as_str().unwrap();
    let status = cli(Some(&sim), &["status", id, "--legacy", "--json"]).await;
    assert_eq!(status.code, 0, "{}", status.stderr);
    let read = json(&status);
    assert_eq!(read["status"], "SUCCESS");
    assert_eq!(read["results"][0]["nodeId"], "9");
    assert_eq!(
        sim.platform_calls().last().unwrap().0,
        "task_outputs_legacy"
    );

    let workflow = cli(
        Some(&sim),
        &[
            "workflow",
            "run",
            "1904136902449209346",
            "--node",
            "6:text=a boat",
            "--legacy",
            "--no-wait",
            "--json",
        ],
    )
    .await;
    assert_eq!(workflow.code, 0, "{}", workflow.stderr);
    assert!(
        workflow.stderr.contains("to /task/openapi/create"),
        "{}",
        workflow.stderr
    );
    assert_eq!(sim.counts().tasks_created, 2);
}

#[tokio::test]
async fn check_refuses_a_node_the_app_or_workflow_lacks_before_anything_runs() {
    let sim = Simulator::start().await;
    let app = cli(
        Some(&sim),
        &[
            "app",
            "run",
            "2016740236478386178",
            "--node",
            "52:text=a boat",
            "--check",
        ],
    )
    .await;
    assert_eq!(app.code, 2, "{}", app.stderr);
    assert!(
        app.stderr.contains("the app has no input 52:text"),
        "{}",
        app.stderr
    );
    let workflow = cli(
        Some(&sim),
        &[
            "workflow",
            "run",
            "1904136902449209346",
            "--node",
            "6:prompt=x",
            "--check",
            "--legacy",
        ],
    )
    .await;
    assert_eq!(workflow.code, 2, "{}", workflow.stderr);
    assert!(
        workflow
            .stderr
            .contains("node 6 (CLIPTextEncode) has no input `prompt`"),
        "{}",
        workflow.stderr
    );
    assert_eq!(sim.counts().submits, 0);
    // A node list that matches runs.
    let ok = cli(
        Some(&sim),
        &[
            "workflow",
            "run",
            "1904136902449209346",
            "--node",
            "6:text=x",
            "--check",
            "--no-wait",
        ],
    )
    .await;
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_eq!(sim.counts().tasks_created, 1);
}

#[tokio::test]
async fn verbose_traces_a_run_on_stderr_and_json_stays_clean_and_vv_adds_bodies() {
    let sim = Simulator::start().await;
    let run = cli(
        Some(&sim),
        &[
            "-v",
            "run",
            "vidu/text-to-video-q3-turbo",
            "--field",
            "prompt=a traced boat",
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Standard output holds exactly the one JSON object.
    let task: Value = serde_json::from_str(run.stdout.trim()).expect("stdout is one JSON object");
    let id = task["taskId"].as_str().unwrap();
    for wanted in [
        "submitted",
        &format!("task_id=\"{id}\""),
        "path=\"/openapi/v2/query\"",
        "poll",
        "finished",
    ] {
        assert!(
            run.stderr.contains(wanted),
            "no {wanted:?} in:\n{}",
            run.stderr
        );
    }
    assert!(
        !run.stderr.contains(KEY),
        "the key was traced:\n{}",
        run.stderr
    );
    assert!(!run.stderr.contains("a traced boat"), "the body was traced");
    // RUST_LOG chooses instead: only warnings, so none of it.
    let quiet = cli_with(
        Some(&sim),
        &[
            "-v",
            "run",
            "vidu/text-to-video-q3-turbo",
            "--field",
            "prompt=x",
            "--no-wait",
        ],
        &[("RUST_LOG", "warn")],
        None,
    )
    .await;
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert!(
        !quiet.stderr.contains("poll") && !quiet.stderr.contains("response"),
        "{}",
        quiet.stderr
    );
    // Twice: each request's body too, and still never the key (the account call carries
    // it in its body).
    let run = cli(
        Some(&sim),
        &[
            "-vv",
            "run",
            "vidu/text-to-video-q3-turbo",
            "--field",
            "prompt=a traced boat",
            "--no-wait",
        ],
    )
    .await;
    let account = cli(Some(&sim), &["-vv", "account"]).await;
    for loud in [&run, &account] {
        assert_eq!(loud.code, 0, "{}", loud.stderr);
        assert!(loud.stderr.contains("request body"), "{}", loud.stderr);
        assert!(
            !loud.stderr.contains(KEY),
            "the key was traced:\n{}",
            loud.stderr
        );
    }
    assert!(run.stderr.contains("a traced boat"), "{}", run.stderr);
    assert!(account.stderr.contains("<redacted>"), "{}", account.stderr);
}
