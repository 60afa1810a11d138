//! `cargo xtask bench`: the figures users pay in, printed as Markdown tables.
//!
//! 1. Codegen: load + check + generate + format, for the real spec and synthetic specs of
//!    N task endpoints (copies of real entries), against raw progenitor on the same spec.
//! 2. Compile cost: `cargo check` and `cargo build` (debug) of the generated crate alone,
//!    dependencies already built, for the same N, against raw progenitor's output; and the
//!    build with one model family only (cargo features), the synthetic endpoints being
//!    grouped into families of realistic size.
//! 3. Many tasks: N tasks in flight through one client against the simulator running in
//!    another process: wall time, requests, the client's peak RSS and CPU time.
//! 4. A batch of N tasks with 50 in flight, with its journal (`bench_batch`).
//! 5. Polling: detection lag and queries per task for our default schedule against fixed
//!    2 s / 5 s polling and webhooks (`bench_polling`).
//!
//! It runs itself in release mode. Figures are medians where runs repeat.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SIZES: [usize; 3] = [10, 100, 300];

/// The sections `--only` can pick.
pub const SECTIONS: [&str; 5] = ["codegen", "compile", "tasks", "batch", "polling"];

pub fn run(root: &Path, quick: bool, only: Option<&str>) -> Result<()> {
    let started = Instant::now();
    let on = |section: &str| only.is_none_or(|o| o == section);
    let spec_text = crate::bundled_spec_text(root)?;
    println!("# cargo xtask bench\n");
    println!(
        "machine: {} cores, {}; {}\n",
        cores(),
        memory(),
        rustc_version()
    );

    if on("codegen") {
        codegen_section(&spec_text)?;
    }
    if on("compile") {
        println!("\n## Compile cost of the generated crate (debug, dependencies built)\n");
        let sizes: &[usize] = if quick { &[10, 100] } else { &SIZES };
        // A quick run builds each figure once: it checks that the harness works.
        let runs = if quick { 1 } else { BUILD_RUNS };
        compile_cost(root, &spec_text, sizes, runs)?;
    }
    if on("tasks") {
        println!(
            "\n## Many tasks in flight (one client, simulator in another process, 2 s per task)\n"
        );
        many_tasks(root, if quick { 200 } else { 1000 })?;
    }
    if on("batch") {
        crate::bench_batch::run(root, if quick { 200 } else { 1000 })?;
    }
    if on("polling") {
        crate::bench_polling::run(root, quick)?;
    }
    let secs = started.elapsed().as_secs();
    println!(
        "\nThe run took {} min {} s (after building xtask itself).",
        secs / 60,
        secs % 60
    );
    Ok(())
}

fn codegen_section(spec_text: &str) -> Result<()> {
    println!("## Codegen (load, check, generate, format; release, median of 5)\n");
    println!(
        "| spec | endpoints | option sets (distinct / enumerated fields) | ours: wall | ours: CPU | ours: lines (both crates) | raw progenitor: wall | raw: CPU | raw: lines | ours / raw (wall) | ours / raw (CPU) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let mut specs = vec![(
        "real".to_owned(),
        count_tasks(spec_text)?,
        spec_text.to_owned(),
    )];
    for n in SIZES {
        specs.push((format!("synthetic {n}"), n, synthetic(spec_text, n)?));
    }
    let mut real_phases = None;
    for (name, n, text) in &specs {
        let cpu_before = process_cpu();
        let (ours, (ours_code, phases)) = median(RUNS, || {
            codegen::generate_timed(&codegen::SpecFiles::single("bench.yaml", text))
                .map(|(g, phases)| (format!("{}{}", g.runtime_code, g.code), phases))
        })?;
        let cpu = process_cpu()
            .zip(cpu_before)
            .map(|(after, before)| (after.saturating_sub(before)) / RUNS as u32);
        let raw_cpu_before = process_cpu();
        let (raw, raw_code) = median(RUNS, || {
            codegen::generate_raw_progenitor(&codegen::SpecFiles::single("bench.yaml", text))
        })?;
        let raw_cpu = process_cpu()
            .zip(raw_cpu_before)
            .map(|(after, before)| (after.saturating_sub(before)) / RUNS as u32);
        let (fields, sets) = option_sets(text)?;
        println!(
            "| {name} | {n} | {sets} / {fields} | {} | {} | {} | {} | {} | {} | {:.2} | {} |",
            ms(ours),
            cpu.map_or("?".to_owned(), ms),
            ours_code.lines().count(),
            ms(raw),
            raw_cpu.map_or("?".to_owned(), ms),
            raw_code.lines().count(),
            ours.as_secs_f64() / raw.as_secs_f64(),
            cpu.zip(raw_cpu).map_or("?".to_owned(), |(o, r)| format!(
                "{:.2}",
                o.as_secs_f64() / r.as_secs_f64()
            ))
        );
        // The phases of the real spec, the one users regenerate.
        if real_phases.is_none() {
            real_phases = Some((name.clone(), phases));
        }
    }
    if let Some((name, phases)) = real_phases {
        println!("\nWhere the time goes ({name} spec, the last run):\n");
        println!("| phase | time |");
        println!("|---|---|");
        for (phase, time) in phases.0 {
            println!("| {phase} | {} |", ms(time));
        }
    }
    Ok(())
}

