//! Enum variants spelled as Rust expects, and read as what they mean.
//!
//! typify names a string value that starts with a sign after the sign (`"-1"` becomes the
//! variant `minus1`), which is not UpperCamelCase and makes every build warn. Such variants
//! get a capital first letter (`Minus1`).
//!
//! typify also drops the colon of a ratio, so `"1:1"` becomes `X11`, the name the value
//! `"11"` (eleven seconds) gets too, and `"16:9"` becomes `X169`. A variant whose value is a
//! ratio is named after both its terms instead: `Ratio1x1`, `Ratio16x9` (`Ratio2p39x1` for
//! `"2.39:1"`), and a size in pixels such as `"1280*720"` is `Size1280x720` (not
//! `X1280720`). The value is read from typify's `serde(rename)` or documentation.
//!
//! A renamed variant is renamed in the enum and in every `Self::…` or `Enum::…` path that
//! names it; its JSON string is untouched.

use std::collections::{BTreeMap, BTreeSet};
use syn::visit_mut::VisitMut;

/// The name of a variant whose JSON string is `value`, when typify's would mislead: a
/// ratio such as `16:9` becomes `Ratio16x9`.
fn ratio_name(value: &str) -> Option<String> {
    let (prefix, (a, b)) = match value.split_once(':') {
        Some(terms) => ("Ratio", terms),
        None => ("Size", value.split_once('*')?),
    };
    let term = |t: &str| {
        let ok = !t.is_empty()
            && t.chars().all(|c| c.is_ascii_digit() || c == '.')
            && t.starts_with(|c: char| c.is_ascii_digit())
            && t.ends_with(|c: char| c.is_ascii_digit());
        ok.then(|| t.replace('.', "p"))
    };
    Some(format!("{prefix}{}x{}", term(a)?, term(b)?))
}

/// The JSON string of a variant: typify's `#[serde(rename = "16:9")]`, or else the
/// documentation it is given later (`` `16:9` ``).
fn wire_value(v: &syn::Variant) -> Option<String> {
    let renamed = v.attrs.iter().find_map(|a| {
        if !a.path().is_ident("serde") {
            return None;
        }
        let mut value = None;
        let _ = a.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                value = Some(meta.value()?.parse::<syn::LitStr>()?.value());
            }
            Ok(())
        });
        value
    });
    if renamed.is_some() {
        return renamed;
    }
    v.attrs.iter().find_map(|a| {
        let syn::Meta::NameValue(nv) = &a.meta else {
            return None;
        };
        if !nv.path.is_ident("doc") {
            return None;
        }
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) = &nv.value
        else {
            return None;
        };
        let doc = s.value();
        let value = doc.trim().strip_prefix('`')?.strip_suffix('`')?;
        Some(value.to_owned())
    })
}

/// Renames lower-case variants and ratio variants of the enums in `mod types` (see the
/// module documentation); returns how many.
pub(crate) fn capitalize(file: &mut syn::File) -> usize {
    // Enum name → its renamed variants (old → new).
    let mut renames: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for item in &mut file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "types" {
            continue;
        }
        let Some((_, items)) = &mut m.content else {
            continue;
        };
        for item in items {
            let syn::Item::Enum(e) = item else { continue };
            let taken: BTreeSet<String> = e.variants.iter().map(|v| v.ident.to_string()).collect();
            for v in &mut e.variants {
                let old = v.ident.to_string();
                let new = match wire_value(v).as_deref().and_then(ratio_name) {
                    Some(ratio) => ratio,
                    None => {
                        let mut chars = old.chars();
                        let Some(first) = chars.next().filter(char::is_ascii_lowercase) else {
                            continue;
                        };
                        format!("{}{}", first.to_ascii_uppercase(), chars.as_str())
                    }
                };
                if taken.contains(&new) || new == old {
                    continue;
                }
                v.ident = syn::Ident::new(&new, v.ident.span());
                renames
                    .entry(e.ident.to_string())
                    .or_default()
                    .insert(old, new);
            }
        }
    }
    let count = renames.values().map(BTreeMap::len).sum();
    if count > 0 {
        Paths {
            renames,
            current: None,
        }
        .visit_file_mut(file);
    }
    count
}

