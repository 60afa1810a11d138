//! The real spec's generated code, snapshotted by model family: one snapshot per cargo
//! feature holding every item only that family compiles (its request types, option sets,
//! progenitor methods, validators, operation markers and checked methods), one for the
//! option sets several families share, and one for the core every build has.
//!
//! Why by family: at 350 endpoints a snapshot per type and method would be some 1,400
//! files. A new model is an entry in one family file of the spec and shows up in that
//! family's one snapshot (and, for a new shared option set, in `shared`); a change to the
//! generator shows up once per family. Items keep their generated order inside a snapshot,
//! so a diff reads like the diff of the generated file, restricted to one family.

use crate::support::{snapshot_dir, spec_files};
use std::collections::BTreeMap;

const PREFIX: &str = "real_spec__";

fn render(items: Vec<syn::Item>) -> String {
    let mut file: syn::File = syn::parse_str("").unwrap();
    file.items = items;
    prettyplease::unparse(&file)
}

/// Every item of the generated file in order, the contents of `mod types` and `mod
/// operations` and each method of an inherent `impl` as items of their own (each carries
/// its own gate).
fn flatten(code: &str) -> Vec<syn::Item> {
    let file: syn::File = syn::parse_str(code).expect("generated code parses");
    let mut out = Vec::new();
    for item in file.items {
        match item {
            syn::Item::Mod(m) if m.ident == "types" || m.ident == "operations" => {
                out.extend(m.content.unwrap().1);
            }
            syn::Item::Impl(i) if i.trait_.is_none() => {
                for it in &i.items {
                    let mut single = i.clone();
                    single.items = vec![it.clone()];
                    out.push(syn::Item::Impl(single));
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The cargo features named by an item's `#[cfg(...)]` attributes.
fn features(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("cfg")) {
        let text = quote::ToTokens::to_token_stream(&attr.meta).to_string();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("feature = \"") {
            rest = &rest[i + "feature = \"".len()..];
            if let Some(end) = rest.find('"') {
                out.push(rest[..end].to_owned());
                rest = &rest[end..];
            }
        }
    }
    out
}

fn item_features(item: &syn::Item) -> Vec<String> {
    let mut found = match item {
        syn::Item::Struct(i) => features(&i.attrs),
        syn::Item::Enum(i) => features(&i.attrs),
        syn::Item::Impl(i) => features(&i.attrs),
        syn::Item::Type(i) => features(&i.attrs),
        syn::Item::Const(i) => features(&i.attrs),
        syn::Item::Fn(i) => features(&i.attrs),
        syn::Item::Mod(i) => features(&i.attrs),
        syn::Item::Macro(i) => features(&i.attrs),
        _ => Vec::new(),
    };
    // A method split out of an `impl` block carries its gate on the method.
    if let syn::Item::Impl(i) = item {
        for it in &i.items {
            if let syn::ImplItem::Fn(f) = it {
                found.extend(features(&f.attrs));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The items regrouped by the features that gate them, in generated order.
fn by_family(code: &str) -> BTreeMap<String, String> {
    let mut groups: BTreeMap<String, Vec<syn::Item>> = BTreeMap::new();
    for item in flatten(code) {
        let name = match item_features(&item).as_slice() {
            [] => "core".to_owned(),
            [one] => format!("family_{one}"),
            _ => "shared".to_owned(),
        };
        groups.entry(name).or_default().push(item);
    }
    groups.into_iter().map(|(k, v)| (k, render(v))).collect()
}

#[test]
fn real_spec_slices() {
    // Both crates' files: the runtime's is the core every build has, the models crate's
    // the families (and its own copy of the operation table, under `core` too).
    let generated = codegen::generate_files(&spec_files()).unwrap();
    let code = format!("{}\n{}", generated.runtime_code, generated.code);
    // The snapshots cover the whole file: nothing is generated that no snapshot guards.
    let file: syn::File = syn::parse_str(&code).unwrap();
    let total_items: usize = file
        .items
        .iter()
        .map(|i| match i {
            syn::Item::Mod(m) if m.ident == "types" || m.ident == "operations" => {
                m.content.as_ref().unwrap().1.len()
            }
            syn::Item::Impl(i) if i.trait_.is_none() => i.items.len(),
            _ => 1,
        })
        .sum();

    let families = by_family(&code);
    let regrouped: usize = families
        .values()
        .map(|s| syn::parse_str::<syn::File>(s).unwrap().items.len())
        .sum();
    assert_eq!(regrouped, total_items, "regrouping lost or added items");
    for (name, code) in &families {
        insta::with_settings!({ omit_expression => true, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("{PREFIX}{name}"), code);
        });
    }

    // A snapshot whose family no longer exists (a family removed from the spec) must be
    // deleted, not left to rot.
    let orphans: Vec<String> = std::fs::read_dir(snapshot_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| {
            f.strip_prefix(PREFIX)?
                .strip_suffix(".snap")
                .map(str::to_owned)
        })
        .filter(|name| !families.contains_key(name))
        .collect();
    assert!(
        orphans.is_empty(),
        "snapshots without a family, delete them: {orphans:?}"
    );
}