/// How often each codegen measurement repeats.
const RUNS: usize = 5;

/// The CPU time (user + system, every thread) this process has used so far, from
/// `/proc/self/stat` in clock ticks of 10 ms (Linux's `USER_HZ` of 100); `None` elsewhere.
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; the fields after it are plain numbers.
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn cores() -> String {
    std::thread::available_parallelism().map_or("?".into(), |n| n.to_string())
}

fn memory() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or("? memory".into(), |kb| {
            format!("{:.0} GiB", kb / 1024.0 / 1024.0)
        })
}

fn rustc_version() -> String {
    Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn median<T>(
    runs: usize,
    mut f: impl FnMut() -> Result<T, codegen::Error>,
) -> Result<(Duration, T)> {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let out = f().map_err(|e| anyhow::anyhow!("{e}"))?;
        times.push(t.elapsed());
        last = Some(out);
    }
    times.sort();
    Ok((times[runs / 2], last.expect("at least one run")))
}

fn count_tasks(spec: &str) -> Result<usize> {
    Ok(task_paths(&serde_yaml::from_str(spec)?).len())
}

fn task_paths(doc: &serde_yaml::Value) -> Vec<String> {
    let Some(paths) = doc["paths"].as_mapping() else {
        return Vec::new();
    };
    paths
        .iter()
        .filter(|(_, item)| {
            // A task endpoint is a POST that is neither a role (query) nor hand-written;
            // `queue_status` is a GET and not a task.
            item.get("post").is_some_and(|op| {
                op.get("x-runninghub-role").is_none()
                    && op.get("x-runninghub-handwritten").is_none()
            })
        })
        .filter_map(|(k, _)| k.as_str().map(str::to_owned))
        .collect()
}

