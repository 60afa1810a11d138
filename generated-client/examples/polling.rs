//! Polling efficiency, for `cargo xtask bench`: how late the client notices that a task
//! finished, and how many queries that costs, for several ways of waiting.
//!
//! Four "models" (four endpoints) take 20 s, 1 min, 3 min and 10 min per task, each task
//! ±15 % at random. For each model, a same-model batch of `tasks` runs with `in_flight`
//! tasks at a time (an account's concurrency limit), so later tasks can learn from earlier
//! ones. Time runs `scale` times faster than real time in the simulator and in every
//! schedule; figures are reported in real (unscaled) seconds. Each strategy and model has
//! its own simulator and client, so the simulator's query count is the strategy's.
//!
//! Strategies: the default `WaitOptions` (which learns from earlier tasks of the same
//! endpoint), the default with learning off, fixed 2 s and fixed 5 s polling (what other
//! RunningHub clients do), and webhooks.
//!
//! The whole set runs `repeats` times, one after the other, each batch with a fresh
//! simulator and client; lags and queries are pooled over the repeats, so that the p95 of a
//! strategy does not hang on one or two tasks.
//!
//! Prints one JSON line per strategy and model.
//!
//! `cargo run --release -p runninghub --example polling -- [scale] [tasks] [in_flight] [repeats]`

use runninghub::{Learning, PollSchedule, WaitOptions, WebhookInbox};
use runninghub_simulator::{Config, Simulator};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// (endpoint, seconds per task, body).
fn models() -> Vec<(&'static str, f64, Value)> {
    vec![
        (
            "vidu_text_to_video_q3_turbo",
            20.0,
            json!({"prompt": "A neon night market", "style": "anime", "aspectRatio": "16:9", "resolution": "720p", "duration": "5", "audio": true}),
        ),
        (
            "vidu_text_to_video_q3_pro_fast",
            60.0,
            json!({"prompt": "A young woman looks up at the camera", "aspectRatio": "9:16", "resolution": "720p", "duration": "5", "audio": true}),
        ),
        (
            "vidu_text_to_video",
            180.0,
            json!({"prompt": "An astronaut explores an alien base", "style": "general", "aspectRatio": "16:9", "resolution": "720p", "movementAmplitude": "auto", "duration": "5"}),
        ),
        (
            "vidu_text_to_video_q3_pro",
            600.0,
            json!({"prompt": "A rainy old town at night", "style": "general", "aspectRatio": "16:9", "resolution": "1080p", "duration": "8", "audio": true}),
        ),
    ]
}

#[derive(Clone, Copy, Debug)]
enum Strategy {
    Default,
    NoLearning,
    Fixed2,
    Fixed5,
    Webhook,
}

impl Strategy {
    fn name(self) -> &'static str {
        match self {
            Strategy::Default => "default (learns)",
            Strategy::NoLearning => "default, learning off",
            Strategy::Fixed2 => "fixed 2 s",
            Strategy::Fixed5 => "fixed 5 s",
            Strategy::Webhook => "webhook",
        }
    }

    fn options(self, scale: f64, inbox: &WebhookInbox) -> WaitOptions {
        let s = |d: Duration| d.div_f64(scale);
        let default = PollSchedule::default();
        let scaled = PollSchedule {
            initial: s(default.initial),
            max: s(default.max),
            ..default
        };
        let learning = Learning::default();
        let learning = Learning {
            min_step: s(learning.min_step),
            max_step: s(learning.max_step),
            ..learning
        };
        let fixed = |secs| PollSchedule::fixed(s(Duration::from_secs(secs)));
        let base = WaitOptions::new().timeout(s(Duration::from_secs(3600)));
        match self {
            Strategy::Default => base.schedule(scaled).learning(Some(learning)),
            Strategy::NoLearning => base.schedule(scaled).learning(None),
            Strategy::Fixed2 => base.schedule(fixed(2)).learning(None),
            Strategy::Fixed5 => base.schedule(fixed(5)).learning(None),
            // Polling would start only after an hour: the webhook must do it all.
            Strategy::Webhook => base
                .schedule(scaled)
                .webhook(inbox.clone(), s(Duration::from_secs(3600))),
        }
    }
}

