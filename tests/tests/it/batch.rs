//! Batches against the simulator: account limits respected, refusals retried until they
//! pass, totals that add up, downloads per input, and resuming from the journal. Time is
//! scaled down to milliseconds.

use runninghub::batch::{BatchInput, BatchItem, BatchOptions, BatchProgress, ItemState};
use runninghub::{Client, PollSchedule, RetryPolicy, WaitOptions};
use runninghub_simulator::{Config, Fault, Outcome, Route, Simulator};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TURBO: &str = "vidu_text_to_video_q3_turbo";

fn input(i: usize) -> BatchInput {
    BatchInput::new(
        TURBO,
        json!({"prompt": format!("input {i}"), "style": "general", "aspectRatio": "16:9",
               "resolution": "720p", "duration": "5", "audio": true}),
    )
}

fn inputs(n: usize) -> Vec<BatchInput> {
    (0..n).map(input).collect()
}

/// Quick polling, quick retries, no rate limit unless a test sets one.
fn options() -> BatchOptions {
    BatchOptions::new()
        .max_requests_per_second(None)
        .refusal_backoff(RetryPolicy {
            max_consecutive_failures: u32::MAX,
            base: Duration::from_millis(5),
            cap: Duration::from_millis(20),
        })
        .wait(
            WaitOptions::new()
                .timeout(Duration::from_secs(20))
                .schedule(PollSchedule::fixed(Duration::from_millis(10)))
                .learning(None)
                .retry(RetryPolicy {
                    max_consecutive_failures: 50,
                    base: Duration::from_millis(5),
                    cap: Duration::from_millis(20),
                }),
        )
}

fn lifecycle(ms: u64) -> Config {
    Config {
        lifecycle: vec![
            ("QUEUED".into(), Duration::from_millis(ms / 3)),
            ("RUNNING".into(), Duration::from_millis(ms - ms / 3)),
        ],
        ..Config::default()
    }
}

/// Runs a batch to its end: the items in the order they came, and the last progress seen.
async fn run(
    client: &Client,
    inputs: Vec<BatchInput>,
    options: BatchOptions,
) -> (Vec<BatchItem>, BatchProgress) {
    let last = Arc::new(Mutex::new(BatchProgress::default()));
    let sink = last.clone();
    let options = options.on_progress(move |p| *sink.lock().unwrap() = p.clone());
    let mut run = client.batch(inputs, options).unwrap();
    let mut items = Vec::new();
    while let Some(item) = run.next().await {
        items.push(item);
    }
    let summary = run.finish().await.unwrap();
    let last = last.lock().unwrap().clone();
    assert_eq!(summary.progress, last, "the summary is the last progress");
    (items, last)
}

/// The prompts of the tasks the simulator created, as input indices.
fn created_inputs(sim: &Simulator) -> Vec<usize> {
    sim.task_bodies()
        .iter()
        .map(|b| {
            b["prompt"].as_str().unwrap()["input ".len()..]
                .parse()
                .unwrap()
        })
        .collect()
}

fn indices(items: &[BatchItem], state: ItemState) -> BTreeSet<usize> {
    items
        .iter()
        .filter(|i| i.state == state)
        .map(|i| i.index)
        .collect()
}

#[tokio::test]
async fn the_account_limit_is_never_exceeded_and_refusals_end_in_success() {
    // The account allows 3 tasks at once and 25 requests per 100 ms; the batch is allowed
    // 6 in flight, so it meets 1520 refusals, and 1003 ones besides.
    let sim = Simulator::start_with(Config {
        max_in_flight: Some(3),
        rate_limit: Some((25, Duration::from_millis(100))),
        ..lifecycle(60)
    })
    .await;
    sim.inject(
        Route::Submit,
        Fault::Reject {
            code: "421".into(),
            message: "TASK_QUEUE_MAXED".into(),
        },
    );
    let (items, progress) = run(&sim.client(), inputs(24), options().max_in_flight(6)).await;

    let counts = sim.counts();
    assert!(counts.max_in_flight <= 3, "{counts:?}");
    assert_eq!(counts.max_in_flight, 3, "the limit was reached: {counts:?}");
    assert!(counts.concurrency_rejections > 0, "{counts:?}");
    assert!(counts.rate_rejections > 0, "{counts:?}");
    assert_eq!(
        counts.tasks_created, 24,
        "every input exactly once: {counts:?}"
    );
    let mut created = created_inputs(&sim);
    created.sort();
    assert_eq!(created, (0..24).collect::<Vec<_>>());
    assert_eq!(items.len(), 24);
    assert_eq!(indices(&items, ItemState::Succeeded).len(), 24);
    assert!(
        items
            .iter()
            .all(|i| i.error.is_none() && !i.outputs().is_empty())
    );
    // Totals add up: every refusal the simulator sent to a submit was retried.
    assert_eq!(progress.succeeded, 24);
    assert_eq!(progress.done(), 24);
    assert_eq!(
        (progress.queued, progress.running, progress.failed),
        (0, 0, 0)
    );
    assert_eq!(
        progress.refusals as u32,
        counts.submits - counts.tasks_created,
        "one refusal counted per refused submit: {counts:?}"
    );
    assert!(progress.refusals as u32 > counts.concurrency_rejections);
    assert!(
        (progress.spent_money - 24.0 * 0.10).abs() < 1e-9,
        "{progress:?}"
    );
}

