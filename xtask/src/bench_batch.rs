//! The batch part of `cargo xtask bench`: `runninghub batch` with its journal, N inputs and
//! a limit of 50 in flight, against `runninghub simulate` (in another process) enforcing the
//! same account limit. Reports wall time, requests, the batch process's peak RSS and CPU
//! (from `/usr/bin/time`), and checks that no task was lost or duplicated.

use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const LIMIT: usize = 50;
/// Seconds per simulated task.
const TASK_SECONDS: &str = "2";

pub fn run(root: &Path, n: usize) -> Result<()> {
    println!(
        "\n## A batch of {n} tasks, {LIMIT} in flight (`runninghub batch` with its journal; \
         simulator in another process enforcing a limit of {LIMIT}, {TASK_SECONDS} s per task)\n"
    );
    let bin = crate::bench::build_cli_release(root)?;
    let dir = root.join("target/bench/batch");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let inputs = dir.join("inputs.jsonl");
    let (endpoint, example) = first_example(root)?;
    let lines: Vec<String> = (0..n)
        .map(|i| {
            let mut body = example.clone();
            body["prompt"] = serde_json::Value::String(format!("input {i}"));
            serde_json::json!({"endpoint": endpoint, "body": body}).to_string()
        })
        .collect();
    std::fs::write(&inputs, lines.join("\n") + "\n")?;

    let sim = crate::bench::SimProcess::start(
        root,
        &[
            "--lifecycle",
            TASK_SECONDS,
            "--max-in-flight",
            &LIMIT.to_string(),
        ],
    )?;
    let url = sim.url.clone();
    let started = std::time::Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M %U %S"])
        .arg(&bin)
        .args([
            "batch",
            "inputs.jsonl",
            "--max-in-flight",
            &LIMIT.to_string(),
        ])
        .args(["--rate", "0", "--json"])
        .current_dir(&dir)
        .env("RUNNINGHUB_BASE_URL", &url)
        .env("RUNNINGHUB_API_KEY", "sim-key")
        .output();
    let wall = started.elapsed().as_secs_f64();
    let counts: Option<serde_json::Value> = reqwest_counts(&url);
    drop(sim);
    let out = out?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("the batch failed: {stderr}");
    }
    let mut succeeded = BTreeSet::new();
    let mut task_ids = BTreeSet::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        if v["state"] == "succeeded" {
            succeeded.insert(v["index"].as_u64().context("index")?);
            task_ids.insert(v["taskId"].as_str().context("taskId")?.to_owned());
        }
    }
    let (rss_kb, cpu) = stderr
        .lines()
        .last()
        .and_then(|l| {
            let f: Vec<f64> = l
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            (f.len() == 3).then(|| (f[0], f[1] + f[2]))
        })
        .context("no figures from /usr/bin/time")?;
    let counts = counts.context("no counts from the simulator")?;
    let created = counts["tasksCreated"].as_u64().unwrap_or(0);
    let lost = n as u64 - succeeded.len() as u64;
    let duplicated = created.saturating_sub(task_ids.len() as u64);
    println!(
        "| inputs | succeeded | lost | duplicated | most in flight | wall | requests (submits + queries) | refused (1520) | batch peak RSS | batch CPU |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {n} | {} | {lost} | {duplicated} | {} | {wall:.1} s | {} ({} + {}) | {} | {:.1} MB | {cpu:.2} s |",
        succeeded.len(),
        counts["maxInFlight"],
        counts["submits"].as_u64().unwrap_or(0) + counts["queries"].as_u64().unwrap_or(0),
        counts["submits"],
        counts["queries"],
        counts["concurrencyRejections"],
        rss_kb / 1024.0,
    );
    Ok(())
}

/// The first model endpoint of the spec with a request example that has a `prompt`: its
/// path under `/openapi/v2/` and the example.
fn first_example(root: &Path) -> Result<(String, serde_json::Value)> {
    let spec = codegen::bundle(&crate::spec_files(root)?).map_err(|e| anyhow::anyhow!("{e}"))?;
    let paths = spec["paths"].as_object().context("the spec has no paths")?;
    for (path, item) in paths {
        let example = &item["post"]["requestBody"]["content"]["application/json"]["example"];
        if example.get("prompt").is_some()
            && let Some(endpoint) = path.strip_prefix("/openapi/v2/")
        {
            return Ok((endpoint.to_owned(), example.clone()));
        }
    }
    bail!("no model endpoint of the spec has a request example with a prompt")
}

/// The simulator's counts, fetched with a plain HTTP/1.1 GET (no HTTP client needed here).
fn reqwest_counts(url: &str) -> Option<serde_json::Value> {
    use std::io::{Read, Write};
    let addr = url.strip_prefix("http://")?;
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    write!(
        stream,
        "GET /_simulator/counts HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let body = response.split_once("\r\n\r\n")?.1;
    serde_json::from_str(body).ok()
}
