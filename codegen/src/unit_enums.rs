//! Lean serde impls for the generated string enums (the option sets).
//!
//! typify derives `Serialize` and `Deserialize` for every string enum and also writes
//! `Display` and `FromStr` impls mapping each variant to its JSON string and back. The
//! derives' expansion (a variant-name enum, visitors, an arm per variant) was most of an
//! option set's build cost, so an enum whose `Display` and `FromStr` agree exactly with its
//! serde names gets instead:
//! - `Serialize` through `Display` (`collect_str`): the same JSON string;
//! - `Deserialize` through `FromStr` (`crate::decode::unit_enum`, hand-written): the same
//!   strings accepted, serde's `unknown variant` message for any other string and its
//!   `expected enum Name` message for a value of another type.
//!
//! One difference from the derive: it also accepted the externally tagged form
//! `{"720p": null}`, which is now refused. Each variant keeps its JSON name in its docs.
//! An enum of any other shape (data-carrying variants, other serde attributes, maps that
//! disagree) keeps its derives.

use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeMap;

/// Variant name → string, as one of typify's `Display` or `FromStr` impls maps them.
type Strings = BTreeMap<String, String>;

/// The `Display` and `FromStr` maps of the enums among `items`, by enum name.
#[derive(Default)]
pub(crate) struct StringImpls {
    display: BTreeMap<String, Strings>,
    from_str: BTreeMap<String, Strings>,
}

impl StringImpls {
    pub(crate) fn new(items: &[syn::Item]) -> StringImpls {
        let mut found = StringImpls::default();
        for item in items {
            let syn::Item::Impl(imp) = item else { continue };
            let (Some((trait_path, _)), syn::Type::Path(self_ty)) = (&imp.trait_, &*imp.self_ty)
            else {
                continue;
            };
            let (Some(trait_name), Some(name)) = (
                trait_path.segments.last().map(|s| s.ident.to_string()),
                self_ty.path.get_ident().map(ToString::to_string),
            ) else {
                continue;
            };
            let Some(arms) = only_match(imp) else {
                continue;
            };
            match trait_name.as_str() {
                "Display" => {
                    if let Some(map) = one_to_one(arms.iter().map(display_arm)) {
                        found.display.insert(name, map);
                    }
                }
                "FromStr" => {
                    let arms = arms.iter().filter(|a| !matches!(a.pat, syn::Pat::Wild(_)));
                    if let Some(map) = one_to_one(arms.map(from_str_arm)) {
                        found.from_str.insert(name, map);
                    }
                }
                _ => {}
            }
        }
        found
    }
}

/// The pairs as a map, if every arm gave one and no variant or string came twice.
fn one_to_one(pairs: impl Iterator<Item = Option<(String, String)>>) -> Option<Strings> {
    let pairs: Vec<(String, String)> = pairs.collect::<Option<_>>()?;
    let strings: std::collections::BTreeSet<&String> = pairs.iter().map(|(_, s)| s).collect();
    let map: Strings = pairs.iter().cloned().collect();
    (map.len() == pairs.len() && strings.len() == pairs.len()).then_some(map)
}

/// The arms of the `match` that is the whole body of the impl's only method.
fn only_match(imp: &syn::ItemImpl) -> Option<&[syn::Arm]> {
    let mut fns = imp.items.iter().filter_map(|i| match i {
        syn::ImplItem::Fn(f) => Some(f),
        _ => None,
    });
    let f = fns.next()?;
    if fns.next().is_some() {
        return None;
    }
    match f.block.stmts.as_slice() {
        [syn::Stmt::Expr(syn::Expr::Match(m), None)] => Some(&m.arms),
        _ => None,
    }
}

/// `Self::X720p => f.write_str("720p")` → (`X720p`, `720p`).
fn display_arm(arm: &syn::Arm) -> Option<(String, String)> {
    let variant = self_variant_pat(&arm.pat)?;
    let syn::Expr::MethodCall(call) = &*arm.body else {
        return None;
    };
    if call.method != "write_str" || call.args.len() != 1 {
        return None;
    }
    Some((variant, lit_str(&call.args[0])?))
}

/// `"720p" => Ok(Self::X720p)` → (`X720p`, `720p`).
fn from_str_arm(arm: &syn::Arm) -> Option<(String, String)> {
    let syn::Pat::Lit(syn::PatLit {
        lit: syn::Lit::Str(s),
        ..
    }) = &arm.pat
    else {
        return None;
    };
    let syn::Expr::Call(call) = &*arm.body else {
        return None;
    };
    let syn::Expr::Path(func) = &*call.func else {
        return None;
    };
    if !func.path.is_ident("Ok") || call.args.len() != 1 {
        return None;
    }
    let syn::Expr::Path(value) = &call.args[0] else {
        return None;
    };
    Some((self_variant(&value.path)?, s.value()))
}

fn self_variant_pat(pat: &syn::Pat) -> Option<String> {
    match pat {
        syn::Pat::Path(p) => self_variant(&p.path),
        _ => None,
    }
}

