//! Dependencies inside the client's two crates run one way (see `ARCHITECTURE.md`):
//!
//! - generated code, in both crates, names only the runtime surface (`crate::runtime::…`)
//!   and its crate's own `types`, `operations` and `Client`; the models crate names the
//!   runtime crate only to re-export its modules, and holds no hand-written runtime;
//! - the leaves behind that surface (`decode`, `validation`, `fields`, `table`, `transport`) name only
//!   each other;
//! - no hand-written module but the registry (`operation.rs`) and the crate root reaches into
//!   the private `generated` module: the rest of the crate sees generated items through the
//!   public `types`, `operations`, `raw` and `handwritten_paths`, as users do;
//! - the runtime's layers (`RUNTIME_LAYERS`: errors, transport and retries, the client, task
//!   views, waiting, batches) each name only their own layer and those below, directly or
//!   through the crate root's re-exports.
//!
//! Paths are read with syn, so comments and docs never count; the tokens of macro calls and
//! `macro_rules!` bodies, which syn leaves unparsed, are read for `crate::` and `$crate::`
//! paths.

use crate::support::{GENERATED, RUNTIME_GENERATED, workspace_root};
use syn::visit::Visit;

/// What generated code may name below `crate::`.
const GENERATED_MAY_NAME: &[&str] = &["runtime", "types", "operations", "Client"];
/// The leaf modules behind the runtime surface, and what they may name below `crate::`.
const LEAVES: &[&str] = &["decode", "validation", "fields", "table", "transport"];
/// The hand-written modules allowed to name the private `generated` module.
const MAY_NAME_GENERATED: &[&str] = &["lib.rs", "operation.rs"];

/// The hand-written modules, bottom up: a module may name modules of its own layer and of
/// the layers before it. `runtime` (the surface generated code names) and `lib` are not
/// layers.
const RUNTIME_LAYERS: &[&[&str]] = &[
    &[
        "decode",
        "validation",
        "fields",
        "table",
        "transport",
        "learn",
        "limit",
        "task",
    ],
    &["error"],
    &["retry", "operation"],
    &["client", "hooks"],
    &[
        "account", "platform", "upload", "webhook", "journal", "legacy", "nodes",
    ],
    &["wait"],
    &["download", "batch", "runs"],
];

fn layer_of(module: &str) -> Option<usize> {
    RUNTIME_LAYERS
        .iter()
        .position(|layer| layer.contains(&module))
}

/// The module behind each name the crate root re-exports (`pub use module::{A, B};`).
fn root_reexports(lib_rs: &str) -> Vec<(String, String)> {
    let file = syn::parse_file(lib_rs).expect("lib.rs parses");
    let mut out = Vec::new();
    for item in file.items {
        let syn::Item::Use(u) = item else { continue };
        if !matches!(u.vis, syn::Visibility::Public(_)) {
            continue;
        }
        let syn::UseTree::Path(p) = &u.tree else {
            continue;
        };
        let module = p.ident.to_string();
        let mut names = Vec::new();
        match &*p.tree {
            syn::UseTree::Name(n) => names.push(n.ident.to_string()),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    if let syn::UseTree::Name(n) = t {
                        names.push(n.ident.to_string());
                    }
                }
            }
            _ => {}
        }
        out.extend(names.into_iter().map(|n| (n, module.clone())));
    }
    out
}

/// Every path of `text` that starts with `crate` (or `$crate` in a macro body), as its
/// segments after `crate`.
fn crate_paths(text: &str) -> Vec<Vec<String>> {
    let file = syn::parse_file(text).expect("the file parses");
    let mut v = CratePaths::default();
    v.visit_file(&file);
    v.found
}

#[derive(Default)]
struct CratePaths {
    found: Vec<Vec<String>>,
}

impl CratePaths {
    fn record(&mut self, segments: Vec<String>) {
        if segments.first().is_some_and(|s| s == "crate") {
            self.found.push(segments[1..].to_vec());
        }
    }

