//! The legacy run calls (workflow, AI app, Quick Create), the legacy status and outputs
//! reads whose `data` changes shape with `code`, node lists checked against the app or
//! workflow, and platform calls by name: what the server received, and what the caller gets.

use crate::support::{node, receiver};
use runninghub::{Error, ErrorCode, LegacyOutputs, WaitOptions, WebhookInbox, types};
use runninghub_simulator::{
    Config, Fault, Outcome, Route, SAMPLE_APP_ID, SAMPLE_WORKFLOW_ID, Simulator,
};
use serde_json::json;
use std::time::Duration;

fn workflow_run(nodes: Vec<types::NodeInfo>) -> types::LegacyWorkflowRunRequest {
    types::LegacyWorkflowRunRequest {
        workflow_id: SAMPLE_WORKFLOW_ID.into(),
        node_info_list: nodes,
        add_metadata: None,
        workflow: None,
        instance_type: None,
        use_personal_queue: None,
        webhook_url: None,
    }
}

#[tokio::test(start_paused = true)]
async fn a_legacy_workflow_run_carries_the_key_in_its_body_and_its_task_waits_like_any_other() {
    let sim = Simulator::in_process(Config::default());
    let client = sim.client();
    let created = client
        .run_workflow_legacy(&workflow_run(vec![node("6", "text", "a paper boat")]))
        .await
        .unwrap();
    assert_eq!(created.task_status.as_deref(), Some("QUEUED"));
    assert_eq!(
        sim.platform_calls(),
        [(
            "run_workflow_legacy".to_owned(),
            json!({"apiKey": "sim-key", "workflowId": SAMPLE_WORKFLOW_ID,
                   "nodeInfoList": [{"nodeId": "6", "fieldName": "text", "fieldValue": "a paper boat"}]})
        )]
    );
    // Followed through the v2 query like any task; its outputs name their node.
    let done = client
        .wait(&created.task_id, WaitOptions::new().learning(None))
        .await
        .unwrap();
    assert_eq!(done.task_id(), created.task_id);
    assert_eq!(done.outputs()[0].node_id.as_deref(), Some("9"));
    let c = sim.counts();
    assert_eq!((c.submits, c.tasks_created), (1, 1));
}