struct Paths {
    renames: BTreeMap<String, BTreeMap<String, String>>,
    /// The enum whose impl is being visited, for `Self::…` paths.
    current: Option<String>,
}

impl VisitMut for Paths {
    fn visit_item_impl_mut(&mut self, i: &mut syn::ItemImpl) {
        let outer = self.current.take();
        if let syn::Type::Path(p) = &*i.self_ty
            && let Some(last) = p.path.segments.last()
        {
            self.current = Some(last.ident.to_string());
        }
        syn::visit_mut::visit_item_impl_mut(self, i);
        self.current = outer;
    }

    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        let n = path.segments.len();
        if n >= 2 {
            let owner = path.segments[n - 2].ident.to_string();
            let owner = if owner == "Self" {
                self.current.clone()
            } else {
                Some(owner)
            };
            if let Some(map) = owner.and_then(|o| self.renames.get(&o)) {
                let last = &mut path.segments[n - 1].ident;
                if let Some(new) = map.get(&last.to_string()) {
                    *last = syn::Ident::new(new, last.span());
                }
            }
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_case_variants_are_capitalised_where_they_are_named() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub enum Duration { minus1, X4 }
                impl Duration {
                    fn name(&self) -> &str {
                        match *self { Self::minus1 => "-1", Duration::X4 => "4" }
                    }
                    fn parse(s: &str) -> Option<Self> {
                        match s { "-1" => Some(Duration::minus1), _ => None }
                    }
                }
                pub enum Other { minus1 }
                pub struct Keep { pub minus1: u8 }
            }
        };
        assert_eq!(capitalize(&mut file), 2);
        let text = prettyplease::unparse(&file);
        assert!(text.contains("Minus1,"), "{text}");
        assert!(text.contains("Self::Minus1 => \"-1\""), "{text}");
        assert!(text.contains("Some(Duration::Minus1)"), "{text}");
        assert!(text.contains("pub enum Other {\n        Minus1,"), "{text}");
        // A field of the same name is not a variant.
        assert!(text.contains("pub minus1: u8"), "{text}");
    }

    #[test]
    fn ratios_are_named_after_both_terms() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub enum AspectRatio {
                    #[doc = "`1:1`"]
                    X11,
                    #[doc = "`16:9`"]
                    X169,
                    #[doc = "`2.39:1`"]
                    X2391,
                    #[doc = "`auto`"]
                    Auto,
                }
                pub enum Duration {
                    #[doc = "`11`"]
                    X11,
                }
                pub enum Ratio {
                    #[serde(rename = "4:3")]
                    X43,
                }
                impl AspectRatio {
                    fn name(&self) -> &str {
                        match *self { Self::X11 => "1:1", AspectRatio::X169 => "16:9", _ => "" }
                    }
                }
            }
        };
        assert_eq!(capitalize(&mut file), 4);
        let text = prettyplease::unparse(&file);
        for name in [
            "Ratio1x1,",
            "Ratio16x9,",
            "Ratio2p39x1,",
            "Auto,",
            "Ratio4x3,",
        ] {
            assert!(text.contains(name), "{name}: {text}");
        }
        assert!(text.contains("Self::Ratio1x1 => \"1:1\""), "{text}");
        assert!(
            text.contains("AspectRatio::Ratio16x9 => \"16:9\""),
            "{text}"
        );
        // Eleven seconds keep typify's name: it is not a ratio.
        assert!(
            text.contains("pub enum Duration {\n        ///`11`\n        X11,"),
            "{text}"
        );
        assert_eq!(ratio_name("4:3").as_deref(), Some("Ratio4x3"));
        assert_eq!(ratio_name("1280*720").as_deref(), Some("Size1280x720"));
        assert_eq!(ratio_name("a:b"), None);
        assert_eq!(ratio_name("1:"), None);
        assert_eq!(ratio_name(".5:1"), None);
    }
}
