//! A spec in several files, made one document.
//!
//! The root document (`spec/runninghub.yaml`) lists every path; a path whose item lives
//! in another file is a `$ref` to the same path in that file:
//!
//! ```yaml
//! paths:
//!   /openapi/v2/vidu/text-to-video:
//!     $ref: "models/vidu.yaml#/paths/~1openapi~1v2~1vidu~1text-to-video"
//! ```
//!
//! A family file holds `paths` (the items the root points at) and `components` of its
//! own; it refers to its own components as `#/components/...` and to the root's as
//! `../runninghub.yaml#/components/...`. Independent OpenAPI tools resolve this layout as
//! it is. Bundling inlines the path items, merges every family file's components into the
//! root's (a name defined twice is an error) and rewrites every reference to a local one,
//! while remembering which file each path and component came from, so that problems are
//! reported at their own file and line.

use crate::error::{Diagnostic, Error};
use crate::load::{escape, locate, unescape};
use serde_yaml::{Mapping, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The files of a spec: the root document and the files its references lead to.
#[derive(Debug, Clone)]
pub struct SpecFiles {
    /// The root document's name, such as `spec/runninghub.yaml`; a key of `files`.
    pub root: String,
    /// Every file's text by name. Names are `/`-separated paths; a reference is resolved
    /// against the directory of the file it appears in.
    pub files: BTreeMap<String, String>,
}

impl SpecFiles {
    /// A spec that is one file.
    pub fn single(name: &str, text: &str) -> SpecFiles {
        SpecFiles {
            root: name.to_owned(),
            files: BTreeMap::from([(name.to_owned(), text.to_owned())]),
        }
    }

    /// Reads a spec from disk: the root document `root` (a `/`-separated path relative to
    /// `workspace`, such as `spec/runninghub.yaml`) and every `.yaml` file in the root's
    /// directory and below it, named relative to `workspace`. The generator itself does
    /// no I/O; this is the one place where the spec's files are gathered, for the xtask
    /// and the tests alike.
    pub fn read(workspace: &std::path::Path, root: &str) -> std::io::Result<SpecFiles> {
        let root_path = workspace.join(root);
        let dir = root_path.parent().unwrap_or(workspace).to_path_buf();
        let mut files = BTreeMap::new();
        let mut dirs = vec![dir];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir)? {
                let path = entry?.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    let text = std::fs::read_to_string(&path)?;
                    let name = path
                        .strip_prefix(workspace)
                        .unwrap_or(&path)
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/");
                    files.insert(name, text);
                }
            }
        }
        if !files.contains_key(root) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} does not exist", root_path.display()),
            ));
        }
        Ok(SpecFiles {
            root: root.to_owned(),
            files,
        })
    }

    /// The root document's text.
    pub fn root_text(&self) -> &str {
        self.files.get(&self.root).map_or("", String::as_str)
    }
}

/// Where each part of the bundled document came from.
#[derive(Debug, Default, Clone)]
pub(crate) struct Origins {
    /// Path key → the file holding its item (absent: the root).
    paths: BTreeMap<String, String>,
    /// (components section, name) → the file defining it (absent: the root).
    components: BTreeMap<(String, String), String>,
}

impl Origins {
    /// The file a JSON pointer into the bundled document leads to, if not the root.
    pub(crate) fn file_of(&self, pointer: &str) -> Option<&str> {
        let mut segments = pointer.trim_start_matches('#').split('/').skip(1);
        match (segments.next(), segments.next(), segments.next()) {
            (Some("paths"), Some(key), _) => self.paths.get(&unescape(key)).map(String::as_str),
            (Some("components"), Some(section), Some(name)) => self
                .components
                .get(&(unescape(section), unescape(name)))
                .map(String::as_str),
            _ => None,
        }
    }
}

/// The bundled document, as JSON: every path item inline, every reference local.
///
/// For tools that read the spec's data (tests reading examples, catalog comparisons);
/// [`crate::generate_files`] bundles the same way.
pub fn bundle(spec: &SpecFiles) -> Result<serde_json::Value, Error> {
    let (value, _) = bundle_yaml(spec)?;
    serde_json::to_value(&value).map_err(|e| Error::Invalid {
        spec: spec.root.clone(),
        diagnostics: vec![Diagnostic {
            file: None,
            pointer: "#".into(),
            line: None,
            operation: None,
            message: format!("the bundled document is not representable as JSON: {e}"),
        }],
    })
}