    /// `crate::a::b` or `$crate::a::b` in a macro's tokens, which syn does not parse.
    fn tokens(&mut self, tokens: &proc_macro2::TokenStream) {
        let mut iter = tokens.clone().into_iter().peekable();
        while let Some(tt) = iter.next() {
            match &tt {
                proc_macro2::TokenTree::Group(g) => self.tokens(&g.stream()),
                proc_macro2::TokenTree::Ident(i) if i == "crate" => {
                    let mut segments = vec!["crate".to_owned()];
                    // `::` is two `:` puncts, then an ident.
                    loop {
                        let mut colons = 0;
                        while let Some(proc_macro2::TokenTree::Punct(p)) = iter.peek() {
                            if p.as_char() != ':' {
                                break;
                            }
                            colons += 1;
                            iter.next();
                        }
                        if colons != 2 {
                            break;
                        }
                        match iter.next() {
                            Some(proc_macro2::TokenTree::Ident(seg)) => {
                                segments.push(seg.to_string())
                            }
                            _ => break,
                        }
                    }
                    self.record(segments);
                }
                _ => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for CratePaths {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.record(segments);
        syn::visit::visit_path(self, path);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        fn walk(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut CratePaths) {
            match tree {
                syn::UseTree::Path(p) => {
                    prefix.push(p.ident.to_string());
                    walk(&p.tree, prefix, out);
                    prefix.pop();
                }
                syn::UseTree::Name(n) => {
                    let mut s = prefix.clone();
                    s.push(n.ident.to_string());
                    out.record(s);
                }
                syn::UseTree::Rename(r) => {
                    let mut s = prefix.clone();
                    s.push(r.ident.to_string());
                    out.record(s);
                }
                syn::UseTree::Glob(_) => out.record(prefix.clone()),
                syn::UseTree::Group(g) => {
                    for t in &g.items {
                        walk(t, prefix, out);
                    }
                }
            }
        }
        walk(&item.tree, &mut Vec::new(), self);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(&mac.tokens);
        syn::visit::visit_macro(self, mac);
    }

    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        // An item-position call (`crate::runtime::lean_struct!(…)`) or a `macro_rules!`,
        // whose body's `$crate::` paths are what it expands to.
        self.visit_path(&item.mac.path);
        self.tokens(&item.mac.tokens);
    }
}

/// The offences of `text` under `allowed`: each `crate::` path whose first segment is not
/// in it, as `crate::a::b`.
fn offences(text: &str, allowed: impl Fn(&str) -> bool) -> Vec<String> {
    crate_paths(text)
        .into_iter()
        .filter(|segs| segs.first().is_some_and(|s| !allowed(s)))
        .map(|segs| format!("crate::{}", segs.join("::")))
        .collect()
}

/// The `#[macro_export]` macros `text` defines (they live at the crate root).
fn exported_macros(text: &str) -> Vec<String> {
    let file = syn::parse_file(text).expect("the file parses");
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Macro(m) if m.attrs.iter().any(|a| a.path().is_ident("macro_export")) => {
                m.ident.as_ref().map(ToString::to_string)
            }
            _ => None,
        })
        .collect()
}

fn source(dir: &str) -> Vec<(String, String)> {
    let root = workspace_root().join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn generated_code_names_only_the_runtime_surface_and_its_own_items() {
    for file in [GENERATED, RUNTIME_GENERATED] {
        let text = std::fs::read_to_string(workspace_root().join(file)).unwrap();
        let found = crate_paths(&text);
        assert!(
            found
                .iter()
                .any(|s| s.first().is_some_and(|f| f == "runtime")),
            "the reader sees {file}'s paths"
        );
        let bad = offences(&text, |s| GENERATED_MAY_NAME.contains(&s));
        assert!(
            bad.is_empty(),
            "{file} names hand-written items outside `crate::runtime` (add them to \
             runtime/src/runtime.rs and emit `crate::runtime::…`):\n{}",
            bad.join("\n")
        );
    }
}

/// The models crate reaches the runtime crate only through the runtime surface and the
/// glob re-exports that open its `types` and `operations` modules: nothing else of the
/// runtime is named by generated code, so the runtime's internals can change freely.
#[test]
fn the_models_crate_names_the_runtime_crate_only_to_re_export_its_modules() {
    let text = std::fs::read_to_string(workspace_root().join(GENERATED)).unwrap();
    let file = syn::parse_file(&text).unwrap();
    let mut named = Vec::new();
    struct Runtime<'a>(&'a mut Vec<String>);
    impl<'ast> Visit<'ast> for Runtime<'_> {
        fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
            let text = quote::quote!(#u).to_string().replace(' ', "");
            if text.contains("runninghub_runtime") {
                self.0.push(text);
            }
        }
        fn visit_path(&mut self, p: &'ast syn::Path) {
            if p.segments
                .first()
                .is_some_and(|s| s.ident == "runninghub_runtime")
            {
                self.0.push(quote::quote!(#p).to_string());
            }
            syn::visit::visit_path(self, p);
        }
    }
    Runtime(&mut named).visit_file(&file);
    assert_eq!(
        named,
        [
            "pubuse::runninghub_runtime::types::*;",
            "pubuse::runninghub_runtime::operations::*;"
        ],
        "{GENERATED} names the runtime crate"
    );
}

/// The models crate is generated code and a façade: the runtime is the runtime crate's, so
/// that a change of families or of the spec never rebuilds it.
#[test]
fn the_models_crate_holds_no_hand_written_runtime() {
    let names: Vec<String> = source("generated-client/src")
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, ["client.rs", "generated.rs", "lib.rs"]);
}