/// A spec with exactly `n` task endpoints, copied round-robin from the real ones (paths,
/// operation ids and request schemas renamed), plus the real query and upload.
fn synthetic(spec: &str, n: usize) -> Result<String> {
    let mut doc: serde_yaml::Value = serde_yaml::from_str(spec)?;
    let templates = task_paths(&doc);
    if templates.is_empty() {
        bail!("the spec has no task endpoint to copy");
    }
    let paths = doc["paths"].as_mapping().cloned().context("paths")?;
    let originals = doc["components"]["schemas"]
        .as_mapping()
        .cloned()
        .context("schemas")?;
    // The templates' own request schemas are replaced by their copies, so a synthetic spec
    // of N endpoints holds N request schemas, not N plus the real ones.
    let template_schemas: Vec<String> = templates
        .iter()
        .filter_map(|t| {
            paths[t.as_str()]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
        })
        .filter_map(|r| r.rsplit('/').next().map(str::to_owned))
        .collect();
    let mut schemas: serde_yaml::Mapping = originals
        .iter()
        .filter(|(k, _)| {
            !k.as_str()
                .is_some_and(|k| template_schemas.iter().any(|t| t == k))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut new_paths = serde_yaml::Mapping::new();
    for (k, item) in &paths {
        if !templates.iter().any(|t| Some(t.as_str()) == k.as_str()) {
            new_paths.insert(k.clone(), item.clone());
        }
    }
    for i in 0..n {
        let template = &templates[i % templates.len()];
        let mut item = paths[template.as_str()].clone();
        let op = &mut item["post"];
        let id = format!("{}_n{i}", op["operationId"].as_str().unwrap_or("op"));
        op["operationId"] = id.into();
        let media = &mut op["requestBody"]["content"]["application/json"];
        if let Some(reference) = media["schema"]["$ref"].as_str().map(str::to_owned) {
            let name = reference.rsplit('/').next().unwrap_or_default().to_owned();
            let new_name = format!("{name}N{i}");
            let mut schema = originals[name.as_str()].clone();
            if i >= templates.len() {
                vary_options(&mut schema, i);
            }
            schemas.insert(new_name.clone().into(), schema);
            media["schema"]["$ref"] = format!("#/components/schemas/{new_name}").into();
        }
        new_paths.insert(format!("{template}-n{i}").into(), item);
    }
    doc["paths"] = serde_yaml::Value::Mapping(new_paths);
    doc["components"]["schemas"] = serde_yaml::Value::Mapping(schemas);
    Ok(serde_yaml::to_string(&doc)?)
}

/// Makes some of a copied request schema's option sets its own, so that a synthetic
/// catalog shares option sets about as much as RunningHub's registry does (130 distinct
/// value sets among 522 enumerated parameters, a quarter) rather than only repeating the
/// real spec's sets: every fourth enumerated property of a copy, by position, gets an
/// extra value naming the copy.
fn vary_options(schema: &mut serde_yaml::Value, copy: usize) {
    let Some(properties) = schema
        .get_mut("properties")
        .and_then(serde_yaml::Value::as_mapping_mut)
    else {
        return;
    };
    let mut position = 0;
    for (_, property) in properties.iter_mut() {
        let target = if property.get("enum").is_some() {
            property
        } else if property
            .get("items")
            .is_some_and(|items| items.get("enum").is_some())
        {
            &mut property["items"]
        } else {
            continue;
        };
        position += 1;
        if (position + copy).is_multiple_of(4)
            && let Some(values) = target
                .get_mut("enum")
                .and_then(serde_yaml::Value::as_sequence_mut)
        {
            values.push(format!("variant-{copy}").into());
        }
    }
}

/// Enumerated properties of the spec's request schemas, and how many distinct value sets
/// they use.
fn option_sets(spec: &str) -> Result<(usize, usize)> {
    let doc: serde_yaml::Value = serde_yaml::from_str(spec)?;
    let mut fields = 0;
    let mut sets = std::collections::BTreeSet::new();
    for schema in doc["components"]["schemas"]
        .as_mapping()
        .into_iter()
        .flat_map(|m| m.values())
    {
        for property in schema["properties"]
            .as_mapping()
            .into_iter()
            .flat_map(|m| m.values())
        {
            let values = property
                .get("enum")
                .or_else(|| property.get("items").and_then(|i| i.get("enum")));
            if let Some(values) = values {
                fields += 1;
                sets.insert(serde_yaml::to_string(values)?);
            }
        }
    }
    Ok((fields, sets.len()))
}

/// One timed cargo run.
#[derive(Debug, Clone, Copy)]
struct Timed {
    wall: Duration,
    /// User + system time of cargo and every process it ran, from GNU time: much less
    /// disturbed than wall time by other work on the machine.
    cpu: Option<Duration>,
    /// Peak RSS of the largest process, in KiB, from GNU time.
    rss_kb: Option<u64>,
}

/// Times a cargo command in `dir`, and reads the CPU time and the peak RSS of its largest
/// process from GNU time when it is installed.
fn timed_cargo(dir: &Path, target: &Path, args: &[&str]) -> Result<Timed> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let gnu_time = Path::new("/usr/bin/time").exists();
    let mut cmd = if gnu_time {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "peak-rss-kb=%M cpu-s=%U+%S"]).arg(&cargo);
        c
    } else {
        Command::new(&cargo)
    };
    // Dependencies are never built incrementally, and neither is the crate measured here.
    cmd.current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .args(args)
        .stdout(Stdio::null());
    let t = Instant::now();
    let out = cmd.output().context("running cargo")?;
    let wall = t.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("cargo {} failed:\n{stderr}", args.join(" "));
    }
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("peak-rss-kb="))
        .unwrap_or_default();
    let field = |name: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .map(str::to_owned)
    };
    let rss_kb = field("peak-rss-kb=").and_then(|v| v.parse().ok());
    let cpu = field("cpu-s=").and_then(|v| {
        let (user, sys) = v.split_once('+')?;
        let secs = user.parse::<f64>().ok()? + sys.parse::<f64>().ok()?;
        Some(Duration::from_secs_f64(secs))
    });
    Ok(Timed { wall, cpu, rss_kb })
}

