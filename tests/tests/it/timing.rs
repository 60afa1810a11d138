//! The timing oracle: waits, retries and batch refusals on tokio's paused clock, against
//! the simulator in process (no socket, so nothing waits on I/O and time moves only when
//! every task sleeps), with a fixed jitter draw. Each test asserts the exact instants of
//! the requests the simulator received. The socket tests elsewhere are smoke tests.

use runninghub::batch::{BatchInput, BatchOptions};
use runninghub::{
    Client, Error, Jitter, PollSchedule, RetryPolicy, Transport, TransportFuture, WaitOptions,
    types,
};
use runninghub_simulator::{Config, Fault, InProcess, Route, Simulator};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// One request a [`Recorder`] saw: when (since its start), its path, and its
/// `Authorization` header.
type Seen = (Duration, String, Option<String>);

/// The in-process transport, logging every request.
#[derive(Clone)]
struct Recorder {
    inner: InProcess,
    start: Instant,
    log: Arc<Mutex<Vec<Seen>>>,
}

impl Transport for Recorder {
    fn send(&self, request: reqwest::Request) -> TransportFuture {
        let path = request.url().path().to_owned();
        let auth = request
            .headers()
            .get(reqwest::header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap().to_owned());
        self.log
            .lock()
            .unwrap()
            .push((self.start.elapsed(), path, auth));
        self.inner.send(request)
    }
}

impl Recorder {
    /// A recorder in front of `sim`, and a client that sends through it with `jitter`.
    fn client(sim: &Simulator, jitter: Jitter) -> (Client, Recorder) {
        let recorder = Recorder {
            inner: sim.transport(),
            start: Instant::now(),
            log: Arc::default(),
        };
        let client = sim
            .client_builder()
            .jitter(jitter)
            .transport(recorder.clone())
            .build()
            .unwrap();
        (client, recorder)
    }

    /// The instants, in seconds since the start, of the requests whose path ends with
    /// `suffix`.
    fn at(&self, suffix: &str) -> Vec<f64> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, p, _)| p.ends_with(suffix))
            .map(|(t, _, _)| t.as_secs_f64())
            .collect()
    }
}

/// A simulator in process whose tasks are QUEUED for `queued` seconds and then RUNNING for
/// `running`, and a client for it with a fixed jitter draw (0.5: every poll delay exactly
/// its schedule value) whose requests are recorded.
fn setup(queued: f64, running: f64) -> (Simulator, Client, Recorder) {
    let sim = Simulator::in_process(Config {
        lifecycle: vec![
            ("QUEUED".into(), Duration::from_secs_f64(queued)),
            ("RUNNING".into(), Duration::from_secs_f64(running)),
        ],
        ..Config::default()
    });
    let (client, recorder) = Recorder::client(&sim, Jitter::fixed(0.5));
    (sim, client, recorder)
}

fn request() -> types::ViduTextToVideoQ3TurboRequest {
    types::ViduTextToVideoQ3TurboRequest::new("a kite over the sea")
}

/// The default schedule (1 s, growing 1.5 times up to 10 s) with learning off.
fn plain() -> WaitOptions {
    WaitOptions::new().learning(None)
}

#[tokio::test(start_paused = true)]
async fn a_wait_queries_at_the_schedule_s_exact_instants() {
    // The task ends 13 s after its submit.
    let (sim, client, rec) = setup(3.0, 10.0);
    let done = client
        .vidu_text_to_video_q3_turbo(&request())
        .wait_with(plain())
        .await
        .unwrap();
    assert_eq!(rec.at("/vidu/text-to-video-q3-turbo"), [0.0]);
    // Delays 1, 1.5, 2.25, 3.375, 5.0625 s: the fifth query is the first after 13 s (at
    // 13.1875 s, which tokio's timer, counting whole milliseconds, rounds up).
    assert_eq!(rec.at("/query"), [1.0, 2.5, 4.75, 8.125, 13.188]);
    assert_eq!(sim.counts().queries, 5);
    assert_eq!(done.outputs().len(), 1);
}

