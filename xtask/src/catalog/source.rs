//! Reading RunningHub's two model-catalog formats into one normalised model.
//!
//! - The registry format has top-level `version` and `models`; each param has `fieldKey`,
//!   `defaultValue`, options as `{value, ...}` objects, `multipleInputs`/`maxInputNum` and
//!   `maxSize` (MB).
//! - The rh-cli format has top-level `version`, `total` and `endpoints`; each param has
//!   `key`, `default`, options as bare values, `multiple`/`maxCount` and `maxSizeMB`.
//!
//! Both become a [`Catalog`] of [`Model`]s whose [`Param`]s say the same things the same way.
//! Every malformed input gives an error naming the file and, where known, the model and key.

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Map, Value};
use std::path::Path;

/// Which of the two published formats a catalog file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `{version, models: [{endpoint, params: [{fieldKey, ...}]}]}`.
    Registry,
    /// `{version, total, endpoints: [{endpoint, params: [{key, ...}]}]}`.
    RhCli,
}

impl Format {
    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Registry => "registry",
            Format::RhCli => "rh-cli",
        }
    }
}

/// A catalog, whichever format it came in.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The file it was read from, as given (for messages).
    pub file: String,
    /// The catalog's top-level `version` string (what `x-runninghub-deviates` keys on).
    pub version: String,
    /// The format it was written in.
    pub format: Format,
    /// The models, in file order.
    pub models: Vec<Model>,
}

/// One model (one endpoint) of a catalog.
#[derive(Debug, Clone)]
pub struct Model {
    /// The path under `/openapi/v2/`, e.g. `vidu/reference-to-video-q3`.
    pub endpoint: String,
    /// The declared parameters, in file order.
    pub params: Vec<Param>,
    /// What the model produces, in the spec's words (`video`, `image`, `audio`, `text`,
    /// `3d`; the catalogs say `string` for text), when the catalog says.
    pub output: Option<String>,
}

impl Model {
    /// Whether the catalog marks this endpoint as withdrawn (`-[Deprecated]`, `-deprecated`).
    pub fn is_withdrawn(&self) -> bool {
        is_withdrawn(&self.endpoint)
    }
}

/// Whether an endpoint name carries a withdrawal label.
pub fn is_withdrawn(endpoint: &str) -> bool {
    let lower = endpoint.to_ascii_lowercase();
    lower.ends_with("-[deprecated]") || lower.ends_with("-deprecated")
}

/// The catalog's parameter types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A choice among option values, sent as a string.
    List,
    /// Free text.
    String,
    /// A JSON integer.
    Int,
    /// A JSON number.
    Float,
    /// A JSON boolean.
    Boolean,
    /// An image URL.
    Image,
    /// A video URL.
    Video,
    /// An audio URL.
    Audio,
    /// A media URL of any kind (rh-cli format only).
    CommonMedia,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "LIST" => Kind::List,
            "STRING" => Kind::String,
            "INT" => Kind::Int,
            "FLOAT" => Kind::Float,
            "BOOLEAN" => Kind::Boolean,
            "IMAGE" => Kind::Image,
            "VIDEO" => Kind::Video,
            "AUDIO" => Kind::Audio,
            "CommonMedia" => Kind::CommonMedia,
            _ => return None,
        })
    }

    /// Whether the value is a media URL.
    pub fn is_media(self) -> bool {
        matches!(
            self,
            Kind::Image | Kind::Video | Kind::Audio | Kind::CommonMedia
        )
    }
}

/// One parameter, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The wire name of the field.
    pub key: String,
    /// Its catalog type.
    pub kind: Kind,
    /// Whether the catalog marks it required.
    pub required: bool,
    /// The catalog's default, as written (may be sample content: see `rules`).
    pub default: Option<Value>,
    /// LIST option values, as strings (numbers become their string form).
    pub options: Vec<String>,
    /// Lower bound.
    pub min: Option<f64>,
    /// Upper bound.
    pub max: Option<f64>,
    /// Longest accepted text.
    pub max_length: Option<u64>,
    /// Whether the field takes several values (already corrected for the registry's noise).
    pub multiple: bool,
    /// The most values it takes, when `multiple`.
    pub max_items: Option<u64>,
    /// Largest accepted file, in MB (media only).
    pub max_size_mb: Option<f64>,
}

/// Reads and normalises a catalog file.
pub fn read(path: &Path) -> Result<Catalog> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {file}"))?;
    parse(&file, &text)
}

