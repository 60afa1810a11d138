//! Client-side validation of request bodies against the spec's constraints.
//!
//! progenitor's types enforce enumerations by construction; everything else the spec states
//! (string lengths, item counts, numeric ranges) is checked by [`Validate`] impls that
//! `cargo xtask codegen` emits from the spec for every request body type. Nothing here names
//! an endpoint: the generated impls call the generic checks below.

use crate::fields::{FieldInfo, FieldKind};
use serde::de::DeserializeOwned;
use std::fmt;

/// A request body that can be checked against the spec's constraints before it is sent.
///
/// Implemented by generated code for every request body type (and every object type inside
/// one).
pub trait Validate {
    /// Records every violation found in `self`, located below `path`, into `out`.
    fn validate_at(&self, path: &Path<'_>, out: &mut Violations);

    /// Checks `self`, returning every violation found.
    fn validate(&self) -> Result<(), ValidationError> {
        let mut out = Violations::default();
        self.validate_at(&Path::root(), &mut out);
        out.into_result()
    }
}

/// Where a value sits in a request body, such as `imageUrls[3]`. Built on the stack while
/// validating; rendered only when a violation is recorded.
#[derive(Debug, Clone, Copy)]
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Segment<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Segment<'a> {
    Root,
    Field(&'a str),
    Index(usize),
}

impl<'a> Path<'a> {
    /// The body itself.
    pub fn root() -> Path<'static> {
        Path {
            parent: None,
            segment: Segment::Root,
        }
    }

    /// The property `name` (its JSON name) of the value at `self`.
    pub fn field(&'a self, name: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            segment: Segment::Field(name),
        }
    }

    /// The item at `index` of the list at `self`.
    pub fn index(&'a self, index: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            segment: Segment::Index(index),
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            parent.fmt(f)?;
        }
        match self.segment {
            Segment::Root => Ok(()),
            Segment::Field(name)
                if matches!(self.parent.map(|p| p.segment), Some(Segment::Root) | None) =>
            {
                f.write_str(name)
            }
            Segment::Field(name) => write!(f, ".{name}"),
            Segment::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// What is wrong with one value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Problem {
    /// A string longer than allowed (lengths count characters, not bytes).
    TooLong {
        /// The most characters allowed.
        max: u64,
        /// The characters given.
        actual: u64,
    },
    /// A string shorter than allowed.
    TooShort {
        /// The fewest characters allowed.
        min: u64,
        /// The characters given.
        actual: u64,
    },
    /// A list with more items than allowed.
    TooManyItems {
        /// The most items allowed.
        max: u64,
        /// The items given.
        actual: u64,
    },
    /// A list with fewer items than allowed.
    TooFewItems {
        /// The fewest items allowed.
        min: u64,
        /// The items given.
        actual: u64,
    },
    /// A number below the minimum.
    BelowMinimum {
        /// The smallest value allowed.
        min: String,
        /// The value given.
        actual: String,
    },
    /// A number above the maximum.
    AboveMaximum {
        /// The largest value allowed.
        max: String,
        /// The value given.
        actual: String,
    },
    /// A value the body's type cannot hold: a missing required field, a value outside an
    /// enumeration, a value of the wrong JSON type.
    Invalid {
        /// The decoder's explanation.
        message: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = |n: &u64| if *n == 1 { "" } else { "s" };
        match self {
            Problem::TooLong { max, actual } => {
                write!(f, "{actual} characters, more than the maximum of {max}")
            }
            Problem::TooShort { min, actual } => {
                write!(
                    f,
                    "{actual} character{}, fewer than the minimum of {min}",
                    s(actual)
                )
            }
            Problem::TooManyItems { max, actual } => {
                write!(f, "{actual} items, more than the maximum of {max}")
            }
            Problem::TooFewItems { min, actual } => {
                write!(
                    f,
                    "{actual} item{}, fewer than the minimum of {min}",
                    s(actual)
                )
            }
            Problem::BelowMinimum { min, actual } => {
                write!(f, "{actual} is below the minimum of {min}")
            }
            Problem::AboveMaximum { max, actual } => {
                write!(f, "{actual} is above the maximum of {max}")
            }
            Problem::Invalid { message } => f.write_str(message),
        }
    }
}

