//! The first program to copy: a video from a text prompt, from request to file on disk.
//!
//! ```text
//! RUNNINGHUB_API_KEY=… cargo run -p runninghub --example quickstart
//! cargo run -p runninghub --example quickstart -- --mock   # no account
//! ```
//!
//! `--mock` runs against the local simulator (the `runninghub-simulator` crate) instead of
//! RunningHub.

use runninghub::{Client, Error, WaitOptions, types};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = std::env::args().skip(1).any(|a| a == "--mock");
    // The simulator, when there is one, lives as long as `main`.
    let (client, _simulator) = connect(mock).await?;

    // `new` takes the fields that have no default; every other required field gets its
    // documented default, and optional ones are set by name:
    // `types::ViduTextToVideoQ3TurboRequest { audio: false, ..new("…") }`.
    let request = types::ViduTextToVideoQ3TurboRequest::new(
        "A red kite over a grey sea, seen from the beach",
    );

    let options = WaitOptions::new()
        .timeout(Duration::from_secs(20 * 60))
        .on_progress(|p| eprintln!("task {} is {}", p.task_id, p.status));
    // Checked against the spec, submitted, waited for: one call. An invalid request fails
    // here with `Error::Validation`, and nothing is sent.
    let finished = match client
        .vidu_text_to_video_q3_turbo(&request)
        .wait_with(options)
        .await
    {
        Ok(finished) => finished,
        Err(Error::Timeout { task_id, .. }) => {
            eprintln!("still running; pick it up later with client.wait({task_id:?}, …)");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    for path in finished.download_to("outputs").await? {
        println!("saved {}", path.display());
    }
    Ok(())
}

/// A client for RunningHub (the key from `RUNNINGHUB_API_KEY`), or for a simulator started
/// here when `mock` is set.
async fn connect(mock: bool) -> Result<(Client, Option<runninghub_simulator::Simulator>), Error> {
    use runninghub_simulator::{Config, Outcome, Simulator};
    if mock {
        // Outputs of the kind the model produces: a video model gives an mp4.
        let simulator = Simulator::start_with(Config {
            outcome: Outcome::ByModel,
            ..Config::default()
        })
        .await;
        return Ok((simulator.client(), Some(simulator)));
    }
    Ok((Client::from_env()?, None))
}
