//! The client against a local server on 127.0.0.1: what it sends, how it reads RunningHub's
//! answers, and what it refuses to send. Every test checks what the server received.

use crate::support::spec_json;
use runninghub::operation::Operation;
use runninghub::types::{ViduReferenceToVideoQ3Request, ViduReferenceToVideoQ3RequestResolution};
use runninghub::validation::{Problem, from_json};
use runninghub::{Client, Error, ErrorCode, operations};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "rh-test-key-5f3c9a";
const SUBMIT: &str = "/openapi/v2/vidu/reference-to-video-q3";
const QUERY: &str = "/openapi/v2/query";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .build()
        .unwrap()
}

/// The spec's documented request example for the Vidu Q3 endpoint.
fn documented_request() -> Value {
    spec_json()["paths"][SUBMIT]["post"]["requestBody"]["content"]["application/json"]["example"]
        .clone()
}

/// A documented task sample, by the name of its example in the spec.
fn documented_task(name: &str) -> Value {
    spec_json()["components"]["responses"]["TaskResponse"]["content"]["application/json"]["examples"][name]["value"]
        .clone()
}

fn valid_request() -> ViduReferenceToVideoQ3Request {
    from_json(documented_request()).expect("the documented example is valid")
}

async fn answer(server: &MockServer, at: &str, template: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(at))
        .respond_with(template)
        .mount(server)
        .await;
}

async fn received(server: &MockServer) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
}

#[tokio::test]
async fn submit_sends_exactly_the_documented_json_with_the_bearer_key() {
    let server = MockServer::start().await;
    answer(
        &server,
        SUBMIT,
        ResponseTemplate::new(200).set_body_json(documented_task("running")),
    )
    .await;

    let task = client(&server)
        .vidu_reference_to_video_q3(&valid_request())
        .await
        .unwrap();
    assert_eq!(task.task_id, "2009194900306137089");
    assert_eq!(task.status, "RUNNING");

    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method.as_str(), "POST");
    assert_eq!(r.url.path(), SUBMIT);
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body, documented_request());
    assert_eq!(body["audio"], json!("true"), "audio travels as a string");
    assert_eq!(
        r.headers.get("authorization").unwrap().to_str().unwrap(),
        format!("Bearer {KEY}")
    );
    assert_eq!(
        r.headers.get("content-type").unwrap().to_str().unwrap(),
        "application/json"
    );
    assert!(
        r.headers.get("api-version").is_none(),
        "progenitor's api-version header is removed"
    );
}

#[tokio::test]
async fn unset_optional_fields_are_omitted_for_the_server_to_default() {
    let server = MockServer::start().await;
    answer(
        &server,
        SUBMIT,
        ResponseTemplate::new(200).set_body_json(documented_task("running")),
    )
    .await;
    let request = ViduReferenceToVideoQ3Request {
        prompt: "a lighthouse at dusk".into(),
        image_urls: vec!["https://example.com/a.png".into()],
        duration: 8,
        resolution: ViduReferenceToVideoQ3RequestResolution::X1080p,
        aspect_ratio: None,
        audio: None,
        webhook_url: None,
    };
    client(&server)
        .vidu_reference_to_video_q3(&request)
        .await
        .unwrap();

    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        body,
        json!({"prompt": "a lighthouse at dusk", "imageUrls": ["https://example.com/a.png"], "duration": 8, "resolution": "1080p"})
    );
}

#[tokio::test]
async fn query_decodes_the_documented_running_and_success_samples() {
    for (sample, status) in [("running", "RUNNING"), ("success", "SUCCESS")] {
        let server = MockServer::start().await;
        answer(
            &server,
            QUERY,
            ResponseTemplate::new(200).set_body_json(documented_task(sample)),
        )
        .await;
        let id = documented_task(sample)["taskId"]
            .as_str()
            .unwrap()
            .to_owned();

        let task = client(&server).query(&id).await.unwrap();
        assert_eq!(task.task_id, id);
        assert_eq!(task.status, status);
        if status == "SUCCESS" {
            let results = task.results.expect("a finished task has results");
            assert_eq!(results.len(), 1);
            assert_eq!(results[0].output_type.as_deref(), Some("jpg"));
            assert!(
                results[0]
                    .url
                    .as_deref()
                    .unwrap()
                    .ends_with("78421bd6-91de-442b-90b9-c6bb530752d8.jpg")
            );
        } else {
            assert!(task.results.is_none());
        }

        let requests = received(&server).await;
        assert_eq!(requests.len(), 1, "{sample}");
        assert_eq!(requests[0].url.path(), QUERY);
        let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
        assert_eq!(body, json!({ "taskId": id }), "the id travels as a string");
    }
}