/// One constraint broken by a request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Location of the value in the JSON body, such as `imageUrls` or `items[2].url`.
    pub field: String,
    /// What is wrong with it.
    pub problem: Problem,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.problem)
        } else {
            write!(f, "`{}`: {}", self.field, self.problem)
        }
    }
}

/// A request body refused before sending: every violation found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid request: {}", list(.violations))]
pub struct ValidationError {
    violations: Vec<Violation>,
}

fn list(v: &[Violation]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ValidationError {
    /// The violations, in the order the body's fields were checked; never empty.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The violation of the value at `field`, if there is one.
    pub fn violation(&self, field: &str) -> Option<&Violation> {
        self.violations.iter().find(|v| v.field == field)
    }
}

/// The violations collected while validating one body.
#[derive(Debug, Default)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// Records that the value at `path` has `problem`.
    pub fn push(&mut self, path: &Path<'_>, problem: Problem) {
        self.0.push(Violation {
            field: path.to_string(),
            problem,
        });
    }

    /// `Ok` when nothing was recorded.
    pub fn into_result(self) -> Result<(), ValidationError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ValidationError { violations: self.0 })
        }
    }
}

/// Records a violation when `value` is shorter or longer (in characters) than the bounds
/// allow; for generated validators.
#[doc(hidden)]
pub fn check_chars(
    out: &mut Violations,
    path: &Path<'_>,
    value: &str,
    min: Option<u64>,
    max: Option<u64>,
) {
    let actual = value.chars().count() as u64;
    if let Some(max) = max
        && actual > max
    {
        out.push(path, Problem::TooLong { max, actual });
    }
    if let Some(min) = min
        && actual < min
    {
        out.push(path, Problem::TooShort { min, actual });
    }
}

/// Records a violation when an array has fewer or more items than the bounds allow; for
/// generated validators.
#[doc(hidden)]
pub fn check_items(
    out: &mut Violations,
    path: &Path<'_>,
    len: usize,
    min: Option<u64>,
    max: Option<u64>,
) {
    let actual = len as u64;
    if let Some(max) = max
        && actual > max
    {
        out.push(path, Problem::TooManyItems { max, actual });
    }
    if let Some(min) = min
        && actual < min
    {
        out.push(path, Problem::TooFewItems { min, actual });
    }
}

/// Records a violation when an integer is outside its bounds; for generated validators.
#[doc(hidden)]
pub fn check_integer(
    out: &mut Violations,
    path: &Path<'_>,
    value: i128,
    min: Option<i64>,
    max: Option<i64>,
) {
    if let Some(min) = min
        && value < i128::from(min)
    {
        out.push(
            path,
            Problem::BelowMinimum {
                min: min.to_string(),
                actual: value.to_string(),
            },
        );
    }
    if let Some(max) = max
        && value > i128::from(max)
    {
        out.push(
            path,
            Problem::AboveMaximum {
                max: max.to_string(),
                actual: value.to_string(),
            },
        );
    }
}

/// Records a violation when a number is outside its bounds; for generated validators.
#[doc(hidden)]
pub fn check_number(
    out: &mut Violations,
    path: &Path<'_>,
    value: f64,
    min: Option<f64>,
    max: Option<f64>,
) {
    // NaN is neither above nor below anything; it is refused outright.
    if value.is_nan() {
        out.push(
            path,
            Problem::Invalid {
                message: "NaN is not a number RunningHub accepts".into(),
            },
        );
        return;
    }
    if let Some(min) = min
        && value < min
    {
        out.push(
            path,
            Problem::BelowMinimum {
                min: min.to_string(),
                actual: value.to_string(),
            },
        );
    }
    if let Some(max) = max
        && value > max
    {
        out.push(
            path,
            Problem::AboveMaximum {
                max: max.to_string(),
                actual: value.to_string(),
            },
        );
    }
}

