//! The client's traces: a task's whole life, in order, with the fields each step names, and
//! never the key, nor a request body unless the client was built to trace bodies.

use runninghub::{WaitOptions, types};
use runninghub_simulator::{Config, SAMPLE_APP_ID, Simulator};
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

const KEY: &str = "trace-secret-key-7f3a";
const PROMPT: &str = "a-prompt-that-must-not-be-traced";

/// One event as recorded: its message, its own fields, and the spans it is in (outermost
/// first), each with its fields, as text.
#[derive(Debug, Clone)]
struct Seen {
    message: String,
    fields: Vec<(String, String)>,
    spans: Vec<(String, Vec<(String, String)>)>,
}

impl Seen {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn span(&self, name: &str) -> Option<&[(String, String)]> {
        self.spans
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f.as_slice())
    }
}

#[derive(Default)]
struct Fields(Vec<(String, String)>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

/// Records every event, and every span's fields (as recorded so far).
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Seen>>>);

impl<S> tracing_subscriber::Layer<S> for Recorder
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: Context<'_, S>,
    ) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<Fields>()
        {
            values.record(fields);
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let message = fields
            .0
            .iter()
            .position(|(k, _)| k == "message")
            .map(|i| fields.0.remove(i).1)
            .unwrap_or_default();
        let spans = ctx
            .event_scope(event)
            .into_iter()
            .flat_map(|scope| scope.from_root())
            .map(|span| {
                let fields = span
                    .extensions()
                    .get::<Fields>()
                    .map(|f| f.0.clone())
                    .unwrap_or_default();
                (span.name().to_owned(), fields)
            })
            .collect();
        self.0.lock().unwrap().push(Seen {
            message,
            fields: fields.0,
            spans,
        });
    }
}

#[tokio::test(start_paused = true)]
async fn a_task_s_life_is_traced_in_order_and_the_key_and_body_appear_nowhere() {
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    let _default = tracing::subscriber::set_default(subscriber);

    let sim = Simulator::in_process(Config {
        api_key: Some(KEY.into()),
        ..Config::default()
    });
    let client = sim.client();
    let done = client
        .vidu_text_to_video_q3_turbo(&types::ViduTextToVideoQ3TurboRequest::new(PROMPT))
        .wait_with(WaitOptions::new().learning(None))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let saved = done.download_to(dir.path()).await.unwrap();
    // Platform calls with the key in the body and in the query.
    client.account().await.unwrap();
    client
        .ai_app_info(&types::AiAppInfoQuery {
            webapp_id: SAMPLE_APP_ID.into(),
        })
        .await
        .unwrap();

    let seen = recorder.0.lock().unwrap().clone();
    let messages: Vec<&str> = seen.iter().map(|s| s.message.as_str()).collect();
    // The order of a task's life: submitted, its statuses with polls between, finished,
    // its file saved.
    let position = |from: usize, wanted: &str| {
        messages[from..]
            .iter()
            .position(|m| *m == wanted)
            .map(|i| from + i)
            .unwrap_or_else(|| panic!("no `{wanted}` after event {from}: {messages:?}"))
    };
    let submitted = position(0, "submitted");
    let queued = position(submitted, "status");
    let poll = position(queued, "poll");
    let success = seen.iter().rposition(|s| s.message == "status").unwrap();
    let finished = position(success, "finished");
    let saved_at = position(finished, "saved");
    assert!(
        submitted < queued && queued < poll && poll < success,
        "{messages:?}"
    );

    // The fields each step names.
    let task_id = done.task_id();
    assert_eq!(seen[submitted].field("task_id"), Some(task_id));
    assert_eq!(
        seen[submitted].span("submit").unwrap()[0],
        ("operation".into(), "vidu_text_to_video_q3_turbo".into())
    );
    assert_eq!(seen[queued].field("status"), Some("QUEUED"));
    assert_eq!(seen[success].field("status"), Some("SUCCESS"));
    for event in [&seen[queued], &seen[poll], &seen[success], &seen[finished]] {
        let task = event.span("task").expect("inside the task's span");
        assert!(
            task.contains(&("task_id".into(), task_id.into())),
            "{task:?}"
        );
    }
    assert_eq!(seen[finished].field("outputs"), Some("1"));
    let download = seen[saved_at].span("download").unwrap();
    assert!(
        download.contains(&("task_id".into(), task_id.into())),
        "{download:?}"
    );
    assert_eq!(
        seen[saved_at].field("path"),
        Some(saved[0].display().to_string().as_str())
    );
    // Every request: its method, its path without a query, and its status.
    let responses: Vec<&Seen> = seen.iter().filter(|s| s.message == "response").collect();
    let paths: Vec<String> = responses
        .iter()
        .map(|s| {
            let request = s.span("request").unwrap();
            let get = |k: &str| {
                request
                    .iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            assert_eq!(get("status"), "200", "{request:?}");
            format!("{} {} {}", get("method"), get("path"), get("to"))
        })
        .collect();
    assert_eq!(
        paths.first().map(String::as_str),
        Some("POST /openapi/v2/vidu/text-to-video-q3-turbo runninghub")
    );
    assert!(
        paths.contains(&"POST /openapi/v2/query runninghub".to_owned()),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("GET /files/") && p.ends_with("storage")),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"POST /uc/openapi/accountStatus runninghub".to_owned()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"GET /api/webapp/apiCallDemo runninghub".to_owned()),
        "{paths:?}"
    );

    // Never the key, never the body.
    let text = format!("{seen:?}");
    assert!(!text.contains(KEY), "the key was traced");
    assert!(!text.contains(PROMPT), "a request body was traced");
}

