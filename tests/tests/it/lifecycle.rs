//! A task from request to files on disk, against the local simulator, and every failure
//! mode on the way. Time is scaled down (milliseconds instead of minutes); no test sleeps
//! for real seconds.

use crate::support::receiver;
use runninghub::types::{ViduReferenceToVideoQ3Request, ViduReferenceToVideoQ3RequestResolution};
use runninghub::{
    Client, Error, ErrorCode, PollSchedule, Progress, RetryPolicy, TaskStatus, UploadSource,
    WaitOptions, WebhookInbox,
};
use runninghub_simulator::{Config, Fault, Outcome, Route, SimOutput, Simulator, WebhookStyle};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn request() -> ViduReferenceToVideoQ3Request {
    ViduReferenceToVideoQ3Request {
        prompt: "Let the character in @Picture1 stroll along the seaside road".into(),
        image_urls: vec!["https://example.com/character.png".into()],
        duration: 5,
        resolution: ViduReferenceToVideoQ3RequestResolution::X720p,
        aspect_ratio: None,
        audio: None,
        webhook_url: None,
    }
}

/// Quick polling and retries, for simulated time.
fn fast() -> WaitOptions {
    WaitOptions::new()
        .timeout(Duration::from_secs(5))
        .schedule(PollSchedule {
            initial: Duration::from_millis(5),
            factor: 1.5,
            max: Duration::from_millis(20),
            jitter: 0.1,
        })
        .retry(RetryPolicy {
            max_consecutive_failures: 4,
            base: Duration::from_millis(2),
            cap: Duration::from_millis(20),
        })
}

/// A client of `sim` whose HTTP requests give up after `timeout`.
fn client_with_request_timeout(sim: &Simulator, timeout: Duration) -> Client {
    Client::builder()
        .api_key("sim-key")
        .base_url(sim.url())
        .timeout(timeout)
        .build()
        .unwrap()
}

fn recorder() -> (
    Arc<Mutex<Vec<Progress>>>,
    impl Fn(&Progress) + Send + Sync + 'static,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    (seen, move |p: &Progress| {
        sink.lock().unwrap().push(p.clone())
    })
}

fn statuses(seen: &Mutex<Vec<Progress>>) -> Vec<TaskStatus> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|p| p.status.clone())
        .collect()
}

#[tokio::test]
async fn a_task_goes_from_request_to_files_on_disk_in_one_call() {
    let sim = Simulator::start().await;
    let client = sim.client();
    let dir = tempfile::tempdir().unwrap();
    let (seen, on_progress) = recorder();

    let finished = client
        .vidu_reference_to_video_q3(&request())
        .wait_with(fast().on_progress(on_progress))
        .await
        .unwrap();
    let mut chunks = Vec::new();
    let files = finished
        .download_to_with(dir.path(), |p| chunks.push(p.bytes))
        .await
        .unwrap();

    assert_eq!(
        statuses(&seen),
        [TaskStatus::Queued, TaskStatus::Running, TaskStatus::Success]
    );
    let elapsed: Vec<_> = seen.lock().unwrap().iter().map(|p| p.elapsed).collect();
    assert!(elapsed.windows(2).all(|w| w[0] <= w[1]), "{elapsed:?}");
    assert_eq!(
        files,
        [dir.path().join(format!("{}.png", finished.task_id()))]
    );
    assert_eq!(
        std::fs::read(&files[0]).unwrap(),
        b"\x89PNG\r\n\x1a\nsimulated output"
    );
    assert_eq!(chunks.last().copied(), Some(24));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file is left"
    );

    let usage = finished.task().usage_numbers().unwrap();
    assert_eq!(usage.consume_money, Some(0.10));
    assert_eq!(
        finished.task().prompt_tips().unwrap().unwrap().result,
        Some(true)
    );

    let counts = sim.counts();
    assert_eq!(
        (counts.submits, counts.tasks_created, counts.downloads),
        (1, 1, 1)
    );
    assert!(counts.queries >= 2, "{counts:?}");
    assert_eq!(sim.task_bodies()[0]["prompt"], request().prompt);
}

