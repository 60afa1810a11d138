//! `runninghub mcp` driven by an MCP client over the binary's standard input and output,
//! against the simulator: the tools are listed, each is called, and what the simulator
//! received is checked, as is that the key appears in no result.

use rmcp::model::{
    CallToolRequestParams, CallToolResult, NumberOrString, ProgressNotificationParam,
    ProgressToken, RequestMetaObject,
};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt as _};
use runninghub_simulator::{Config, SAMPLE_APP_ID, SAMPLE_WORKFLOW_ID, Simulator};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "mcp-secret-key-5b1e";

/// Records the progress notifications the server sends.
#[derive(Clone, Default)]
struct Client {
    progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
}

impl ClientHandler for Client {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress.lock().unwrap().push(params);
    }
}

struct Session {
    client: Client,
    service: RunningService<RoleClient, Client>,
    /// Every result's text, to check that the key is in none.
    seen: Vec<String>,
}

impl Session {
    async fn start(sim: &Simulator) -> Session {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_runninghub"));
        cmd.arg("mcp")
            .env("RUNNINGHUB_BASE_URL", sim.url())
            .env("RUNNINGHUB_API_KEY", KEY)
            .env(
                "RUNNINGHUB_CONFIG",
                std::env::temp_dir().join("runninghub-mcp-tests-no-config/config.toml"),
            )
            .env_remove("RUST_LOG");
        let client = Client::default();
        let service = client
            .clone()
            .serve(TokioChildProcess::new(cmd).unwrap())
            .await
            .expect("the MCP handshake");
        Session {
            client,
            service,
            seen: Vec::new(),
        }
    }

    async fn call_with(&mut self, tool: &str, args: Value, progress: bool) -> CallToolResult {
        let Value::Object(arguments) = args else {
            panic!("arguments are an object");
        };
        let mut params = CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments);
        if progress {
            params.meta = Some(RequestMetaObject::with_progress_token(ProgressToken(
                NumberOrString::String(format!("{tool}-progress").into()),
            )));
        }
        let result = tokio::time::timeout(Duration::from_secs(30), self.service.call_tool(params))
            .await
            .expect("the tool answers")
            .expect("a tool result");
        self.seen.push(serde_json::to_string(&result).unwrap());
        result
    }

    async fn call(&mut self, tool: &str, args: Value) -> (Value, bool) {
        let result = self.call_with(tool, args, false).await;
        (
            result.structured_content.clone().unwrap_or(Value::Null),
            result.is_error == Some(true),
        )
    }

    async fn ok(&mut self, tool: &str, args: Value) -> Value {
        let (value, is_error) = self.call(tool, args.clone()).await;
        assert!(!is_error, "{tool} {args}: {value}");
        value
    }
}