#[tokio::test(start_paused = true)]
async fn a_retry_is_traced_with_its_reason_and_delay() {
    use runninghub_simulator::{Fault, Route};
    let recorder = Recorder::default();
    let _default =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(recorder.clone()));
    let sim = Simulator::in_process(Config::default());
    sim.inject(
        Route::Submit,
        Fault::Reject {
            code: "1003".into(),
            message: "too many requests".into(),
        },
    );
    let task = sim
        .client()
        .vidu_text_to_video_q3_turbo(&types::ViduTextToVideoQ3TurboRequest::new("a boat"))
        .await
        .unwrap();
    let seen = recorder.0.lock().unwrap().clone();
    let retry = seen
        .iter()
        .find(|s| s.message == "retrying")
        .expect("a retry event");
    assert_eq!(retry.field("attempt"), Some("1"));
    assert!(retry.field("reason").unwrap().contains("1003"), "{retry:?}");
    assert!(retry.field("delay_ms").is_some(), "{retry:?}");
    assert!(retry.span("submit").is_some(), "{retry:?}");
    let submitted = seen.iter().position(|s| s.message == "submitted").unwrap();
    assert!(
        seen.iter().position(|s| s.message == "retrying").unwrap() < submitted,
        "the retry comes before the task exists"
    );
    assert_eq!(
        seen[submitted].field("task_id"),
        Some(task.task_id.as_str())
    );
    // Each request says which attempt it was: the refused one the first, the answered one
    // the second.
    let attempts: Vec<&str> = seen
        .iter()
        .filter(|s| s.message == "response")
        .map(|s| s.span("attempt").unwrap()[0].1.as_str())
        .collect();
    assert_eq!(attempts, ["1", "2"]);
}

#[tokio::test(start_paused = true)]
async fn bodies_are_traced_only_when_asked_and_never_with_the_key() {
    let recorder = Recorder::default();
    let _default =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(recorder.clone()));
    let sim = Simulator::in_process(Config {
        api_key: Some(KEY.into()),
        ..Config::default()
    });
    let client = sim.client_builder().trace_bodies(true).build().unwrap();
    client
        .vidu_text_to_video_q3_turbo(&types::ViduTextToVideoQ3TurboRequest::new(PROMPT))
        .await
        .unwrap();
    // A platform call that carries the key in its body.
    client.account().await.unwrap();

    let seen = recorder.0.lock().unwrap().clone();
    let body_of = |path: &str| {
        seen.iter()
            .filter(|s| s.message == "request body")
            .find(|s| {
                s.span("request")
                    .is_some_and(|r| r.contains(&("path".into(), path.into())))
            })
            .and_then(|s| s.field("body"))
            .unwrap_or_else(|| panic!("no body traced for {path}: {seen:#?}"))
            .to_owned()
    };
    let submit: serde_json::Value =
        serde_json::from_str(&body_of("/openapi/v2/vidu/text-to-video-q3-turbo")).unwrap();
    assert_eq!(submit["prompt"], PROMPT);
    let account: serde_json::Value =
        serde_json::from_str(&body_of("/uc/openapi/accountStatus")).unwrap();
    assert_eq!(account["apikey"], "<redacted>", "{account}");
    assert!(!format!("{seen:?}").contains(KEY), "the key was traced");
}
