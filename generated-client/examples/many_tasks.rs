//! Many tasks in flight through one client, for `cargo xtask bench`: submits N tasks to a
//! simulator running in another process (`runninghub simulate`), waits for all of them
//! concurrently, and prints one JSON line with the wall time, the requests the simulator
//! received, and this process's peak RSS and CPU time (read from /proc; Linux only).
//!
//! `cargo run --release -p runninghub --example many_tasks -- <simulator URL> <N>`

use runninghub::{Client, WaitOptions, types};
use std::time::Instant;

fn proc_figures() -> (Option<u64>, Option<f64>) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak_kb = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok());
    // Fields 14 and 15 of /proc/self/stat are user and system time in clock ticks (100/s).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_comm = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    let cpu = match (ticks(11), ticks(12)) {
        (Some(u), Some(s)) => Some((u + s) / 100.0),
        _ => None,
    };
    (peak_kb, cpu)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("usage: many_tasks <simulator URL> <N>")?;
    let n: usize = args
        .next()
        .ok_or("usage: many_tasks <simulator URL> <N>")?
        .parse()?;
    let client = Client::builder()
        .api_key("sim-key")
        .base_url(&url)
        .build()?;
    let request = types::ViduReferenceToVideoQ3Request {
        prompt: "benchmark".into(),
        image_urls: vec!["https://example.com/a.png".into()],
        duration: 5,
        resolution: types::ViduReferenceToVideoQ3RequestResolution::X720p,
        aspect_ratio: None,
        audio: None,
        webhook_url: None,
    };
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let client = client.clone();
        let request = request.clone();
        set.spawn(async move {
            client
                .vidu_reference_to_video_q3(&request)
                .wait_with(WaitOptions::new())
                .await
                .map(|_| ())
        });
    }
    let (mut ok, mut failed) = (0, 0);
    while let Some(result) = set.join_next().await {
        match result {
            Ok(Ok(())) => ok += 1,
            _ => failed += 1,
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let counts: serde_json::Value =
        reqwest::get(format!("{url}{}", runninghub_simulator::COUNTS_PATH))
            .await?
            .json()
            .await?;
    let requests =
        counts["submits"].as_u64().unwrap_or(0) + counts["queries"].as_u64().unwrap_or(0);
    let (peak_kb, cpu) = proc_figures();
    println!(
        "{}",
        serde_json::json!({"tasks": n, "ok": ok, "failed": failed, "wallSeconds": wall, "requests": requests,
                           "submits": counts["submits"], "queries": counts["queries"],
                           "peakRssKb": peak_kb, "cpuSeconds": cpu})
    );
    Ok(())
}
