//! A request body's fields and their documented constraints, as plain data: the tables
//! that [`crate::operation::OperationInfo`] carries and that [`crate::validation`] checks
//! JSON bodies against. A leaf of the crate: it names nothing generated and nothing above
//! it (published as `runninghub::operation::{FieldInfo, FieldKind}`).

/// The JSON shape of a request field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// A string (possibly limited to `allowed` values).
    String,
    /// An integer.
    Integer,
    /// A number.
    Number,
    /// A JSON boolean.
    Boolean,
    /// A list of strings (media URLs, usually).
    StringList,
    /// Anything else (nested objects): give it as JSON.
    Other,
}

/// One field of a request body, with its documented constraints.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldInfo {
    /// The JSON name.
    pub name: &'static str,
    /// Its JSON shape.
    pub kind: FieldKind,
    /// Whether the body must carry it.
    pub required: bool,
    /// RunningHub's documented default, as JSON text.
    pub default: Option<&'static str>,
    /// The allowed values of an enumerated string; empty when any value goes.
    pub allowed: &'static [&'static str],
    /// Smallest number allowed.
    pub minimum: Option<f64>,
    /// Largest number allowed.
    pub maximum: Option<f64>,
    /// Fewest list items allowed.
    pub min_items: Option<u64>,
    /// Most list items allowed.
    pub max_items: Option<u64>,
    /// Fewest characters allowed.
    pub min_length: Option<u64>,
    /// Most characters allowed.
    pub max_length: Option<u64>,
    /// The first paragraph of the spec's description.
    pub description: &'static str,
}

/// Builders for the generated field tables: each table entry starts from
/// [`FieldInfo::new`] and adds only what the spec documents, which keeps the tables short
/// to generate and to compile.
impl FieldInfo {
    /// An optional field of `kind`, with no default, constraint or description.
    pub const fn new(name: &'static str, kind: FieldKind) -> FieldInfo {
        FieldInfo {
            name,
            kind,
            required: false,
            default: None,
            allowed: &[],
            minimum: None,
            maximum: None,
            min_items: None,
            max_items: None,
            min_length: None,
            max_length: None,
            description: "",
        }
    }

    /// The same field, required.
    pub const fn required(mut self) -> FieldInfo {
        self.required = true;
        self
    }

    /// The same field with RunningHub's documented default, as JSON text.
    pub const fn with_default(mut self, json: &'static str) -> FieldInfo {
        self.default = Some(json);
        self
    }

    /// The same field, limited to `values`.
    pub const fn with_allowed(mut self, values: &'static [&'static str]) -> FieldInfo {
        self.allowed = values;
        self
    }

    /// The same field with a smallest number allowed.
    pub const fn with_minimum(mut self, minimum: f64) -> FieldInfo {
        self.minimum = Some(minimum);
        self
    }

    /// The same field with a largest number allowed.
    pub const fn with_maximum(mut self, maximum: f64) -> FieldInfo {
        self.maximum = Some(maximum);
        self
    }

    /// The same field with a fewest number of list items.
    pub const fn with_min_items(mut self, min_items: u64) -> FieldInfo {
        self.min_items = Some(min_items);
        self
    }

    /// The same field with a most number of list items.
    pub const fn with_max_items(mut self, max_items: u64) -> FieldInfo {
        self.max_items = Some(max_items);
        self
    }

    /// The same field with a fewest number of characters.
    pub const fn with_min_length(mut self, min_length: u64) -> FieldInfo {
        self.min_length = Some(min_length);
        self
    }

    /// The same field with a most number of characters.
    pub const fn with_max_length(mut self, max_length: u64) -> FieldInfo {
        self.max_length = Some(max_length);
        self
    }

    /// The same field with a description.
    pub const fn with_description(mut self, description: &'static str) -> FieldInfo {
        self.description = description;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::{FieldInfo, FieldKind};

    #[test]
    fn a_new_field_is_optional_and_unconstrained() {
        let f = FieldInfo::new("seed", FieldKind::Integer);
        assert_eq!(
            f,
            FieldInfo {
                name: "seed",
                kind: FieldKind::Integer,
                required: false,
                default: None,
                allowed: &[],
                minimum: None,
                maximum: None,
                min_items: None,
                max_items: None,
                min_length: None,
                max_length: None,
                description: "",
            }
        );
    }

    #[test]
    fn each_builder_sets_its_own_field() {
        // Evaluated at compile time, as the generated tables are.
        const FULL: FieldInfo = FieldInfo::new("x", FieldKind::StringList)
            .required()
            .with_default("[]")
            .with_allowed(&["a", "b"])
            .with_minimum(-1.5)
            .with_maximum(2.5)
            .with_min_items(1)
            .with_max_items(2)
            .with_min_length(3)
            .with_max_length(4)
            .with_description("d");
        assert_eq!(
            FULL,
            FieldInfo {
                name: "x",
                kind: FieldKind::StringList,
                required: true,
                default: Some("[]"),
                allowed: &["a", "b"],
                minimum: Some(-1.5),
                maximum: Some(2.5),
                min_items: Some(1),
                max_items: Some(2),
                min_length: Some(3),
                max_length: Some(4),
                description: "d",
            }
        );
    }
}
