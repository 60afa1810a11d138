//! Shared helpers of the generated `Deserialize` impls (see the generator's `deserialize`
//! module): one generic copy of what `#[derive(Deserialize)]` would expand in every request
//! type, with the same behaviour and messages for JSON objects.

use serde::de::{Deserialize, Deserializer, Error, IgnoredAny, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// An object key, borrowed from the input when it can be.
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("field identifier")
            }
            fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// Reads the value of the field `name` into its slot; a second value for it is serde's
/// `duplicate field` error.
pub fn field<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(A::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Skips the value of an unknown field.
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

/// The value of a required field that `lean_struct!` has already checked is present.
pub fn present<T>(slot: Option<T>) -> T {
    match slot {
        Some(value) => value,
        None => unreachable!("lean_struct! checks every required field before taking it"),
    }
}

/// A string enum from its JSON string, through its `FromStr` (which accepts exactly the
/// enum's JSON names): serde's `unknown variant` error for any other string, raised while
/// the string is read so that it carries the same position as the derive's. A value that is
/// not a string is `invalid type: …, expected enum Name` (serde_json says only
/// `expected value` there for the derive).
#[allow(
    dead_code,
    reason = "every generated string enum belongs to a model family, and a build may enable none"
)]
pub fn unit_enum<'de, D: Deserializer<'de>, T: std::str::FromStr>(
    deserializer: D,
    name: &'static str,
    variants: &'static [&'static str],
) -> Result<T, D::Error> {
    struct EnumString<T> {
        name: &'static str,
        variants: &'static [&'static str],
        parsed: std::marker::PhantomData<T>,
    }
    impl<T: std::str::FromStr> Visitor<'_> for EnumString<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "enum {}", self.name)
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<T, E> {
            v.parse().map_err(|_| E::unknown_variant(v, self.variants))
        }
    }
    deserializer.deserialize_str(EnumString {
        name,
        variants,
        parsed: std::marker::PhantomData,
    })
}

/// The lean `Deserialize` impl of a generated struct, written once here instead of spelled
/// out for each of hundreds of request types (the generator's `deserialize` module emits
/// one invocation per struct). Each field is `ident: Type = "jsonName" missing`, where
/// `missing` says what a missing field is: `opt` (an `Option`: `None`), `default`
/// (`#[serde(default)]`) or `required` (serde's `missing field` error). Local variables of
/// the macro cannot clash with field names: `macro_rules!` keeps them apart.
///
/// The fields are read into one `Slots` value rather than a local per field, and the
/// required ones are checked before any is moved out, so that every early return drops one
/// value instead of every field read so far; that took about a tenth off these impls'
/// share of the crate's check time (about a fifth).
#[macro_export]
#[doc(hidden)]
macro_rules! lean_struct {
    ($name:ident { $($field:ident : $ty:ty = $json:literal $missing:ident),* $(,)? }) => {
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                struct Slots {
                    $($field: ::std::option::Option<$ty>,)*
                }
                struct Visitor;
                impl<'de> ::serde::de::Visitor<'de> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($name)))
                    }
                    #[allow(unused_mut)]
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::std::result::Result<$name, A::Error> {
                        let mut slots = Slots {
                            $($field: ::std::option::Option::None,)*
                        };
                        while let ::std::option::Option::Some(key) =
                            map.next_key::<$crate::decode::Key<'de>>()?
                        {
                            match key.as_str() {
                                $($json => $crate::decode::field(&mut map, &mut slots.$field, $json)?,)*
                                _ => $crate::decode::skip(&mut map)?,
                            }
                        }
                        $($crate::lean_struct!(@check slots.$field $json $missing);)*
                        ::std::result::Result::Ok($name {
                            $($field: $crate::lean_struct!(@take slots.$field $missing),)*
                        })
                    }
                }
                deserializer.deserialize_struct(stringify!($name), &[$($json),*], Visitor)
            }
        }
    };
    (@check $slots:ident.$field:ident $json:literal required) => {
        if $slots.$field.is_none() {
            return ::std::result::Result::Err(::serde::de::Error::missing_field($json));
        }
    };
    (@check $slots:ident.$field:ident $json:literal $missing:ident) => {};
    (@take $slots:ident.$field:ident opt) => { $slots.$field.flatten() };
    (@take $slots:ident.$field:ident default) => { $slots.$field.unwrap_or_default() };
    (@take $slots:ident.$field:ident required) => { $crate::decode::present($slots.$field) };
}