#[tokio::test]
async fn a_submit_that_answers_success_needs_no_query() {
    let sim = Simulator::start_with(Config {
        lifecycle: vec![],
        ..Config::default()
    })
    .await;
    let finished = sim
        .client()
        .vidu_reference_to_video_q3(&request())
        .wait_with(fast())
        .await
        .unwrap();
    assert_eq!(finished.outputs().len(), 1);
    assert_eq!(sim.counts().queries, 0);
}

#[tokio::test]
async fn several_outputs_get_numbered_files_and_text_outputs_are_saved() {
    let sim = Simulator::start_with(Config {
        outcome: Outcome::Success(vec![
            SimOutput {
                output_type: "mp4".into(),
                bytes: vec![1; 5000],
            },
            SimOutput {
                output_type: "jpg".into(),
                bytes: vec![2; 10],
            },
        ]),
        ..Config::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let finished = sim
        .client()
        .vidu_reference_to_video_q3(&request())
        .wait_with(fast())
        .await
        .unwrap();
    let files = finished
        .download_to(dir.path().join("nested"))
        .await
        .unwrap();
    let id = finished.task_id();
    let nested = dir.path().join("nested");
    assert_eq!(
        files,
        [
            nested.join(format!("{id}-1.mp4")),
            nested.join(format!("{id}-2.jpg"))
        ]
    );
    assert_eq!(std::fs::read(&files[0]).unwrap(), vec![1; 5000]);
    assert_eq!(sim.counts().downloads, 2);
}

#[tokio::test]
async fn query_faults_are_retried_until_the_task_is_seen() {
    let sim = Simulator::start().await;
    for fault in [
        Fault::Status {
            status: 429,
            body: "slow down".into(),
            retry_after: Some(1),
        },
        Fault::Html(502),
        Fault::Empty,
        Fault::Truncated,
        Fault::Status {
            status: 500,
            body: String::new(),
            retry_after: None,
        },
    ] {
        sim.inject(Route::Query, fault);
    }
    let finished = sim
        .client()
        .vidu_reference_to_video_q3(&request())
        .wait_with(fast().retry(RetryPolicy {
            max_consecutive_failures: 10,
            base: Duration::from_millis(2),
            cap: Duration::from_millis(20),
        }))
        .await
        .unwrap();
    assert_eq!(finished.outputs().len(), 1);
    // (That `Retry-After` is honoured only up to the policy's cap is a unit test of
    // `RetryPolicy::backoff`; timing it here would make this test flaky.)
    assert!(
        sim.counts().queries >= 6,
        "five faults, then at least one real answer: {:?}",
        sim.counts()
    );
}

#[tokio::test]
async fn too_many_consecutive_query_failures_give_the_last_error() {
    let sim = Simulator::start().await;
    for _ in 0..4 {
        sim.inject(Route::Query, Fault::Html(503));
    }
    let err = sim
        .client()
        .vidu_reference_to_video_q3(&request())
        .wait_with(fast())
        .await
        .unwrap_err();
    let Error::Http { status, body, .. } = &err else {
        panic!("expected Http, got {err:?}")
    };
    assert_eq!(*status, 503);
    assert!(body.contains("<html>"));
    assert_eq!(
        sim.counts().queries,
        4,
        "exactly max_consecutive_failures queries"
    );
}

#[tokio::test]
async fn retryable_error_codes_in_queries_are_retried_and_others_are_not() {
    let sim = Simulator::start().await;
    sim.inject(
        Route::Query,
        Fault::Reject {
            code: "1011".into(),
            message: "busy".into(),
        },
    );
    sim.client()
        .vidu_reference_to_video_q3(&request())
        .wait_with(fast())
        .await
        .unwrap();

    let sim = Simulator::start().await;
    sim.inject(
        Route::Query,
        Fault::Reject {
            code: "1004".into(),
            message: "task not found".into(),
        },
    );
    let err = sim
        .client()
        .vidu_reference_to_video_q3(&request())
        .wait_with(fast())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::TaskNotFound));
    assert_eq!(sim.counts().queries, 1);
}

#[tokio::test]
async fn submits_refused_for_a_passing_reason_are_retried() {
    for code in ["1003", "1011", "1520", "421"] {
        let sim = Simulator::start().await;
        sim.inject(
            Route::Submit,
            Fault::Reject {
                code: code.into(),
                message: "try later".into(),
            },
        );
        let task = sim
            .client()
            .vidu_reference_to_video_q3(&request())
            .await
            .unwrap();
        assert!(!task.task_id.is_empty());
        let c = sim.counts();
        assert_eq!((c.submits, c.tasks_created), (2, 1), "{code}");
    }
    let sim = Simulator::start().await;
    sim.inject(
        Route::Submit,
        Fault::Status {
            status: 429,
            body: String::new(),
            retry_after: Some(0),
        },
    );
    sim.client()
        .vidu_reference_to_video_q3(&request())
        .await
        .unwrap();
    assert_eq!(sim.counts().submits, 2);
}

