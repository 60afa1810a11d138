//! The xtask binary end to end, on scratch copies of the workspace layout.

use std::path::Path;
use std::process::Command;

/// Runs the real xtask binary against a scratch copy of the workspace layout whose spec is
/// bad: it must fail and leave the generated file byte-for-byte as it was.
#[test]
fn xtask_refuses_bad_specs_without_touching_the_client() {
    let bad_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/tests/it/fixtures/bad");
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path();
    std::fs::create_dir_all(root.join("spec")).unwrap();
    std::fs::create_dir_all(root.join("generated-client/src")).unwrap();
    let sentinel = "// the checked-in client, which must survive\n";
    let generated = root.join("generated-client/src/generated.rs");

    for name in [
        "malformed_yaml.yaml",
        "openapi_3_1.yaml",
        "missing_operation_id.yaml",
        "multipart_only.yaml",
        "two_success_schemas.yaml",
    ] {
        std::fs::write(&generated, sentinel).unwrap();
        std::fs::copy(bad_dir.join(name), root.join("spec/runninghub.yaml")).unwrap();
        for check in [false, true] {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
            cmd.args(["codegen", "--root"]).arg(root);
            if check {
                cmd.arg("--check");
            }
            let out = cmd.output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{name}: xtask succeeded:\n{stderr}");
            assert!(
                stderr.contains("error: spec/runninghub.yaml"),
                "{name}: {stderr}"
            );
            assert!(stderr.contains("nothing was written"), "{name}: {stderr}");
            assert_eq!(
                std::fs::read_to_string(&generated).unwrap(),
                sentinel,
                "{name}: the client was modified"
            );
        }
        let leftovers: Vec<_> = std::fs::read_dir(root.join("generated-client/src"))
            .unwrap()
            .collect();
        assert_eq!(
            leftovers.len(),
            1,
            "{name}: temporary files were left behind"
        );
    }
}