#[tokio::test]
async fn the_batch_limit_and_rate_hold_without_any_refusal() {
    let sim = Simulator::start_with(lifecycle(40)).await;
    let started = tokio::time::Instant::now();
    let (items, progress) = run(
        &sim.client(),
        inputs(12),
        options()
            .max_in_flight(4)
            .max_requests_per_second(Some(200.0)),
    )
    .await;
    let counts = sim.counts();
    assert_eq!(counts.max_in_flight, 4, "{counts:?}");
    assert_eq!(counts.tasks_created, 12);
    assert_eq!(progress.refusals, 0);
    assert_eq!(indices(&items, ItemState::Succeeded).len(), 12);
    // 200 requests per second: each request waits its 5 ms turn.
    let requests = counts.submits + counts.queries;
    assert!(
        started.elapsed() >= Duration::from_millis(5) * (requests - 1),
        "{requests} requests in {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn invalid_inputs_are_reported_and_never_sent() {
    let sim = Simulator::start_with(lifecycle(30)).await;
    let mut batch = inputs(3);
    batch.insert(1, BatchInput::new(TURBO, json!({"prompt": "no style"})));
    batch.push(BatchInput::new("no_such_endpoint", json!({})));
    let (items, progress) = run(&sim.client(), batch, options()).await;
    assert_eq!(
        indices(&items, ItemState::NotSubmitted),
        BTreeSet::from([1, 4])
    );
    assert_eq!(
        indices(&items, ItemState::Succeeded),
        BTreeSet::from([0, 2, 3])
    );
    let bad = items.iter().find(|i| i.index == 1).unwrap();
    assert!(
        bad.error.as_ref().unwrap().to_string().contains("style"),
        "{:?}",
        bad.error
    );
    let counts = sim.counts();
    assert_eq!(
        counts.submits, 3,
        "invalid inputs reach the server zero times"
    );
    assert_eq!(counts.invalid_submits, 0);
    assert_eq!((progress.succeeded, progress.failed), (3, 2));
}

#[tokio::test]
async fn failed_tasks_are_items_and_outputs_land_in_a_directory_per_input() {
    let sim = Simulator::start_with(lifecycle(30)).await;
    let dir = tempfile::tempdir().unwrap();
    let (items, _) = run(&sim.client(), inputs(3), options().download_dir(dir.path())).await;
    for item in &items {
        assert_eq!(item.state, ItemState::Succeeded);
        assert_eq!(item.files.len(), 1);
        let expected_dir = runninghub::batch::input_dir(dir.path(), item.index, 3);
        assert_eq!(item.files[0].parent().unwrap(), expected_dir);
        assert_eq!(
            item.files[0].file_name().unwrap().to_str().unwrap(),
            format!("{}.png", item.task_id.as_deref().unwrap())
        );
        assert!(
            std::fs::read(&item.files[0])
                .unwrap()
                .starts_with(b"\x89PNG")
        );
    }
    assert!(dir.path().join("0002").is_dir());

    sim.configure(|c| {
        c.outcome = Outcome::Failed {
            code: "1015".into(),
            message: "generation failed".into(),
        }
    });
    let (items, progress) = run(&sim.client(), inputs(2), options()).await;
    assert!(
        items
            .iter()
            .all(|i| i.state == ItemState::Failed && i.task_id.is_some())
    );
    assert_eq!(
        items[0].error.as_ref().unwrap().code().unwrap().as_str(),
        "1015"
    );
    assert_eq!((progress.failed, progress.succeeded), (2, 0));
}

#[tokio::test]
async fn a_second_run_with_the_journal_resumes_without_resubmitting() {
    // First run: tasks never finish and the wait gives up, so every input is submitted
    // and left unfinished.
    let sim = Simulator::start_with(Config {
        outcome: Outcome::Never,
        ..lifecycle(30)
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("batch.journal");
    let short = options().wait(
        WaitOptions::new()
            .timeout(Duration::from_millis(80))
            .schedule(PollSchedule::fixed(Duration::from_millis(10)))
            .learning(None),
    );
    let (items, _) = run(
        &sim.client(),
        inputs(5),
        short.clone().max_in_flight(5).journal(&journal),
    )
    .await;
    assert_eq!(indices(&items, ItemState::Unfinished).len(), 5);
    assert_eq!(sim.counts().tasks_created, 5);

    // Second run: the tasks finish; they are awaited by id, none is submitted again.
    sim.configure(|c| c.outcome = Config::default().outcome);
    let submits = sim.counts().submits;
    let (items, _) = run(
        &sim.client(),
        inputs(5),
        options()
            .journal(&journal)
            .download_dir(dir.path().join("out")),
    )
    .await;
    assert_eq!(indices(&items, ItemState::Succeeded).len(), 5);
    assert!(items.iter().all(|i| !i.from_journal && i.files.len() == 1));
    assert_eq!(sim.counts().submits, submits, "no submit on resume");
    assert_eq!(sim.counts().tasks_created, 5);

    // Third run: everything is in the journal; not a single request.
    let before = sim.counts();
    let (items, progress) = run(
        &sim.client(),
        inputs(5),
        options()
            .journal(&journal)
            .download_dir(dir.path().join("out")),
    )
    .await;
    assert_eq!(sim.counts(), before);
    assert!(
        items
            .iter()
            .all(|i| i.from_journal && i.state == ItemState::Succeeded)
    );
    assert!(
        items
            .iter()
            .all(|i| i.files.len() == 1 && i.files[0].is_file())
    );
    assert_eq!(progress.succeeded, 5);

    // A journal of another batch is refused before anything is sent.
    let err = sim
        .client()
        .batch(inputs(6), options().journal(&journal))
        .unwrap_err();
    assert!(err.to_string().contains("batch of 5 inputs"), "{err}");
    let mut changed = inputs(5);
    changed[2].body["prompt"] = Value::String("something else".into());
    let err = sim
        .client()
        .batch(changed, options().journal(&journal))
        .unwrap_err();
    assert!(err.to_string().contains("input 2 differs"), "{err}");
    assert_eq!(sim.counts(), before);
}

#[tokio::test]
async fn a_submit_with_a_lost_answer_is_reported_and_resubmitted_only_on_request() {
    let sim = Simulator::start_with(lifecycle(30)).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("batch.journal");
    let client = Client::builder()
        .api_key("sim-key")
        .base_url(sim.url())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    sim.inject(Route::Submit, Fault::AcceptThenHang);
    let (items, progress) = run(
        &client,
        inputs(3),
        options().max_in_flight(1).journal(&journal),
    )
    .await;
    assert_eq!(
        indices(&items, ItemState::OutcomeUnknown),
        BTreeSet::from([0])
    );
    assert_eq!(
        indices(&items, ItemState::Succeeded),
        BTreeSet::from([1, 2])
    );
    assert_eq!(progress.unknown, 1);
    assert_eq!(
        sim.counts().tasks_created,
        3,
        "the lost answer's task exists"
    );

    // Resuming reports it again and does not submit it.
    let (items, _) = run(&client, inputs(3), options().journal(&journal)).await;
    assert_eq!(
        indices(&items, ItemState::OutcomeUnknown),
        BTreeSet::from([0])
    );
    assert_eq!(sim.counts().submits, 3);

    // Asked to, it submits it again: a second task for input 0.
    let (items, _) = run(
        &client,
        inputs(3),
        options().journal(&journal).resubmit_unknown(true),
    )
    .await;
    assert_eq!(indices(&items, ItemState::Succeeded).len(), 3);
    let mut created = created_inputs(&sim);
    created.sort();
    assert_eq!(created, vec![0, 0, 1, 2]);
}

#[tokio::test]
async fn without_a_limit_the_batch_takes_the_account_s_own() {
    let sim = Simulator::start_with(Config {
        max_in_flight: Some(2),
        ..lifecycle(40)
    })
    .await;
    let status = sim.client().queue_status().await.unwrap();
    assert_eq!(status.concurrent_limit, Some(2));
    assert_eq!(status.running, Some(0));
    let (items, progress) = run(&sim.client(), inputs(6), options()).await;
    assert_eq!(progress.max_in_flight, 2);
    assert_eq!(indices(&items, ItemState::Succeeded).len(), 6);
    let counts = sim.counts();
    assert_eq!(counts.max_in_flight, 2, "{counts:?}");
    assert_eq!(counts.concurrency_rejections, 0, "{counts:?}");

    // An account that does not say (or a key the endpoint refuses): the default.
    let silent = Simulator::start_with(lifecycle(40)).await;
    let (_, progress) = run(&silent.client(), inputs(2), options()).await;
    assert_eq!(
        progress.max_in_flight,
        runninghub::batch::DEFAULT_MAX_IN_FLIGHT
    );
    let wrong_key = Client::builder()
        .api_key("wrong")
        .base_url(sim.url())
        .build()
        .unwrap();
    let err = wrong_key.queue_status().await.unwrap_err();
    assert_eq!(err.code().unwrap().as_str(), "401", "{err}");
}

#[tokio::test]
async fn submits_go_one_at_a_time_while_tasks_run_in_parallel() {
    // Each submit takes 30 ms to answer; 6 tasks may be in flight.
    let config = || Config {
        submit_latency: Duration::from_millis(30),
        ..lifecycle(300)
    };
    let sim = Simulator::start_with(config()).await;
    let (items, _) = run(&sim.client(), inputs(6), options().max_in_flight(6)).await;
    assert_eq!(indices(&items, ItemState::Succeeded).len(), 6);
    let counts = sim.counts();
    assert_eq!(counts.peak_concurrent_submits, 1, "{counts:?}");
    assert!(
        counts.max_in_flight > 1,
        "tasks still overlap on the server: {counts:?}"
    );

    // The same batch allowed 3 submits at once does overlap them: the count can tell.
    let sim = Simulator::start_with(config()).await;
    let options = options().max_in_flight(6).max_concurrent_submits(3);
    let (items, _) = run(&sim.client(), inputs(6), options).await;
    assert_eq!(indices(&items, ItemState::Succeeded).len(), 6);
    assert!(
        sim.counts().peak_concurrent_submits > 1,
        "{:?}",
        sim.counts()
    );
}

#[tokio::test]
async fn outputs_that_cannot_be_saved_are_their_own_state_and_a_second_run_saves_them() {
    let sim = Simulator::start_with(lifecycle(30)).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("batch.journal");
    let out = dir.path().join("out");
    // Every download of the first run fails (one fault per attempt: more than it makes).
    for _ in 0..20 {
        sim.inject(Route::Download, Fault::TruncatedDownload);
    }
    let options = || {
        options()
            .max_in_flight(2)
            .journal(&journal)
            .download_dir(&out)
    };
    let (items, progress) = run(&sim.client(), inputs(2), options()).await;
    assert_eq!(indices(&items, ItemState::NotSaved), BTreeSet::from([0, 1]));
    assert!(
        items
            .iter()
            .all(|i| i.task_id.is_some() && i.error.is_some())
    );
    assert_eq!(
        (progress.succeeded, progress.not_saved),
        (0, 2),
        "{progress:?}"
    );
    assert_eq!(progress.done(), 2);
    assert_eq!(sim.counts().tasks_created, 2);

    // With the faults gone, the second run downloads, and submits nothing.
    sim.clear_faults(Route::Download);
    let (items, progress) = run(&sim.client(), inputs(2), options()).await;
    assert_eq!(
        indices(&items, ItemState::Succeeded),
        BTreeSet::from([0, 1])
    );
    assert!(items.iter().all(|i| i.from_journal && i.files.len() == 1));
    assert_eq!((progress.succeeded, progress.not_saved), (2, 0));
    assert_eq!(sim.counts().tasks_created, 2, "nothing submitted again");
    assert_eq!(sim.counts().submits, 2);
}

#[tokio::test]
async fn a_journal_of_tasks_at_another_api_is_refused_before_any_request() {
    let first = Simulator::start_with(lifecycle(30)).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("batch.journal");
    let (items, _) = run(&first.client(), inputs(2), options().journal(&journal)).await;
    assert_eq!(indices(&items, ItemState::Succeeded).len(), 2);

    // Another server (as a real run after a `--mock` one): its tasks are not these.
    let second = Simulator::start_with(lifecycle(30)).await;
    let err = second
        .client()
        .batch(inputs(2), options().journal(&journal))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("records tasks created at {}", first.url()))
            && err.contains(&format!("talks to {}", second.url())),
        "{err}"
    );
    let c = second.counts();
    assert_eq!((c.submits, c.queries, c.downloads), (0, 0, 0), "{c:?}");
}

#[tokio::test]
async fn each_created_task_is_reported_as_soon_as_it_exists() {
    let sim = Simulator::start_with(lifecycle(30)).await;
    let reported = Arc::new(Mutex::new(Vec::new()));
    let sink = reported.clone();
    let options = options()
        .max_in_flight(3)
        .on_submitted(move |index, task_id| sink.lock().unwrap().push((index, task_id.to_owned())));
    let (items, _) = run(&sim.client(), inputs(3), options).await;
    let mut reported = reported.lock().unwrap().clone();
    reported.sort();
    let mut ended: Vec<(usize, String)> = items
        .iter()
        .map(|i| (i.index, i.task_id.clone().unwrap()))
        .collect();
    ended.sort();
    assert_eq!(reported, ended, "every task, once, with its input");
    assert_eq!(sim.counts().tasks_created, 3);
}