/// Builds from scratch `runs` times (touching each of `touch` first, so that cargo
/// rebuilds their crates) and keeps the run of median wall time, with the highest peak RSS
/// seen.
fn median_build(
    dir: &Path,
    target: &Path,
    touch: &[&Path],
    runs: usize,
    args: &[&str],
) -> Result<Timed> {
    let mut all = Vec::with_capacity(runs);
    for _ in 0..runs {
        for file in touch {
            let text = std::fs::read(file)?;
            std::fs::write(file, text)?;
        }
        all.push(timed_cargo(dir, target, args)?);
    }
    let peak = all.iter().filter_map(|t| t.rss_kb).max();
    all.sort_by_key(|t| t.wall);
    let mut median = all[all.len() / 2];
    median.rss_kb = peak;
    Ok(median)
}

/// Model families of a synthetic spec for the compile-cost figures: its task endpoints in
/// spec order, grouped `FAMILY_SIZE` at a time (`family-00`, `family-01`, …), about the size
/// of a real model family, each a mix of the real templates.
const FAMILY_SIZE: usize = 20;

/// Builds per figure of the compile-cost table (the median is kept).
const BUILD_RUNS: usize = 3;

/// `spec` with its task endpoints regrouped into families of `size` (see [`FAMILY_SIZE`]).
fn with_families(spec: &str, size: usize) -> Result<String> {
    let mut doc: serde_yaml::Value = serde_yaml::from_str(spec)?;
    let tasks = task_paths(&doc);
    let mut families: Vec<String> = Vec::new();
    for (k, path) in tasks.iter().enumerate() {
        let family = format!("family-{:02}", k / size);
        doc["paths"][path.as_str()]["post"]["tags"] =
            serde_yaml::Value::Sequence(vec![family.clone().into()]);
        if !families.contains(&family) {
            families.push(family);
        }
    }
    let mut tags: Vec<serde_yaml::Value> = doc["tags"]
        .as_sequence()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|t| {
            // Keep the tags of the operations that are not task endpoints (query, upload).
            let name = t["name"].as_str().unwrap_or_default();
            doc["paths"].as_mapping().is_some_and(|paths| {
                paths.values().any(|item| {
                    item["post"]["tags"]
                        .as_sequence()
                        .is_some_and(|ts| ts.iter().any(|x| x.as_str() == Some(name)))
                })
            })
        })
        .collect();
    for f in &families {
        let mut tag = serde_yaml::Mapping::new();
        tag.insert("name".into(), f.clone().into());
        tag.insert(
            "description".into(),
            format!("Synthetic family {f}.").into(),
        );
        tags.push(serde_yaml::Value::Mapping(tag));
    }
    doc["tags"] = serde_yaml::Value::Sequence(tags);
    Ok(serde_yaml::to_string(&doc)?)
}

/// The generated client (both crates' files), and its manifest with the features of that
/// spec, written into the scratch workspace.
fn write_client(scratch: &Path, manifest: &str, spec: &str) -> Result<()> {
    let generated = codegen::generate("bench.yaml", spec).map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::write(
        scratch.join("generated-client/src/generated.rs"),
        &generated.code,
    )?;
    std::fs::write(
        scratch.join("runtime/src/generated.rs"),
        &generated.runtime_code,
    )?;
    let manifest =
        codegen::splice_manifest(manifest, &generated.features).map_err(|e| anyhow::anyhow!(e))?;
    std::fs::write(scratch.join("generated-client/Cargo.toml"), manifest)?;
    Ok(())
}

