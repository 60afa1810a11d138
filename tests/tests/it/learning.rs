//! Waits learn how long tasks of an endpoint take and skip the queries that would only see
//! them still running. Time is scaled down to milliseconds, and the counting tests run on
//! tokio's paused clock against the simulator in process, so the counts are exact.

use runninghub::{Client, Learning, PollSchedule, WaitOptions};
use runninghub_simulator::{Config, Simulator};
use serde_json::{Value, json};
use std::time::Duration;

const TURBO: &str = "vidu_text_to_video_q3_turbo";
const PRO_FAST: &str = "vidu_text_to_video_q3_pro_fast";

fn body(operation: &str) -> Value {
    let mut body = json!({"prompt": "A neon night market", "aspectRatio": "16:9", "resolution": "720p", "duration": "5", "audio": true});
    if operation == TURBO {
        body["style"] = json!("anime");
    }
    body
}

fn options(learning: bool) -> WaitOptions {
    WaitOptions::new()
        .timeout(Duration::from_secs(10))
        .schedule(PollSchedule::fixed(Duration::from_millis(20)))
        .learning(learning.then(|| Learning {
            min_step: Duration::from_millis(10),
            max_step: Duration::from_millis(40),
            steps_per_window: 4,
            overdue_max: Duration::from_millis(100),
        }))
}

/// Submits to `operation`, waits, and returns the queries the simulator received meanwhile.
async fn queries_for_one_task(
    sim: &Simulator,
    client: &Client,
    operation: &str,
    learning: bool,
) -> u32 {
    let before = sim.counts().queries;
    let task = client
        .submit_json(operation, body(operation))
        .await
        .unwrap();
    let finished = client
        .wait_submitted(task, operation, options(learning))
        .await
        .unwrap();
    let ended = sim.finished_at(finished.task_id()).unwrap();
    assert!(
        tokio::time::Instant::now() >= ended,
        "a wait never returns before the task finished"
    );
    sim.counts().queries - before
}

fn sim() -> Config {
    Config {
        lifecycle: vec![("RUNNING".into(), Duration::from_millis(300))],
        ..Config::default()
    }
}

#[tokio::test(start_paused = true)]
async fn the_second_task_of_an_endpoint_skips_the_queries_the_first_needed() {
    let sim = Simulator::in_process(sim());
    let client = sim.client();
    let first = queries_for_one_task(&sim, &client, TURBO, true).await;
    assert_eq!(first, 15, "nothing learned yet: every 20 ms up to 300 ms");
    // Clones of a client share what they learn.
    let second = queries_for_one_task(&sim, &client.clone(), TURBO, true).await;
    assert_eq!(
        second, 4,
        "the second task jumps close to 300 ms (the instants: timing.rs)"
    );
    // Another endpoint has taught nothing.
    let other = queries_for_one_task(&sim, &client, PRO_FAST, true).await;
    assert_eq!(other, 15);
    // With learning off, the schedule applies.
    let off = queries_for_one_task(&sim, &client, TURBO, false).await;
    assert_eq!(off, 15);
    assert_eq!(sim.counts().tasks_created, 4);
}

#[tokio::test(start_paused = true)]
async fn a_wait_by_bare_id_does_not_guess_the_endpoint() {
    let sim = Simulator::in_process(sim());
    let client = sim.client();
    queries_for_one_task(&sim, &client, TURBO, true).await;
    let task = client.submit_json(TURBO, body(TURBO)).await.unwrap();
    let before = sim.counts().queries;
    client.wait(&task.task_id, options(true)).await.unwrap();
    let by_id = sim.counts().queries - before;
    assert_eq!(by_id, 15, "no endpoint, no learning");
}

#[tokio::test]
async fn submit_json_takes_a_path_or_an_operation_id_and_waits_like_the_typed_methods() {
    let sim = Simulator::start_with(Config {
        lifecycle: vec![("RUNNING".into(), Duration::from_millis(50))],
        ..Config::default()
    })
    .await;
    let client = sim.client();
    // `.await`: the created task, by either name of the endpoint.
    for endpoint in [TURBO, "vidu/text-to-video-q3-turbo"] {
        let task = client.submit_json(endpoint, body(TURBO)).await.unwrap();
        assert!(!task.task_id.is_empty());
    }
    // `.wait_with`: the finished task, and the wait learns for the endpoint.
    let finished = client
        .submit_json("/openapi/v2/vidu/text-to-video-q3-turbo", body(TURBO))
        .wait_with(options(true))
        .await
        .unwrap();
    assert_eq!(finished.task().status, "SUCCESS");
    assert!(sim.finished_at(finished.task_id()).is_some());
    assert_eq!(sim.counts().tasks_created, 3);
    assert_eq!(sim.task_bodies()[2], body(TURBO));
    // An unknown endpoint sends nothing.
    let err = client
        .submit_json("vidu/text-to-video-q9", body(TURBO))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, runninghub::Error::UnknownOperation(name) if name == "vidu/text-to-video-q9"),
        "{err}"
    );
    assert_eq!(sim.counts().submits, 3);
}