/// Normalises a catalog's text; `file` names it in messages.
pub fn parse(file: &str, text: &str) -> Result<Catalog> {
    let doc: Value =
        serde_json::from_str(text).with_context(|| format!("{file}: not valid JSON"))?;
    let top = doc
        .as_object()
        .ok_or_else(|| anyhow!("{file}: the top level is not a JSON object"))?;
    let (format, list_key) = if top.contains_key("models") {
        (Format::Registry, "models")
    } else if top.contains_key("endpoints") && top.contains_key("total") {
        (Format::RhCli, "endpoints")
    } else {
        let mut keys: Vec<&str> = top.keys().map(String::as_str).collect();
        keys.truncate(8);
        bail!(
            "{file}: unknown catalog format: expected top-level `version` and `models` (registry) \
             or `version`, `total` and `endpoints` (rh-cli); found keys {keys:?}"
        );
    };
    let version = match top.get("version") {
        Some(Value::String(v)) => v.clone(),
        Some(other) => bail!("{file}: `version` should be a string, found {other}"),
        None => bail!("{file}: no top-level `version`"),
    };
    let list = top[list_key]
        .as_array()
        .ok_or_else(|| anyhow!("{file}: `{list_key}` should be an array"))?;
    let mut models = Vec::with_capacity(list.len());
    for (i, entry) in list.iter().enumerate() {
        let at = format!("{file}: {list_key}[{i}]");
        let obj = entry
            .as_object()
            .ok_or_else(|| anyhow!("{at}: not an object"))?;
        let endpoint =
            str_field(obj, "endpoint", &at)?.ok_or_else(|| anyhow!("{at}: no `endpoint`"))?;
        let at = format!("{file}: {endpoint}");
        let params = match obj.get("params") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(ps)) => ps
                .iter()
                .enumerate()
                .map(|(j, p)| param(format, p, &format!("{at}: params[{j}]")))
                .collect::<Result<_>>()?,
            Some(other) => bail!("{at}: `params` should be an array, found {other}"),
        };
        let output = str_field(obj, "output_type", &at)?.map(|kind| match kind.as_str() {
            "string" => "text".to_owned(),
            _ => kind,
        });
        models.push(Model {
            endpoint,
            params,
            output,
        });
    }
    Ok(Catalog {
        file: file.to_string(),
        version,
        format,
        models,
    })
}

fn param(format: Format, value: &Value, at: &str) -> Result<Param> {
    let obj = value
        .as_object()
        .ok_or_else(|| anyhow!("{at}: not an object"))?;
    let (key_name, default_name) = match format {
        Format::Registry => ("fieldKey", "defaultValue"),
        Format::RhCli => ("key", "default"),
    };
    let key = str_field(obj, key_name, at)?.ok_or_else(|| anyhow!("{at}: no `{key_name}`"))?;
    let at = format!("{at} ({key})");
    let at = at.as_str();
    let type_name = str_field(obj, "type", at)?.ok_or_else(|| anyhow!("{at}: no `type`"))?;
    let kind =
        Kind::parse(&type_name).ok_or_else(|| anyhow!("{at}: unknown param type `{type_name}`"))?;
    let required = bool_field(obj, "required", at)?.unwrap_or(false);
    let default = obj.get(default_name).filter(|v| !v.is_null()).cloned();
    let options = match obj.get("options") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(opts)) => opts
            .iter()
            .map(|o| {
                let v = match (format, o) {
                    (Format::Registry, Value::Object(m)) => m
                        .get("value")
                        .ok_or_else(|| anyhow!("{at}: an option has no `value`"))?,
                    (_, v) => v,
                };
                scalar_string(v).ok_or_else(|| anyhow!("{at}: option value {v} is not a scalar"))
            })
            .collect::<Result<_>>()?,
        Some(other) => bail!("{at}: `options` should be an array, found {other}"),
    };
    let min = num_field(obj, "min", at)?;
    let max = num_field(obj, "max", at)?;
    let max_length = uint_field(obj, "maxLength", at)?;
    let (multiple, max_items, max_size_mb) = match format {
        Format::Registry => {
            let flagged = bool_field(obj, "multipleInputs", at)?.unwrap_or(false);
            let count = uint_field(obj, "maxInputNum", at)?;
            // `multipleInputs: false, maxInputNum: 1` on a single key is noise; so is
            // `multipleInputs: true` with a limit of one, unless the key names a list.
            let urls = kind.is_media() && key.ends_with("Urls");
            let multiple = urls || (flagged && count.is_none_or(|n| n > 1));
            let max_items = if multiple { count } else { None };
            (multiple, max_items, num_field(obj, "maxSize", at)?)
        }
        Format::RhCli => {
            let flagged = bool_field(obj, "multiple", at)?.unwrap_or(false);
            let count = uint_field(obj, "maxCount", at)?;
            let multiple = flagged || (kind.is_media() && key.ends_with("Urls"));
            let max_items = if multiple { count } else { None };
            (multiple, max_items, num_field(obj, "maxSizeMB", at)?)
        }
    };
    Ok(Param {
        key,
        kind,
        required,
        default,
        options,
        min,
        max,
        max_length,
        multiple,
        max_items,
        max_size_mb,
    })
}

/// A string, number or boolean as the string the API receives; `None` for anything else.
pub fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn str_field(obj: &Map<String, Value>, name: &str, at: &str) -> Result<Option<String>> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => bail!("{at}: `{name}` should be a string, found {other}"),
    }
}

fn bool_field(obj: &Map<String, Value>, name: &str, at: &str) -> Result<Option<bool>> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => bail!("{at}: `{name}` should be true or false, found {other}"),
    }
}

fn num_field(obj: &Map<String, Value>, name: &str, at: &str) -> Result<Option<f64>> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(other) => bail!("{at}: `{name}` should be a number, found {other}"),
    }
}

