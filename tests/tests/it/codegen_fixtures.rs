//! One snapshot of generated code per fixture spec (one generator feature each; see
//! `fixtures/specs/README.md`), plus checks of what each feature must produce.

use std::path::Path;

fn generate(path: &Path) -> codegen::Generated {
    let name = format!(
        "fixtures/specs/{}",
        path.file_name().unwrap().to_string_lossy()
    );
    let text = std::fs::read_to_string(path).unwrap();
    codegen::generate(&name, &text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Both generated files, the runtime crate's first, each under a line naming it: the whole
/// of what a spec generates, for assertions and snapshots that need not care which crate an
/// item lands in.
fn whole(generated: &codegen::Generated) -> String {
    format!(
        "// {}\n{}\n// {}\n{}",
        codegen::RUNTIME_PATH,
        generated.runtime_code,
        codegen::CLIENT_PATH,
        generated.code
    )
}

fn fixture(name: &str) -> codegen::Generated {
    generate(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/it/fixtures/specs")
            .join(name),
    )
}

/// The `operation_marker!` invocations of generated code, by marker name: the macro's
/// tokens without whitespace, and the invocation's `cfg` attribute (empty when none).
fn markers(code: &str) -> std::collections::BTreeMap<String, (String, String)> {
    let file: syn::File = syn::parse_str(code).unwrap();
    let mut found = std::collections::BTreeMap::new();
    for item in &file.items {
        let syn::Item::Mod(m) = item else { continue };
        for item in m.content.iter().flat_map(|(_, items)| items) {
            let syn::Item::Macro(mac) = item else {
                continue;
            };
            if !mac.mac.path.is_ident("operation_marker")
                && mac.mac.path.segments.last().unwrap().ident != "operation_marker"
            {
                continue;
            }
            // The attributes (`#` and a bracketed group each) come first, then the marker.
            let after_attrs: Vec<proc_macro2::TokenTree> = mac
                .mac
                .tokens
                .clone()
                .into_iter()
                .skip_while(|t| match t {
                    proc_macro2::TokenTree::Punct(p) => p.as_char() == '#',
                    proc_macro2::TokenTree::Group(g) => {
                        g.delimiter() == proc_macro2::Delimiter::Bracket
                    }
                    _ => false,
                })
                .collect();
            let name = after_attrs[0].to_string();
            let squashed: String = after_attrs
                .iter()
                .map(|t| t.to_string())
                .collect::<String>()
                .split_whitespace()
                .collect();
            found.insert(name, (squashed, cfg_of(&mac.attrs)));
        }
    }
    found
}

/// The `cfg` attribute among `attrs`, as tokens (empty when none).
fn cfg_of(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .find(|a| a.path().is_ident("cfg"))
        .map(|a| {
            let meta = &a.meta;
            quote::quote!(#meta).to_string()
        })
        .unwrap_or_default()
}

#[test]
fn fixture_snapshots() {
    insta::glob!("fixtures/specs/*.yaml", |path| {
        let generated = generate(path);
        insta::with_settings!({ omit_expression => true, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("fixture", whole(&generated));
        });
    });
}

#[test]
fn defaults_keep_optional_fields_optional_and_documented() {
    let code = whole(&fixture("defaults.yaml"));
    // Optional with a default: still optional, never given a serde default.
    assert!(
        code.contains("pub resolution: ::std::option::Option<AcmeVideoBodyResolution>"),
        "{code}"
    );
    assert!(
        code.contains("pub seed: ::std::option::Option<i64>"),
        "{code}"
    );
    assert!(
        code.contains("pub loop_: ::std::option::Option<bool>"),
        "{code}"
    );
    assert!(
        !code.contains("serde(default"),
        "no field may be filled in by serde: {code}"
    );
    assert!(!code.contains("pub mod defaults"), "{code}");
    // Required with a documented default: required, and the default is in the docs.
    assert!(code.contains("pub duration: i64"), "{code}");
    assert!(code.contains("RunningHub documents `5` as the default, but the field is required."));
    assert!(code.contains(
        "RunningHub's default: `\"720p\"`, applied by the server when the field is omitted"
    ));
}

#[test]
fn constraints_become_validator_checks() {
    let code = whole(&fixture("constraints.yaml"));
    for expected in [
        // Lengths, on a plain field, on list items and behind a `$ref`.
        "check_chars(out, &path, value.as_str(), Some(1u64), Some(10u64))",
        "let path = path.index(i);",
        "let value = &value.0;",
        // Ranges: integers (the bounds no longer choose NonZero types) and numbers.
        "check_integer(out, &path, i128::from(*value), Some(1i64), Some(100i64))",
        "check_number(out, &path, f64::from(*value), Some(0f64), Some(1f64))",
        // Item counts.
        "check_items(out, &path, value.len(), Some(1u64), Some(3u64))",
        // Nested objects validate themselves.
        "impl crate::runtime::Validate for types::Layer",
        "crate::runtime::Validate::validate_at(value, &path, out);",
    ] {
        // Compare without layout: prettyplease decides where lines break.
        let squash = |s: &str| s.split_whitespace().collect::<String>().replace(",)", ")");
        assert!(
            squash(&code).contains(&squash(expected)),
            "missing `{expected}` in:\n{code}"
        );
    }
    assert!(code.contains("pub count: i64"), "{code}");
    assert!(!code.contains("NonZero"), "{code}");
}

#[test]
fn inline_bodies_get_the_same_treatment_as_refs() {
    let code = whole(&fixture("inline_body.yaml"));
    assert!(
        code.contains("impl crate::runtime::Validate for types::AcmeUpscaleBody"),
        "{code}"
    );
    assert!(code.contains("pub fn acme_upscale<'a>("), "{code}");
    assert!(
        code.contains("crate::runtime::Submission<'a, operations::AcmeUpscale>"),
        "{code}"
    );
    // The marker implements `TaskOperation` (the `task` at the end of its invocation).
    let (marker, _) = &markers(&code)["AcmeUpscale"];
    assert!(
        marker.starts_with("AcmeUpscale(AcmeUpscaleBody)\"acme_upscale\"\"POST\"")
            && marker.ends_with("Tasktask"),
        "{marker}"
    );
}

#[test]
fn handwritten_operations_are_left_out_and_reported() {
    let generated = fixture("handwritten.yaml");
    assert!(generated.operations.is_empty());
    assert_eq!(generated.handwritten.len(), 1);
    assert_eq!(generated.handwritten[0].id, "upload_media");
    assert!(
        !whole(&generated).contains("fn upload_media"),
        "{}",
        whole(&generated)
    );
    // Its schemas are still generated, for the hand-written layer to use.
    assert!(
        whole(&generated).contains("pub struct Envelope"),
        "{}",
        whole(&generated)
    );
}

#[test]
fn query_role_gets_a_marker_but_no_checked_submit_method() {
    let generated = fixture("query_role.yaml");
    assert_eq!(generated.operations[0].role, codegen::Role::Query);
    let code = whole(&generated);
    // A marker with the query role, without `task` (no `TaskOperation`).
    let (marker, _) = &markers(&code)["QueryTask"];
    assert!(marker.ends_with("\"/openapi/v2/query\"Query"), "{marker}");
    // Its raw method stays: only model endpoints are sent by the runtime alone.
    assert!(code.contains("pub async fn query_task<'a>("), "{code}");
    assert!(
        !code.contains("self.submit::<operations::QueryTask>"),
        "{code}"
    );
}

#[test]
fn repeated_enums_become_one_shared_type_and_fields_keep_their_docs() {
    let generated = fixture("shared_options.yaml");
    let code = &whole(&generated);
    let count = |needle: &str| code.matches(needle).count();
    // One type per repeated value list, named after the property; when two lists would
    // share a name, after their values too.
    assert_eq!(count("pub enum Resolution720p1080p {"), 1, "{code}");
    assert_eq!(count("pub enum Resolution540p720p1080p {"), 1, "{code}");
    assert_eq!(count("pub enum AspectRatio {"), 1, "{code}");
    assert_eq!(count("pub enum StylesItem {"), 1, "{code}");
    // A list used once, or the same values in another order, stays the model's own.
    assert!(code.contains("pub enum AlphaVideoRequestMode {"), "{code}");
    assert!(code.contains("pub enum BetaVideoRequestOrder {"), "{code}");
    assert!(
        !code.contains("pub enum AlphaVideoRequestResolution {"),
        "{code}"
    );
    // The shared type lists its values, in the spec's order.
    assert!(code.contains("One of `720p` or `1080p`"), "{code}");
    assert!(code.contains("One of `16:9` or `9:16`"), "{code}");
    // Every field keeps its own description and the notes about its default.
    for doc in [
        "Alpha's output height.\n\nRunningHub documents `\"720p\"` as the default, but the field is required.",
        "Alpha's frame shape.\n\nRunningHub's default: `\"16:9\"`, applied by the server",
        "Image height.",
        "Beta's output height.",
        "Beta's frame shape.",
        "Height of the clip.",
        "Looks to combine.\n\nAt most 2 items.",
    ] {
        assert!(code.contains(doc), "lost: {doc}\n{code}");
    }
    assert!(
        code.contains("pub resolution: Resolution720p1080p,"),
        "{code}"
    );
    assert!(
        code.contains("pub aspect_ratio: ::std::option::Option<AspectRatio>,"),
        "{code}"
    );
    assert!(
        code.contains("pub styles: ::std::vec::Vec<StylesItem>,"),
        "{code}"
    );
    // The names typify would have given stay usable.
    for alias in [
        "pub type AlphaVideoRequestResolution = Resolution720p1080p;",
        "pub type AlphaVideoRequestAspectRatio = AspectRatio;",
        "pub type AlphaImageRequestResolution = Resolution720p1080p;",
        "pub type AlphaImageRequestStylesItem = StylesItem;",
        "pub type BetaVideoRequestResolution = Resolution540p720p1080p;",
        "pub type BetaClipBodyResolution = Resolution540p720p1080p;",
    ] {
        assert!(code.contains(alias), "missing {alias}\n{code}");
    }
    // Field tables and the catalog are built from the spec as written.
    let squashed: String = code.split_whitespace().collect();
    assert!(
        squashed.contains("with_allowed(&[\"720p\",\"1080p\"])"),
        "{code}"
    );
    assert!(
        squashed.contains("with_allowed(&[\"540p\",\"720p\",\"1080p\"])"),
        "{code}"
    );
    assert!(
        generated.catalog.contains("`720p`, `1080p`"),
        "{}",
        generated.catalog
    );
}

#[test]
fn each_family_is_a_feature_and_gates_what_only_it_needs() {
    let generated = fixture("shared_options.yaml");
    insta::with_settings!({ omit_expression => true, prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("shared_options_features", generated.features);
    });
    let code: syn::File = syn::parse_str(&whole(&generated)).unwrap();
    // The `cfg` attribute of each named item, as written.
    let mut gates = std::collections::BTreeMap::new();
    let visit = |items: &[syn::Item], gates: &mut std::collections::BTreeMap<String, String>| {
        for item in items {
            let (name, attrs) = match item {
                syn::Item::Struct(s) => (s.ident.to_string(), &s.attrs),
                syn::Item::Enum(e) => (e.ident.to_string(), &e.attrs),
                syn::Item::Type(t) => (t.ident.to_string(), &t.attrs),
                _ => continue,
            };
            gates.insert(name, cfg_of(attrs));
        }
    };
    for item in &code.items {
        if let syn::Item::Mod(m) = item {
            visit(&m.content.as_ref().unwrap().1, &mut gates);
        }
    }
    // Operation markers are `operation_marker!` invocations, gated as a whole.
    for (name, (_, cfg)) in markers(&whole(&generated)) {
        gates.insert(name, cfg);
    }
    let alpha = "cfg (feature = \"alpha\")";
    let beta = "cfg (feature = \"beta\")";
    let both = "cfg (any (feature = \"alpha\" , feature = \"beta\"))";
    for (name, want) in [
        // Request types and what only they use: their family.
        ("AlphaVideoRequest", alpha),
        ("AlphaVideoRequestMode", alpha),
        ("AlphaVideoRequestResolution", alpha),
        ("BetaVideoRequest", beta),
        ("BetaClipBody", beta),
        ("Resolution540p720p1080p", beta),
        // Operation markers: their endpoint's family.
        ("AlphaImage", alpha),
        ("BetaClip", beta),
        // Shared by both families.
        ("Resolution720p1080p", alpha),
        ("AspectRatio", both),
        ("StylesItem", both),
        // What every build needs.
        ("Task", ""),
    ] {
        assert_eq!(
            gates.get(name).map(String::as_str),
            Some(want),
            "{name}: {gates:#?}"
        );
    }
    // Every per-endpoint item is gated: methods, table entries. A model endpoint has no
    // raw method to gate: the runtime sends it.
    let text = &whole(&generated);
    for op in ["alpha_video", "alpha_image"] {
        assert!(!text.contains(&format!("async fn {op}")), "{op}: {text}");
        assert!(
            text.contains(&format!(
                "#[cfg(feature = \"alpha\")]\n    pub fn {op}<'a>("
            )),
            "{op}: {text}"
        );
        assert!(
            text.contains(&format!(
                "#[cfg(feature = \"alpha\")]\n        crate::runtime::operation_info!(\n            \"{op}\""
            )),
            "{op}: {text}"
        );
    }
}

#[test]
fn every_json_post_method_of_the_real_spec_shares_one_send() {
    let generated =
        codegen::generate_files(&crate::support::spec_files()).expect("the real spec generates");
    let code = &whole(&generated);
    // One call per generated operation, and progenitor's statements only once, in the
    // shared method; a progenitor upgrade that changes its template shows up here.
    // Model endpoints have no method of their own: the runtime sends them through the
    // shared method (`Operation::send`).
    let posts = generated
        .operations
        .iter()
        .filter(|o| o.method == "POST" && o.role != codegen::Role::Task)
        .count();
    let models = generated
        .operations
        .iter()
        .filter(|o| o.role == codegen::Role::Task)
        .count();
    assert!(models >= 350, "{models}");
    assert!(posts > 10 && posts < generated.operations.len(), "{posts}");
    assert_eq!(
        code.matches("self.send_json_post(").count(),
        posts,
        "every POST operation method should use the shared send"
    );
    for op in generated
        .operations
        .iter()
        .filter(|o| o.role == codegen::Role::Task)
    {
        assert!(
            !code.contains(&format!("async fn {}<", op.id)),
            "{} has a raw method",
            op.id
        );
    }
    // The shared method's, and the one `GET` platform call's own.
    assert_eq!(code.matches("let mut header_map").count(), 2);
    assert_eq!(code.matches("async fn send_json_post").count(), 1);
}

/// Every fixture's generated code compiles, the way typify compiles its expected outputs:
/// each fixture becomes a copy of the two crates (the `runninghub-runtime` crate's
/// hand-written sources with the fixture's runtime part, and the `runninghub` crate's with
/// the fixture's models part and `[features]`), and one `cargo check` builds them all in a
/// scratch workspace. The snapshots above say what the generator writes; this
/// says the hand-written layer accepts it, for every generator feature, not only for the
/// real spec.
///
/// The hand-written layer needs the real spec's core (the task object; the query, upload
/// and queue operations; the platform calls), so each fixture is generated with that core
/// added ([`with_core`]); where a fixture defines the same path or component, the core's
/// wins.
///
/// It runs cargo, so it needs the dependencies the workspace already has (`--offline`); the
/// build goes to `target/fixture-check`, where later runs reuse it.
#[test]
fn fixture_outputs_compile_against_the_hand_written_crate() {
    let root = crate::support::workspace_root();
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let client = root.join("generated-client");
    let manifest = std::fs::read_to_string(client.join("Cargo.toml")).unwrap();
    let runtime = root.join("runtime");
    let runtime_manifest = std::fs::read_to_string(runtime.join("Cargo.toml")).unwrap();

    let mut members = Vec::new();
    let mut specs: Vec<_> = std::fs::read_dir(root.join("tests/tests/it/fixtures/specs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    specs.sort();
    assert!(specs.len() >= 7, "fixtures found: {specs:?}");
    for spec in &specs {
        let stem = spec
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace('_', "-");
        let name = format!("fixture-{stem}");
        let text = with_core(&std::fs::read_to_string(spec).unwrap());
        let generated = codegen::generate(&format!("{stem} with the core"), &text)
            .unwrap_or_else(|e| panic!("{stem} with the core: {e}"));
        let runtime_name = format!("{name}-runtime");
        let runtime_dir = dir.join(&runtime_name);
        copy_sources(&runtime.join("src"), &runtime_dir.join("src"));
        std::fs::write(
            runtime_dir.join("src/generated.rs"),
            &generated.runtime_code,
        )
        .unwrap();
        std::fs::write(
            runtime_dir.join("Cargo.toml"),
            scratch_manifest(&runtime_manifest, "runninghub-runtime", &runtime_name),
        )
        .unwrap();
        let crate_dir = dir.join(&name);
        copy_sources(&client.join("src"), &crate_dir.join("src"));
        std::fs::write(crate_dir.join("src/generated.rs"), &generated.code).unwrap();
        let spliced = codegen::splice_manifest(&manifest, &generated.features).unwrap();
        let spliced = spliced.replace(
            "runninghub-runtime.workspace = true",
            &format!("runninghub-runtime = {{ package = \"{runtime_name}\", path = \"../{runtime_name}\" }}"),
        );
        std::fs::write(
            crate_dir.join("Cargo.toml"),
            scratch_manifest(&spliced, "runninghub", &name),
        )
        .unwrap();
        members.push(runtime_name);
        members.push(name);
    }

    // The workspace manifest as it is, with the fixture crates as its members and without
    // the path dependencies (they are not in the scratch directory, and no fixture needs
    // them).
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let members_line = format!(
        "members = [{}]",
        members
            .iter()
            .map(|m| format!("\"{m}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let workspace: String = workspace
        .lines()
        .filter(|l| !l.contains("path = "))
        .map(|l| {
            if l.starts_with("members = ") {
                members_line.clone()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("Cargo.toml"), workspace).unwrap();
    // The lock file pins the same dependency versions as the real build.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    // `lib.rs` takes its crate docs from the README and the library guide.
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::copy(root.join("README.md"), dir.join("README.md")).unwrap();
    std::fs::copy(root.join("docs/library.md"), dir.join("docs/library.md")).unwrap();

    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("fixture-check");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", &target)
        .args([
            "check",
            "--workspace",
            "--offline",
            "--message-format=short",
        ])
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "a fixture's generated code does not compile against the hand-written crate:\n{stderr}"
    );
    // Without warnings too: code a fixture does not use must not warn (as CI requires of
    // the real crate built with any one family).
    assert!(
        !stderr.contains("warning"),
        "a fixture's crate builds with warnings:\n{stderr}"
    );
    // Every member was checked (cargo names each package it checks).
    for member in &members {
        assert!(
            stderr.contains(&format!("Checking {member} ")),
            "{member} was not checked:\n{stderr}"
        );
    }
}

/// The Rust sources of `from` copied into `to`.
fn copy_sources(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "rs") {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

/// The client's manifest for a fixture crate: its own package name, and no dev-dependencies
/// (the simulator they name is not in the scratch workspace). `package` is the crate's own
/// name in `manifest`.
fn scratch_manifest(manifest: &str, package: &str, name: &str) -> String {
    let mut out = String::new();
    let mut in_dev_deps = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            in_dev_deps = line.starts_with("[dev-dependencies]") || line.starts_with("[[example");
        }
        if in_dev_deps {
            continue;
        }
        if line == format!("name = \"{package}\"") {
            out.push_str(&format!("name = \"{name}\"\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// `fixture` (a spec's YAML) with the core of the real spec added: every path that is not a
/// model family's (the root document writes those as `$ref`s into `models/`), as bundled,
/// and the components they reach. The core's definitions replace the fixture's of the same
/// name.
fn with_core(fixture: &str) -> String {
    use serde_json::Value;
    let root: Value = serde_yaml::from_str(&crate::support::read(crate::support::SPEC)).unwrap();
    let bundled = crate::support::spec_json();
    let mut spec: Value = serde_yaml::from_str(fixture).unwrap();
    let core_paths: Vec<&String> = root["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, item)| {
            !item
                .get("$ref")
                .and_then(Value::as_str)
                .is_some_and(|r| r.starts_with("models/"))
        })
        .map(|(path, _)| path)
        .collect();
    assert!(core_paths.len() >= 3, "the spec has core operations");
    // The components the core paths reach, and those they reach in turn, and every
    // component the core's own files define (the hand-written layer may name one no path
    // reaches, such as the shapes of a legacy answer it decodes by hand).
    let mut wanted: Vec<String> = Vec::new();
    let mut queue: Vec<Value> = core_paths
        .iter()
        .map(|p| bundled["paths"][p.as_str()].clone())
        .collect();
    let spec_dir = crate::support::workspace_root().join("spec");
    for entry in std::fs::read_dir(&spec_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let file: Value = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for name in file["components"]["schemas"]
                .as_object()
                .into_iter()
                .flat_map(|s| s.keys())
            {
                queue.push(serde_json::json!({"$ref": format!("#/components/schemas/{name}")}));
            }
        }
    }
    while let Some(v) = queue.pop() {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref")
                    && let Some(name) = r.strip_prefix("#/components/")
                    && !wanted.contains(&name.to_owned())
                {
                    wanted.push(name.to_owned());
                    let target = bundled["components"].pointer(&format!("/{name}")).cloned();
                    queue.extend(target);
                }
                queue.extend(map.into_iter().map(|(_, v)| v));
            }
            Value::Array(items) => queue.extend(items),
            _ => {}
        }
    }
    let obj = spec.as_object_mut().unwrap();
    let paths = obj
        .entry("paths")
        .or_insert_with(|| Value::Object(Default::default()));
    for path in core_paths {
        paths[path.as_str()] = bundled["paths"][path.as_str()].clone();
    }
    let components = obj
        .entry("components")
        .or_insert_with(|| Value::Object(Default::default()));
    for name in wanted {
        let (kind, def) = name.split_once('/').unwrap();
        let section = components
            .as_object_mut()
            .unwrap()
            .entry(kind)
            .or_insert_with(|| Value::Object(Default::default()));
        section[def] = bundled["components"][kind][def].clone();
    }
    // Security schemes are not reached by `$ref`.
    components["securitySchemes"] = bundled["components"]["securitySchemes"].clone();
    serde_yaml::to_string(&spec).unwrap()
}
