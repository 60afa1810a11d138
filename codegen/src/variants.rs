//! Enum variants spelled as Rust expects.
//!
//! typify names a string value that starts with a sign after the sign (`"-1"` becomes the
//! variant `minus1`), which is not UpperCamelCase and makes every build warn. Such variants
//! get a capital first letter (`Minus1`), in the enum and in every `Self::…` or `Enum::…`
//! path that names them; their JSON strings are untouched.

use std::collections::{BTreeMap, BTreeSet};
use syn::visit_mut::VisitMut;

/// Renames lower-case variants of the enums in `mod types`; returns how many.
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
                let mut chars = old.chars();
                let Some(first) = chars.next().filter(char::is_ascii_lowercase) else {
                    continue;
                };
                let new = format!("{}{}", first.to_ascii_uppercase(), chars.as_str());
                if taken.contains(&new) {
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
}