pub(crate) fn bundle_yaml(spec: &SpecFiles) -> Result<(Value, Origins), Error> {
    let mut bundler = Bundler {
        spec,
        parsed: BTreeMap::new(),
        diagnostics: Vec::new(),
        origins: Origins::default(),
        merged_files: BTreeSet::new(),
    };
    let mut root = bundler.parse(&spec.root)?;
    let Some(map) = root.as_mapping_mut() else {
        return Ok((root, Origins::default()));
    };
    // The root's components, to which every family file's are added (a name defined twice
    // is reported where the second definition is).
    let mut components = match map.get_mut("components") {
        Some(Value::Mapping(own)) => std::mem::take(own),
        _ => Mapping::new(),
    };
    // Path items that live in other files.
    if let Some(Value::Mapping(paths)) = map.get_mut("paths") {
        for (key, item) in paths.iter_mut() {
            let Some(key) = key.as_str() else { continue };
            let Some(reference) = sole_ref(item) else {
                continue;
            };
            let Some((file, pointer)) = reference.split_once('#') else {
                continue;
            };
            if file.is_empty() {
                continue;
            }
            let at = format!("#/paths/{}", escape(key));
            let target = resolve_name(&spec.root, file);
            let expected = format!("/paths/{}", escape(key));
            if pointer != expected {
                bundler.problem(
                    None,
                    &at,
                    format!(
                        "`{reference}` must point at the same path in {file} (`{file}#{expected}`), so that the path keeps one name everywhere"
                    ),
                );
                continue;
            }
            let Some(found) = bundler.file(&target, &at)? else {
                continue;
            };
            let node = found
                .get("paths")
                .and_then(|p| p.as_mapping())
                .and_then(|p| p.get(key))
                .cloned();
            let Some(mut node) = node else {
                bundler.problem(
                    None,
                    &at,
                    format!("{target} has no path `{key}` under `paths`"),
                );
                continue;
            };
            bundler.rewrite_refs(&target, &mut node);
            *item = node;
            bundler.origins.paths.insert(key.to_owned(), target.clone());
            bundler.merge_components(&target, &mut components)?;
        }
    }
    match map.get_mut("components") {
        Some(Value::Mapping(own)) => *own = components,
        // A root `components` that is not a mapping is left for the loader to refuse.
        Some(_) => {}
        None if components.is_empty() => {}
        None => {
            map.insert(Value::from("components"), Value::Mapping(components));
        }
    }
    bundler.unreferenced();
    if !bundler.diagnostics.is_empty() {
        return Err(Error::Invalid {
            spec: spec.root.clone(),
            diagnostics: bundler.diagnostics,
        });
    }
    Ok((root, bundler.origins))
}

struct Bundler<'a> {
    spec: &'a SpecFiles,
    parsed: BTreeMap<String, Value>,
    diagnostics: Vec<Diagnostic>,
    origins: Origins,
    merged_files: BTreeSet<String>,
}