#[tokio::test]
async fn a_failed_task_is_a_typed_error_with_its_code_and_id() {
    let server = MockServer::start().await;
    answer(
        &server,
        QUERY,
        ResponseTemplate::new(200).set_body_json(documented_task("failed")),
    )
    .await;

    let err = client(&server)
        .query("2009194900306137089")
        .await
        .unwrap_err();
    let Error::TaskFailed {
        task_id,
        code,
        message,
        failed_reason,
    } = err
    else {
        panic!("expected TaskFailed, got {err:?}");
    };
    assert_eq!(task_id, "2009194900306137089");
    assert_eq!(code, ErrorCode::Unknown);
    assert_eq!(message, "unknown error");
    assert_eq!(failed_reason, None);
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn an_error_code_in_a_200_body_is_a_typed_api_error() {
    let server = MockServer::start().await;
    answer(
        &server,
        SUBMIT,
        ResponseTemplate::new(200).set_body_json(documented_task("rejected")),
    )
    .await;

    let err = client(&server)
        .vidu_reference_to_video_q3(&valid_request())
        .await
        .unwrap_err();
    let Error::Api {
        code,
        message,
        task_id,
    } = &err
    else {
        panic!("expected Api, got {err:?}");
    };
    assert_eq!(*code, ErrorCode::InvalidParameters);
    assert_eq!(message, "field 'prompt' is required, can not be empty");
    assert_eq!(*task_id, None);
    assert!(!code.is_retryable());
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn query_tolerates_what_the_real_api_sends() {
    let cases = [
        // failedReason as an object (observed) and as a string (documented), usage null.
        json!({"taskId": "1", "status": "RUNNING", "failedReason": {}, "usage": null}),
        json!({"taskId": "1", "status": "RUNNING", "failedReason": "none"}),
        // Only the two fields that are always there.
        json!({"taskId": "1", "status": "QUEUED"}),
        // Nulls everywhere else.
        json!({"taskId": "1", "status": "RUNNING", "errorCode": null, "errorMessage": null, "results": null,
               "clientId": null, "promptTips": null, "parentTaskId": null, "taskUsageList": null,
               "usage": {"consumeMoney": null, "thirdPartyConsumeMoney": null, "consumeCoins": null, "taskCostTime": null}}),
        // Fields nobody documented, and statuses beyond the documented four.
        json!({"taskId": "1", "status": "CANCELLED", "brandNewField": [1, 2], "nested": {"x": true}}),
        json!({"taskId": "1", "status": "SOMETHING_NEW"}),
        // Sub-task usage whose 19-digit ids arrive as JSON numbers.
        json!({"taskId": "1", "status": "SUCCESS", "results": [{"url": "https://x/y.mp4", "outputType": "mp4", "text": null, "nodeId": "9"}],
               "taskUsageList": [{"taskId": 2013508786110730241u64, "taskStatus": "SUCCESS", "usage": {"consumeMoney": "0.5"}}],
               "usage": {"consumeMoney": "0.5", "taskCostTime": "31"}}),
    ];
    for case in cases {
        let server = MockServer::start().await;
        answer(
            &server,
            QUERY,
            ResponseTemplate::new(200).set_body_json(case.clone()),
        )
        .await;
        let task = client(&server)
            .query("1")
            .await
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(task.task_id, "1");
        assert_eq!(task.status, case["status"].as_str().unwrap());
        assert_eq!(received(&server).await.len(), 1);
        if let Some(usage) = case["usage"].get("consumeMoney").and_then(Value::as_str) {
            assert_eq!(task.usage.unwrap().consume_money.as_deref(), Some(usage));
        }
    }
}

/// Requests that break the spec's constraints, and the field each must be refused for.
fn invalid_requests() -> Vec<(&'static str, Value, Problem)> {
    let mut base = documented_request();
    base["imageUrls"] = json!(["https://example.com/a.png"]);
    let with = |field: &str, value: Value| {
        let mut body = base.clone();
        body[field] = value;
        body
    };
    let urls = |n: usize| {
        Value::from(
            (0..n)
                .map(|i| format!("https://example.com/{i}.png"))
                .collect::<Vec<_>>(),
        )
    };
    vec![
        (
            "imageUrls",
            with("imageUrls", urls(0)),
            Problem::TooFewItems { min: 1, actual: 0 },
        ),
        (
            "imageUrls",
            with("imageUrls", urls(8)),
            Problem::TooManyItems { max: 7, actual: 8 },
        ),
        (
            "duration",
            with("duration", json!(2)),
            Problem::BelowMinimum {
                min: "3".into(),
                actual: "2".into(),
            },
        ),
        (
            "duration",
            with("duration", json!(17)),
            Problem::AboveMaximum {
                max: "16".into(),
                actual: "17".into(),
            },
        ),
        (
            "prompt",
            with("prompt", json!("p".repeat(5001))),
            Problem::TooLong {
                max: 5000,
                actual: 5001,
            },
        ),
    ]
}

#[tokio::test]
async fn invalid_requests_are_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    answer(
        &server,
        SUBMIT,
        ResponseTemplate::new(200).set_body_json(documented_task("running")),
    )
    .await;
    let client = client(&server);

    for (field, body, problem) in invalid_requests() {
        // The typed request can be built (the type cannot express these bounds)...
        let request: ViduReferenceToVideoQ3Request = serde_json::from_value(body).unwrap();
        // ...but the checked method refuses it, naming the field, the problem and the bound.
        let err = client
            .vidu_reference_to_video_q3(&request)
            .await
            .unwrap_err();
        let Error::Validation(v) = &err else {
            panic!("expected a validation error, got {err:?}")
        };
        assert_eq!(v.violations().len(), 1, "{err}");
        assert_eq!(v.violations()[0].field, field);
        assert_eq!(v.violations()[0].problem, problem);
        assert!(err.to_string().contains(&format!("`{field}`")), "{err}");

        // So does the unchecked send on the raw client, through the request hook.
        let raw = <operations::ViduReferenceToVideoQ3 as Operation>::send(client.raw(), &request)
            .await
            .unwrap_err();
        assert!(raw.to_string().contains(field), "{raw}");

        // And on a raw client built by hand, whose hook knows only the platform's table:
        // the send checks the typed body itself.
        let own = runninghub::raw::Client::new(&server.uri(), Default::default());
        let raw = <operations::ViduReferenceToVideoQ3 as Operation>::send(&own, &request)
            .await
            .unwrap_err();
        assert!(raw.to_string().contains(field), "{raw}");
    }
    assert_eq!(
        received(&server).await.len(),
        0,
        "no invalid request may reach the server"
    );
}

#[tokio::test]
async fn every_violation_is_reported_at_once() {
    let server = MockServer::start().await;
    let mut body = documented_request();
    body["imageUrls"] = json!([]);
    body["duration"] = json!(17);
    body["prompt"] = json!("p".repeat(5001));
    let request: ViduReferenceToVideoQ3Request = serde_json::from_value(body).unwrap();
    let err = client(&server)
        .vidu_reference_to_video_q3(&request)
        .await
        .unwrap_err();
    let Error::Validation(v) = err else {
        panic!("expected a validation error")
    };
    let fields: Vec<_> = v.violations().iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["prompt", "imageUrls", "duration"]);
    assert_eq!(received(&server).await.len(), 0);
}

