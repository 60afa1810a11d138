//! The platform calls (account, cancel, webhook events, workflow graphs): the key goes
//! where each call expects it and nowhere else the caller sees; the `{code, msg, data}`
//! envelope becomes the call's data or a typed error.

use crate::support::node;
use runninghub::{Error, ErrorCode, types};
use runninghub_simulator::{Config, SAMPLE_WORKFLOW_ID, Simulator};
use serde_json::json;
use std::time::Duration;

fn request() -> types::ViduTextToVideoQ3TurboRequest {
    types::ViduTextToVideoQ3TurboRequest::new("a kite over the sea")
}

#[tokio::test(start_paused = true)]
async fn account_puts_the_key_in_the_body_as_lower_case_apikey_and_reads_string_counts() {
    let sim = Simulator::in_process(Config {
        coins: 177_814,
        ..Config::default()
    });
    let account = sim.client().account().await.unwrap();
    assert_eq!(account.remain_coins, Some(177_814));
    assert_eq!(account.current_task_counts, Some(0));
    assert_eq!(account.api_type.as_deref(), Some("NORMAL"));
    assert_eq!(account.currency, None);
    // The simulator sent the counts as strings, as RunningHub's newer answers do.
    assert_eq!(
        serde_json::to_value(&account.status).unwrap()["remainCoins"],
        "177814"
    );
    assert_eq!(
        sim.platform_calls(),
        [("account_status".to_owned(), json!({"apikey": "sim-key"}))]
    );
}