impl Bundler<'_> {
    fn parse(&mut self, name: &str) -> Result<Value, Error> {
        let text = self.spec.files.get(name).map_or("", String::as_str);
        serde_yaml::from_str(text).map_err(|e| Error::Yaml {
            spec: name.to_owned(),
            line: e.location().map(|l| l.line()),
            column: e.location().map(|l| l.column()),
            message: crate::load::strip_location(&e.to_string()),
        })
    }

    /// A file other than the root, parsed once; `None` (with a problem reported at `at`)
    /// when the spec has no such file or it is not a family file.
    fn file(&mut self, name: &str, at: &str) -> Result<Option<&Value>, Error> {
        if !self.parsed.contains_key(name) {
            if !self.spec.files.contains_key(name) {
                self.problem(None, at, format!("the file {name} does not exist"));
                return Ok(None);
            }
            let value = self.parse(name)?;
            if let Some(map) = value.as_mapping() {
                for key in map.keys() {
                    let key = key.as_str().unwrap_or("");
                    if !matches!(key, "paths" | "components") && !key.starts_with("x-") {
                        self.problem(
                            Some(name),
                            &format!("#/{}", escape(key)),
                            format!(
                                "a file under the root holds only `paths` and `components` (and `x-` extensions), not `{key}`"
                            ),
                        );
                    }
                }
            } else {
                self.problem(
                    Some(name),
                    "#",
                    "a file the spec refers to must be a mapping with `paths` and `components`",
                );
            }
            self.parsed.insert(name.to_owned(), value);
        }
        Ok(self.parsed.get(name))
    }

    fn problem(&mut self, file: Option<&str>, pointer: &str, message: impl Into<String>) {
        let (file, text) = match file {
            Some(f) if f != self.spec.root => (
                Some(f.to_owned()),
                self.spec.files.get(f).map_or("", String::as_str),
            ),
            _ => (None, self.spec.root_text()),
        };
        self.diagnostics.push(Diagnostic {
            line: locate(text, pointer),
            file,
            pointer: pointer.to_owned(),
            operation: None,
            message: message.into(),
        });
    }

    /// Adds a family file's components (once per file) to `into`, with their references
    /// made local, and follows the files those components refer to.
    fn merge_components(&mut self, file: &str, into: &mut Mapping) -> Result<(), Error> {
        if !self.merged_files.insert(file.to_owned()) {
            return Ok(());
        }
        let Some(value) = self.file(file, "#")?.cloned() else {
            return Ok(());
        };
        let Some(Value::Mapping(sections)) = value.get("components").cloned() else {
            return Ok(());
        };
        let mut follow = BTreeSet::new();
        for (section, entries) in sections {
            let (Some(s), Value::Mapping(entries)) = (section.as_str(), entries) else {
                continue;
            };
            let into_section = into
                .entry(section.clone())
                .or_insert_with(|| Value::Mapping(Mapping::new()));
            for (name, mut entry) in entries {
                let Some(n) = name.as_str() else { continue };
                follow.extend(self.rewrite_refs(file, &mut entry));
                let key = (s.to_owned(), n.to_owned());
                if let Value::Mapping(into_section) = into_section {
                    if into_section.contains_key(&name) {
                        let first = self.origins.components.get(&key).cloned();
                        self.problem(
                            Some(file),
                            &format!("#/components/{}/{}", escape(s), escape(n)),
                            format!(
                                "`{n}` is also defined in {}; component names are shared by every file of the spec",
                                first.as_deref().unwrap_or(&self.spec.root)
                            ),
                        );
                        continue;
                    }
                    into_section.insert(name, entry);
                }
                self.origins.components.insert(key, file.to_owned());
            }
        }
        for other in follow {
            if other != self.spec.root {
                self.merge_components(&other, into)?;
            }
        }
        Ok(())
    }

    /// Makes every `$ref` under `node` (found in `file`) local; returns the other files
    /// referred to.
    fn rewrite_refs(&mut self, file: &str, node: &mut Value) -> BTreeSet<String> {
        let mut files = BTreeSet::new();
        let mut stack = vec![node];
        while let Some(v) = stack.pop() {
            match v {
                Value::Mapping(m) => {
                    for (k, child) in m.iter_mut() {
                        if k.as_str() == Some("$ref")
                            && let Value::String(r) = child
                        {
                            if let Some((target, pointer)) = r.split_once('#')
                                && !target.is_empty()
                            {
                                let target = resolve_name(file, target);
                                if !self.spec.files.contains_key(&target) {
                                    self.problem(
                                        Some(file),
                                        "#",
                                        format!(
                                            "`$ref: {r}` leads to {target}, which does not exist"
                                        ),
                                    );
                                } else if !pointer.starts_with("/components/") {
                                    self.problem(
                                        Some(file),
                                        "#",
                                        format!(
                                            "`$ref: {r}`: references between files lead to `components`"
                                        ),
                                    );
                                }
                                files.insert(target);
                                *r = format!("#{pointer}");
                            } else if file != self.spec.root && !r.starts_with("#/components/") {
                                self.problem(
                                    Some(file),
                                    "#",
                                    format!(
                                        "`$ref: {r}`: a family file refers only to components (its own or the root's)"
                                    ),
                                );
                            }
                        } else {
                            stack.push(child);
                        }
                    }
                }
                Value::Sequence(s) => stack.extend(s.iter_mut()),
                _ => {}
            }
        }
        files
    }

    /// Files the root never leads to, and paths of family files the root does not list:
    /// both are forgotten `$ref` lines.
    fn unreferenced(&mut self) {
        let names: Vec<String> = self.spec.files.keys().cloned().collect();
        for name in names {
            if name == self.spec.root {
                continue;
            }
            if !self.merged_files.contains(&name) {
                self.problem(
                    Some(&name),
                    "#",
                    format!(
                        "no path of {} refers to this file; list its paths there (`$ref: \"{}#/paths/...\"`)",
                        self.spec.root,
                        relative(&self.spec.root, &name)
                    ),
                );
                continue;
            }
            let keys: Vec<String> = self
                .parsed
                .get(&name)
                .and_then(|v| v.get("paths"))
                .and_then(Value::as_mapping)
                .map(|p| {
                    p.keys()
                        .filter_map(|k| k.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            for key in keys {
                if self.origins.paths.get(&key) != Some(&name) {
                    self.problem(
                        Some(&name),
                        &format!("#/paths/{}", escape(&key)),
                        format!(
                            "this path is not listed in {}; add `{key}: {{$ref: \"{}#/paths/{}\"}}` under its `paths`",
                            self.spec.root,
                            relative(&self.spec.root, &name),
                            escape(&key)
                        ),
                    );
                }
            }
        }
    }
}

/// The `$ref` of a mapping that holds nothing else.
fn sole_ref(v: &Value) -> Option<&str> {
    let m = v.as_mapping()?;
    if m.len() != 1 {
        return None;
    }
    m.get("$ref")?.as_str()
}

/// The name of the file `reference` leads to from the file `from`.
fn resolve_name(from: &str, reference: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for segment in reference.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// `to` as written from the directory of `from`.
fn relative(from: &str, to: &str) -> String {
    let dir = from.rsplit_once('/').map_or("", |(d, _)| d);
    match to.strip_prefix(dir) {
        Some(rest) if !dir.is_empty() => rest.trim_start_matches('/').to_owned(),
        _ => to.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_against_the_referring_file() {
        assert_eq!(
            resolve_name("spec/runninghub.yaml", "models/vidu.yaml"),
            "spec/models/vidu.yaml"
        );
        assert_eq!(
            resolve_name("spec/models/vidu.yaml", "../runninghub.yaml"),
            "spec/runninghub.yaml"
        );
        assert_eq!(
            resolve_name("spec/models/vidu.yaml", "./kling.yaml"),
            "spec/models/kling.yaml"
        );
        assert_eq!(
            relative("spec/runninghub.yaml", "spec/models/vidu.yaml"),
            "models/vidu.yaml"
        );
    }
}