#[tokio::test]
async fn an_unknown_resolution_cannot_become_a_request() {
    let server = MockServer::start().await;
    let mut body = documented_request();
    body["resolution"] = json!("4k");
    let err = from_json::<ViduReferenceToVideoQ3Request>(body).unwrap_err();
    assert_eq!(err.violations()[0].field, "resolution");
    assert!(err.to_string().contains("unknown variant `4k`"), "{err}");
    assert!(
        err.to_string().contains("720p"),
        "the allowed values are listed: {err}"
    );
    // And the type has no way to hold it, so nothing can be sent.
    assert!(
        "4k".parse::<ViduReferenceToVideoQ3RequestResolution>()
            .is_err()
    );
    assert_eq!(received(&server).await.len(), 0);
}

#[tokio::test]
async fn limits_count_characters_not_bytes() {
    let server = MockServer::start().await;
    answer(
        &server,
        SUBMIT,
        ResponseTemplate::new(200).set_body_json(documented_task("running")),
    )
    .await;
    let mut request = valid_request();
    request.prompt = "海".repeat(5000); // 15,000 bytes, 5,000 characters: allowed.
    request.image_urls = (0..7)
        .map(|i| format!("https://example.com/{i}.png"))
        .collect();
    request.duration = 16;
    client(&server)
        .vidu_reference_to_video_q3(&request)
        .await
        .unwrap();
    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body["prompt"].as_str().unwrap().chars().count(), 5000);
    assert_eq!(body["imageUrls"].as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn non_200_answers_keep_status_and_body() {
    let server = MockServer::start().await;
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    answer(
        &server,
        QUERY,
        ResponseTemplate::new(502).set_body_string(html),
    )
    .await;
    let err = client(&server).query("1").await.unwrap_err();
    let Error::Http { status, body, .. } = err else {
        panic!("expected Http, got {err:?}")
    };
    assert_eq!(status, 502);
    assert_eq!(body, html);
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn undecodable_bodies_keep_the_raw_body() {
    for raw in [
        "",
        "<html>maintenance</html>",
        "{\"taskId\": \"1\", \"status\"",
    ] {
        let server = MockServer::start().await;
        answer(
            &server,
            QUERY,
            ResponseTemplate::new(200).set_body_string(raw),
        )
        .await;
        let err = client(&server).query("1").await.unwrap_err();
        let Error::Decode { status, body, .. } = err else {
            panic!("{raw:?}: expected Decode, got {err:?}")
        };
        assert_eq!(status, 200);
        assert_eq!(body, raw);
        assert_eq!(received(&server).await.len(), 1);
    }
}

/// A refusal that does not come as a task object (no `taskId` or `status`) is still the
/// refusal it states, not a decode error.
#[tokio::test]
async fn a_bare_refusal_is_an_api_error_with_its_code() {
    let bodies = [
        (
            json!({"errorCode": "1002", "errorMessage": "invalid api key"}),
            ErrorCode::InvalidApiKey,
            "invalid api key",
        ),
        (
            json!({"code": 401, "message": "ApiKey verification failed", "data": null}),
            ErrorCode::parse("401"),
            "ApiKey verification failed",
        ),
    ];
    for (body, code, message) in bodies {
        let server = MockServer::start().await;
        answer(
            &server,
            QUERY,
            ResponseTemplate::new(200).set_body_json(&body),
        )
        .await;
        let err = client(&server).query("1").await.unwrap_err();
        match err {
            Error::Api {
                code: got,
                message: said,
                ..
            } => {
                assert_eq!(got, code, "{body}");
                assert_eq!(said, message, "{body}");
            }
            other => panic!("{body}: expected Api, got {other:?}"),
        }
        assert_eq!(received(&server).await.len(), 1);
    }
}

#[tokio::test]
async fn an_empty_task_id_is_refused_locally() {
    let server = MockServer::start().await;
    let err = client(&server).query("  ").await.unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert_eq!(received(&server).await.len(), 0);
}

#[tokio::test]
async fn a_submit_that_never_connected_is_a_plain_transport_error() {
    // Bind and drop a listener to get a port with nothing behind it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(runninghub::RetryPolicy {
            max_consecutive_failures: 3,
            base: std::time::Duration::from_millis(1),
            cap: std::time::Duration::from_millis(5),
        })
        .build()
        .unwrap();
    let err = client
        .vidu_reference_to_video_q3(&valid_request())
        .await
        .unwrap_err();
    // Nothing was sent, so the outcome is known (and retrying it was safe).
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}

