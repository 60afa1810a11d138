//! Spec text to `openapiv3::OpenAPI`, refusing what progenitor cannot read before it tries.

use crate::bundle::{Origins, SpecFiles, bundle_yaml};
use crate::error::{Diagnostic, Error};
use openapiv3::OpenAPI;

/// A loaded spec: the typed document and its source files, kept for locating problems.
pub(crate) struct Loaded<'a> {
    pub(crate) spec: OpenAPI,
    /// The bundled document as JSON, for the checks that read it as data (`entries`).
    pub(crate) document: serde_json::Value,
    pub(crate) source: Source<'a>,
}

/// The spec's files and where each part of the bundled document came from, used to turn
/// JSON pointers into files and line numbers.
#[derive(Clone)]
pub(crate) struct Source<'a> {
    pub(crate) files: &'a SpecFiles,
    pub(crate) origins: Origins,
}

impl Source<'_> {
    pub(crate) fn diagnostic(
        &self,
        pointer: String,
        operation: Option<&str>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let file = self.origins.file_of(&pointer).map(str::to_owned);
        let text = match &file {
            Some(f) => self.files.files.get(f).map_or("", String::as_str),
            None => self.files.root_text(),
        };
        Diagnostic {
            line: locate(text, &pointer),
            file,
            pointer,
            operation: operation.map(str::to_owned),
            message: message.into(),
        }
    }

    pub(crate) fn invalid(&self, diagnostics: Vec<Diagnostic>) -> Error {
        Error::Invalid {
            spec: self.files.root.clone(),
            diagnostics,
        }
    }
}

pub(crate) fn load(files: &SpecFiles) -> Result<Loaded<'_>, Error> {
    let (value, origins) = bundle_yaml(files)?;
    let source = Source { files, origins };

    let Some(map) = value.as_mapping() else {
        return Err(source.invalid(vec![source.diagnostic(
            "#".into(),
            None,
            "the document is not a mapping; an OpenAPI document starts with `openapi: 3.0.x`",
        )]));
    };
    if map.contains_key("swagger") {
        return Err(source.invalid(vec![source.diagnostic(
            "#/swagger".into(),
            None,
            "Swagger 2.0 documents are not supported; convert the spec to OpenAPI 3.0.x",
        )]));
    }
    match map.get("openapi") {
        Some(serde_yaml::Value::String(v)) if v.starts_with("3.0.") => {}
        Some(serde_yaml::Value::String(v)) => {
            return Err(source.invalid(vec![source.diagnostic(
                "#/openapi".into(),
                None,
                format!(
                    "OpenAPI {v} is not supported: progenitor reads OpenAPI 3.0.x only (write `openapi: 3.0.3`)"
                ),
            )]));
        }
        Some(other) => {
            return Err(source.invalid(vec![source.diagnostic(
                "#/openapi".into(),
                None,
                format!(
                    "`openapi` must be a version string such as \"3.0.3\", found {}",
                    describe(other)
                ),
            )]));
        }
        None => {
            return Err(source.invalid(vec![source.diagnostic(
                "#".into(),
                None,
                "the `openapi: 3.0.x` version field is missing",
            )]));
        }
    }

    let document = serde_json::to_value(&value).map_err(|e| {
        source.invalid(vec![source.diagnostic(
            "#".into(),
            None,
            format!("the document cannot be read as JSON data: {e}"),
        )])
    })?;
    let spec: OpenAPI = serde_path_to_error::deserialize(value).map_err(|e| {
        let pointer = pointer_from_serde_path(&e.path().to_string());
        source.invalid(vec![source.diagnostic(
            pointer,
            None,
            format!("not a valid OpenAPI 3.0 document here: {}", e.into_inner()),
        )])
    })?;
    Ok(Loaded {
        spec,
        document,
        source,
    })
}

fn describe(v: &serde_yaml::Value) -> &'static str {
    match v {
        serde_yaml::Value::Null => "null",
        serde_yaml::Value::Bool(_) => "a boolean",
        serde_yaml::Value::Number(_) => "a number (quote it)",
        serde_yaml::Value::String(_) => "a string",
        serde_yaml::Value::Sequence(_) => "a list",
        serde_yaml::Value::Mapping(_) => "a mapping",
        serde_yaml::Value::Tagged(_) => "a tagged value",
    }
}

/// serde_yaml appends " at line L column C" to its messages; the location is reported
/// separately, so it is removed from the text.
pub(crate) fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Turns serde_path_to_error's `paths./a/b.post.responses` into a JSON pointer. Dots inside
/// path keys are ambiguous in that notation, so keys starting with `/` are kept whole.
fn pointer_from_serde_path(path: &str) -> String {
    if path == "." || path.is_empty() {
        return "#".into();
    }
    let mut segments: Vec<String> = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        let (seg, tail) = if let Some(stripped) = rest.strip_prefix('/') {
            // A path key: runs until the next `.` followed by an HTTP method or the end.
            let methods = [
                ".get",
                ".put",
                ".post",
                ".delete",
                ".options",
                ".head",
                ".patch",
                ".trace",
                ".parameters",
                ".summary",
                ".description",
                ".servers",
            ];
            let end = methods
                .iter()
                .filter_map(|m| stripped.find(m).map(|i| i + 1))
                .min()
                .unwrap_or(rest.len());
            (&rest[..end], rest[end..].strip_prefix('.').unwrap_or(""))
        } else {
            match rest.find('.') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, ""),
            }
        };
        let seg = seg.trim_start_matches('[').trim_end_matches(']');
        segments.push(escape(seg));
        rest = tail;
    }
    format!("#/{}", segments.join("/"))
}

