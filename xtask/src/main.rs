//! Project automation, in the style of <https://github.com/matklad/cargo-xtask/>.
//!
//! `cargo xtask codegen [--check] [-v] [--no-verify]`:
//! - without `--check`: regenerates every generated artefact from `spec/`, writes the ones
//!   that changed atomically, then verifies that the client crate compiles (restoring the
//!   previous files if it does not, unless `--no-verify`);
//! - with `--check`: writes nothing and exits non-zero naming each stale artefact (with a
//!   unified diff under `-v`).
//!
//! On any error, the checked-in files stay exactly as they were.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// `println!` that ends the process quietly when stdout is closed (`… | head`) instead of
/// panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

/// `print!` that ends the process quietly when stdout is closed.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

mod bench;
mod bench_batch;
mod bench_polling;
mod catalog;

use codegen::MANIFEST_PATH as MANIFEST;
use codegen::SPEC_PATH as SPEC;

const USAGE: &str = "\
usage: cargo xtask codegen [--check] [-v|--verbose] [--no-verify]
       cargo xtask bench [--quick] [--only SECTION]
       cargo xtask catalog diff FILE [--json] [--allow-extra] [--root DIR]
       cargo xtask catalog draft FILE ENDPOINT... [--family TAG] [--root DIR]

  codegen            regenerate the client from spec/ and verify that it compiles
    --check          write nothing; fail and name each stale file
    -v, --verbose    with --check, print a unified diff of each stale file
    --no-verify      skip the compile check after writing
    --root DIR       operate on the workspace at DIR instead of this one
  bench              measure codegen, compile cost and many tasks in flight (release)
    --quick          fewer sizes and tasks
    --only SECTION   one of: codegen, compile, tasks, batch, polling
  catalog diff       compare spec/ with a model catalog (either published JSON format);
                     exit 0 if nothing differs, 1 if something does, 2 on errors
    --json           print one JSON object instead of the grouped report
    --allow-extra    spec endpoints the catalog lacks do not count (older catalogs)
  catalog draft      print ready-to-edit YAML for a family file under spec/models/
    --family TAG     the tag to use (default: that of the closest spec endpoint)
";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

struct Options {
    root: PathBuf,
    check: bool,
    verbose: bool,
    verify: bool,
}

fn run() -> Result<ExitCode> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("codegen") => {}
        Some("catalog") => return Ok(catalog::run(args.collect(), project_root())),
        Some("bench") => {
            let rest: Vec<String> = args.collect();
            let quick = rest.iter().any(|a| a == "--quick");
            let only = rest
                .iter()
                .position(|a| a == "--only")
                .map(|i| rest.get(i + 1).cloned().unwrap_or_default());
            let known = |a: &str| a == "--quick" || a == "--only" || Some(a) == only.as_deref();
            if let Some(bad) = rest.iter().find(|a| !known(a)) {
                eprint!("unknown argument `{bad}`\n{USAGE}");
                return Ok(ExitCode::from(2));
            }
            if let Some(o) = &only
                && !bench::SECTIONS.contains(&o.as_str())
            {
                eprint!("--only takes one of {:?}\n{USAGE}", bench::SECTIONS);
                return Ok(ExitCode::from(2));
            }
            if cfg!(debug_assertions) {
                // Figures from a debug build mean little: run again in release.
                let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
                let mut cmd = Command::new(cargo);
                cmd.current_dir(project_root()).args([
                    "run",
                    "--quiet",
                    "--release",
                    "--package",
                    "xtask",
                    "--",
                    "bench",
                ]);
                cmd.args(&rest);
                let status = cmd.status().context("running the release build")?;
                return Ok(if status.success() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                });
            }
            bench::run(&project_root(), quick, only.as_deref())?;
            return Ok(ExitCode::SUCCESS);
        }
        Some("-h" | "--help") | None => {
            out!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
        }
        Some(other) => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
    let mut opts = Options {
        root: project_root(),
        check: false,
        verbose: false,
        verify: true,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--root" => {
                opts.root = PathBuf::from(args.next().context("--root needs a directory")?);
            }
            "--check" => opts.check = true,
            "-v" | "--verbose" => opts.verbose = true,
            "--no-verify" => opts.verify = false,
            "-h" | "--help" => {
                out!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            other => bail!("unknown option `{other}`\n\n{USAGE}"),
        }
    }
    codegen(&opts.root, &opts)
}

