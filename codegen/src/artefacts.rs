//! The files `cargo xtask codegen` keeps in step with the spec, and what "in step" means.
//!
//! xtask writes or verifies them (one helper, `ensure_file_contents`), and the freshness
//! test verifies them; both take the list and the comparison from here, so they cannot
//! disagree about which files are generated or about line endings.

use crate::Generated;

/// The spec's root document, relative to the workspace root.
pub const SPEC_PATH: &str = "spec/runninghub.yaml";
/// The generated source of the `runninghub` crate: the model families.
pub const CLIENT_PATH: &str = "generated-client/src/generated.rs";
/// The generated source of the `runninghub-runtime` crate: the platform part.
pub const RUNTIME_PATH: &str = "runtime/src/generated.rs";
/// The generated endpoint catalog.
pub const CATALOG_PATH: &str = "docs/endpoints.md";
/// The crate manifest whose features region is generated.
pub const MANIFEST_PATH: &str = "generated-client/Cargo.toml";
/// The request-body schemas the simulator validates against.
pub const REQUEST_SCHEMAS_PATH: &str = "simulator/src/request_schemas.json";

/// Every generated file, in the order [`artefacts`] lists them.
pub const ARTEFACT_PATHS: [&str; 5] = [
    RUNTIME_PATH,
    CLIENT_PATH,
    CATALOG_PATH,
    MANIFEST_PATH,
    REQUEST_SCHEMAS_PATH,
];

/// One generated file: its path relative to the workspace root and the contents the spec
/// gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artefact {
    /// Relative to the workspace root, with `/` separators.
    pub path: &'static str,
    /// What the file must hold.
    pub contents: String,
}

/// Every file generated from `generated`, in the order they are written. `manifest` is the
/// crate manifest as it is now: only its features region is generated, so the rest is kept.
///
/// Fails when the manifest has no (or a broken) generated region.
pub fn artefacts(generated: &Generated, manifest: &str) -> Result<Vec<Artefact>, String> {
    let manifest = crate::splice_manifest(&normalize(manifest), &generated.features)
        .map_err(|e| format!("{MANIFEST_PATH}: {e}"))?;
    Ok(vec![
        Artefact {
            path: RUNTIME_PATH,
            contents: generated.runtime_code.clone(),
        },
        Artefact {
            path: CLIENT_PATH,
            contents: generated.code.clone(),
        },
        Artefact {
            path: CATALOG_PATH,
            contents: generated.catalog.clone(),
        },
        Artefact {
            path: MANIFEST_PATH,
            contents: manifest,
        },
        Artefact {
            path: REQUEST_SCHEMAS_PATH,
            contents: generated.request_schemas.clone(),
        },
    ])
}

/// Whether a checked-in file holds `expected`, line endings aside (a checkout that turned
/// `\n` into `\r\n` is still fresh).
pub fn is_fresh(checked_in: &str, expected: &str) -> bool {
    normalize(checked_in) == normalize(expected)
}

fn normalize(s: &str) -> String {
    s.replace("\r\n", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated() -> Generated {
        Generated {
            code: "code\n".into(),
            runtime_code: "runtime\n".into(),
            catalog: "catalog\n".into(),
            features: format!(
                "{}\nalpha = []\n{}\n",
                crate::REGION_BEGIN,
                crate::REGION_END
            ),
            request_schemas: "{}\n".into(),
            operations: vec![],
            handwritten: vec![],
        }
    }

    #[test]
    fn the_artefacts_are_the_client_the_catalog_and_the_spliced_manifest() {
        let manifest = format!(
            "[features]\r\n{}\r\nold = []\r\n{}\r\n\r\n[dependencies]\r\n",
            crate::REGION_BEGIN,
            crate::REGION_END
        );
        let got = artefacts(&generated(), &manifest).unwrap();
        let paths: Vec<_> = got.iter().map(|a| a.path).collect();
        assert_eq!(
            paths,
            [
                RUNTIME_PATH,
                CLIENT_PATH,
                CATALOG_PATH,
                MANIFEST_PATH,
                REQUEST_SCHEMAS_PATH
            ]
        );
        assert_eq!(got[0].contents, "runtime\n");
        assert_eq!(got[1].contents, "code\n");
        let m = &got[3].contents;
        assert!(m.contains("alpha = []") && !m.contains("old = []"), "{m}");
        assert!(m.ends_with("[dependencies]\n"), "the rest is kept: {m}");
    }

    #[test]
    fn a_manifest_without_the_region_is_an_error_naming_it() {
        let err = artefacts(&generated(), "[features]\n").unwrap_err();
        assert!(err.starts_with(MANIFEST_PATH), "{err}");
    }

    #[test]
    fn freshness_ignores_line_endings_only() {
        assert!(is_fresh("a\r\nb\r\n", "a\nb\n"));
        assert!(!is_fresh("a\nb\n", "a\nc\n"));
        assert!(!is_fresh("a\nb", "a\nb\n"));
    }
}