#[test]
fn the_leaves_behind_the_runtime_surface_name_only_each_other() {
    let mut bad = Vec::new();
    for (name, text) in source("runtime/src") {
        let module = name.trim_end_matches(".rs");
        if !LEAVES.contains(&module) {
            continue;
        }
        // A macro a leaf exports sits at the crate root; it names itself there.
        let own = exported_macros(&text);
        for o in offences(&text, |s| LEAVES.contains(&s) || own.iter().any(|m| m == s)) {
            bad.push(format!("runtime/src/{name}: {o}"));
        }
    }
    assert!(
        bad.is_empty(),
        "a leaf module names something above it (generated items, the registry, the client):\n{}",
        bad.join("\n")
    );
}

#[test]
fn only_the_registry_reaches_into_the_generated_module() {
    let mut bad = Vec::new();
    let mut seen = 0;
    for (name, text) in source("runtime/src") {
        if name == "generated.rs" || MAY_NAME_GENERATED.contains(&name.as_str()) {
            continue;
        }
        seen += 1;
        for o in offences(&text, |s| s != "generated") {
            bad.push(format!("runtime/src/{name}: {o}"));
        }
    }
    assert!(seen > 10, "the hand-written modules were read ({seen})");
    assert!(
        bad.is_empty(),
        "hand-written modules must reach generated items through `types`, `operations`, \
         `raw`, `handwritten_paths` or the registry (`operation.rs`):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_runtime_layers_name_only_themselves_and_what_is_below() {
    let files = source("runtime/src");
    let lib = &files.iter().find(|(n, _)| n == "lib.rs").unwrap().1;
    let reexports = root_reexports(lib);
    assert!(
        reexports
            .iter()
            .any(|(n, m)| n == "Client" && m == "client"),
        "the crate root's re-exports are read: {reexports:?}"
    );
    let mut bad = Vec::new();
    let mut layered = 0;
    for (name, text) in &files {
        let module = name.trim_end_matches(".rs");
        if matches!(module, "lib" | "runtime" | "generated") {
            continue;
        }
        let Some(own) = layer_of(module) else {
            bad.push(format!("{name} is in no layer of RUNTIME_LAYERS: add it"));
            continue;
        };
        layered += 1;
        for segs in crate_paths(text) {
            let Some(first) = segs.first().map(String::as_str) else {
                continue;
            };
            let target = if layer_of(first).is_some() {
                first.to_owned()
            } else if let Some((_, m)) = reexports.iter().find(|(n, _)| n == first) {
                m.clone()
            } else {
                continue; // types, operations, raw, handwritten_paths, generated
            };
            if layer_of(&target).is_some_and(|l| l > own) {
                bad.push(format!(
                    "{name} names crate::{} (module `{target}`, a layer above `{module}`)",
                    segs.join("::")
                ));
            }
        }
    }
    assert!(layered > 15, "the modules were read ({layered})");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// The reader itself: it finds paths in code, `use` trees and macro bodies, and never in
/// comments or docs.
#[test]
fn the_path_reader_sees_code_and_macro_bodies_but_not_docs() {
    let text = r#"
        //! Mentions crate::validation::check_chars in a doc.
        use crate::{decode::field, types};
        /// Links [`crate::Error`].
        fn f() { crate::validation::check_chars(); let _ = crate::types::Task::default(); }
        macro_rules! m { () => { $crate::operation::Operation } }
        crate::runtime::lean_struct!(X { a: crate::other::Y });
    "#;
    let mut found: Vec<_> = crate_paths(text)
        .into_iter()
        .map(|s| s.join("::"))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            "decode::field",
            "operation::Operation",
            "other::Y",
            "runtime::lean_struct",
            "types",
            "types::Task::default",
            "validation::check_chars",
        ]
    );
    assert_eq!(
        offences(text, |s| GENERATED_MAY_NAME.contains(&s)),
        [
            "crate::decode::field",
            "crate::validation::check_chars",
            "crate::operation::Operation",
            "crate::other::Y"
        ]
    );
}