/// Decodes a JSON request body into its typed form and validates it, reporting decoding
/// problems (a missing field, a value outside an enumeration) with the field's path.
///
/// Use it to build a typed request from JSON (a file, a command line) with errors that name
/// the field:
///
/// ```
/// use runninghub::types::ViduReferenceToVideoQ3Request;
/// let json = serde_json::json!({
///     "prompt": "a cat", "imageUrls": ["https://example.com/cat.png"],
///     "duration": 5, "resolution": "4k"
/// });
/// let err = runninghub::validation::from_json::<ViduReferenceToVideoQ3Request>(json).unwrap_err();
/// assert_eq!(err.violations()[0].field, "resolution");
/// ```
pub fn from_json<T: DeserializeOwned + Validate>(
    value: serde_json::Value,
) -> Result<T, ValidationError> {
    let typed: T = serde_path_to_error::deserialize(value).map_err(decode_error)?;
    typed.validate()?;
    Ok(typed)
}

/// The violation for a body that is not JSON at all.
pub(crate) fn not_json(e: &serde_json::Error) -> ValidationError {
    ValidationError {
        violations: vec![Violation {
            field: String::new(),
            problem: Problem::Invalid {
                message: format!("the body is not JSON: {e}"),
            },
        }],
    }
}

/// Checks a JSON body against a field table (see [`crate::operation::Registry::check_json_body`]):
/// the same rules the generated types and validators enforce, with the same messages,
/// without compiling a decoder per request type.
pub(crate) fn validate_fields(
    fields: &[FieldInfo],
    body: serde_json::Value,
) -> Result<serde_json::Value, ValidationError> {
    let mut out = Violations::default();
    let root = Path::root();
    let serde_json::Value::Object(map) = body else {
        out.push(
            &root,
            Problem::Invalid {
                message: format!("invalid type: {}, expected a JSON object", kind_of(&body)),
            },
        );
        return out.into_result().map(|()| serde_json::Value::Null);
    };
    // Fields in the spec's order, so that violations read in a stable, familiar order.
    let mut map = map;
    let mut checked = serde_json::Map::new();
    for field in fields {
        let path = root.field(field.name);
        match map.remove(field.name) {
            None | Some(serde_json::Value::Null) if field.required => {
                // Reported on the body, as a decoder would: the field is not there to point at.
                out.push(
                    &root,
                    Problem::Invalid {
                        message: format!("missing field `{}`", field.name),
                    },
                );
            }
            None | Some(serde_json::Value::Null) => {}
            Some(value) => {
                if check_value(field, &value, &path, &mut out) {
                    checked.insert(field.name.to_owned(), value);
                }
            }
        }
    }
    for name in map.keys() {
        let known: Vec<_> = fields.iter().map(|f| format!("`{}`", f.name)).collect();
        out.push(
            &root.field(name),
            Problem::Invalid {
                message: format!(
                    "unknown field `{name}`, expected one of {}",
                    known.join(", ")
                ),
            },
        );
    }
    out.into_result()
        .map(|()| serde_json::Value::Object(checked))
}

fn kind_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "null".into(),
        serde_json::Value::Bool(b) => format!("boolean `{b}`"),
        serde_json::Value::Number(n) => format!("number `{n}`"),
        serde_json::Value::String(s) => format!("string {s:?}"),
        serde_json::Value::Array(_) => "a list".into(),
        serde_json::Value::Object(_) => "an object".into(),
    }
}

fn expected(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::String => "a string",
        FieldKind::Integer => "an integer",
        FieldKind::Number => "a number",
        FieldKind::Boolean => "a boolean",
        FieldKind::StringList => "a list of strings",
        FieldKind::Other => "a JSON value",
    }
}