#[tokio::test]
async fn an_agent_finds_describes_checks_prices_and_runs_models_and_the_key_stays_out() {
    let sim = Simulator::start_with(Config {
        api_key: Some(KEY.into()),
        ..Config::default()
    })
    .await;
    let mut mcp = Session::start(&sim).await;

    let tools = mcp.service.list_all_tools().await.unwrap();
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "account",
            "call_platform",
            "cancel_task",
            "describe_model",
            "estimate_price",
            "find_models",
            "get_task",
            "run_app",
            "run_model",
            "run_workflow",
            "upload_file",
            "validate_request"
        ]
    );

    // Find: every model of the spec, and by words and output kind.
    let all = mcp.ok("find_models", json!({})).await;
    let count = runninghub::operations::OPERATIONS
        .iter()
        .filter(|op| op.role == runninghub::operation::Role::Task)
        .count();
    assert_eq!(all["count"], count);
    let found = mcp
        .ok(
            "find_models",
            json!({"text": "vidu q3 turbo text", "output": "video"}),
        )
        .await;
    let endpoints: Vec<&str> = found["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["endpoint"].as_str().unwrap())
        .collect();
    assert_eq!(endpoints, ["vidu/text-to-video-q3-turbo"]);

    // Describe: the schema straight from the spec, with bounds and defaults.
    let described = mcp
        .ok(
            "describe_model",
            json!({"endpoint": "vidu/text-to-video-q3-turbo"}),
        )
        .await;
    let schema = &described["schema"];
    assert_eq!(schema["properties"]["prompt"]["maxLength"], 4000);
    assert_eq!(schema["properties"]["resolution"]["default"], "720p");
    // Each field says what it means, as the spec words it.
    assert!(
        schema["properties"]["duration"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("seconds")),
        "{schema}"
    );
    assert!(
        schema["required"]
            .as_array()
            .unwrap()
            .contains(&json!("prompt"))
    );
    assert!(!schema.to_string().contains("$ref"), "{schema}");

    // Validate: violations name their field; defaults are filled; nothing is sent.
    let invalid = mcp
        .ok(
            "validate_request",
            json!({"endpoint": "vidu/text-to-video-q3-turbo", "body": {"prompt": "", "resolution": "4k"}}),
        )
        .await;
    assert_eq!(invalid["valid"], false);
    let fields: Vec<&str> = invalid["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"prompt") && fields.contains(&"resolution"),
        "{invalid}"
    );
    let valid = mcp
        .ok(
            "validate_request",
            json!({"endpoint": "vidu/text-to-video-q3-turbo", "body": {"prompt": "a kite"}}),
        )
        .await;
    assert_eq!(valid["valid"], true, "{valid}");
    assert_eq!(valid["body"]["resolution"], "720p");

    // An invalid run is refused before anything is sent.
    let (refused, is_error) = mcp
        .call(
            "run_model",
            json!({"endpoint": "vidu/text-to-video-q3-turbo", "body": {"prompt": ""}}),
        )
        .await;
    assert!(is_error);
    assert_eq!(refused["error"]["kind"], "validation");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("prompt"),
        "{refused}"
    );
    assert_eq!(sim.counts().submits, 0);

    // Price: quoted, no task.
    let quote = mcp
        .ok(
            "estimate_price",
            json!({"endpoint": "vidu/text-to-video-q3-turbo", "body": {"prompt": "a kite"}}),
        )
        .await;
    assert!(quote["estimatedPrice"].is_number(), "{quote}");
    assert_eq!(sim.counts().tasks_created, 0);

    // Run: to the end, with progress, outputs and a saved file.
    let dir = tempfile::tempdir().unwrap();
    let run = mcp
        .call_with(
            "run_model",
            json!({"endpoint": "vidu/text-to-video-q3-turbo", "body": {"prompt": "a kite over the sea"},
                   "outDir": dir.path()}),
            true,
        )
        .await;
    assert_ne!(run.is_error, Some(true), "{run:?}");
    let task = run.structured_content.unwrap();
    let task_id = task["taskId"].as_str().unwrap().to_owned();
    assert_eq!(task["status"], "SUCCESS");
    assert!(
        task["outputs"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("http"),
        "{task}"
    );
    assert_eq!(task["savedFiles"].as_array().unwrap().len(), 1);
    assert!(std::path::Path::new(task["savedFiles"][0].as_str().unwrap()).is_file());
    assert_eq!(sim.task_bodies()[0]["prompt"], "a kite over the sea");
    let progress = mcp.client.progress.lock().unwrap().clone();
    let messages: Vec<String> = progress.iter().filter_map(|p| p.message.clone()).collect();
    assert!(
        messages[0].starts_with(&format!("submitted task {task_id}")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("SUCCESS")),
        "{messages:?}"
    );
    assert!(progress.windows(2).all(|w| w[0].progress < w[1].progress));

    // A task by id, cancel, the account, an upload.
    let got = mcp.ok("get_task", json!({"taskId": task_id})).await;
    assert_eq!(got["status"], "SUCCESS");
    let unknown = mcp
        .call("cancel_task", json!({"taskId": "1904152026220003329"}))
        .await;
    assert!(unknown.1);
    assert_eq!(unknown.0["taskId"], "1904152026220003329");
    assert_eq!(unknown.0["error"]["code"], "807");
    let account = mcp.ok("account", json!({})).await;
    assert!(account["remainCoins"].is_number(), "{account}");
    let photo = dir.path().join("boat.png");
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\nboat").unwrap();
    let uploaded = mcp.ok("upload_file", json!({"path": photo})).await;
    assert!(
        uploaded["fileName"].as_str().unwrap().ends_with("boat.png"),
        "{uploaded}"
    );
    assert_eq!(sim.uploads().len(), 1);

    // Apps, workflows and platform calls.
    let app = mcp
        .ok(
            "run_app",
            json!({"webappId": SAMPLE_APP_ID, "check": true,
                   "nodes": [{"nodeId": "52", "fieldName": "prompt", "fieldValue": "a boat"}]}),
        )
        .await;
    assert_eq!(app["outputs"][0]["nodeId"], "9");
    let (bad_node, is_error) = mcp
        .call(
            "run_workflow",
            json!({"workflowId": SAMPLE_WORKFLOW_ID, "check": true,
                   "nodes": [{"nodeId": "6", "fieldName": "prompt", "fieldValue": "x"}]}),
        )
        .await;
    assert!(is_error);
    assert!(
        bad_node["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no input `prompt`")
    );
    let legacy = mcp
        .ok(
            "call_platform",
            json!({"name": "run_workflow_legacy", "body": {"workflowId": SAMPLE_WORKFLOW_ID}}),
        )
        .await;
    let legacy_id = legacy["taskId"].as_str().unwrap();
    let status = mcp
        .ok(
            "call_platform",
            json!({"name": "task_status_legacy", "body": {"taskId": legacy_id}}),
        )
        .await;
    assert!(status["data"].is_string(), "{status}");
    // The key went where each call takes it, and into no result.
    let calls = sim.platform_calls();
    assert!(
        calls
            .iter()
            .any(|(op, body)| op == "run_workflow_legacy" && body["apiKey"] == KEY)
    );
    for text in &mcp.seen {
        assert!(!text.contains(KEY), "the key is in a result: {text}");
    }
    mcp.service.cancel().await.unwrap();
}