/// `Self::X` → `X`.
fn self_variant(path: &syn::Path) -> Option<String> {
    match path.segments.iter().collect::<Vec<_>>().as_slice() {
        [first, variant] if first.ident == "Self" => Some(variant.ident.to_string()),
        _ => None,
    }
}

fn lit_str(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// Replaces the serde derives of a string enum with the lean impls, or returns `None` and
/// leaves the enum untouched.
pub(crate) fn lean_enum(e: &mut syn::ItemEnum, strings: &StringImpls) -> Option<TokenStream> {
    if !e.generics.params.is_empty() || e.attrs.iter().any(|a| a.path().is_ident("serde")) {
        return None;
    }
    let name = e.ident.to_string();
    // The JSON name of each variant, from its serde attribute or its own name.
    let mut json = Strings::new();
    let mut order = Vec::new();
    for v in &e.variants {
        if !matches!(v.fields, syn::Fields::Unit) || v.discriminant.is_some() {
            return None;
        }
        let mut value = v.ident.to_string();
        for attr in v.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            let mut plain = true;
            let parsed = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    value = lit.value();
                } else {
                    plain = false;
                }
                Ok(())
            });
            if parsed.is_err() || !plain {
                return None;
            }
        }
        order.push(value.clone());
        json.insert(v.ident.to_string(), value);
    }
    // Display and FromStr must say exactly what the serde names say.
    if strings.display.get(&name) != Some(&json) || strings.from_str.get(&name) != Some(&json) {
        return None;
    }
    if !crate::deserialize::remove_derives(&mut e.attrs, &["Serialize", "Deserialize"]) {
        return None;
    }
    for v in &mut e.variants {
        let value = json.get(&v.ident.to_string()).cloned().unwrap_or_default();
        v.attrs.retain(|a| !a.path().is_ident("serde"));
        if !v.attrs.iter().any(|a| a.path().is_ident("doc")) {
            let doc = format!("`{value}`");
            v.attrs.push(syn::parse_quote!(#[doc = #doc]));
        }
    }
    let ty = &e.ident;
    Some(quote! {
        impl ::serde::Serialize for #ty {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                crate::runtime::unit_enum(deserializer, #name, &[#(#order),*])
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A string enum as typify writes it, with `from_str_arms` as its `FromStr` arms.
    fn items(from_str_arms: TokenStream) -> Vec<syn::Item> {
        let file: syn::File = syn::parse2(quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug)]
            pub enum Res {
                #[serde(rename = "720p")]
                X720p,
                #[serde(rename = "1080p")]
                X1080p,
            }
            impl ::std::fmt::Display for Res {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match *self {
                        Self::X720p => f.write_str("720p"),
                        Self::X1080p => f.write_str("1080p"),
                    }
                }
            }
            impl ::std::str::FromStr for Res {
                type Err = self::error::ConversionError;
                fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                    match value {
                        #from_str_arms
                        _ => Err("invalid value".into()),
                    }
                }
            }
        })
        .expect("test input parses");
        file.items
    }

    fn lean(items: &mut [syn::Item]) -> Option<TokenStream> {
        let strings = StringImpls::new(items);
        let syn::Item::Enum(e) = &mut items[0] else {
            panic!("not an enum")
        };
        lean_enum(e, &strings)
    }

    #[test]
    fn an_enum_whose_impls_agree_gets_lean_impls_and_keeps_its_names_in_docs() {
        let mut items = items(quote! { "720p" => Ok(Self::X720p), "1080p" => Ok(Self::X1080p), });
        let impls = lean(&mut items).expect("converted").to_string();
        assert!(impls.contains("collect_str (self)"), "{impls}");
        assert!(
            impls.contains(
                "crate :: runtime :: unit_enum (deserializer , \"Res\" , & [\"720p\" , \"1080p\"])"
            ),
            "{impls}"
        );
        let e = &items[0];
        let e = quote!(#e).to_string();
        assert!(!e.contains("serde"), "{e}");
        assert!(e.contains("derive (Clone , Copy , Debug)"), "{e}");
        assert!(e.contains("# [doc = \"`720p`\"] X720p"), "{e}");
    }

    #[test]
    fn an_enum_whose_from_str_disagrees_keeps_its_derives() {
        for arms in [
            // A string mapped to another variant.
            quote! { "720p" => Ok(Self::X1080p), "1080p" => Ok(Self::X720p), },
            // A variant missing.
            quote! { "720p" => Ok(Self::X720p), },
            // An alias: two strings for one variant.
            quote! { "720p" => Ok(Self::X720p), "720" => Ok(Self::X720p), "1080p" => Ok(Self::X1080p), },
        ] {
            let mut items = items(arms);
            let item = &items[0];
            let before = quote!(#item).to_string();
            assert!(lean(&mut items).is_none());
            let item = &items[0];
            assert_eq!(quote!(#item).to_string(), before);
        }
    }
}
