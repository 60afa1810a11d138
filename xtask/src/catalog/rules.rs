//! The one set of conversion rules: a catalog param becomes the OpenAPI property schema the
//! spec is expected to hold. `diff` compares the spec against it and `draft` prints it.
//!
//! - LIST: a string `enum` of the option values as strings; the `empty` option means "do not
//!   send" and is dropped, which also makes the field optional; with `multiple`, an array of
//!   that enum with `maxItems`.
//! - INT, FLOAT, BOOLEAN: `integer`, `number` (with `minimum`/`maximum`), `boolean`.
//! - STRING: `string` with `maxLength`; `minLength: 1` when required (the API refuses empty
//!   required text); with `multiple`, an array of strings with `maxItems`.
//! - Media: a URL string, or an array of URL strings with `maxItems` (`minItems: 1` when
//!   required). The size limit belongs in the description.
//! - `default` only for LIST (an option other than `empty`), BOOLEAN, INT and FLOAT (within
//!   bounds); STRING and media defaults are sample content and never become defaults.

use super::source::{Kind, Param};
use serde_json::Value;

/// The LIST option that means "leave the field out".
pub const EMPTY_SENTINEL: &str = "empty";

/// The common optional field every submit accepts; never compared.
pub const WEBHOOK_FIELD: &str = "webhookUrl";

/// The subset of an OpenAPI schema that the rules speak about.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    /// `type` (`string`, `integer`, `number`, `boolean`, `array`, ...); `None` when absent.
    pub ty: Option<String>,
    /// `enum`, each value in its string form.
    pub enum_values: Option<Vec<String>>,
    /// `minimum`.
    pub minimum: Option<f64>,
    /// `maximum`.
    pub maximum: Option<f64>,
    /// `minLength`.
    pub min_length: Option<u64>,
    /// `maxLength`.
    pub max_length: Option<u64>,
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
    /// `items`, for arrays.
    pub items: Option<Box<Schema>>,
    /// `default`.
    pub default: Option<Value>,
}

impl Schema {
    fn of(ty: &str) -> Schema {
        Schema {
            ty: Some(ty.to_string()),
            ..Schema::default()
        }
    }

    /// The type for messages: `string`, `integer`, `array of string`, ...
    pub fn type_label(&self) -> String {
        match (self.ty.as_deref(), &self.items) {
            (Some("array"), Some(items)) => format!("array of {}", items.type_label()),
            (Some(t), _) => t.to_string(),
            (None, _) => "untyped".to_string(),
        }
    }
}

/// The property a catalog param should become.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The wire name.
    pub key: String,
    /// Whether it belongs in the body schema's `required` list.
    pub required: bool,
    /// The expected schema.
    pub schema: Schema,
    /// The media type of a URL field (of each item, for arrays).
    pub media: Option<Kind>,
    /// The largest file accepted, in MB: for the description only.
    pub max_size_mb: Option<f64>,
}

/// Applies the rules to one param.
pub fn expected(param: &Param) -> Field {
    let has_empty = param.kind == Kind::List && param.options.iter().any(|o| o == EMPTY_SENTINEL);
    let required = param.required && !has_empty;
    let mut scalar = match param.kind {
        Kind::List => Schema {
            enum_values: Some(
                param
                    .options
                    .iter()
                    .filter(|o| *o != EMPTY_SENTINEL)
                    .cloned()
                    .collect(),
            ),
            ..Schema::of("string")
        },
        Kind::Int | Kind::Float => Schema {
            minimum: param.min,
            maximum: param.max,
            ..Schema::of(if param.kind == Kind::Int {
                "integer"
            } else {
                "number"
            })
        },
        Kind::Boolean => Schema::of("boolean"),
        Kind::String => Schema {
            max_length: param.max_length,
            ..Schema::of("string")
        },
        Kind::Image | Kind::Video | Kind::Audio | Kind::CommonMedia => Schema::of("string"),
    };
    let media = param.kind.is_media().then_some(param.kind);
    let schema = if param.multiple {
        Schema {
            max_items: param.max_items,
            min_items: (required && media.is_some()).then_some(1),
            items: Some(Box::new(scalar)),
            ..Schema::of("array")
        }
    } else {
        if param.kind == Kind::String && required {
            scalar.min_length = Some(1);
        }
        scalar.default = default(param, &scalar);
        scalar
    };
    Field {
        key: param.key.clone(),
        required,
        schema,
        media,
        max_size_mb: media.and(param.max_size_mb),
    }
}