#[tokio::test(start_paused = true)]
async fn cancel_sends_the_key_and_the_task_id_and_the_task_ends_cancelled() {
    let sim = Simulator::in_process(Config {
        lifecycle: vec![("RUNNING".into(), Duration::from_secs(60))],
        ..Config::default()
    });
    let client = sim.client();
    let task = client
        .vidu_text_to_video_q3_turbo(&request())
        .await
        .unwrap();
    client.cancel(&task.task_id).await.unwrap();
    assert_eq!(
        sim.platform_calls(),
        [(
            "cancel_task".to_owned(),
            json!({"apiKey": "sim-key", "taskId": task.task_id})
        )]
    );
    let now = client.query(&task.task_id).await.unwrap();
    assert_eq!(now.status, "CANCEL");
    // It was given no webhook URL: no event, which is not an error.
    let event = client
        .webhook_detail(&types::PlatformTaskRequest {
            task_id: task.task_id.clone(),
        })
        .await
        .unwrap();
    assert!(event.is_none(), "{event:?}");
    // And a wait on it ends with the cancellation, naming the task.
    let waited = client
        .vidu_text_to_video_q3_turbo(&request())
        .await
        .unwrap();
    client.cancel(&waited.task_id).await.unwrap();
    match client
        .wait(
            &waited.task_id,
            runninghub::WaitOptions::new().learning(None),
        )
        .await
    {
        Err(Error::TaskCancelled { task_id, status }) => {
            assert_eq!(task_id, waited.task_id);
            assert_eq!(status, "CANCEL");
        }
        other => panic!("expected a cancelled task, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn cancelling_an_unknown_task_is_code_807_naming_the_task() {
    let sim = Simulator::in_process(Config::default());
    match sim.client().cancel("1904152026220003329").await {
        Err(Error::Api {
            code,
            message,
            task_id,
        }) => {
            assert_eq!(code, ErrorCode::TaskNotFoundForKey);
            assert_eq!(code.as_str(), "807");
            assert_eq!(message, "APIKEY_TASK_NOT_FOUND");
            assert_eq!(task_id.as_deref(), Some("1904152026220003329"));
        }
        other => panic!("expected error 807, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn an_empty_task_id_is_refused_before_anything_is_sent() {
    let sim = Simulator::in_process(Config::default());
    let err = sim.client().cancel("  ").await.unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert!(sim.platform_calls().is_empty());
    assert_eq!(sim.counts().platform_calls, 0);
}

#[tokio::test(start_paused = true)]
async fn a_refused_key_is_code_802_and_the_key_is_in_no_error_or_debug_output() {
    let sim = Simulator::in_process(Config {
        api_key: Some("the-right-key".into()),
        ..Config::default()
    });
    let client = sim
        .client_builder()
        .api_key("a-wrong-secret-key")
        .build()
        .unwrap();
    let err = client.account().await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::KeyUnauthorized));
    for shown in [err.to_string(), format!("{err:?}"), format!("{client:?}")] {
        assert!(!shown.contains("a-wrong-secret-key"), "{shown}");
    }
    // It did go to the server, in the body.
    assert_eq!(sim.platform_calls()[0].1["apikey"], "a-wrong-secret-key");
    assert_eq!(sim.counts().unauthorized, 1);
}

#[tokio::test(start_paused = true)]
async fn a_workflow_graph_comes_back_as_its_json_text() {
    let sim = Simulator::in_process(Config::default());
    let client = sim.client();
    let graph = client
        .workflow_json(&types::WorkflowJsonBody {
            workflow_id: SAMPLE_WORKFLOW_ID.to_owned(),
        })
        .await
        .unwrap();
    let nodes: serde_json::Value = serde_json::from_str(&graph.prompt).unwrap();
    assert_eq!(nodes["3"]["class_type"], "KSampler");
    let err = client
        .workflow_json(&types::WorkflowJsonBody {
            workflow_id: "1".to_owned(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::WorkflowNotFound));
    assert_eq!(
        sim.platform_calls()[0].1,
        json!({"apiKey": "sim-key", "workflowId": SAMPLE_WORKFLOW_ID})
    );
}

/// Smoke test on a socket: the simulator calls a webhook URL that refuses connections, the
/// event shows the failure, and a resend is recorded as a retry.
#[tokio::test]
async fn a_webhook_event_is_shown_and_resent() {
    let sim = Simulator::start_with(Config {
        lifecycle: vec![],
        ..Config::default()
    })
    .await;
    let client = sim.client();
    let mut body = request();
    // Port 9 (discard) on loopback: nothing listens there.
    body.webhook_url = Some("http://127.0.0.1:9/hook".parse().unwrap());
    let task = client.vidu_text_to_video_q3_turbo(&body).await.unwrap();
    let ask = types::PlatformTaskRequest {
        task_id: task.task_id.clone(),
    };
    let mut event = None;
    for _ in 0..200 {
        if let Some(found) = client.webhook_detail(&ask).await.unwrap() {
            event = Some(found);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let event = event.expect("the webhook call is recorded");
    assert_eq!(event.task_id.as_deref(), Some(task.task_id.as_str()));
    assert_eq!(
        event.webhook_url.as_deref(),
        Some("http://127.0.0.1:9/hook")
    );
    assert_eq!(event.callback_status.as_deref(), Some("FAILED"));
    assert!(event.event_data.unwrap().contains(&task.task_id));
    assert_eq!(event.retry_count, Some(0));

    client
        .webhook_resend(&types::WebhookResendBody {
            webhook_id: event.id.clone().unwrap(),
            webhook_url: None,
        })
        .await
        .unwrap();
    let again = client.webhook_detail(&ask).await.unwrap().unwrap();
    assert_eq!(again.retry_count, Some(1));
    let calls = sim.platform_calls();
    let resend = calls.iter().find(|(op, _)| op == "webhook_resend").unwrap();
    assert_eq!(
        resend.1,
        json!({"apiKey": "sim-key", "webhookId": event.id.unwrap()})
    );
}

/// Through progenitor's raw client too, the hooks put the key in the body of a platform call,
/// and the header carries it as for every request.
#[tokio::test]
async fn the_raw_client_gets_the_key_in_the_body_as_well() {
    use wiremock::matchers::{body_json, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/task/openapi/cancel"))
        .and(header("authorization", "Bearer k-123"))
        .and(body_json(json!({"apiKey": "k-123", "taskId": "42"})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"code": 0, "msg": "", "data": null})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = runninghub::Client::builder()
        .api_key("k-123")
        .base_url(server.uri())
        .build()
        .unwrap();
    let answer = client
        .raw()
        .cancel_task(&types::PlatformTaskRequest {
            task_id: "42".into(),
        })
        .await
        .unwrap();
    assert_eq!(answer.into_inner().code, 0);
}

#[tokio::test(start_paused = true)]
async fn an_app_run_is_a_task_that_waits_and_its_outputs_name_their_node() {
    let sim = Simulator::in_process(Config::default());
    let client = sim.client();
    let body = types::AiAppRunRequest {
        node_info_list: vec![node("52", "prompt", "a paper boat")],
        instance_type: Some(types::InstanceType::Plus),
        use_personal_queue: None,
        webhook_url: None,
    };
    let done = client
        .run_app("2016740236478386178", &body)
        .wait()
        .await
        .unwrap();
    assert_eq!(done.outputs().len(), 1);
    assert_eq!(done.outputs()[0].node_id.as_deref(), Some("9"));
    assert_eq!(
        sim.task_bodies(),
        [
            json!({"nodeInfoList": [{"nodeId": "52", "fieldName": "prompt", "fieldValue": "a paper boat"}],
                "instanceType": "plus"})
        ]
    );
    // The id is checked for shape: a second path segment is no run of any app.
    let err = client
        .run_app("2016/740236478386178", &body)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownOperation(_)), "{err:?}");
    // The body is checked like a model's: an app run sets at least one input.
    let empty = types::AiAppRunRequest {
        node_info_list: vec![],
        ..body
    };
    let err = client.run_app("1", &empty).await.unwrap_err();
    assert!(err.to_string().contains("nodeInfoList"), "{err}");
    assert_eq!(sim.counts().submits, 1);
}

/// A workflow run goes to the workflow's own path, with the key in the header only.
#[tokio::test]
async fn a_workflow_run_posts_to_the_workflow_s_path() {
    use wiremock::matchers::{body_json, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/openapi/v2/run/workflow/1904136902449209346"))
        .and(header("authorization", "Bearer k-9"))
        .and(body_json(json!({"nodeInfoList": [], "addMetadata": false})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "taskId": "2013508786110730241", "status": "RUNNING", "errorCode": "",
            "errorMessage": "", "results": null, "clientId": "", "promptTips": ""
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = runninghub::Client::builder()
        .api_key("k-9")
        .base_url(server.uri())
        .build()
        .unwrap();
    let body = types::WorkflowRunRequest {
        node_info_list: vec![],
        add_metadata: Some(false),
        workflow: None,
        instance_type: None,
        use_personal_queue: None,
        webhook_url: None,
    };
    let task = client
        .run_workflow("1904136902449209346", &body)
        .await
        .unwrap();
    assert_eq!(task.task_id, "2013508786110730241");
}

#[tokio::test(start_paused = true)]
async fn an_app_s_inputs_come_from_a_get_with_the_key_in_the_query() {
    let sim = Simulator::in_process(Config::default());
    let client = sim.client();
    let info = client
        .ai_app_info(&types::AiAppInfoQuery {
            webapp_id: runninghub_simulator::SAMPLE_APP_ID.into(),
        })
        .await
        .unwrap();
    let nodes = info.node_info_list.unwrap();
    assert_eq!(nodes.len(), 2);
    assert_eq!(
        (nodes[0].node_id.as_str(), nodes[0].field_name.as_str()),
        ("52", "prompt")
    );
    assert_eq!(nodes[1].field_type.as_deref(), Some("IMAGE"));
    assert_eq!(
        sim.platform_calls(),
        [(
            "ai_app_info".to_owned(),
            json!({"apiKey": "sim-key", "webappId": runninghub_simulator::SAMPLE_APP_ID})
        )]
    );
    let err = client
        .ai_app_info(&types::AiAppInfoQuery {
            webapp_id: "1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::WebappNotFound));
    // An empty id is refused before anything is sent.
    let err = client
        .ai_app_info(&types::AiAppInfoQuery {
            webapp_id: String::new(),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert_eq!(sim.counts().platform_calls, 2);
}

/// The key is in the address of a query-credential call; a failed request must not show it.
#[tokio::test]
async fn a_transport_error_of_a_call_with_the_key_in_its_query_does_not_show_the_address() {
    // Nothing listens on the discard port of loopback.
    let client = runninghub::Client::builder()
        .api_key("query-secret-123")
        .base_url("http://127.0.0.1:9")
        .retry(runninghub::RetryPolicy {
            max_consecutive_failures: 1,
            ..Default::default()
        })
        .build()
        .unwrap();
    let err = client
        .ai_app_info(&types::AiAppInfoQuery {
            webapp_id: "2016740236478386178".into(),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    let mut shown = vec![err.to_string(), format!("{err:?}")];
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        shown.push(s.to_string());
        source = s.source();
    }
    for text in shown {
        assert!(!text.contains("query-secret-123"), "{text}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_price_preview_checks_the_body_first_and_quotes_without_a_task() {
    let sim = Simulator::in_process(Config::default());
    let client = sim.client();
    let body = serde_json::to_value(request()).unwrap();
    let quote = client
        .price_preview("vidu/text-to-video-q3-turbo", body.clone())
        .await
        .unwrap();
    assert_eq!(quote.estimated_price, Some(0.1));
    assert_eq!(quote.currency.as_deref(), Some("CNY"));
    let err = client
        .price_preview("vidu/text-to-video-q3-turbo", json!({"prompt": ""}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    let err = client
        .price_preview("no/such-model", body)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownOperation(_)), "{err:?}");
    let counts = sim.counts();
    assert_eq!((counts.price_previews, counts.tasks_created), (1, 0));
}

/// The quote goes to the model's own path under the price-preview prefix, `/` kept, and a
/// refusal in the answer is an API error.
#[tokio::test]
async fn a_price_preview_posts_the_model_body_to_the_model_s_path() {
    use wiremock::matchers::{body_json, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let body = serde_json::to_value(request()).unwrap();
    Mock::given(method("POST"))
        .and(path(
            "/openapi/v2/price-preview/vidu/text-to-video-q3-turbo",
        ))
        .and(body_json(&body))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"errorCode": "1014", "errorMessage": "access denied"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = runninghub::Client::builder()
        .api_key("k")
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = client
        .price_preview("vidu_text_to_video_q3_turbo", body)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::AccessDenied));
}

#[tokio::test(start_paused = true)]
async fn a_lora_goes_up_in_two_steps_and_the_storage_never_sees_the_key() {
    let sim = Simulator::in_process(Config::default());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("my-style.safetensors");
    std::fs::write(&path, b"lora-bytes-123").unwrap();
    let lora = sim.client().upload_lora(&path, None).await.unwrap();
    // `md5sum` of the same bytes.
    let md5 = "0032fcf434017309dffaa31268be1d27";
    assert_eq!(lora.md5, md5);
    assert_eq!(lora.size, 14);
    assert_eq!(lora.file_name, format!("api-lora-cn/{md5}.safetensors"));
    // Step one: the key in the body, with the name and digest.
    assert_eq!(
        sim.platform_calls(),
        [(
            "lora_upload_url".to_owned(),
            json!({"apiKey": "sim-key", "loraName": "my-style", "md5Hex": md5})
        )]
    );
    // Step two: the bytes at the signed address, without the key.
    let stored = sim.loras();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].bytes, b"lora-bytes-123");
    assert!(!stored[0].had_key);
}

#[tokio::test]
async fn a_lora_put_that_fails_is_an_error_with_the_status() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/openapi/getLoraUploadUrl"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": 0, "msg": "success",
            "data": {"fileName": "api-lora-cn/x.safetensors", "url": format!("{}/signed/x", server.uri())}
        })))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/signed/x"))
        .respond_with(ResponseTemplate::new(403).set_body_string("SignatureDoesNotMatch"))
        .expect(1)
        .mount(&server)
        .await;
    let client = runninghub::Client::builder()
        .api_key("k")
        .base_url(server.uri())
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.safetensors");
    std::fs::write(&file, b"x").unwrap();
    match client.upload_lora(&file, Some("a")).await {
        Err(Error::Http { status, body, .. }) => {
            assert_eq!(status, 403);
            assert_eq!(body, "SignatureDoesNotMatch");
        }
        other => panic!("expected HTTP 403, got {other:?}"),
    }
    // The PUT carried no key.
    let put = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.method.as_str() == "PUT")
        .unwrap();
    assert!(!put.headers.contains_key("authorization"));
}

#[tokio::test(start_paused = true)]
async fn the_app_list_is_a_page_within_its_bounds() {
    let sim = Simulator::in_process(Config::default());
    let client = sim.client();
    let page = client
        .ai_app_list(&types::AiAppListBody {
            current: 1,
            size: 20,
            sort: Some(types::AiAppListBodySort::Newest),
            days: None,
        })
        .await
        .unwrap();
    assert_eq!(page.total, Some(1));
    let example = page.records[0].invoke_example.as_deref().unwrap();
    assert!(
        example.contains(&format!(
            "/run/ai-app/{}",
            runninghub_simulator::SAMPLE_APP_ID
        )),
        "{example}"
    );
    // At most 50 per page: refused before anything is sent.
    let err = client
        .ai_app_list(&types::AiAppListBody {
            current: 1,
            size: 51,
            sort: None,
            days: None,
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("size"), "{err}");
    assert_eq!(
        sim.platform_calls(),
        [(
            "ai_app_list".to_owned(),
            json!({"current": 1, "size": 20, "sort": "NEWEST"})
        )]
    );
}