/// The app id goes out as a JSON number, digit for digit; a task id that comes back as a
/// number is read as its digits (a `f64` would round both).
#[tokio::test]
async fn a_legacy_app_run_sends_the_app_id_as_an_exact_number_and_reads_a_numeric_task_id() {
    use wiremock::matchers::{body_string, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let sent = r#"{"apiKey":"k-1","instanceType":"plus","nodeInfoList":[{"fieldName":"prompt","fieldValue":"a lighthouse","nodeId":"122"}],"webappId":1877265245566922753}"#;
    Mock::given(method("POST"))
        .and(path("/task/openapi/ai-app/run"))
        .and(body_string(sent))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"code":0,"msg":"success","data":{"netWssUrl":null,"taskId":1910246754753896450,"clientId":"e8","taskStatus":"RUNNING","promptTips":"{}"}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = runninghub::Client::builder()
        .api_key("k-1")
        .base_url(server.uri())
        .build()
        .unwrap();
    let created = client
        .run_ai_app_legacy(&types::LegacyAiAppRunRequest {
            webapp_id: 1_877_265_245_566_922_753,
            node_info_list: vec![node("122", "prompt", "a lighthouse")],
            instance_type: Some(types::InstanceType::Plus),
            webhook_url: None,
        })
        .await
        .unwrap();
    assert_eq!(created.task_id, "1910246754753896450");
    assert_eq!(created.task_status.as_deref(), Some("RUNNING"));
}

#[tokio::test]
async fn a_legacy_run_whose_answer_is_lost_is_never_sent_again() {
    let sim = Simulator::start().await;
    sim.inject(Route::Submit, Fault::AcceptThenHang);
    let client = runninghub::Client::builder()
        .api_key("sim-key")
        .base_url(sim.url())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = client
        .run_workflow_legacy(&workflow_run(vec![]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::SubmitOutcomeUnknown {
                operation: "run_workflow_legacy",
                ..
            }
        ),
        "{err:?}"
    );
    let c = sim.counts();
    assert_eq!(
        (c.submits, c.tasks_created),
        (1, 1),
        "the task exists and was not created twice"
    );
}

#[tokio::test(start_paused = true)]
async fn a_legacy_run_refused_for_a_full_queue_is_retried_since_no_task_was_created() {
    // A full queue (421) creates no task: the run is retried and succeeds.
    let sim = Simulator::in_process(Config {
        max_in_flight: Some(1),
        // Shorter than the simulator client's retries (5 ms doubling, five attempts).
        lifecycle: vec![("RUNNING".into(), Duration::from_millis(20))],
        ..Config::default()
    });
    let client = sim.client();
    let first = client
        .run_workflow_legacy(&workflow_run(vec![]))
        .await
        .unwrap();
    let second = client
        .run_workflow_legacy(&workflow_run(vec![]))
        .await
        .unwrap();
    assert_ne!(first.task_id, second.task_id);
    let c = sim.counts();
    assert_eq!(c.tasks_created, 2);
    assert!(c.concurrency_rejections >= 1, "{c:?}");
}

#[tokio::test(start_paused = true)]
async fn legacy_outputs_follow_a_task_through_every_shape() {
    let sim = Simulator::in_process(Config {
        lifecycle: vec![
            ("QUEUED".into(), Duration::from_secs(10)),
            ("RUNNING".into(), Duration::from_secs(10)),
        ],
        ..Config::default()
    });
    let client = sim.client();
    let created = client
        .run_workflow_legacy(&workflow_run(vec![]))
        .await
        .unwrap();
    let id = created.task_id.as_str();
    assert!(matches!(
        client.task_outputs(id).await.unwrap(),
        LegacyOutputs::Queued
    ));
    tokio::time::advance(Duration::from_secs(12)).await;
    let LegacyOutputs::Running(running) = client.task_outputs(id).await.unwrap() else {
        panic!("running after 12 s");
    };
    assert!(running.net_wss_url.is_some());
    let status = client
        .task_status_legacy(&types::PlatformTaskRequest {
            task_id: id.to_owned(),
        })
        .await
        .unwrap();
    assert_eq!(status.as_str(), "RUNNING");
    tokio::time::advance(Duration::from_secs(10)).await;
    let outputs = client.task_outputs(id).await.unwrap();
    let LegacyOutputs::Succeeded(files) = &outputs else {
        panic!("succeeded after 22 s: {outputs:?}");
    };
    assert_eq!(files[0].node_id.as_deref(), Some("9"));
    assert!(files[0].file_url.contains(id), "{files:?}");
    // The same facts as a task object, which downloads like any other.
    let task = outputs.to_task(id);
    assert_eq!(task.status, "SUCCESS");
    assert_eq!(
        task.outputs()[0].url.as_deref(),
        Some(files[0].file_url.as_str())
    );
    // Each read carried the key and the id.
    let calls = sim.platform_calls();
    assert!(
        calls
            .iter()
            .filter(|(op, _)| op == "task_outputs_legacy")
            .all(|(_, body)| body == &json!({"apiKey": "sim-key", "taskId": id}))
    );
    // An unknown task is code 807, naming it.
    match client
        .task_outputs("1904152026220003329")
        .await
        .unwrap_err()
    {
        Error::Api { code, task_id, .. } => {
            assert_eq!(code, ErrorCode::TaskNotFoundForKey);
            assert_eq!(task_id.as_deref(), Some("1904152026220003329"));
        }
        other => panic!("expected 807, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_failed_task_s_legacy_outputs_carry_comfyui_s_report() {
    let sim = Simulator::in_process(Config {
        outcome: Outcome::Failed {
            code: "805".into(),
            message: "CUDA out of memory".into(),
        },
        ..Config::default()
    });
    let client = sim.client();
    let created = client
        .run_workflow_legacy(&workflow_run(vec![]))
        .await
        .unwrap();
    tokio::time::advance(Duration::from_secs(1)).await;
    let LegacyOutputs::Failed(failure) = client.task_outputs(&created.task_id).await.unwrap()
    else {
        panic!("the task failed");
    };
    let reason = failure.reason.as_ref().unwrap();
    assert_eq!(
        reason.exception_message.as_deref(),
        Some("CUDA out of memory")
    );
    assert_eq!(reason.node_id.as_deref(), Some("9"));
    assert_eq!(failure.message, "APIKEY_TASK_STATUS_ERROR");
}

#[tokio::test(start_paused = true)]
async fn unknown_apps_workflows_and_nodes_get_the_platform_s_codes() {
    let sim = Simulator::in_process(Config::default());
    let client = sim.client();
    let code = |e: Error| match e {
        Error::Api { code, .. } => code,
        other => panic!("expected Error::Api, got {other:?}"),
    };
    let mut unknown = workflow_run(vec![]);
    unknown.workflow_id = "1".into();
    let e = client.run_workflow_legacy(&unknown).await.unwrap_err();
    assert_eq!(code(e), ErrorCode::WorkflowNotFound);
    let e = client
        .run_workflow_legacy(&workflow_run(vec![node("6", "prompt", "x")]))
        .await
        .unwrap_err();
    assert_eq!(code(e), ErrorCode::InvalidNodeInfo);
    let e = client
        .run_ai_app_legacy(&types::LegacyAiAppRunRequest {
            webapp_id: 42,
            node_info_list: vec![node("52", "prompt", "x")],
            instance_type: None,
            webhook_url: None,
        })
        .await
        .unwrap_err();
    assert_eq!(code(e), ErrorCode::WebappNotFound);
    assert_eq!(sim.counts().tasks_created, 0);
    // The sample app exists: its run creates a task.
    let app_id: i64 = SAMPLE_APP_ID.parse().unwrap();
    client
        .run_ai_app_legacy(&types::LegacyAiAppRunRequest {
            webapp_id: app_id,
            node_info_list: vec![node("52", "prompt", "x")],
            instance_type: None,
            webhook_url: None,
        })
        .await
        .unwrap();
    assert_eq!(sim.counts().tasks_created, 1);
}

#[tokio::test(start_paused = true)]
async fn node_lists_are_checked_against_the_app_and_the_workflow_before_any_run() {
    let sim = Simulator::in_process(Config::default());
    let client = sim.client();
    client
        .check_app_nodes(SAMPLE_APP_ID, &[node("52", "prompt", "a boat")])
        .await
        .unwrap();
    let err = client
        .check_app_nodes(SAMPLE_APP_ID, &[node("52", "text", "a boat")])
        .await
        .unwrap_err();
    let Error::Validation(v) = &err else {
        panic!("expected a validation error, got {err:?}");
    };
    assert_eq!(v.violations()[0].field, "nodeInfoList[0]");
    assert!(err.to_string().contains("285:image, 52:prompt"), "{err}");

    client
        .check_workflow_nodes(SAMPLE_WORKFLOW_ID, &[node("6", "text", "a boat")])
        .await
        .unwrap();
    let err = client
        .check_workflow_nodes(SAMPLE_WORKFLOW_ID, &[node("6", "prompt", "a boat")])
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("node 6 (CLIPTextEncode) has no input `prompt`"),
        "{err}"
    );
    // Reads only: nothing was run.
    assert_eq!(sim.counts().submits, 0);
    let ops: Vec<String> = sim.platform_calls().into_iter().map(|(op, _)| op).collect();
    assert_eq!(
        ops,
        [
            "ai_app_info",
            "ai_app_info",
            "workflow_json",
            "workflow_json"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn quick_create_lists_styles_with_the_header_key_and_runs_with_the_body_key() {
    let sim = Simulator::in_process(Config::default());
    let client = sim.client();
    let styles = client
        .quick_create_styles(&types::QuickCreateStylesBody {
            type_: 2,
            webapp_id: "1957344152277151746".into(),
        })
        .await
        .unwrap();
    assert_eq!(styles.len(), 2);
    assert_eq!(styles[0].model_key.as_deref(), Some("input1"));
    let quick_node = |id: &str, field: &str, kind: &str, value: &str| types::QuickCreateNode {
        node_id: id.into(),
        node_name: "LoadImage".into(),
        field_name: field.into(),
        field_type: kind.into(),
        field_value: value.into(),
        description: "an input".into(),
    };
    let created = client
        .run_quick_create(&types::QuickCreateRunRequest {
            webapp_id: "1957346252562296834".into(),
            quick_create_code: "002".into(),
            node_info_list: vec![quick_node("39", "image", "IMAGE", "openapi/a.png")],
        })
        .await
        .unwrap();
    assert!(!created.task_id.is_empty());
    let calls = sim.platform_calls();
    assert_eq!(
        calls[0],
        (
            "quick_create_styles".to_owned(),
            json!({"type": 2, "webappId": "1957344152277151746"})
        ),
        "no key in the body of a call that takes none"
    );
    assert_eq!(calls[1].1["apiKey"], "sim-key");
    assert_eq!(calls[1].1["quickCreateCode"], "002");
    assert_eq!(sim.counts().tasks_created, 1);
}

#[tokio::test(start_paused = true)]
async fn any_platform_call_is_reachable_by_name_with_a_checked_json_body() {
    let sim = Simulator::in_process(Config::default());
    let client = sim.client();
    let created = client
        .call_json(
            "run_workflow_legacy",
            json!({"workflowId": SAMPLE_WORKFLOW_ID}),
        )
        .await
        .unwrap();
    let id = created["taskId"].as_str().unwrap().to_owned();
    let status = client
        .call_json("task_status_legacy", json!({"taskId": id}))
        .await
        .unwrap();
    assert_eq!(status, "QUEUED");
    // The key is the client's to add: a body that carries one is refused, unsent.
    let err = client
        .call_json("task_status_legacy", json!({"taskId": id, "apiKey": "x"}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    // Model endpoints and unknown names are not platform calls.
    for name in ["query_task", "no_such_call"] {
        let err = client.call_json(name, json!({})).await.unwrap_err();
        assert!(matches!(err, Error::UnknownOperation(_)), "{err:?}");
    }
    assert_eq!(sim.platform_calls().len(), 2);
}

#[tokio::test]
async fn a_legacy_run_s_webhook_event_finishes_its_wait() {
    let sim = Simulator::start().await;
    let inbox = WebhookInbox::new();
    let hook = receiver(inbox.clone()).await;
    let client = sim.client();
    let mut body = workflow_run(vec![]);
    body.webhook_url = Some(hook.into());
    let created = client.run_workflow_legacy(&body).await.unwrap();
    let done = client
        .wait(
            &created.task_id,
            WaitOptions::new()
                .learning(None)
                .timeout(Duration::from_secs(10))
                .webhook(inbox, Duration::from_secs(5)),
        )
        .await
        .unwrap();
    assert_eq!(done.outputs()[0].node_id.as_deref(), Some("9"));
    let c = sim.counts();
    assert_eq!((c.webhooks_sent, c.queries), (1, 0));
}