fn compile_cost(root: &Path, spec: &str, sizes: &[usize], runs: usize) -> Result<()> {
    // Removed when dropped, on errors too.
    let scratch_dir = tempfile::Builder::new().prefix("rh-bench-").tempdir()?;
    let scratch = scratch_dir.path().to_path_buf();
    copy_dir(
        &root.join("generated-client"),
        &scratch.join("generated-client"),
    )?;
    copy_dir(&root.join("runtime"), &scratch.join("runtime"))?;
    let _ = std::fs::remove_dir_all(scratch.join("generated-client/tests"));
    let _ = std::fs::remove_dir_all(scratch.join("generated-client/examples"));
    std::fs::copy(root.join("Cargo.lock"), scratch.join("Cargo.lock"))?;
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let members_start = manifest.find("members").context("members")?;
    let members_end = manifest[members_start..]
        .find('\n')
        .context("members line")?
        + members_start;
    let manifest = format!(
        "{}members = [\"runtime\", \"generated-client\", \"raw-client\"]{}",
        &manifest[..members_start],
        &manifest[members_end..]
    );
    std::fs::write(scratch.join("Cargo.toml"), manifest)?;
    // Examples and tests were not copied; drop their manifest entries, and the
    // dev-dependencies (the simulator crate among them) that only they use.
    let client_manifest = std::fs::read_to_string(scratch.join("generated-client/Cargo.toml"))?;
    let client_manifest = client_manifest
        .split("\n[[")
        .filter(|section| !section.starts_with("example]]") && !section.starts_with("test]]"))
        .collect::<Vec<_>>()
        .join("\n[[");
    let client_manifest = without_table(&client_manifest, "[dev-dependencies]");
    let runtime_manifest = scratch.join("runtime/Cargo.toml");
    let text = std::fs::read_to_string(&runtime_manifest)?;
    std::fs::write(
        &runtime_manifest,
        without_table(&text, "[dev-dependencies]"),
    )?;
    std::fs::create_dir_all(scratch.join("raw-client/src"))?;
    std::fs::write(
        scratch.join("raw-client/Cargo.toml"),
        "[package]\nname = \"raw-client\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nprogenitor-client.workspace = true\nreqwest.workspace = true\nserde.workspace = true\nserde_json.workspace = true\n",
    )?;
    let target = root.join("target/bench");
    let raw_lib = scratch.join("raw-client/src/lib.rs");

    // Build the dependencies once (not timed).
    write_client(&scratch, &client_manifest, spec)?;
    std::fs::write(&raw_lib, "#![allow(warnings)]\n")?;
    eprintln!("bench: building dependencies once (not timed)...");
    timed_cargo(&scratch, &target, &["build", "--quiet", "--workspace"])?;

    println!(
        "The client is two crates: `runninghub-runtime` (the hand-written runtime and the platform \
         calls, which every build compiles) and `runninghub` (the model families). \"both crates\" \
         rebuilds the two, as a fresh build does; \"models crate\" rebuilds only `runninghub` with \
         the runtime built, as a change of the spec or of the families does. \
         The real spec's families are its own; \"one family\" builds its largest alone. Synthetic \
         endpoints are grouped into model families of {FAMILY_SIZE} (cargo features); \
         \"one family\" builds the models crate with only the first one (`--no-default-features --features family-00`). \
         Builds are the median of {runs} (wall time, with CPU time: user + system of cargo and rustc); \
         the ratios are of CPU times, which other work on the machine disturbs much less.\n"
    );
    println!(
        "| spec (task endpoints) | ours, both crates: check | ours, both crates: build | ours, models crate: build | ours: peak rustc RSS | ours, one family: build | runtime crate alone: build | raw progenitor: check | raw: build | raw: peak RSS | check, ours (both) / raw | build, ours (both) / raw | build, models crate / raw |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let secs = |t: &Timed| match t.cpu {
        Some(cpu) => format!(
            "{:.1} s ({:.1} s CPU)",
            t.wall.as_secs_f64(),
            cpu.as_secs_f64()
        ),
        None => format!("{:.1} s", t.wall.as_secs_f64()),
    };
    // CPU time where GNU time gives it, wall time otherwise.
    let cost = |t: &Timed| t.cpu.unwrap_or(t.wall).as_secs_f64();
    let mb = |kb: Option<u64>| kb.map_or("?".into(), |kb| format!("{:.0} MB", kb as f64 / 1024.0));
    let ours_lib = scratch.join("generated-client/src/lib.rs");
    let runtime_lib = scratch.join("runtime/src/lib.rs");
    let both: [&Path; 2] = [&runtime_lib, &ours_lib];
    let measure = |text: &str, family: &str| -> Result<Row> {
        write_client(&scratch, &client_manifest, text)?;
        let raw = codegen::generate_raw_progenitor(&codegen::SpecFiles::single("bench.yaml", text))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        std::fs::write(&raw_lib, format!("#![allow(warnings)]\n{raw}"))?;
        let run = |libs: &[&Path], args: &[&str]| median_build(&scratch, &target, libs, runs, args);
        let build = ["build", "--quiet", "-p", "runninghub"];
        Ok(Row {
            ours_check: run(&both, &["check", "--quiet", "-p", "runninghub"])?,
            ours_build: run(&both, &build)?,
            models_build: run(&[&ours_lib], &build)?,
            one_family: run(&[&ours_lib], &without_defaults(&["--features", family]))?,
            runtime_build: run(
                &[&runtime_lib],
                &["build", "--quiet", "-p", "runninghub-runtime"],
            )?,
            raw_check: run(&[&raw_lib], &["check", "--quiet", "-p", "raw-client"])?,
            raw_build: run(&[&raw_lib], &["build", "--quiet", "-p", "raw-client"])?,
        })
    };
    let print = |label: &str, row: &Row, family: &str| {
        println!(
            "| {label} | {} | {} | {} | {} | {} ({family}) | {} | {} | {} | {} | {:.2} | {:.2} | {:.2} |",
            secs(&row.ours_check),
            secs(&row.ours_build),
            secs(&row.models_build),
            mb(row.ours_build.rss_kb),
            secs(&row.one_family),
            secs(&row.runtime_build),
            secs(&row.raw_check),
            secs(&row.raw_build),
            mb(row.raw_build.rss_kb),
            cost(&row.ours_check) / cost(&row.raw_check),
            cost(&row.ours_build) / cost(&row.raw_build),
            cost(&row.models_build) / cost(&row.raw_build)
        );
    };
    // The real spec, its largest family alone.
    let (largest, size) = largest_family(spec)?;
    let row = measure(spec, &largest)?;
    print(
        &format!("real ({})", count_tasks(spec)?),
        &row,
        &format!("`{largest}`, {size} endpoints"),
    );
    let mut firsts: Option<(usize, f64, f64)> = None;
    let mut last = None;
    for &n in sizes {
        let text = with_families(&synthetic(spec, n)?, FAMILY_SIZE)?;
        let row = measure(&text, "family-00")?;
        print(
            &format!("synthetic {n}"),
            &row,
            &format!("{} endpoints", n.min(FAMILY_SIZE)),
        );
        let (ours_build, raw_build) = (&row.ours_build, &row.raw_build);
        if firsts.is_none() {
            firsts = Some((n, cost(ours_build), cost(raw_build)));
        }
        last = Some((n, cost(ours_build), cost(raw_build)));
    }
    if let (Some((n0, o0, r0)), Some((n1, o1, r1))) = (firsts, last)
        && n1 > n0
    {
        let per = |a: f64, b: f64| (b - a) * 1000.0 / (n1 - n0) as f64;
        println!(
            "\nmarginal build cost per endpoint (CPU time): ours {:.0} ms, raw progenitor {:.0} ms",
            per(o0, o1),
            per(r0, r1)
        );
    }
    Ok(())
}