/// Escapes one JSON pointer segment (RFC 6901).
pub(crate) fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

pub(crate) fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Finds the 1-based YAML line a JSON pointer leads to, by following mapping keys and block
/// sequence items (`- `) through indentation. Returns the deepest line found, or `None`
/// when not even the first key is found. This is a locator for messages, not a YAML parser:
/// flow mappings and flow sequences are not entered.
pub(crate) fn locate(text: &str, pointer: &str) -> Option<usize> {
    let segments: Vec<String> = pointer
        .trim_start_matches('#')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(unescape)
        .collect();
    let lines: Vec<&str> = text.lines().collect();
    let mut found: Option<usize> = None;
    let mut start = 0usize;
    let mut parent_indent: isize = -1;
    // The line of the sequence item the previous segment found: its own keys follow `- `.
    let mut item: Option<usize> = None;
    'segments: for seg in &segments {
        if let (Ok(n), Some(_)) = (seg.parse::<usize>(), found)
            && let Some((line, dash)) = sequence_item(&lines, start, parent_indent, n)
        {
            found = Some(line + 1);
            start = line;
            parent_indent = dash;
            item = Some(line);
            continue 'segments;
        }
        let in_item = item.take();
        let mut i = start;
        while i < lines.len() {
            let line = lines[i];
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                i += 1;
                continue;
            }
            let mut indent = (line.len() - trimmed.len()) as isize;
            if in_item == Some(i) {
                // The item's first key, on its `- ` line: indented past the dash.
                indent += 2;
            }
            if indent <= parent_indent && found.is_some() {
                break 'segments;
            }
            let body = trimmed.strip_prefix("- ").unwrap_or(trimmed);
            if let Some(key) = key_of(body)
                && key == *seg
            {
                found = Some(i + 1);
                start = i + 1;
                parent_indent = indent;
                continue 'segments;
            }
            i += 1;
        }
        break;
    }
    found
}

/// The line index and dash indentation of the `n`-th item (from 0) of the block sequence
/// that starts at `start` deeper than `parent_indent`, if there is one.
fn sequence_item(
    lines: &[&str],
    start: usize,
    parent_indent: isize,
    n: usize,
) -> Option<(usize, isize)> {
    let mut dash_indent: Option<isize> = None;
    let mut count = 0;
    for (i, line) in lines.iter().enumerate().skip(start) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = (line.len() - trimmed.len()) as isize;
        if indent <= parent_indent {
            return None;
        }
        let is_item = trimmed.starts_with("- ") || trimmed == "-";
        match dash_indent {
            None if is_item => dash_indent = Some(indent),
            None => return None, // A mapping, not a sequence.
            Some(d) if indent < d => return None,
            Some(d) if indent == d && is_item => count += 1,
            Some(_) => continue,
        }
        if count == n {
            return dash_indent.map(|d| (i, d));
        }
    }
    None
}

fn key_of(line: &str) -> Option<String> {
    let (key, _) = if let Some(rest) = line.strip_prefix('"') {
        let end = rest.find('"')?;
        return rest[end + 1..]
            .trim_start()
            .starts_with(':')
            .then(|| rest[..end].to_owned());
    } else if let Some(rest) = line.strip_prefix('\'') {
        let end = rest.find('\'')?;
        return rest[end + 1..]
            .trim_start()
            .starts_with(':')
            .then(|| rest[..end].to_owned());
    } else {
        line.split_once(':')?
    };
    Some(key.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "openapi: 3.0.3\npaths:\n  /a/b:\n    post:\n      operationId: x\n  \"/c\":\n    get:\n      responses: {}\n";

    #[test]
    fn locate_follows_keys_by_indentation() {
        assert_eq!(locate(TEXT, "#/openapi"), Some(1));
        assert_eq!(locate(TEXT, "#/paths/~1a~1b/post"), Some(4));
        assert_eq!(locate(TEXT, "#/paths/~1a~1b/post/operationId"), Some(5));
        assert_eq!(locate(TEXT, "#/paths/~1c/get/responses"), Some(8));
        // A key missing below its parent stops at the parent.
        assert_eq!(locate(TEXT, "#/paths/~1a~1b/get"), Some(3));
        assert_eq!(locate(TEXT, "#/nothing"), None);
    }

    #[test]
    fn locate_follows_block_sequence_items() {
        let text = "\
a:
  oneOf:
    - type: string
      minLength: 1
    - {type: integer}
    - type: number
      maximum: 3
  after: 1
";
        assert_eq!(locate(text, "#/a/oneOf/0"), Some(3));
        assert_eq!(locate(text, "#/a/oneOf/0/minLength"), Some(4));
        assert_eq!(locate(text, "#/a/oneOf/1"), Some(5));
        assert_eq!(locate(text, "#/a/oneOf/2/maximum"), Some(7));
        // The first key of an item sits on its `- ` line.
        assert_eq!(locate(text, "#/a/oneOf/2/type"), Some(6));
        // A key the item lacks stops at the item, not in the next one.
        assert_eq!(locate(text, "#/a/oneOf/0/maximum"), Some(3));
        // Past the end of the sequence: the sequence's key.
        assert_eq!(locate(text, "#/a/oneOf/3"), Some(2));
        assert_eq!(locate(text, "#/a/after"), Some(8));
    }

    #[test]
    fn serde_paths_become_pointers() {
        assert_eq!(
            pointer_from_serde_path("paths./openapi/v2/query.post.responses"),
            "#/paths/~1openapi~1v2~1query/post/responses"
        );
        assert_eq!(pointer_from_serde_path("info"), "#/info");
        assert_eq!(pointer_from_serde_path("."), "#");
    }
}