fn uint_field(obj: &Map<String, Value>, name: &str, at: &str) -> Result<Option<u64>> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
        Some(other) => bail!("{at}: `{name}` should be a whole number >= 0, found {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one_param(format: Format, p: Value) -> Param {
        let doc = match format {
            Format::Registry => {
                json!({"version": "v", "models": [{"endpoint": "a/b", "params": [p]}]})
            }
            Format::RhCli => {
                json!({"version": "v", "total": 1, "endpoints": [{"endpoint": "a/b", "params": [p]}]})
            }
        };
        let cat = parse("c.json", &doc.to_string()).unwrap();
        assert_eq!(cat.format, format);
        cat.models[0].params[0].clone()
    }

    #[test]
    fn both_formats_normalise_to_the_same_param() {
        let registry = one_param(
            Format::Registry,
            json!({"fieldKey": "imageUrls", "type": "IMAGE", "required": true,
                   "multipleInputs": true, "maxInputNum": 3, "maxSize": 10,
                   "defaultValue": "https://x/y.png"}),
        );
        let rhcli = one_param(
            Format::RhCli,
            json!({"key": "imageUrls", "type": "IMAGE", "required": true,
                   "multiple": true, "maxCount": 3, "maxSizeMB": 10,
                   "default": "https://x/y.png"}),
        );
        assert_eq!(registry, rhcli);
        assert!(registry.multiple);
        assert_eq!(registry.max_items, Some(3));
        assert_eq!(registry.max_size_mb, Some(10.0));
    }

    #[test]
    fn options_become_strings_in_both_formats() {
        let registry = one_param(
            Format::Registry,
            json!({"fieldKey": "d", "type": "LIST", "options": [{"value": 5}, {"value": "10"}, {"value": 0.5}]}),
        );
        let rhcli = one_param(
            Format::RhCli,
            json!({"key": "d", "type": "LIST", "options": [5, "10", 0.5]}),
        );
        assert_eq!(registry.options, ["5", "10", "0.5"]);
        assert_eq!(rhcli.options, registry.options);
    }

    #[test]
    fn registry_single_input_noise_is_not_multiple_but_urls_keys_are() {
        let single = one_param(
            Format::Registry,
            json!({"fieldKey": "imageUrl", "type": "IMAGE", "multipleInputs": false, "maxInputNum": 1}),
        );
        assert!(!single.multiple);
        assert_eq!(single.max_items, None);
        let flagged_one = one_param(
            Format::Registry,
            json!({"fieldKey": "dict", "type": "STRING", "multipleInputs": true, "maxInputNum": 1}),
        );
        assert!(!flagged_one.multiple);
        let urls = one_param(
            Format::Registry,
            json!({"fieldKey": "imageUrls", "type": "IMAGE", "multipleInputs": false, "maxInputNum": 1}),
        );
        assert!(urls.multiple);
        assert_eq!(urls.max_items, Some(1));
        let text_urls = one_param(
            Format::Registry,
            json!({"fieldKey": "pageUrls", "type": "STRING"}),
        );
        assert!(
            !text_urls.multiple,
            "only media keys ending in Urls are lists"
        );
    }

    #[test]
    fn withdrawn_names_are_recognised() {
        assert!(is_withdrawn("x/edit-[Deprecated]"));
        assert!(is_withdrawn("x/pro-deprecated"));
        assert!(!is_withdrawn("x/deprecated-thing"));
    }

    #[test]
    fn bad_input_gives_errors_naming_the_file() {
        let cases = [
            ("not json", "not valid JSON"),
            ("[]", "top level is not a JSON object"),
            (r#"{"version": "v", "items": []}"#, "unknown catalog format"),
            (r#"{"models": []}"#, "no top-level `version`"),
            (
                r#"{"version": 3, "models": []}"#,
                "`version` should be a string",
            ),
            (
                r#"{"version": "v", "models": {}}"#,
                "`models` should be an array",
            ),
            (
                r#"{"version": "v", "models": [{"params": []}]}"#,
                "no `endpoint`",
            ),
            (
                r#"{"version": "v", "models": [{"endpoint": "a", "params": [{"fieldKey": "k", "type": "WEIRD"}]}]}"#,
                "a: params[0] (k): unknown param type `WEIRD`",
            ),
            (
                r#"{"version": "v", "models": [{"endpoint": "a", "params": [{"fieldKey": "k", "type": "INT", "min": "1"}]}]}"#,
                "`min` should be a number",
            ),
            (
                r#"{"version": "v", "total": 1, "endpoints": [{"endpoint": "a", "params": [{"key": "k", "type": "LIST", "options": [[1]]}]}]}"#,
                "is not a scalar",
            ),
            (
                r#"{"version": "v", "total": 1, "endpoints": [{"endpoint": "a", "params": [{"type": "LIST"}]}]}"#,
                "no `key`",
            ),
        ];
        for (text, want) in cases {
            let err = format!("{:#}", parse("cat.json", text).unwrap_err());
            assert!(err.starts_with("cat.json"), "{err}");
            assert!(err.contains(want), "{text}: {err}");
        }
    }
}
