//! Specs the generator must refuse: each gives a clear, located error (snapshotted for
//! review), never a panic. `xtask/tests/cli.rs` checks that the xtask then leaves the
//! checked-in client untouched.

use std::path::Path;

fn expectation(text: &str) -> &str {
    text.lines()
        .next()
        .and_then(|l| l.strip_prefix("# expect: "))
        .expect("each bad fixture starts with `# expect: <part of the message>`")
}

#[test]
fn bad_specs_are_refused_with_clear_errors() {
    insta::glob!("fixtures/bad/*.yaml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = format!(
            "fixtures/bad/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        let err = match codegen::generate(&name, &text) {
            Ok(_) => panic!("{name} was accepted"),
            Err(e) => e,
        };
        assert!(
            !matches!(err, codegen::Error::GeneratorPanic { .. }),
            "{name}: the pre-flight checks missed a progenitor panic: {err}"
        );
        let message = err.to_string();
        assert!(
            message.contains(expectation(&text)),
            "{name}: unexpected message:\n{message}"
        );
        assert!(
            message.starts_with(&name),
            "{name}: the message must name the spec:\n{message}"
        );
        insta::with_settings!({ omit_expression => true, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("bad_spec", message);
        });
    });
}

#[test]
fn operation_problems_name_the_operation_and_the_line() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/bad");
    let text = std::fs::read_to_string(dir.join("multipart_only.yaml")).unwrap();
    let codegen::Error::Invalid { diagnostics, .. } =
        codegen::generate("m.yaml", &text).unwrap_err()
    else {
        panic!("expected located diagnostics");
    };
    assert_eq!(diagnostics.len(), 1);
    let d = &diagnostics[0];
    assert_eq!(d.operation.as_deref(), Some("upload"));
    assert_eq!(
        d.pointer,
        "#/paths/~1upload/post/requestBody/content/multipart~1form-data"
    );
    assert_eq!(d.line, Some(10), "the line of `multipart/form-data:`");
}