/// Through a transport as over the network: requests to RunningHub carry the key, and an
/// output download never does.
#[tokio::test(start_paused = true)]
async fn a_transport_sees_the_key_on_api_requests_and_never_on_downloads() {
    let (_sim, client, rec) = setup(0.0, 2.0);
    let dir = tempfile::tempdir().unwrap();
    let files = client
        .vidu_text_to_video_q3_turbo(&request())
        .wait_with(plain())
        .await
        .unwrap()
        .download_to(dir.path())
        .await
        .unwrap();
    assert_eq!(files.len(), 1);
    let log = rec.log.lock().unwrap().clone();
    let (api, downloads): (Vec<_>, Vec<_>) = log
        .iter()
        .partition(|(_, path, _)| path.starts_with("/openapi/"));
    assert_eq!(
        (api.len(), downloads.len()),
        (3, 1),
        "a submit, two queries, a download: {log:?}"
    );
    for (_, path, auth) in api {
        assert_eq!(auth.as_deref(), Some("Bearer sim-key"), "{path}");
    }
    for (_, path, auth) in downloads {
        assert_eq!(*auth, None, "the key went to {path}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_timeout_ends_the_wait_at_the_deadline_exactly() {
    let (sim, client, rec) = setup(3.0, 100.0);
    let err = client
        .vidu_text_to_video_q3_turbo(&request())
        .wait_with(plain().timeout(Duration::from_secs(5)))
        .await
        .unwrap_err();
    let Error::Timeout {
        elapsed, task_id, ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(elapsed, Duration::from_secs(5));
    assert!(!task_id.is_empty(), "the task is named");
    // The fourth query would be at 8.125 s: none is made after the deadline.
    assert_eq!(rec.at("/query"), [1.0, 2.5, 4.75]);
    assert_eq!(sim.counts().queries, 3);
}

#[tokio::test(start_paused = true)]
async fn a_failed_query_is_retried_after_the_servers_retry_after() {
    let (sim, client, rec) = setup(0.0, 2.0);
    sim.inject(
        Route::Query,
        Fault::Status {
            status: 503,
            body: "busy".into(),
            retry_after: Some(3),
        },
    );
    let options = plain().retry(RetryPolicy {
        max_consecutive_failures: 5,
        base: Duration::from_secs(1),
        cap: Duration::from_secs(30),
    });
    client
        .vidu_text_to_video_q3_turbo(&request())
        .wait_with(options)
        .await
        .unwrap();
    // 1 s: 503 asking for 3 s, more than the 0.75 s backoff, so the retry is at 4 s and sees
    // the task done (it ended at 2 s).
    assert_eq!(rec.at("/query"), [1.0, 4.0]);
}

#[tokio::test(start_paused = true)]
async fn a_fixed_schedule_without_jitter_needs_no_draw() {
    // A random source with a zero spread: the instants are still exact.
    let (_sim, client, rec) = setup(0.0, 2.5);
    let client = Client::builder()
        .api_key("sim-key")
        .base_url(client.base_url())
        .jitter(Jitter::random())
        .transport(rec.clone())
        .build()
        .unwrap();
    client
        .vidu_text_to_video_q3_turbo(&request())
        .wait_with(plain().schedule(PollSchedule::fixed(Duration::from_secs(1))))
        .await
        .unwrap();
    assert_eq!(rec.at("/query"), [1.0, 2.0, 3.0]);
}

#[tokio::test(start_paused = true)]
async fn a_batch_retries_a_refused_submit_after_its_backoff_exactly() {
    // An account with one task slot; each task takes 5 s.
    let sim = Simulator::in_process(Config {
        lifecycle: vec![
            ("QUEUED".into(), Duration::from_secs(1)),
            ("RUNNING".into(), Duration::from_secs(4)),
        ],
        max_in_flight: Some(1),
        ..Config::default()
    });
    let (client, rec) = Recorder::client(&sim, Jitter::fixed(1.0));
    let body = |i: usize| {
        json!({"prompt": format!("input {i}"), "style": "general", "aspectRatio": "16:9",
               "resolution": "720p", "duration": "5", "audio": true})
    };
    let inputs = (0..2).map(|i| BatchInput::new("vidu_text_to_video_q3_turbo", body(i)));
    let options = BatchOptions::new()
        .max_in_flight(2)
        .max_requests_per_second(None)
        .refusal_backoff(RetryPolicy {
            max_consecutive_failures: u32::MAX,
            base: Duration::from_secs(2),
            cap: Duration::from_secs(60),
        })
        .wait(WaitOptions::new().learning(None));
    let mut run = client.batch(inputs, options).unwrap();
    while run.next().await.is_some() {}
    let summary = run.finish().await.unwrap();
    assert_eq!(summary.progress.succeeded, 2);
    assert_eq!(summary.progress.refusals, 2);
    // Input 0 at 0 s; input 1 refused (1520) at 0 s and 2 s (full backoffs with a draw of
    // 1: 2 s, then 4 s), and accepted at 6 s, after input 0's task ended at 5 s.
    assert_eq!(rec.at("/vidu/text-to-video-q3-turbo"), [0.0, 0.0, 2.0, 6.0]);
    assert_eq!(sim.counts().concurrency_rejections, 2);
    assert_eq!(sim.counts().tasks_created, 2);
}

#[tokio::test(start_paused = true)]
async fn a_second_task_of_an_endpoint_starts_polling_near_where_the_first_ended() {
    let (sim, client, rec) = setup(0.0, 0.3);
    let options = || {
        WaitOptions::new()
            .schedule(PollSchedule::fixed(Duration::from_millis(20)))
            .learning(Some(runninghub::Learning {
                min_step: Duration::from_millis(10),
                max_step: Duration::from_millis(40),
                steps_per_window: 4,
                overdue_max: Duration::from_millis(100),
            }))
    };
    let ms = |from: f64| -> Vec<u64> {
        rec.at("/query")
            .into_iter()
            .filter(|t| *t > from)
            .map(|t| ((t - from) * 1000.0).round() as u64)
            .collect()
    };
    let body = request();
    let wait = || {
        client
            .vidu_text_to_video_q3_turbo(&body)
            .wait_with(options())
    };
    wait().await.unwrap();
    // Nothing learned: every 20 ms until the task ends at 300 ms.
    assert_eq!(ms(0.0), (1..=15).map(|k| k * 20).collect::<Vec<_>>());
    let second_start = 0.3;
    wait().await.unwrap();
    // Learned that tasks end between 280 and 300 ms: the first query comes at 220 ms, then
    // steps of 35 ms until the task is seen done.
    assert_eq!(ms(second_start), [220, 255, 290, 325]);
    assert_eq!(sim.counts().queries, 19);
}
