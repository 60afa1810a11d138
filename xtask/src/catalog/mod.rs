//! `cargo xtask catalog`: compare the spec with a RunningHub model catalog, and draft spec
//! entries from it.
//!
//! - `catalog diff FILE [--json] [--allow-extra] [--root DIR]` reports catalog models the spec
//!   lacks, spec endpoints the catalog lacks and field-level differences. Exit status 0 when
//!   nothing counts, 1 when something differs, 2 on usage, I/O or format errors.
//! - `catalog draft FILE ENDPOINT... [--family TAG] [--root DIR]` prints ready-to-edit YAML
//!   for a family file under `spec/models/`.
//!
//! Both read either catalog format ([`source`]) and apply the same rules ([`rules`]).

pub mod diff;
pub mod draft;
pub mod rules;
pub mod source;
pub mod spec;

use anyhow::{Context, Result, anyhow, bail};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit status of a usage, I/O or format error.
const ERROR: u8 = 2;

/// Runs `catalog ARGS...` (the arguments after `catalog`) against the workspace at `root`
/// unless `--root` says otherwise.
pub fn run(args: Vec<String>, root: PathBuf) -> ExitCode {
    match dispatch(args, root) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(ERROR)
        }
    }
}

#[derive(Debug, Default, PartialEq)]
struct Args {
    root: Option<PathBuf>,
    json: bool,
    allow_extra: bool,
    family: Option<String>,
    positional: Vec<String>,
}

fn parse(command: &str, args: impl IntoIterator<Item = String>) -> Result<Args> {
    let mut out = Args::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--root" => {
                out.root = Some(PathBuf::from(
                    args.next().context("--root needs a directory")?,
                ))
            }
            "--json" if command == "diff" => out.json = true,
            "--allow-extra" if command == "diff" => out.allow_extra = true,
            "--family" if command == "draft" => {
                out.family = Some(args.next().context("--family needs a tag")?)
            }
            other if other.starts_with('-') && other != "-" => {
                bail!("unknown option `{other}` for `catalog {command}`")
            }
            _ => out.positional.push(arg),
        }
    }
    Ok(out)
}

fn dispatch(args: Vec<String>, default_root: PathBuf) -> Result<ExitCode> {
    let mut args = args.into_iter();
    let command = args.next();
    let usage = || anyhow!("{}", crate::USAGE.trim_end());
    match command.as_deref() {
        Some("diff") => {
            let a = parse("diff", args).map_err(|e| e.context(usage()))?;
            let [file] = a.positional.as_slice() else {
                bail!("`catalog diff` takes one catalog file\n\n{}", crate::USAGE);
            };
            let root = a.root.clone().unwrap_or(default_root);
            diff_command(&root, Path::new(file), a.json, a.allow_extra)
        }
        Some("draft") => {
            let a = parse("draft", args).map_err(|e| e.context(usage()))?;
            let Some((file, endpoints)) = a.positional.split_first().filter(|(_, e)| !e.is_empty())
            else {
                bail!(
                    "`catalog draft` takes a catalog file and at least one endpoint\n\n{}",
                    crate::USAGE
                );
            };
            let root = a.root.clone().unwrap_or(default_root);
            draft_command(&root, Path::new(file), endpoints, a.family.as_deref())
        }
        Some("-h" | "--help") => {
            out!("{}", crate::USAGE);
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => bail!("unknown `catalog` command `{other}`\n\n{}", crate::USAGE),
        None => bail!("`catalog` needs `diff` or `draft`\n\n{}", crate::USAGE),
    }
}

fn diff_command(root: &Path, file: &Path, json: bool, allow_extra: bool) -> Result<ExitCode> {
    let catalog = source::read(file)?;
    let doc = spec::load_spec(root)?;
    let report = diff::compare(&doc, &catalog, allow_extra)?;
    if json {
        let text = serde_json::to_string_pretty(&report.to_json())?;
        outln!("{text}");
    } else {
        out!("{}", report.to_text());
    }
    Ok(if report.differs() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn draft_command(
    root: &Path,
    file: &Path,
    endpoints: &[String],
    family: Option<&str>,
) -> Result<ExitCode> {
    let catalog = source::read(file)?;
    let spec_endpoints = match spec::load_spec(root).and_then(|doc| spec::endpoints(&doc)) {
        Ok(eps) => eps,
        // The spec only names families and existing entries; with --family it is optional.
        Err(_) if family.is_some() => Vec::new(),
        Err(e) => return Err(e.context("inferring the family (or pass --family TAG)")),
    };
    let mut entries = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for name in endpoints {
        if !seen.insert(name.as_str()) {
            continue;
        }
        let current = || {
            catalog
                .models
                .iter()
                .filter(|m| !m.is_withdrawn())
                .map(|m| m.endpoint.as_str())
        };
        let Some(model) = catalog.models.iter().find(|m| m.endpoint == *name) else {
            bail!(
                "`{name}` is not in {}; closest: {}",
                catalog.file,
                draft::closest(name, current(), 3).join(", ")
            );
        };
        if model.is_withdrawn() {
            bail!(
                "`{name}` is withdrawn in {}; closest current endpoints: {}",
                catalog.file,
                draft::closest(name, current(), 3).join(", ")
            );
        }
        if model.params.is_empty() {
            eprintln!(
                "warning: {} lists no parameters for `{name}`; its draft has none",
                catalog.file
            );
        }
        if spec_endpoints.iter().any(|e| e.endpoint == *name) {
            eprintln!("note: `{name}` is already in the spec");
        }
        let tag = family
            .map(str::to_string)
            .or_else(|| draft::family(name, &spec_endpoints))
            .unwrap_or_else(|| draft::UNKNOWN_FAMILY.to_string());
        entries.push(draft::Entry { model, tag });
    }
    let doc = draft::document(&entries)?;
    let text = doc.render();
    // The printed YAML must read back as exactly the values meant; refuse to print otherwise.
    let back: serde_json::Value = serde_yaml::from_str(&text)
        .map_err(|e| anyhow!("internal error: the draft is not valid YAML: {e}"))?;
    if back != doc.value() {
        bail!("internal error: the draft does not read back as the values it was built from");
    }
    out!("{text}");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_are_parsed_per_command() {
        let a = parse(
            "diff",
            strings(&["c.json", "--json", "--allow-extra", "--root", "/r"]),
        )
        .unwrap();
        assert_eq!(
            a,
            Args {
                root: Some("/r".into()),
                json: true,
                allow_extra: true,
                family: None,
                positional: strings(&["c.json"]),
            }
        );
        let a = parse("draft", strings(&["c.json", "a/b", "--family", "acme"])).unwrap();
        assert_eq!(a.family.as_deref(), Some("acme"));
        assert_eq!(a.positional, strings(&["c.json", "a/b"]));
        assert!(parse("draft", strings(&["--json"])).is_err());
        assert!(parse("diff", strings(&["--family", "x"])).is_err());
        assert!(parse("diff", strings(&["--root"])).is_err());
    }
}
