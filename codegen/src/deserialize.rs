//! Lean `Deserialize` impls for the generated structs (string enums: `unit_enums`).
//!
//! `#[derive(Deserialize)]` expands, per struct, into a field-name enum with its own visitor,
//! a sequence visitor and a map visitor; for a catalog of hundreds of request types that
//! expansion was about half of the generated crate's build time. The structs typify emits
//! only need the map form (JSON objects), so each plain struct gets instead one small impl
//! whose visitor reads the object's keys and hands each value to shared generic helpers
//! (`crate::decode`, hand-written).
//!
//! Behaviour is that of the derive for JSON objects: fields by their (renamed) JSON name,
//! unknown fields ignored, `null` or a missing field is `None` for an `Option`, a missing
//! `#[serde(default)]` field is its default, any other missing field is serde's
//! `missing field` error, a repeated field serde's `duplicate field` error, and errors keep
//! their path (the value is decoded by the map access, as the derive does it). Only
//! structs whose serde attributes are limited to `rename`, `default` and
//! `skip_serializing_if` are converted; any other keeps its derive.

use quote::quote;

/// Replaces `#[derive(Deserialize)]` of every plain struct in `mod types` with a lean impl,
/// and the serde derives of every string enum with lean impls (`unit_enums`).
pub(crate) fn lean_impls(file: &mut syn::File) {
    let Some(items) = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
        return;
    };
    let strings = crate::unit_enums::StringImpls::new(items);
    let mut out = Vec::with_capacity(items.len());
    for mut item in std::mem::take(items) {
        match &mut item {
            // A macro invocation is built as an item directly: its tokens need no parsing.
            syn::Item::Struct(s) => {
                let lean = lean_impl(s);
                out.push(item);
                out.extend(lean.map(syn::Item::Macro));
            }
            syn::Item::Enum(e) => {
                let lean = crate::unit_enums::lean_enum(e, &strings);
                out.push(item);
                if let Some(tokens) = lean
                    && let Ok(impls) = syn::parse2::<syn::File>(tokens)
                {
                    out.extend(impls.items);
                }
            }
            _ => out.push(item),
        }
    }
    *items = out;
}

struct FieldPlan {
    ident: syn::Ident,
    json: String,
    ty: syn::Type,
    missing: Missing,
}

enum Missing {
    /// An `Option`: `None`.
    None,
    /// `#[serde(default)]`: `Default::default()`.
    Default,
    /// Serde's `missing field` error.
    Error,
}

/// The `lean_struct!` invocation for one struct (removing `Deserialize` from its derives),
/// or `None` to keep the derive.
fn lean_impl(s: &mut syn::ItemStruct) -> Option<syn::ItemMacro> {
    if !s.generics.params.is_empty() || s.attrs.iter().any(|a| a.path().is_ident("serde")) {
        return None;
    }
    let syn::Fields::Named(named) = &s.fields else {
        return None;
    };
    let mut plans = Vec::new();
    for f in &named.named {
        let ident = f.ident.clone()?;
        let mut json = ident.to_string().trim_start_matches("r#").to_owned();
        let mut default = false;
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            let mut plain = true;
            let parsed = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    json = lit.value();
                } else if meta.path.is_ident("default") && !meta.input.peek(syn::Token![=]) {
                    default = true;
                } else if meta.path.is_ident("skip_serializing_if") {
                    let _: syn::LitStr = meta.value()?.parse()?;
                } else {
                    plain = false;
                    if meta.input.peek(syn::Token![=]) {
                        let _: syn::Expr = meta.value()?.parse()?;
                    }
                }
                Ok(())
            });
            if parsed.is_err() || !plain {
                return None;
            }
        }
        let missing = if is_option(&f.ty) {
            Missing::None
        } else if default {
            Missing::Default
        } else {
            Missing::Error
        };
        plans.push(FieldPlan {
            ident,
            json,
            ty: f.ty.clone(),
            missing,
        });
    }
    if !remove_derives(&mut s.attrs, &["Deserialize"]) {
        return None;
    }

    let name = &s.ident;
    let fields = plans.iter().map(|p| {
        let (ident, ty, json) = (&p.ident, &p.ty, &p.json);
        let missing = match p.missing {
            Missing::None => quote!(opt),
            Missing::Default => quote!(default),
            Missing::Error => quote!(required),
        };
        quote! { #ident: #ty = #json #missing }
    });
    Some(syn::ItemMacro {
        attrs: Vec::new(),
        ident: None,
        mac: syn::Macro {
            path: syn::parse_quote!(crate::runtime::lean_struct),
            bang_token: Default::default(),
            delimiter: syn::MacroDelimiter::Paren(Default::default()),
            tokens: quote!(#name { #(#fields),* }),
        },
        semi_token: Some(Default::default()),
    })
}

fn is_option(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

/// Removes every one of `names` (such as `Deserialize`, matched by the last segment of
/// the path) from an item's derives; `false`, with the item untouched, unless one derive
/// attribute names them all.
pub(crate) fn remove_derives(attrs: &mut [syn::Attribute], names: &[&str]) -> bool {
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue;
        };
        let is = |p: &syn::Path, name: &str| p.segments.last().is_some_and(|s| s.ident == name);
        if !names.iter().all(|n| paths.iter().any(|p| is(p, n))) {
            continue;
        }
        let kept = paths.iter().filter(|p| !names.iter().any(|n| is(p, n)));
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
        return true;
    }
    false
}