/// `manifest` without the table headed `header` (up to the next table).
fn without_table(manifest: &str, header: &str) -> String {
    let Some(start) = manifest.find(&format!("\n{header}\n")) else {
        return manifest.to_owned();
    };
    let body = start + header.len() + 2;
    let end = manifest[body..]
        .find("\n[")
        .map_or(manifest.len(), |i| body + i);
    format!("{}{}", &manifest[..start], &manifest[end..])
}

/// The cargo arguments that build the models crate without its default features (every
/// model family), followed by `extra`.
fn without_defaults<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "build",
        "--quiet",
        "-p",
        "runninghub",
        "--no-default-features",
    ];
    args.extend_from_slice(extra);
    args
}

/// The timings of one row of the compile table.
struct Row {
    /// Both crates, rebuilt together (a fresh build of the client).
    ours_check: Timed,
    ours_build: Timed,
    /// The models crate alone, the runtime built (a change of the spec or the families).
    models_build: Timed,
    one_family: Timed,
    /// The runtime crate alone: the hand-written runtime and the platform calls, the part
    /// of every build that no feature removes, built once like any dependency.
    runtime_build: Timed,
    raw_check: Timed,
    raw_build: Timed,
}

/// The spec's largest model family (its first tag with the most task endpoints) and its size.
fn largest_family(spec: &str) -> Result<(String, usize)> {
    let doc: serde_yaml::Value = serde_yaml::from_str(spec)?;
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for path in task_paths(&doc) {
        if let Some(tag) = doc["paths"][path.as_str()]["post"]["tags"][0].as_str() {
            *counts.entry(tag.to_owned()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .context("the spec has no model family")
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let dest: PathBuf = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &dest)?;
        } else {
            std::fs::copy(entry.path(), dest)?;
        }
    }
    Ok(())
}

