//! Paths and helpers shared by the tests.

use std::path::PathBuf;

/// The paths `cargo xtask codegen` uses, relative to the workspace root: the spec's root
/// document, the generated code of the two crates (the model families, and the runtime's
/// platform part), the endpoint catalog, and the manifest whose `[features]` table holds a
/// generated region.
pub use codegen::{
    CATALOG_PATH as CATALOG, CLIENT_PATH as GENERATED, MANIFEST_PATH as MANIFEST,
    RUNTIME_PATH as RUNTIME_GENERATED, SPEC_PATH as SPEC,
};

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root")
        .to_path_buf()
}

pub fn read(rel: &str) -> String {
    let path = workspace_root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The spec's files: the root and the family files under `spec/`.
pub fn spec_files() -> codegen::SpecFiles {
    codegen::SpecFiles::read(&workspace_root(), SPEC).expect("the spec's files are readable")
}

/// The spec bundled into one YAML document (every path inline, every `$ref` local).
pub fn spec_text() -> String {
    serde_yaml::to_string(&spec_json()).expect("the bundled spec is YAML")
}

/// The spec bundled into one document, as JSON, for reading its examples.
pub fn spec_json() -> serde_json::Value {
    codegen::bundle(&spec_files()).expect("the spec bundles")
}

/// Snapshot files of this test binary.
pub fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots")
}

/// Follows a local `$ref` inside the spec (as JSON); any other value is returned as is.
pub fn resolve<'a>(spec: &'a serde_json::Value, v: &'a serde_json::Value) -> &'a serde_json::Value {
    match v.get("$ref").and_then(serde_json::Value::as_str) {
        Some(r) => spec
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{r} resolves")),
        None => v,
    }
}

/// One input of an app or workflow run's node list.
pub fn node(id: &str, field: &str, value: &str) -> runninghub::types::NodeInfo {
    runninghub::types::NodeInfo {
        node_id: id.into(),
        field_name: field.into(),
        field_value: value.into(),
        description: None,
    }
}

/// A webhook receiver on 127.0.0.1 feeding `inbox`, as a user's server would; its URL.
pub async fn receiver(inbox: runninghub::WebhookInbox) -> String {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| {
            let inbox = inbox.clone();
            async move {
                inbox.deliver(&body).expect("a valid webhook body");
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/hook")
}