#[tokio::test]
async fn a_submit_without_an_answer_has_an_unknown_outcome() {
    let server = MockServer::start().await;
    answer(
        &server,
        SUBMIT,
        ResponseTemplate::new(200)
            .set_body_json(documented_task("running"))
            .set_delay(std::time::Duration::from_secs(5)),
    )
    .await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .timeout(std::time::Duration::from_millis(200))
        .build()
        .unwrap();
    let err = client
        .vidu_reference_to_video_q3(&valid_request())
        .await
        .unwrap_err();
    let Error::SubmitOutcomeUnknown { operation, .. } = &err else {
        panic!("expected SubmitOutcomeUnknown, got {err:?}")
    };
    assert_eq!(*operation, "vidu_reference_to_video_q3");
    assert_eq!(received(&server).await.len(), 1, "sent once, never resent");
}

#[tokio::test]
async fn the_key_never_shows_in_debug_output_or_errors() {
    let server = MockServer::start().await;
    answer(
        &server,
        QUERY,
        ResponseTemplate::new(401)
            .set_body_string("{\"code\":401,\"message\":\"ApiKey verification failed\"}"),
    )
    .await;
    let client = client(&server);
    assert!(!format!("{client:?}").contains(KEY));
    assert!(!format!("{:?}", runninghub::ApiKey::new(KEY)).contains(KEY));
    let err = client.query("1").await.unwrap_err();
    assert!(!format!("{err}").contains(KEY));
    assert!(!format!("{err:?}").contains(KEY));
    assert_eq!(received(&server).await.len(), 1);

    // A key that cannot be a header value is refused without being echoed.
    let bad = Client::builder()
        .api_key(format!("{KEY}\n"))
        .base_url(server.uri())
        .build()
        .unwrap_err();
    assert!(!format!("{bad} {bad:?}").contains(KEY));
}