fn xtask(root: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("codegen")
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writing, then checking, then detecting a stale file, on a copy of the real spec.
#[test]
fn xtask_writes_checks_and_names_stale_files() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path();
    std::fs::create_dir_all(root.join("spec/models")).unwrap();
    std::fs::create_dir_all(root.join("generated-client/src")).unwrap();
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    // The root and every file beside it (the platform calls), then the family files.
    for file in std::fs::read_dir(&spec).unwrap() {
        let file = file.unwrap().path();
        if file.extension().is_some_and(|e| e == "yaml") {
            std::fs::copy(&file, root.join("spec").join(file.file_name().unwrap())).unwrap();
        }
    }
    for family in std::fs::read_dir(spec.join("models")).unwrap() {
        let family = family.unwrap().path();
        std::fs::copy(
            &family,
            root.join("spec/models").join(family.file_name().unwrap()),
        )
        .unwrap();
    }
    let generated = root.join("generated-client/src/generated.rs");
    // The manifest's features region starts empty: it is generated too.
    let manifest = root.join("generated-client/Cargo.toml");
    let hand_written = format!(
        "[package]\nname = \"runninghub\"\n\n[features]\n{}\n{}\ncli = []\n",
        codegen::REGION_BEGIN,
        codegen::REGION_END
    );
    std::fs::write(&manifest, &hand_written).unwrap();

    // A missing file is stale.
    let (ok, stdout, stderr) = xtask(root, &["--check"]);
    assert!(!ok);
    assert!(
        stdout.contains("STALE  generated-client/src/generated.rs"),
        "{stdout}"
    );
    assert!(stderr.contains("run `cargo xtask codegen`"), "{stderr}");
    assert!(!generated.exists(), "--check must not write");
    assert!(
        stdout.contains("STALE  generated-client/Cargo.toml"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&manifest).unwrap(), hand_written);

    // Writing reports what it did.
    let (ok, stdout, stderr) = xtask(root, &["--no-verify"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains(" operation(s) from spec/runninghub.yaml in "),
        "{stdout}"
    );
    assert!(stdout.contains("vidu_reference_to_video_q3"), "{stdout}");
    assert!(stdout.contains("upload_media"), "{stdout}");
    assert!(
        stdout.contains("wrote      generated-client/src/generated.rs"),
        "{stdout}"
    );
    assert!(
        stdout.contains("wrote      runtime/src/generated.rs"),
        "{stdout}"
    );
    let written = std::fs::read_to_string(&generated).unwrap();
    assert!(written.starts_with("// @generated by `cargo xtask codegen`"));
    // The task object is the runtime's, the model types the models crate's.
    let runtime = std::fs::read_to_string(root.join("runtime/src/generated.rs")).unwrap();
    assert!(runtime.contains("pub struct Task {"));
    assert!(!runtime.contains("pub struct ViduReferenceToVideoQ3Request {"));
    assert!(written.contains("pub struct ViduReferenceToVideoQ3Request {"));
    // The features region is filled in; the rest of the manifest is kept.
    let features = std::fs::read_to_string(&manifest).unwrap();
    assert!(features.starts_with("[package]\nname = \"runninghub\"\n\n[features]\n"));
    assert!(features.contains("\nvidu = []\n"), "{features}");
    assert!(
        features.contains("\ndefault = [\"all-families\"]\n"),
        "{features}"
    );
    assert!(
        features.ends_with("# END model families.\ncli = []\n"),
        "{features}"
    );

    // Now fresh; a second write changes nothing.
    let (ok, stdout, _) = xtask(root, &["--check"]);
    assert!(ok);
    assert!(
        stdout.contains("fresh  generated-client/src/generated.rs"),
        "{stdout}"
    );
    let (ok, stdout, _) = xtask(root, &["--no-verify"]);
    assert!(ok);
    assert!(
        stdout.contains("unchanged  generated-client/src/generated.rs"),
        "{stdout}"
    );

    // A hand edit is caught, and -v shows it as a diff.
    std::fs::write(
        &generated,
        written.replace(
            "pub struct ViduReferenceToVideoQ3Request {",
            "pub struct ViduReferenceToVideoQ3Request { // edited",
        ),
    )
    .unwrap();
    let (ok, stdout, _) = xtask(root, &["--check", "-v"]);
    assert!(!ok);
    assert!(
        stdout.contains("STALE  generated-client/src/generated.rs"),
        "{stdout}"
    );
    assert!(
        stdout.contains("-    pub struct ViduReferenceToVideoQ3Request { // edited"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+    pub struct ViduReferenceToVideoQ3Request {"),
        "{stdout}"
    );

    // A manifest without the generated region is an error, and nothing is written.
    std::fs::write(&generated, &written).unwrap();
    std::fs::write(&manifest, "[package]\nname = \"runninghub\"\n").unwrap();
    let (ok, _, stderr) = xtask(root, &["--no-verify"]);
    assert!(!ok);
    assert!(stderr.contains("generated-client/Cargo.toml"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&manifest).unwrap(),
        "[package]\nname = \"runninghub\"\n"
    );
}

#[test]
fn xtask_rejects_unknown_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--frobnicate"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown option `--frobnicate`"));
}

/// `cargo xtask` acts on the checkout it runs in (the `CARGO_MANIFEST_DIR` cargo sets for
/// the process), not on the one the binary was compiled in, which a shared target directory
/// can make another checkout.
#[test]
fn xtask_acts_on_the_checkout_it_runs_in() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/tests/it/fixtures/bad/missing_operation_id.yaml");
    std::fs::create_dir_all(root.join("spec")).unwrap();
    std::fs::create_dir_all(root.join("xtask")).unwrap();
    std::fs::write(root.join("Cargo.toml"), "[workspace]\n").unwrap();
    std::fs::copy(&fixture, root.join("spec/runninghub.yaml")).unwrap();
    // As `cargo run` in that checkout would start it, and as a plain run from inside it.
    let runs = [
        (
            "CARGO_MANIFEST_DIR",
            root.join("xtask"),
            std::env::temp_dir(),
        ),
        ("UNSET", std::path::PathBuf::new(), root.join("spec")),
    ];
    for (var, value, cwd) in runs {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
        cmd.env_remove("CARGO_MANIFEST_DIR").current_dir(&cwd);
        if var != "UNSET" {
            cmd.env(var, &value);
        }
        let out = cmd.args(["codegen", "--check"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        // The scratch spec lacks an operation id: refused, which this workspace's is not.
        assert!(!out.status.success(), "{var}: {stderr}");
        assert!(stderr.contains("operationId"), "{var}: {stderr}");
    }
}