/// The workspace root of the checkout the command runs in. `cargo xtask` is `cargo run`,
/// which sets `CARGO_MANIFEST_DIR` for the process to this checkout's `xtask/`; the value
/// compiled in can name another checkout when several share a target directory. Without
/// it (the binary run directly), the nearest directory up from the current one that holds
/// the spec.
fn project_root() -> PathBuf {
    let holds_spec = |dir: &Path| dir.join(SPEC).is_file() && dir.join("Cargo.toml").is_file();
    if let Some(root) = std::env::var_os("CARGO_MANIFEST_DIR")
        .and_then(|dir| Path::new(&dir).parent().map(Path::to_path_buf))
        .filter(|root| holds_spec(root))
    {
        return root;
    }
    if let Some(root) = std::env::current_dir().ok().and_then(|cwd| {
        cwd.ancestors()
            .find(|d| holds_spec(d))
            .map(Path::to_path_buf)
    }) {
        return root;
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn codegen(root: &Path, opts: &Options) -> Result<ExitCode> {
    let started = Instant::now();
    let spec = spec_files(root)?;
    let generated = match codegen::generate_files(&spec) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!(
                "nothing was written; {} are unchanged",
                codegen::ARTEFACT_PATHS.join(", ")
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    let elapsed = started.elapsed();
    let manifest_path = root.join(MANIFEST);
    let manifest = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    let artefacts = match codegen::artefacts(&generated, &manifest) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("nothing was written");
            return Ok(ExitCode::FAILURE);
        }
    };

    outln!(
        "generated {} operation(s) from {SPEC} in {:.0} ms:",
        generated.operations.len(),
        elapsed.as_secs_f64() * 1000.0
    );
    for op in &generated.operations {
        outln!(
            "  {:<24} {:<6} {} ({})",
            op.id,
            op.method,
            op.path,
            op.role.name()
        );
    }
    for op in &generated.handwritten {
        outln!(
            "  {:<24} {:<6} {} (left to the hand-written layer)",
            op.id,
            op.method,
            op.path
        );
    }

    let mode = if opts.check {
        Mode::Verify
    } else {
        Mode::Write
    };
    let mut stale = 0;
    let mut previous = Vec::new();
    for artefact in &artefacts {
        let rel = artefact.path;
        let contents = artefact.contents.as_str();
        let lines = contents.lines().count();
        match ensure_file_contents(root, artefact, mode)? {
            Ensured::Fresh if opts.check => outln!("fresh  {rel}"),
            Ensured::Fresh => outln!("unchanged  {rel} ({} bytes, {lines} lines)", contents.len()),
            Ensured::Written { previous: old } => {
                outln!("wrote      {rel} ({} bytes, {lines} lines)", contents.len());
                previous.push((root.join(rel), old));
            }
            Ensured::Stale { checked_in } => {
                stale += 1;
                outln!("STALE  {rel}");
                if opts.verbose {
                    let diff = similar::TextDiff::from_lines(checked_in.as_str(), contents);
                    out!(
                        "{}",
                        diff.unified_diff().context_radius(3).header(
                            &format!("{rel} (checked in)"),
                            &format!("{rel} (from {SPEC})")
                        )
                    );
                }
            }
        }
    }
    if stale > 0 {
        eprintln!(
            "error: {stale} generated file(s) are stale relative to {SPEC}; run `cargo xtask codegen` and commit the result{}",
            if opts.verbose {
                ""
            } else {
                " (add -v for a diff)"
            }
        );
        return Ok(ExitCode::FAILURE);
    }

    if opts.verify && !previous.is_empty() {
        let t = Instant::now();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(root)
            .args(["check", "--quiet", "--package", "runninghub"])
            .status()
            .context("running cargo check")?;
        if !status.success() {
            for (path, old) in &previous {
                match old {
                    Some(old) => write_atomically(path, old)?,
                    None => std::fs::remove_file(path)?,
                }
            }
            eprintln!(
                "error: the regenerated client does not compile (see above); the previous files were restored"
            );
            return Ok(ExitCode::FAILURE);
        }
        outln!(
            "verified   the runninghub crate compiles ({:.1} s)",
            t.elapsed().as_secs_f64()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The spec's files: the root document and every `.yaml` file under `spec/`.
pub(crate) fn spec_files(root: &Path) -> Result<codegen::SpecFiles> {
    codegen::SpecFiles::read(root, SPEC)
        .with_context(|| format!("reading the spec under {}", root.display()))
}

/// The spec bundled into one YAML document, for tools that want one text (the bench's
/// synthetic specs).
pub(crate) fn bundled_spec_text(root: &Path) -> Result<String> {
    let bundled = codegen::bundle(&spec_files(root)?).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(serde_yaml::to_string(&bundled)?)
}

/// Whether [`ensure_file_contents`] may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Write the file when it differs.
    Write,
    /// Only compare (`--check`).
    Verify,
}

/// What [`ensure_file_contents`] found or did.
#[derive(Debug)]
enum Ensured {
    /// The file already holds the contents.
    Fresh,
    /// It did not, and was written; `previous` is what it held (`None`: it did not exist).
    Written { previous: Option<String> },
    /// It does not, and `Mode::Verify` left it alone; `checked_in` is what it holds.
    Stale { checked_in: String },
}

/// The one place generated files are written or verified (rust-analyzer's
/// `ensure_file_contents`): compares the file with the artefact as the freshness test does
/// (`codegen::is_fresh`), and in `Mode::Write` replaces it atomically when it differs.
fn ensure_file_contents(root: &Path, artefact: &codegen::Artefact, mode: Mode) -> Result<Ensured> {
    let path = root.join(artefact.path);
    let current = std::fs::read_to_string(&path).ok();
    if current
        .as_deref()
        .is_some_and(|c| codegen::is_fresh(c, &artefact.contents))
    {
        return Ok(Ensured::Fresh);
    }
    match mode {
        Mode::Verify => Ok(Ensured::Stale {
            checked_in: current.unwrap_or_default(),
        }),
        Mode::Write => {
            write_atomically(&path, &artefact.contents)?;
            Ok(Ensured::Written { previous: current })
        }
    }
}

/// Writes through a temporary file in the same directory and a rename, so a reader never
/// sees a half-written file and an interrupted run leaves the old one in place.
fn write_atomically(path: &Path, contents: &str) -> Result<()> {
    let dir = path.parent().context("artefact path has no parent")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = path
        .file_name()
        .context("artefact path has no file name")?
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, contents).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("renaming {} to {}", tmp.display(), path.display())
    })?;
    Ok(())
}