/// The catalog default, when it is a real default of a scalar of this schema.
fn default(param: &Param, schema: &Schema) -> Option<Value> {
    let value = param.default.as_ref()?;
    let within =
        |x: f64| schema.minimum.is_none_or(|m| x >= m) && schema.maximum.is_none_or(|m| x <= m);
    match param.kind {
        Kind::List => {
            let s = super::source::scalar_string(value)?;
            let options = schema.enum_values.as_ref()?;
            options.contains(&s).then_some(Value::String(s))
        }
        Kind::Boolean => match value {
            Value::Bool(b) => Some(Value::Bool(*b)),
            Value::String(s) if s == "true" || s == "false" => Some(Value::Bool(s == "true")),
            _ => None,
        },
        Kind::Int => {
            let n = value.as_i64()?;
            within(n as f64).then(|| Value::from(n))
        }
        Kind::Float => {
            let x = value.as_f64()?;
            within(x).then(|| value.clone())
        }
        Kind::String | Kind::Image | Kind::Video | Kind::Audio | Kind::CommonMedia => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn param(key: &str, kind: Kind) -> Param {
        Param {
            key: key.into(),
            kind,
            required: false,
            default: None,
            options: Vec::new(),
            min: None,
            max: None,
            max_length: None,
            multiple: false,
            max_items: None,
            max_size_mb: None,
        }
    }

    #[test]
    fn list_becomes_a_string_enum_with_its_default() {
        let p = Param {
            options: vec!["5".into(), "10".into()],
            default: Some(json!("10")),
            required: true,
            ..param("duration", Kind::List)
        };
        let f = expected(&p);
        assert!(f.required);
        assert_eq!(f.schema.ty.as_deref(), Some("string"));
        assert_eq!(f.schema.enum_values, Some(vec!["5".into(), "10".into()]));
        assert_eq!(f.schema.default, Some(json!("10")));
    }

    #[test]
    fn boolean_like_list_stays_a_string_enum() {
        let p = Param {
            options: vec!["true".into(), "false".into()],
            default: Some(json!("true")),
            ..param("sound", Kind::List)
        };
        let f = expected(&p);
        assert_eq!(f.schema.ty.as_deref(), Some("string"));
        assert_eq!(f.schema.default, Some(json!("true")));
    }

    #[test]
    fn empty_sentinel_is_dropped_and_makes_the_field_optional() {
        let p = Param {
            options: vec!["empty".into(), "1:1".into()],
            default: Some(json!("empty")),
            required: true,
            ..param("aspectRatio", Kind::List)
        };
        let f = expected(&p);
        assert!(!f.required);
        assert_eq!(f.schema.enum_values, Some(vec!["1:1".into()]));
        assert_eq!(f.schema.default, None);
    }

    #[test]
    fn list_default_outside_the_options_is_dropped() {
        let p = Param {
            options: vec!["a".into()],
            default: Some(json!("b")),
            ..param("k", Kind::List)
        };
        assert_eq!(expected(&p).schema.default, None);
    }

    #[test]
    fn numbers_keep_bounds_and_in_bounds_defaults_only() {
        let p = Param {
            min: Some(3.0),
            max: Some(15.0),
            default: Some(json!(5)),
            ..param("duration", Kind::Int)
        };
        let f = expected(&p);
        assert_eq!(f.schema.ty.as_deref(), Some("integer"));
        assert_eq!(
            (f.schema.minimum, f.schema.maximum),
            (Some(3.0), Some(15.0))
        );
        assert_eq!(f.schema.default, Some(json!(5)));
        let out = Param {
            default: Some(json!(99)),
            ..p
        };
        assert_eq!(expected(&out).schema.default, None);
        let float = Param {
            min: Some(0.0),
            max: Some(1.0),
            default: Some(json!(0.5)),
            ..param("cfg", Kind::Float)
        };
        let f = expected(&float);
        assert_eq!(f.schema.ty.as_deref(), Some("number"));
        assert_eq!(f.schema.default, Some(json!(0.5)));
    }

    #[test]
    fn strings_get_max_length_min_length_when_required_and_no_default() {
        let p = Param {
            max_length: Some(800),
            required: true,
            default: Some(json!("a sample prompt")),
            ..param("prompt", Kind::String)
        };
        let f = expected(&p);
        assert_eq!(f.schema.max_length, Some(800));
        assert_eq!(f.schema.min_length, Some(1));
        assert_eq!(f.schema.default, None);
        let optional = Param {
            required: false,
            ..p
        };
        assert_eq!(expected(&optional).schema.min_length, None);
    }

    #[test]
    fn multiple_strings_and_media_become_arrays() {
        let text = Param {
            multiple: true,
            max_items: Some(20),
            ..param("dict", Kind::String)
        };
        let f = expected(&text);
        assert_eq!(f.schema.type_label(), "array of string");
        assert_eq!(f.schema.max_items, Some(20));
        assert_eq!(f.schema.min_items, None);
        let media = Param {
            multiple: true,
            max_items: Some(3),
            required: true,
            max_size_mb: Some(10.0),
            default: Some(json!("https://x")),
            ..param("imageUrls", Kind::Image)
        };
        let f = expected(&media);
        assert_eq!(f.schema.type_label(), "array of string");
        assert_eq!((f.schema.min_items, f.schema.max_items), (Some(1), Some(3)));
        assert_eq!(f.schema.default, None);
        assert_eq!(f.media, Some(Kind::Image));
        assert_eq!(f.max_size_mb, Some(10.0));
    }

    #[test]
    fn single_media_is_a_url_string_without_default() {
        let p = Param {
            required: true,
            default: Some(json!("https://sample")),
            ..param("videoUrl", Kind::Video)
        };
        let f = expected(&p);
        assert_eq!(f.schema, Schema::of("string"));
        assert!(f.required);
    }

    #[test]
    fn booleans_keep_their_default() {
        let p = Param {
            default: Some(json!(false)),
            ..param("bgm", Kind::Boolean)
        };
        let f = expected(&p);
        assert_eq!(f.schema.ty.as_deref(), Some("boolean"));
        assert_eq!(f.schema.default, Some(json!(false)));
    }
}