async fn webhook_receiver(inbox: WebhookInbox) -> std::io::Result<String> {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| async move {
            let _ = inbox.deliver(&body);
            "ok"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

/// Runs one same-model batch and returns the per-task lags (real seconds) and the queries.
async fn batch(
    strategy: Strategy,
    operation: &'static str,
    seconds: f64,
    body: Value,
    scale: f64,
    tasks: usize,
    in_flight: usize,
) -> Result<(Vec<f64>, u32), String> {
    let total = Duration::from_secs_f64(seconds / scale);
    let config = Config {
        lifecycle: vec![
            ("QUEUED".into(), total.mul_f64(0.1)),
            ("RUNNING".into(), total.mul_f64(0.9)),
        ],
        spread: 0.15,
        ..Config::default()
    };
    let sim = Arc::new(Simulator::start_with(config).await);
    let client = sim.client();
    let inbox = WebhookInbox::new();
    let mut body = body;
    if let Strategy::Webhook = strategy {
        let url = webhook_receiver(inbox.clone())
            .await
            .map_err(|e| e.to_string())?;
        body["webhookUrl"] = Value::String(url);
    }
    let options = strategy.options(scale, &inbox);
    let slots = Arc::new(tokio::sync::Semaphore::new(in_flight));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..tasks {
        let (client, body, options, slots, sim) = (
            client.clone(),
            body.clone(),
            options.clone(),
            slots.clone(),
            sim.clone(),
        );
        set.spawn(async move {
            let _slot = slots.acquire_owned().await.map_err(|e| e.to_string())?;
            let task = client
                .submit_json(operation, body)
                .await
                .map_err(|e| e.to_string())?;
            let finished = client
                .wait_submitted(task, operation, options)
                .await
                .map_err(|e| e.to_string())?;
            let noticed = Instant::now();
            let ended = sim
                .finished_at(finished.task_id())
                .ok_or("the simulator does not know the task")?;
            Ok::<f64, String>(noticed.saturating_duration_since(ended).as_secs_f64() * scale)
        });
    }
    let mut lags = Vec::with_capacity(tasks);
    while let Some(joined) = set.join_next().await {
        lags.push(joined.map_err(|e| e.to_string())??);
    }
    Ok((lags, sim.counts().queries))
}

/// The batches of one strategy and model: (strategy, model seconds, lags, queries).
type Pooled = (Strategy, f64, Vec<f64>, u32);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let scale: f64 = args.next().map_or(Ok(100.0), |a| a.parse())?;
    let tasks: usize = args.next().map_or(Ok(24), |a| a.parse())?;
    let in_flight: usize = args.next().map_or(Ok(4), |a| a.parse())?;
    let repeats: usize = args.next().map_or(Ok(1), |a| a.parse())?;
    let strategies = [
        Strategy::Default,
        Strategy::NoLearning,
        Strategy::Fixed2,
        Strategy::Fixed5,
        Strategy::Webhook,
    ];
    let mut pooled: std::collections::BTreeMap<(usize, u64), Pooled> =
        std::collections::BTreeMap::new();
    for _ in 0..repeats.max(1) {
        let mut runs = tokio::task::JoinSet::new();
        for strategy in strategies {
            for (operation, seconds, body) in models() {
                runs.spawn(async move {
                    let result =
                        batch(strategy, operation, seconds, body, scale, tasks, in_flight).await;
                    (strategy, seconds, result)
                });
            }
        }
        while let Some(joined) = runs.join_next().await {
            let (strategy, seconds, result) = joined?;
            let (lags, queries) = result?;
            let entry = pooled
                .entry((strategy as usize, seconds as u64))
                .or_insert_with(|| (strategy, seconds, Vec::new(), 0));
            entry.2.extend(lags);
            entry.3 += queries;
        }
    }
    let mut lines = Vec::new();
    for (strategy, seconds, mut lags, queries) in pooled.into_values() {
        lags.sort_by(f64::total_cmp);
        let mean = lags.iter().sum::<f64>() / lags.len() as f64;
        let p95 = lags[((lags.len() as f64 * 0.95).ceil() as usize).clamp(1, lags.len()) - 1];
        lines.push((
            strategy as usize,
            seconds as u64,
            json!({
                "strategy": strategy.name(),
                "model_seconds": seconds,
                "tasks": lags.len(),
                "lag_mean": mean,
                "lag_p95": p95,
                "queries_per_task": f64::from(queries) / lags.len() as f64,
                "batches": repeats.max(1),
            }),
        ));
    }
    lines.sort_by_key(|(s, m, _)| (*s, *m));
    for (_, _, line) in lines {
        println!("{line}");
    }
    Ok(())
}
