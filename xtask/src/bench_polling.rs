//! The polling part of `cargo xtask bench`: runs the `polling` example of the client crate
//! (same-model batches against the simulator with time scaled down; see the example's
//! docs) and prints its figures as a table.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

/// Time runs this many times faster than real time in the simulator and the schedules.
const SCALE: u32 = 100;
/// A same-model batch: this many tasks...
const TASKS: usize = 32;
/// ...with this many in flight at a time (an account's concurrency limit)...
const IN_FLIGHT: usize = 4;
/// ...run this many times over, the figures pooled.
const REPEATS: usize = 3;

pub fn run(root: &Path, quick: bool) -> Result<()> {
    let (tasks, repeats) = if quick { (12, 1) } else { (TASKS, REPEATS) };
    let batches = if repeats == 1 {
        format!("1 same-model batch of {tasks} per strategy and model")
    } else {
        format!("{repeats} same-model batches of {tasks} per strategy and model, pooled")
    };
    println!(
        "\n## Polling: detection lag and queries per task ({batches}; {IN_FLIGHT} in flight, \
         tasks ±15 %, simulated time ×{SCALE})\n"
    );
    crate::bench::build_release(root, &["--example", "polling"])?;
    let out = Command::new(crate::bench::target_dir(root).join("release/examples/polling"))
        .args([
            SCALE.to_string(),
            tasks.to_string(),
            IN_FLIGHT.to_string(),
            repeats.to_string(),
        ])
        .output()
        .context("running the polling example")?;
    if !out.status.success() {
        bail!(
            "the polling example failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    println!("| strategy | model (s per task) | mean lag | p95 lag | queries per task |");
    println!("|---|---|---|---|---|");
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
        println!(
            "| {} | {} | {:.2} s | {:.2} s | {:.1} |",
            v["strategy"].as_str().unwrap_or("?"),
            f("model_seconds"),
            f("lag_mean"),
            f("lag_p95"),
            f("queries_per_task"),
        );
    }
    println!(
        "\nLag: from the task finishing on the simulator to `wait` returning, in unscaled \
         seconds; it includes the harness's own latency (about 0.4 s at this scale, see the \
         webhook rows)."
    );
    Ok(())
}