#[test]
fn configuration_errors_are_clear() {
    let no_url = Client::builder()
        .api_key(KEY)
        .base_url("not a url")
        .build()
        .unwrap_err();
    assert!(
        matches!(no_url, Error::Config(_)) && no_url.to_string().contains("not a url"),
        "{no_url}"
    );
    let ftp = Client::builder()
        .api_key(KEY)
        .base_url("ftp://example.com")
        .build()
        .unwrap_err();
    assert!(ftp.to_string().contains("http or https"), "{ftp}");
    let empty = Client::builder().api_key("  ").build().unwrap_err();
    assert!(empty.to_string().contains("empty"), "{empty}");
    let china = Client::builder()
        .api_key(KEY)
        .region(runninghub::Region::China)
        .build()
        .unwrap();
    assert_eq!(china.base_url(), "https://www.runninghub.cn");
    let global = Client::new(KEY).unwrap();
    assert_eq!(global.base_url(), "https://www.runninghub.ai");
    let trailing = Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9/")
        .build()
        .unwrap();
    assert_eq!(trailing.base_url(), "http://127.0.0.1:9");
}

#[tokio::test]
async fn upload_envelopes_in_all_their_documented_forms() {
    const UPLOAD: &str = "/openapi/v2/media/upload/binary";
    let ok_200_msg = json!({"code": 200, "msg": "ok", "data": {"type": "image", "download_url": "https://cdn.example/a.png", "fileName": "openapi/a.png", "size": "3490"}});
    let server = MockServer::start().await;
    answer(
        &server,
        UPLOAD,
        ResponseTemplate::new(200).set_body_json(ok_200_msg),
    )
    .await;
    let uploaded = client(&server)
        .upload(runninghub::UploadSource::bytes("a.png", b"png".to_vec()))
        .await
        .unwrap();
    assert_eq!(uploaded.download_url, "https://cdn.example/a.png");
    assert_eq!(uploaded.size, Some(3490));
    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(
        r.headers.get("authorization").unwrap().to_str().unwrap(),
        format!("Bearer {KEY}")
    );
    let content_type = r.headers.get("content-type").unwrap().to_str().unwrap();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let body = String::from_utf8_lossy(&r.body);
    assert!(body.contains("name=\"file\"; filename=\"a.png\""), "{body}");
    assert!(body.contains("Content-Type: image/png"), "{body}");

    let server = MockServer::start().await;
    let refused = json!({"code": 401, "message": "ApiKey verification failed", "data": null});
    answer(
        &server,
        UPLOAD,
        ResponseTemplate::new(200).set_body_json(refused),
    )
    .await;
    let err = client(&server)
        .upload(runninghub::UploadSource::bytes("a.png", b"png".to_vec()))
        .await
        .unwrap_err();
    let Error::Api { code, message, .. } = err else {
        panic!("expected Api")
    };
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("401", "ApiKey verification failed")
    );
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn downloads_never_carry_the_api_key() {
    let server = MockServer::start().await;
    let file_url = format!("{}/storage/output.mp4", server.uri());
    let finished = json!({"taskId": "77", "status": "SUCCESS", "results": [{"url": file_url, "outputType": "mp4"}]});
    answer(
        &server,
        QUERY,
        ResponseTemplate::new(200).set_body_json(finished),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/storage/output.mp4"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"video bytes".to_vec()))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let quick = runninghub::WaitOptions::new().schedule(runninghub::PollSchedule::fixed(
        std::time::Duration::from_millis(5),
    ));
    let task = client(&server).wait("77", quick).await.unwrap();
    let files = task.download_to(dir.path()).await.unwrap();
    assert_eq!(std::fs::read(&files[0]).unwrap(), b"video bytes");

    let requests = received(&server).await;
    let query = requests.iter().find(|r| r.url.path() == QUERY).unwrap();
    assert!(
        query.headers.get("authorization").is_some(),
        "API calls are authenticated"
    );
    let download = requests
        .iter()
        .find(|r| r.url.path() == "/storage/output.mp4")
        .unwrap();
    assert!(
        download.headers.get("authorization").is_none(),
        "the key must not reach storage hosts"
    );
    assert_eq!(requests.len(), 2);
}