/// `cargo build --quiet --release -p runninghub` with `args` (features, targets).
/// Cargo's target directory for the workspace at `root`: `CARGO_TARGET_DIR` when set (a
/// relative one is relative to `root`), else `root/target`. Release binaries are looked up
/// there.
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

pub(crate) fn build_release(root: &Path, args: &[&str]) -> Result<()> {
    build_release_of(root, "runninghub", args)
}

/// The `runninghub` command (package `runninghub-cli`), built in release mode.
pub(crate) fn build_cli_release(root: &Path) -> Result<PathBuf> {
    build_release_of(root, "runninghub-cli", &["--bin", "runninghub"])?;
    Ok(target_dir(root).join("release/runninghub"))
}

fn build_release_of(root: &Path, package: &str, args: &[&str]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .current_dir(root)
        .args(["build", "--quiet", "--release", "-p", package])
        .args(args)
        .status()?;
    if !status.success() {
        bail!(
            "cargo build --release -p {package} {} failed",
            args.join(" ")
        );
    }
    Ok(())
}

/// `runninghub simulate` in another process (the release binary, built already); stopped
/// when dropped.
pub(crate) struct SimProcess {
    child: std::process::Child,
    // Kept open until the simulator is stopped: it prints more lines, and a closed stdout
    // would end it.
    _out: std::io::BufReader<std::process::ChildStdout>,
    /// Its base URL.
    pub url: String,
}