/// Checks one value against its field; `false` when its type is wrong (bounds problems
/// are recorded but the value is still well-typed).
fn check_value(
    field: &FieldInfo,
    value: &serde_json::Value,
    path: &Path<'_>,
    out: &mut Violations,
) -> bool {
    let wrong_type = |out: &mut Violations| {
        out.push(
            path,
            Problem::Invalid {
                message: format!(
                    "invalid type: {}, expected {}",
                    kind_of(value),
                    expected(field.kind)
                ),
            },
        );
        false
    };
    let (min, max) = (field.minimum, field.maximum);
    match field.kind {
        FieldKind::String => {
            let Some(s) = value.as_str() else {
                return wrong_type(out);
            };
            if !field.allowed.is_empty() {
                if !field.allowed.contains(&s) {
                    let allowed: Vec<_> = field.allowed.iter().map(|a| format!("`{a}`")).collect();
                    out.push(
                        path,
                        Problem::Invalid {
                            message: format!(
                                "unknown variant `{s}`, expected one of {}",
                                allowed.join(", ")
                            ),
                        },
                    );
                }
            } else {
                check_chars(out, path, s, field.min_length, field.max_length);
            }
            true
        }
        FieldKind::Integer => match value.as_i64() {
            Some(n) => {
                check_integer(
                    out,
                    path,
                    i128::from(n),
                    min.map(|v| v as i64),
                    max.map(|v| v as i64),
                );
                true
            }
            None => wrong_type(out),
        },
        FieldKind::Number => match value.as_f64() {
            Some(n) => {
                check_number(out, path, n, min, max);
                true
            }
            None => wrong_type(out),
        },
        FieldKind::Boolean => value.is_boolean() || wrong_type(out),
        FieldKind::StringList => {
            let Some(items) = value.as_array() else {
                return wrong_type(out);
            };
            check_items(out, path, items.len(), field.min_items, field.max_items);
            let mut ok = true;
            for (i, item) in items.iter().enumerate() {
                if !item.is_string() {
                    out.push(
                        &path.index(i),
                        Problem::Invalid {
                            message: format!("invalid type: {}, expected a string", kind_of(item)),
                        },
                    );
                    ok = false;
                }
            }
            ok
        }
        FieldKind::Other => true,
    }
}