/// Every model of the spec can be run through the server: each example body is submitted
/// (without waiting) and creates its task.
#[tokio::test]
async fn every_model_of_the_spec_runs_through_the_server() {
    let sim = Simulator::start_with(Config {
        api_key: Some(KEY.into()),
        ..Config::default()
    })
    .await;
    let mut mcp = Session::start(&sim).await;
    let all = mcp.ok("find_models", json!({})).await;
    let models = all["models"].as_array().unwrap().clone();
    for model in &models {
        let endpoint = model["endpoint"].as_str().unwrap();
        let described = mcp
            .ok("describe_model", json!({"endpoint": endpoint}))
            .await;
        let run = mcp
            .ok(
                "run_model",
                json!({"endpoint": endpoint, "body": described["example"], "wait": false}),
            )
            .await;
        assert!(
            run["taskId"].as_str().is_some_and(|id| !id.is_empty()),
            "{endpoint}: {run}"
        );
    }
    assert_eq!(sim.counts().tasks_created as usize, models.len());
    mcp.service.cancel().await.unwrap();
}

/// A wait that ends early still names the task, with how to follow it.
#[tokio::test]
async fn a_run_that_times_out_names_its_task() {
    let sim = Simulator::start_with(Config {
        api_key: Some(KEY.into()),
        lifecycle: vec![("RUNNING".into(), Duration::from_secs(60))],
        ..Config::default()
    })
    .await;
    let mut mcp = Session::start(&sim).await;
    let (result, is_error) = mcp
        .call(
            "run_model",
            json!({"endpoint": "vidu/text-to-video-q3-turbo", "body": {"prompt": "slow"},
                   "timeoutSeconds": 0.5}),
        )
        .await;
    assert!(is_error, "{result}");
    assert_eq!(result["error"]["kind"], "timeout");
    let id = result["taskId"].as_str().expect("the task is named");
    assert!(result["resume"].as_str().unwrap().contains(id), "{result}");
    assert_eq!(sim.counts().tasks_created, 1);
    mcp.service.cancel().await.unwrap();
}