impl SimProcess {
    /// Starts it on a free port with `args` added (such as `--lifecycle 2`).
    pub(crate) fn start(root: &Path, args: &[&str]) -> Result<SimProcess> {
        let mut child = Command::new(target_dir(root).join("release/runninghub"))
            .args(["simulate", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let mut out = std::io::BufReader::new(child.stdout.take().context("stdout")?);
        let mut first = String::new();
        std::io::BufRead::read_line(&mut out, &mut first)?;
        let url = first
            .split_whitespace()
            .last()
            .context("the simulator printed no URL")?
            .to_owned();
        Ok(SimProcess {
            child,
            _out: out,
            url,
        })
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn many_tasks(root: &Path, n: usize) -> Result<()> {
    build_cli_release(root)?;
    build_release(root, &["--example", "many_tasks"])?;
    let sim = SimProcess::start(root, &["--lifecycle", "2"])?;
    let out = Command::new(target_dir(root).join("release/examples/many_tasks"))
        .args([&sim.url, &n.to_string()])
        .output();
    drop(sim);
    let out = out?;
    if !out.status.success() {
        bail!(
            "many_tasks failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    println!("| tasks | ok | wall | requests (submits + queries) | client peak RSS | client CPU |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| {} | {} | {:.2} s | {} ({} + {}) | {:.1} MB | {:.2} s |",
        v["tasks"],
        v["ok"],
        v["wallSeconds"].as_f64().unwrap_or(f64::NAN),
        v["requests"],
        v["submits"],
        v["queries"],
        v["peakRssKb"].as_f64().unwrap_or(f64::NAN) / 1024.0,
        v["cpuSeconds"].as_f64().unwrap_or(f64::NAN)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real_spec() -> String {
        crate::bundled_spec_text(&Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
            .expect("the real spec")
    }

    fn task_ids(generated: &codegen::Generated) -> Vec<&str> {
        generated
            .operations
            .iter()
            .filter(|op| op.role == codegen::Role::Task)
            .map(|op| op.id.as_str())
            .collect()
    }

    #[test]
    fn a_table_is_cut_from_a_manifest_up_to_the_next() {
        let m = "[package]\nname = \"x\"\n\n[dev-dependencies]\na = 1\nb = 2\n\n[lints]\nworkspace = true\n";
        assert_eq!(
            without_table(m, "[dev-dependencies]"),
            "[package]\nname = \"x\"\n\n[lints]\nworkspace = true\n"
        );
        let last = "[package]\n\n[dev-dependencies]\na = 1\n";
        assert_eq!(without_table(last, "[dev-dependencies]"), "[package]\n");
        assert_eq!(without_table(m, "[features]"), m);
    }

    #[test]
    fn a_synthetic_spec_has_exactly_n_task_endpoints_and_generates() {
        let real = real_spec();
        let templates = count_tasks(&real).unwrap();
        // Fewer endpoints than templates, and more (copies that vary their option sets).
        for n in [3, templates + 5] {
            let text = synthetic(&real, n).unwrap();
            assert_eq!(count_tasks(&text).unwrap(), n);
            let generated = codegen::generate("bench.yaml", &text)
                .unwrap_or_else(|e| panic!("synthetic {n} does not generate: {e}"));
            let ids = task_ids(&generated);
            assert_eq!(ids.len(), n, "task operations generated for synthetic {n}");
            let distinct: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
            assert_eq!(distinct.len(), n, "operation ids are unique");
            // The real query (and the other non-task operations) stay.
            let real_generated = codegen::generate("spec.yaml", &real).unwrap();
            let others = |g: &codegen::Generated| {
                g.operations
                    .iter()
                    .filter(|op| op.role != codegen::Role::Task)
                    .map(|op| op.id.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(others(&generated), others(&real_generated));
        }
    }

    #[test]
    fn copies_past_the_templates_get_option_sets_of_their_own() {
        let real = real_spec();
        let templates = count_tasks(&real).unwrap();
        let (fields_once, sets_once) = option_sets(&synthetic(&real, templates).unwrap()).unwrap();
        let (fields_twice, sets_twice) =
            option_sets(&synthetic(&real, 2 * templates).unwrap()).unwrap();
        assert_eq!(
            fields_twice,
            2 * fields_once,
            "every copy keeps its enumerated fields"
        );
        assert!(
            sets_twice > sets_once,
            "second copies vary some sets: {sets_once} -> {sets_twice}"
        );
        // About a quarter of the second copies' enumerated fields get a set of their own.
        let added = sets_twice - sets_once;
        assert!(
            added * 8 >= fields_once && added * 2 <= fields_once,
            "{added} new sets for {fields_once} copied fields"
        );
    }

    #[test]
    fn option_sets_counts_enumerated_fields_and_distinct_value_sets() {
        let spec = r#"
components:
  schemas:
    A:
      properties:
        ratio: { type: string, enum: ["16:9", "9:16"] }
        tags: { type: array, items: { type: string, enum: [x, y] } }
        prompt: { type: string }
    B:
      properties:
        ratio: { type: string, enum: ["16:9", "9:16"] }
        size: { type: string, enum: [s, m] }
"#;
        assert_eq!(option_sets(spec).unwrap(), (4, 3));
    }

    #[test]
    fn families_group_task_endpoints_by_size_and_become_features() {
        let real = real_spec();
        let text = with_families(&synthetic(&real, 45).unwrap(), 20).unwrap();
        let generated = codegen::generate("bench.yaml", &text).unwrap();
        for family in ["family-00", "family-01", "family-02"] {
            assert!(
                generated.features.contains(&format!("\n{family} = [")),
                "{family} is a feature:\n{}",
                generated.features
            );
        }
        assert!(!generated.features.contains("family-03"));
        let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let in_family = |f: &str| {
            task_paths(&doc)
                .iter()
                .filter(|p| doc["paths"][p.as_str()]["post"]["tags"][0].as_str() == Some(f))
                .count()
        };
        assert_eq!(
            (
                in_family("family-00"),
                in_family("family-01"),
                in_family("family-02")
            ),
            (20, 20, 5)
        );
    }
}