#[test]
fn a_request_is_built_from_its_required_fields_and_optional_ones_by_name() {
    use runninghub::types::{
        AspectRatio4x3Or3x4Or16x9Or9x16Or1x1, ViduReferenceToVideoQ3Request,
        ViduTextToVideoQ3TurboRequest,
    };
    use runninghub::validation::Validate;
    // Only the fields without a default are arguments; the others take the spec's default.
    let request = ViduTextToVideoQ3TurboRequest::new("a red kite over the sea");
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({"prompt": "a red kite over the sea", "style": "general", "aspectRatio": "16:9",
               "resolution": "720p", "duration": "5", "audio": true})
    );
    assert!(request.validate().is_ok());
    // Optional fields and defaults are changed by name, and the rest comes from `new`.
    let request = ViduTextToVideoQ3TurboRequest {
        aspect_ratio: AspectRatio4x3Or3x4Or16x9Or9x16Or1x1::Ratio9x16,
        webhook_url: Some("https://example.com/hook".parse().unwrap()),
        ..ViduTextToVideoQ3TurboRequest::new("a kite")
    };
    let body = serde_json::to_value(&request).unwrap();
    assert_eq!(body["aspectRatio"], "9:16");
    assert_eq!(body["webhookUrl"], "https://example.com/hook");
    // A list field takes anything that becomes its type.
    let request = ViduReferenceToVideoQ3Request::new(
        "the boat sails",
        vec!["https://example.com/boat.png".to_owned()],
    );
    let body = serde_json::to_value(&request).unwrap();
    assert_eq!(body["imageUrls"], json!(["https://example.com/boat.png"]));
    assert!(body.get("aspectRatio").is_none(), "optional: left out");
}

/// The runtime crate's own client knows the platform calls only; the `runninghub` client
/// carries its crate's registry, with every model endpoint of the enabled families. A model
/// endpoint named to the runtime's client is an unknown operation, refused before sending.
#[tokio::test]
async fn the_runtime_client_knows_the_platform_and_the_crate_client_every_family() {
    let server = MockServer::start().await;
    answer(
        &server,
        SUBMIT,
        ResponseTemplate::new(200).set_body_json(documented_task("running")),
    )
    .await;
    let endpoint = SUBMIT.trim_start_matches("/openapi/v2/");

    let runtime = runninghub_runtime::Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .build()
        .unwrap();
    assert!(runtime.registry().find(endpoint).is_none());
    assert!(runtime.registry().find("query").is_some());
    let err = runtime
        .submit_json(endpoint, documented_request())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownOperation(name) if name == endpoint),
        "{err:?}"
    );
    assert_eq!(received(&server).await.len(), 0, "nothing was sent");

    let client = client(&server);
    assert!(std::ptr::eq(
        client.registry(),
        &runninghub::operation::REGISTRY
    ));
    let task = client
        .submit_json(endpoint, documented_request())
        .await
        .unwrap();
    assert_eq!(task.task_id, documented_task("running")["taskId"]);
    let sent = received(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].url.path(), SUBMIT);
}
