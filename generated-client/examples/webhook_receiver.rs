//! A webhook receiver next to a waiting task.
//!
//! RunningHub POSTs `{"event": "TASK_END", "taskId": …, "eventData": …}` to the submit's
//! `webhookUrl` when the task ends. This example runs a receiver (axum) that hands each
//! delivery to a `WebhookInbox`, submits a task with the receiver's URL, and waits on the
//! inbox instead of polling, falling back to polling if no event arrives in time.
//!
//! It runs against the local simulator, so it needs no account:
//! `cargo run -p runninghub --example webhook_receiver`.
//! With a real key, build the client with `Client::from_env()` and give RunningHub a
//! receiver URL it can reach.

use runninghub::{WaitOptions, WebhookInbox, types};
use runninghub_simulator::Simulator;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let inbox = WebhookInbox::new();

    // The receiver: answer fast (RunningHub retries slow answers) and hand the event over.
    let app = axum::Router::new().route(
        "/runninghub/webhook",
        axum::routing::post({
            let inbox = inbox.clone();
            move |body: axum::body::Bytes| async move {
                match inbox.deliver(&body) {
                    Ok(event) => println!("webhook: {} for task {}", event.event, event.task_id),
                    Err(e) => eprintln!("webhook: ignored a malformed delivery: {e}"),
                }
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let webhook_url = format!("http://{}/runninghub/webhook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let sim = Simulator::start().await;
    let client = sim.client();
    let request = types::ViduReferenceToVideoQ3Request {
        prompt: "A paper boat drifting down a rainy street".into(),
        image_urls: vec!["https://example.com/boat.png".into()],
        duration: 5,
        resolution: types::ViduReferenceToVideoQ3RequestResolution::X720p,
        aspect_ratio: None,
        audio: None,
        webhook_url: Some(webhook_url.into()),
    };
    let options = WaitOptions::new()
        .webhook(inbox, Duration::from_secs(30))
        .on_progress(|p| println!("{} after {:?}: {}", p.task_id, p.elapsed, p.status));
    let finished = client
        .vidu_reference_to_video_q3(&request)
        .wait_with(options)
        .await?;
    for output in finished.outputs() {
        println!("output: {:?} ({:?})", output.url, output.output_type);
    }
    println!("queries made: {}", sim.counts().queries);
    Ok(())
}