#[tokio::test]
async fn other_submit_refusals_and_server_errors_are_not_retried() {
    let sim = Simulator::start().await;
    sim.inject(
        Route::Submit,
        Fault::Reject {
            code: "1014".into(),
            message: "access denied".into(),
        },
    );
    let err = sim
        .client()
        .vidu_reference_to_video_q3(&request())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::AccessDenied));
    assert_eq!(sim.counts().submits, 1);

    // A 502 may come from a proxy after RunningHub created the task: not resent.
    let sim = Simulator::start().await;
    sim.inject(Route::Submit, Fault::Html(502));
    let err = sim
        .client()
        .vidu_reference_to_video_q3(&request())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Http { status: 502, .. }), "{err:?}");
    assert_eq!(sim.counts().submits, 1);
}

#[tokio::test]
async fn a_submit_without_an_answer_is_never_resent() {
    let sim = Simulator::start().await;
    sim.inject(Route::Submit, Fault::AcceptThenHang);
    let client = client_with_request_timeout(&sim, Duration::from_millis(300));
    let err = client
        .vidu_reference_to_video_q3(&request())
        .wait_with(fast())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::SubmitOutcomeUnknown {
                operation: "vidu_reference_to_video_q3",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    let c = sim.counts();
    assert_eq!(
        (c.submits, c.tasks_created, c.queries),
        (1, 1, 0),
        "the task exists, and was not submitted again"
    );
}

#[tokio::test]
async fn a_task_that_never_finishes_hits_the_timeout() {
    let sim = Simulator::start_with(Config {
        outcome: Outcome::Never,
        ..Config::default()
    })
    .await;
    let err = sim
        .client()
        .vidu_reference_to_video_q3(&request())
        .wait_with(fast().timeout(Duration::from_millis(300)))
        .await
        .unwrap_err();
    let Error::Timeout {
        task_id,
        last_status,
        elapsed,
    } = &err
    else {
        panic!("expected Timeout, got {err:?}")
    };
    assert!(!task_id.is_empty());
    assert_eq!(*last_status, Some(TaskStatus::Running));
    assert!(*elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert_eq!(sim.counts().submits, 1);
}

// On tokio's paused clock, in process: the polls land in the 40 ms WARMING_UP window
// however busy the machine is.
#[tokio::test(start_paused = true)]
async fn an_unknown_status_keeps_the_wait_going() {
    let sim = Simulator::in_process(Config {
        lifecycle: vec![
            ("QUEUED".into(), Duration::from_millis(20)),
            ("WARMING_UP".into(), Duration::from_millis(40)),
        ],
        ..Config::default()
    });
    let (seen, on_progress) = recorder();
    sim.client()
        .vidu_reference_to_video_q3(&request())
        .wait_with(fast().on_progress(on_progress))
        .await
        .unwrap();
    assert_eq!(
        statuses(&seen),
        [
            TaskStatus::Queued,
            TaskStatus::Unknown("WARMING_UP".into()),
            TaskStatus::Success
        ]
    );
}

#[tokio::test]
async fn failed_and_cancelled_tasks_are_typed_errors() {
    let sim = Simulator::start_with(Config {
        outcome: Outcome::Failed {
            code: "1501".into(),
            message: "content moderation failed".into(),
        },
        ..Config::default()
    })
    .await;
    let err = sim
        .client()
        .vidu_reference_to_video_q3(&request())
        .wait_with(fast())
        .await
        .unwrap_err();
    let Error::TaskFailed {
        code,
        message,
        failed_reason,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*code, ErrorCode::ContentModeration);
    assert_eq!(message, "content moderation failed");
    assert_eq!(*failed_reason, Some(serde_json::json!({})));

    let sim = Simulator::start_with(Config {
        outcome: Outcome::Cancelled,
        ..Config::default()
    })
    .await;
    let err = sim
        .client()
        .vidu_reference_to_video_q3(&request())
        .wait_with(fast())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::TaskCancelled { status, .. } if status == "CANCELLED"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_bare_task_id_can_be_awaited() {
    let sim = Simulator::start().await;
    let client = sim.client();
    let task = client.vidu_reference_to_video_q3(&request()).await.unwrap();
    assert_eq!(task.state(), TaskStatus::Queued);
    let finished = client.wait(&task.task_id, fast()).await.unwrap();
    assert_eq!(finished.task_id(), task.task_id);
}

// On tokio's paused clock, in process: after the drop, an hour passes at once, so a timer
// the wait left behind would fire.
#[tokio::test(start_paused = true)]
async fn dropping_the_wait_stops_all_requests() {
    let sim = Simulator::in_process(Config {
        outcome: Outcome::Never,
        ..Config::default()
    });
    let client = sim.client();
    let waiting = tokio::spawn(async move {
        client
            .vidu_reference_to_video_q3(&request())
            .wait_with(fast())
            .await
    });
    while sim.counts().queries < 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    waiting.abort();
    assert!(waiting.await.unwrap_err().is_cancelled());
    let after_cancel = sim.counts().queries;
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(
        sim.counts().queries,
        after_cancel,
        "no query after the wait was dropped"
    );
}

#[tokio::test]
async fn a_failed_download_leaves_no_file() {
    let sim = Simulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let finished = sim
        .client()
        .vidu_reference_to_video_q3(&request())
        .wait_with(fast())
        .await
        .unwrap();
    sim.inject(Route::Download, Fault::TruncatedDownload);
    let err = finished.download_to(dir.path()).await.unwrap_err();
    assert!(
        matches!(err, Error::Transport(_) | Error::Io { .. }),
        "{err:?}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "neither the file nor a temporary one"
    );

    sim.inject(Route::Download, Fault::Html(404));
    let err = finished.download_to(dir.path()).await.unwrap_err();
    assert!(matches!(err, Error::Http { status: 404, .. }), "{err:?}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // And a later attempt succeeds.
    assert_eq!(finished.download_to(dir.path()).await.unwrap().len(), 1);
    assert_eq!(sim.counts().downloads, 3);
}

#[tokio::test]
async fn webhook_mode_needs_no_query_with_either_event_data_shape() {
    for style in [WebhookStyle::String, WebhookStyle::Object] {
        let sim = Simulator::start_with(Config {
            webhook_style: style,
            ..Config::default()
        })
        .await;
        let inbox = WebhookInbox::new();
        let mut body = request();
        body.webhook_url = Some(receiver(inbox.clone()).await.into());
        let (seen, on_progress) = recorder();

        let finished = sim
            .client()
            .vidu_reference_to_video_q3(&body)
            .wait_with(
                fast()
                    .webhook(inbox, Duration::from_secs(3))
                    .on_progress(on_progress),
            )
            .await
            .unwrap();
        assert_eq!(finished.outputs().len(), 1, "{style:?}");
        assert_eq!(
            statuses(&seen),
            [TaskStatus::Queued, TaskStatus::Success],
            "{style:?}"
        );
        let c = sim.counts();
        assert_eq!((c.webhooks_sent, c.queries), (1, 0), "{style:?}");
    }
}

#[tokio::test]
async fn webhook_mode_falls_back_to_polling_after_the_grace_period() {
    let sim = Simulator::start().await;
    // No webhookUrl in the request: the event never comes.
    let finished = sim
        .client()
        .vidu_reference_to_video_q3(&request())
        .wait_with(fast().webhook(WebhookInbox::new(), Duration::from_millis(30)))
        .await
        .unwrap();
    assert_eq!(finished.outputs().len(), 1);
    assert!(sim.counts().queries >= 1);
    assert_eq!(sim.counts().webhooks_sent, 0);
}

#[tokio::test]
async fn uploads_take_paths_bytes_and_readers() {
    let sim = Simulator::start().await;
    let client = sim.client();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("face.png");
    std::fs::write(&path, b"png from disk").unwrap();

    let from_path = client.upload(path.as_path()).await.unwrap();
    let from_bytes = client
        .upload(UploadSource::bytes("clip.mp4", b"mp4 bytes".to_vec()))
        .await
        .unwrap();
    let from_reader = client
        .upload(UploadSource::reader("voice.wav", &b"wav stream"[..]))
        .await
        .unwrap();

    assert_eq!(from_path.media_type.as_deref(), Some("image"));
    assert_eq!(from_bytes.media_type.as_deref(), Some("video"));
    assert_eq!(from_reader.size, Some(10));
    assert!(from_path.download_url.starts_with(&sim.url()));
    assert_eq!(
        sim.uploads(),
        [
            ("face.png".to_owned(), b"png from disk".to_vec()),
            ("clip.mp4".to_owned(), b"mp4 bytes".to_vec()),
            ("voice.wav".to_owned(), b"wav stream".to_vec()),
        ]
    );
    assert_eq!(sim.counts().uploads, 3);
}

#[tokio::test]
async fn upload_errors_are_typed() {
    let sim = Simulator::start().await;
    let bad_key = Client::builder()
        .api_key("wrong")
        .base_url(sim.url())
        .build()
        .unwrap();
    let err = bad_key
        .upload(UploadSource::bytes("a.png", vec![1]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { code: ErrorCode::Other(c), message, .. } if c == "401" && message.contains("ApiKey")),
        "{err:?}"
    );
    sim.inject(Route::Upload, Fault::Html(413));
    let err = sim
        .client()
        .upload(UploadSource::bytes("a.png", vec![1]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Http { status: 413, .. }), "{err:?}");
    let missing = sim
        .client()
        .upload(std::path::Path::new("/definitely/not/here.png"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            missing,
            Error::Io {
                action: "opening",
                ..
            }
        ),
        "{missing:?}"
    );
    assert_eq!(
        sim.counts().uploads,
        2,
        "the missing file never reached the server"
    );
}

#[tokio::test]
async fn local_files_in_a_request_are_uploaded_first() {
    let sim = Simulator::start().await;
    let client = sim.client();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("character.webp");
    std::fs::write(&path, b"webp").unwrap();

    let mut body = request();
    body.image_urls = vec![
        runninghub::local_file(&path),
        "https://example.com/b.png".into(),
        runninghub::local_file(&path),
    ];
    let body = client.upload_local_files(&body).await.unwrap();
    client.vidu_reference_to_video_q3(&body).await.unwrap();

    assert_eq!(sim.counts().uploads, 1, "the same file is uploaded once");
    let sent = &sim.task_bodies()[0]["imageUrls"];
    let uploaded = format!("{}/uploads/0/character.webp", sim.url());
    assert_eq!(
        *sent,
        serde_json::json!([uploaded, "https://example.com/b.png", uploaded])
    );
}

#[tokio::test]
async fn the_simulator_refuses_invalid_bodies_like_runninghub() {
    let sim = Simulator::start().await;
    // Straight to the endpoint with raw JSON, bypassing the client's checks.
    let response = reqwest::Client::new()
        .post(format!("{}/openapi/v2/vidu/reference-to-video-q3", sim.url()))
        .bearer_auth("sim-key")
        .json(&serde_json::json!({"prompt": "x", "imageUrls": [], "duration": 5, "resolution": "720p"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errorCode"], "1007");
    assert_eq!(body["taskId"], "");
    assert!(body["errorMessage"].as_str().unwrap().contains("imageUrls"));
    assert_eq!(
        (sim.counts().invalid_submits, sim.counts().tasks_created),
        (1, 0)
    );
}

#[tokio::test]
async fn a_wrong_key_is_an_api_error_and_is_not_retried() {
    let sim = Simulator::start().await;
    let client = Client::builder()
        .api_key("wrong")
        .base_url(sim.url())
        .build()
        .unwrap();
    let err = client
        .vidu_reference_to_video_q3(&request())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::InvalidApiKey));
    assert_eq!((sim.counts().submits, sim.counts().unauthorized), (1, 1));
}

#[tokio::test]
async fn a_hanging_query_times_out_and_is_retried() {
    let sim = Simulator::start().await;
    sim.inject(Route::Query, Fault::Hang);
    let client = client_with_request_timeout(&sim, Duration::from_millis(100));
    let finished = client
        .vidu_reference_to_video_q3(&request())
        .wait_with(fast())
        .await
        .unwrap();
    assert_eq!(finished.outputs().len(), 1);
    assert!(sim.counts().queries >= 2, "{:?}", sim.counts());
}