fn decode_error(e: serde_path_to_error::Error<serde_json::Error>) -> ValidationError {
    let path = e.path().to_string();
    let field = if path == "." { String::new() } else { path };
    let mut message = e.into_inner().to_string();
    // serde_json appends the position in the serialized text, which means nothing to a caller
    // who built a value.
    if let Some(i) = message.find(" at line ") {
        message.truncate(i);
    }
    ValidationError {
        violations: vec![Violation {
            field,
            problem: Problem::Invalid { message },
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_like_json_accessors() {
        let root = Path::root();
        let items = root.field("items");
        let second = items.index(2);
        let url = second.field("url");
        assert_eq!(root.to_string(), "");
        assert_eq!(items.to_string(), "items");
        assert_eq!(url.to_string(), "items[2].url");
    }

    #[test]
    fn checks_record_bounds_and_actual_values() {
        let mut out = Violations::default();
        let root = Path::root();
        check_chars(&mut out, &root.field("p"), "ééé", None, Some(2));
        check_items(&mut out, &root.field("l"), 0, Some(1), Some(7));
        check_integer(&mut out, &root.field("d"), 17, Some(3), Some(16));
        check_number(&mut out, &root.field("n"), f64::NAN, Some(0.0), None);
        let err = out.into_result().unwrap_err();
        let problems: Vec<_> = err
            .violations()
            .iter()
            .map(|v| (v.field.as_str(), v.problem.clone()))
            .collect();
        assert_eq!(
            problems,
            vec![
                ("p", Problem::TooLong { max: 2, actual: 3 }),
                ("l", Problem::TooFewItems { min: 1, actual: 0 }),
                (
                    "d",
                    Problem::AboveMaximum {
                        max: "16".into(),
                        actual: "17".into()
                    }
                ),
                (
                    "n",
                    Problem::Invalid {
                        message: "NaN is not a number RunningHub accepts".into()
                    }
                ),
            ]
        );
        assert_eq!(
            err.to_string(),
            "invalid request: `p`: 3 characters, more than the maximum of 2; `l`: 0 items, fewer than the minimum of 1; \
             `d`: 17 is above the maximum of 16; `n`: NaN is not a number RunningHub accepts"
        );
    }

    const FIELDS: &[FieldInfo] = &[
        FieldInfo::new("prompt", FieldKind::String)
            .required()
            .with_max_length(5),
        FieldInfo::new("urls", FieldKind::StringList)
            .with_min_items(1)
            .with_max_items(2),
        FieldInfo::new("seed", FieldKind::Integer).with_minimum(0.0),
        FieldInfo::new("mode", FieldKind::String).with_allowed(&["fast", "slow"]),
    ];

    fn fields_of(body: serde_json::Value) -> Vec<(String, String)> {
        match validate_fields(FIELDS, body) {
            Ok(_) => vec![],
            Err(e) => e
                .violations()
                .iter()
                .map(|v| (v.field.clone(), v.problem.to_string()))
                .collect(),
        }
    }

    #[test]
    fn the_field_table_checks_types_bounds_and_names() {
        use serde_json::json;
        let ok = validate_fields(
            FIELDS,
            json!({"prompt": "hi", "urls": ["a"], "seed": null, "mode": "fast"}),
        )
        .unwrap();
        assert_eq!(
            ok,
            json!({"prompt": "hi", "urls": ["a"], "mode": "fast"}),
            "optional nulls are dropped"
        );
        assert_eq!(
            fields_of(json!({})),
            [(String::new(), "missing field `prompt`".into())]
        );
        assert_eq!(
            fields_of(json!({"prompt": "hi", "colour": "red"})),
            [(
                "colour".into(),
                "unknown field `colour`, expected one of `prompt`, `urls`, `seed`, `mode`".into()
            )]
        );
        assert_eq!(
            fields_of(json!({"prompt": 5})),
            [(
                "prompt".into(),
                "invalid type: number `5`, expected a string".into()
            )],
            "a wrongly typed required field is reported once, where it is"
        );
        assert_eq!(
            fields_of(json!({"prompt": "hi", "seed": 1.5, "urls": ["a", 2]})),
            [
                (
                    "urls[1]".into(),
                    "invalid type: number `2`, expected a string".into()
                ),
                (
                    "seed".into(),
                    "invalid type: number `1.5`, expected an integer".into()
                ),
            ]
        );
        assert_eq!(
            fields_of(json!({"prompt": "toolong", "urls": [], "seed": -1, "mode": "medium"})),
            [
                (
                    "prompt".into(),
                    "7 characters, more than the maximum of 5".into()
                ),
                ("urls".into(), "0 items, fewer than the minimum of 1".into()),
                ("seed".into(), "-1 is below the minimum of 0".into()),
                (
                    "mode".into(),
                    "unknown variant `medium`, expected one of `fast`, `slow`".into()
                ),
            ]
        );
        assert_eq!(
            fields_of(json!([1])),
            [(
                String::new(),
                "invalid type: a list, expected a JSON object".into()
            )]
        );
    }

    #[test]
    fn values_within_bounds_pass() {
        let mut out = Violations::default();
        let root = Path::root();
        check_chars(&mut out, &root, "abc", Some(3), Some(3));
        check_items(&mut out, &root, 7, Some(1), Some(7));
        check_integer(&mut out, &root, 3, Some(3), Some(16));
        check_number(&mut out, &root, 1.0, Some(0.0), Some(1.0));
        assert!(out.into_result().is_ok());
    }
}
