//! The promise "adding an endpoint is a spec entry" holds only while the library's
//! hand-written Rust names no model endpoint. This fails, naming the file and line, when it
//! does. Tests and examples may use an endpoint as a sample; comments and docs may mention
//! one; the generated files are exempt.

use crate::support::{GENERATED, RUNTIME_GENERATED, spec_json, workspace_root};
use std::path::Path;

/// Path suffixes (below `/openapi/v2/`) and operation ids of every model endpoint.
fn model_endpoint_names() -> Vec<String> {
    let spec = spec_json();
    let mut names = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for op in item.as_object().unwrap().values() {
            let role = op
                .get("x-runninghub-role")
                .and_then(|r| r.as_str())
                .unwrap_or("task");
            let handwritten = op
                .get("x-runninghub-handwritten")
                .and_then(|h| h.as_bool())
                .unwrap_or(false);
            if role == "task" && !handwritten {
                names.push(path.trim_start_matches("/openapi/v2/").to_owned());
                names.push(op["operationId"].as_str().unwrap().to_owned());
            }
        }
    }
    names
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn library_code_names_no_model_endpoint() {
    let root = workspace_root();
    let names = model_endpoint_names();
    assert!(!names.is_empty());
    let mut files = Vec::new();
    for dir in [
        "codegen/src",
        "xtask/src",
        "runtime/src",
        "generated-client/src",
        "simulator/src",
        "cli/src",
    ] {
        rust_files(&root.join(dir), &mut files);
    }
    let generated = [root.join(GENERATED), root.join(RUNTIME_GENERATED)];
    let mut offences = Vec::new();
    for file in files.iter().filter(|f| !generated.contains(f)) {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for name in &names {
                if line.contains(name.as_str()) {
                    offences.push(format!(
                        "{}:{}: names `{name}`",
                        file.strip_prefix(&root).unwrap().display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "hand-written library code names model endpoints:\n{}",
        offences.join("\n")
    );
}
