//! Splits the generated code between the two crates it compiles in, along the family gates
//! (`#[cfg(feature = "…")]`, see `features`):
//! - the **runtime** crate (`runninghub-runtime`) gets everything no family gates: the task
//!   object, the query, the platform calls, progenitor's client. It has no family features,
//!   so a gated item there could never compile; every gated node is removed from its copy.
//! - the **models** crate (`runninghub`) gets the gated items, inside the same modules,
//!   each public module opening with a glob re-export of the runtime's module of the same
//!   path, so that generated code names a platform type the same way in both crates.
//!
//! An ungated item that holds gated parts (the operation table's entries, the arms of
//! `typed_json_check`) is the registry of its crate: each crate gets its own copy, whole in
//! the models crate and without the gated parts in the runtime.

use syn::visit_mut::{self, VisitMut};
use syn::{Attribute, Item};

/// The name the models crate reaches the runtime crate by.
const RUNTIME_CRATE: &str = "runninghub_runtime";

/// The modules the models crate always has, each opening with a glob re-export of the
/// runtime crate's module of the same name (both crates re-export them at their roots).
const ALWAYS: [&str; 2] = ["types", "operations"];

/// The items each crate has its own copy of, whether or not a family gates a part of them:
/// the operation table and the typed checks of the crate's registry.
const PER_CRATE: [&str; 2] = ["OPERATIONS", "typed_json_check"];

/// The name an item defines, for [`PER_CRATE`].
fn defined_name(item: &Item) -> String {
    match item {
        Item::Static(s) => s.ident.to_string(),
        Item::Fn(f) => f.sig.ident.to_string(),
        Item::Const(c) => c.ident.to_string(),
        _ => String::new(),
    }
}

/// One file split in two.
pub(crate) struct Split {
    /// What the runtime crate compiles: nothing gated.
    pub(crate) runtime: syn::File,
    /// What the models crate compiles: the gated items and the tables of both.
    pub(crate) models: syn::File,
}

/// Splits `file` (see the module docs). One pass that moves each item to its side: only
/// module shells and the per-crate tables are copied, so the cost is a walk over the
/// items' attributes, not a copy of the tree.
pub(crate) fn split(file: syn::File) -> Split {
    let mut runtime = file;
    let items = std::mem::take(&mut runtime.items);
    let mut models = runtime.clone();
    let (runtime_items, models_items) = split_items(items, &[], true);
    runtime.items = runtime_items;
    models.items = models_items;
    Split { runtime, models }
}

/// Whether an attribute is a family gate: a `cfg` whose predicate names a feature.
fn is_gate(attr: &Attribute) -> bool {
    attr.path().is_ident("cfg")
        && attr
            .meta
            .require_list()
            .is_ok_and(|list| list.tokens.to_string().contains("feature"))
}

fn gated(attrs: &[Attribute]) -> bool {
    attrs.iter().any(is_gate)
}

fn item_attrs(item: &Item) -> &[Attribute] {
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::ExternCrate(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::ForeignMod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::TraitAlias(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// Removes every gated node the runtime crate could not compile: items, methods, match
/// arms, array elements, fields, variants and statements.
struct Strip;

impl VisitMut for Strip {
    fn visit_item_mod_mut(&mut self, m: &mut syn::ItemMod) {
        if let Some((_, items)) = &mut m.content {
            items.retain(|i| !gated(item_attrs(i)));
        }
        visit_mut::visit_item_mod_mut(self, m);
    }
    fn visit_item_impl_mut(&mut self, imp: &mut syn::ItemImpl) {
        imp.items.retain(|i| match i {
            syn::ImplItem::Fn(f) => !gated(&f.attrs),
            syn::ImplItem::Const(c) => !gated(&c.attrs),
            syn::ImplItem::Type(t) => !gated(&t.attrs),
            _ => true,
        });
        visit_mut::visit_item_impl_mut(self, imp);
    }
    fn visit_expr_match_mut(&mut self, m: &mut syn::ExprMatch) {
        m.arms.retain(|a| !gated(&a.attrs));
        visit_mut::visit_expr_match_mut(self, m);
    }
    fn visit_expr_array_mut(&mut self, a: &mut syn::ExprArray) {
        let elems = std::mem::take(&mut a.elems);
        a.elems = elems.into_iter().filter(|e| !expr_gated(e)).collect();
        visit_mut::visit_expr_array_mut(self, a);
    }
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        b.stmts.retain(|s| match s {
            syn::Stmt::Item(i) => !gated(item_attrs(i)),
            syn::Stmt::Local(l) => !gated(&l.attrs),
            syn::Stmt::Macro(m) => !gated(&m.attrs),
            syn::Stmt::Expr(e, _) => !expr_gated(e),
        });
        visit_mut::visit_block_mut(self, b);
    }
    fn visit_fields_named_mut(&mut self, f: &mut syn::FieldsNamed) {
        let fields = std::mem::take(&mut f.named);
        f.named = fields.into_iter().filter(|f| !gated(&f.attrs)).collect();
        visit_mut::visit_fields_named_mut(self, f);
    }
    fn visit_item_enum_mut(&mut self, e: &mut syn::ItemEnum) {
        let variants = std::mem::take(&mut e.variants);
        e.variants = variants.into_iter().filter(|v| !gated(&v.attrs)).collect();
        visit_mut::visit_item_enum_mut(self, e);
    }
}

/// Whether an expression carries a family gate of its own (an array element such as
/// `#[cfg(feature = "vidu")] operation_info!(…)`).
fn expr_gated(e: &syn::Expr) -> bool {
    let attrs = match e {
        syn::Expr::Macro(m) => &m.attrs,
        syn::Expr::Struct(s) => &s.attrs,
        syn::Expr::Call(c) => &c.attrs,
        syn::Expr::Path(p) => &p.attrs,
        syn::Expr::Lit(l) => &l.attrs,
        syn::Expr::Tuple(t) => &t.attrs,
        syn::Expr::MethodCall(m) => &m.attrs,
        _ => return false,
    };
    gated(attrs)
}

/// Whether an item holds a gated node anywhere inside it.
fn holds_gated(item: &Item) -> bool {
    struct Find(bool);
    impl syn::visit::Visit<'_> for Find {
        fn visit_attribute(&mut self, attr: &Attribute) {
            self.0 |= is_gate(attr);
        }
    }
    let mut find = Find(false);
    syn::visit::Visit::visit_item(&mut find, item);
    find.0
}

/// The items of one module (`path` below the crate root): the runtime's and the models
/// crate's.
fn split_items(items: Vec<Item>, path: &[String], root: bool) -> (Vec<Item>, Vec<Item>) {
    let (mut runtime, mut models) = (Vec::new(), Vec::new());
    for item in items {
        if gated(item_attrs(&item)) {
            models.push(item);
            continue;
        }
        match item {
            Item::Mod(mut m) if m.content.is_some() => {
                let mut inner = path.to_vec();
                inner.push(m.ident.to_string());
                let (brace, items) = m.content.take().expect("checked above");
                let (own_runtime, mut kept) = split_items(items, &inner, false);
                let has_own = kept.iter().any(|i| !matches!(i, Item::Use(_)));
                let public = matches!(m.vis, syn::Visibility::Public(_));
                // A module without items of its own is the runtime's alone (the runtime
                // crate's root re-exports it, or the glob re-export of its parent brings
                // it; an empty one here would hide it), except the two the `runninghub`
                // crate always re-exports.
                let always = root && ALWAYS.contains(&m.ident.to_string().as_str());
                if has_own || always {
                    if public {
                        let runtime: syn::Path =
                            syn::parse_str(&format!("::{RUNTIME_CRATE}::{}", inner.join("::")))
                                .expect("a module path parses");
                        kept.insert(0, syn::parse_quote!(pub use #runtime::*;));
                    }
                    let mut shell = m.clone();
                    shell.content = Some((brace, kept));
                    models.push(Item::Mod(shell));
                }
                m.content = Some((brace, own_runtime));
                runtime.push(Item::Mod(m));
            }
            // A module's imports serve its items on both sides; the crate root's name
            // progenitor's runtime, which only the runtime crate uses.
            Item::Use(u) => {
                if !root {
                    models.push(Item::Use(u.clone()));
                }
                runtime.push(Item::Use(u));
            }
            Item::Impl(mut imp) if imp.trait_.is_none() => {
                let (gated_items, own): (Vec<_>, Vec<_>) = std::mem::take(&mut imp.items)
                    .into_iter()
                    .partition(|i| match i {
                        syn::ImplItem::Fn(f) => gated(&f.attrs),
                        syn::ImplItem::Const(c) => gated(&c.attrs),
                        syn::ImplItem::Type(t) => gated(&t.attrs),
                        _ => false,
                    });
                if !gated_items.is_empty() {
                    let mut theirs = imp.clone();
                    theirs.items = gated_items;
                    models.push(Item::Impl(theirs));
                }
                if !own.is_empty() {
                    imp.items = own;
                    let mut imp = Item::Impl(imp);
                    strip_nested(&mut imp);
                    runtime.push(imp);
                }
            }
            // A table (the operation table, `typed_json_check`): each crate has its own.
            mut other
                if PER_CRATE.contains(&defined_name(&other).as_str()) || holds_gated(&other) =>
            {
                models.push(other.clone());
                strip_nested(&mut other);
                runtime.push(other);
            }
            // The runtime's alone.
            other => runtime.push(other),
        }
    }
    (runtime, models)
}

/// Removes the gated nodes inside an ungated item, when it has any.
fn strip_nested(item: &mut Item) {
    if holds_gated(item) {
        Strip.visit_item_mut(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_text(code: &str) -> (String, String) {
        let s = split(syn::parse_str(code).unwrap());
        (
            prettyplease::unparse(&s.runtime),
            prettyplease::unparse(&s.models),
        )
    }

    #[test]
    fn gated_items_go_to_the_models_and_ungated_ones_to_the_runtime() {
        let (runtime, models) = split_text(
            r#"
            pub use progenitor_client::Error;
            pub mod types {
                pub struct Task;
                #[cfg(feature = "vidu")]
                pub struct ViduRequest;
                pub mod error { pub struct ConversionError; }
            }
            pub struct Client;
            impl Client {
                pub fn query(&self) {}
                #[cfg(feature = "vidu")]
                pub fn vidu(&self) {}
            }
            impl ClientInfo for Client {}
            #[cfg(feature = "vidu")]
            impl Validate for types::ViduRequest {}
            pub mod operations {
                #[cfg(feature = "vidu")]
                marker!(Vidu);
                marker!(Query);
                pub static OPERATIONS: &[Info] = &[
                    #[cfg(feature = "vidu")]
                    info!("vidu"),
                    info!("query"),
                ];
            }
            pub(crate) fn typed_json_check(id: &str) -> Option<()> {
                match id {
                    #[cfg(feature = "vidu")]
                    "vidu" => Some(()),
                    "run" => Some(()),
                    _ => None,
                }
            }
            "#,
        );
        assert!(!runtime.contains("feature"), "{runtime}");
        for kept in [
            "pub struct Task",
            "pub mod error",
            "pub fn query",
            "impl ClientInfo for Client",
            "marker!(Query)",
            "info!(\"query\")",
            "\"run\" => Some(())",
        ] {
            assert!(runtime.contains(kept), "runtime lacks {kept}:\n{runtime}");
        }
        for gone in ["Vidu", "vidu"] {
            assert!(!runtime.contains(gone), "runtime has {gone}:\n{runtime}");
        }
        for kept in [
            "pub use ::runninghub_runtime::types::*;",
            "pub use ::runninghub_runtime::operations::*;",
            "pub struct ViduRequest",
            "pub fn vidu",
            "impl Validate for types::ViduRequest",
            "marker!(Vidu)",
            // The models' table and checks are whole: the platform's entries too.
            "info!(\"vidu\")",
            "info!(\"query\")",
            "\"run\" => Some(())",
        ] {
            assert!(models.contains(kept), "models lack {kept}:\n{models}");
        }
        for gone in [
            "pub struct Task",
            "pub mod error",
            "pub fn query",
            "ClientInfo",
            "marker!(Query)",
            "progenitor_client",
            "pub struct Client",
        ] {
            assert!(!models.contains(gone), "models have {gone}:\n{models}");
        }
    }

    #[test]
    fn a_gate_in_a_string_is_not_a_gate() {
        let (runtime, models) = split_text(
            r#"
            #[doc = "cfg(feature = \"x\")"]
            pub struct Plain;
            "#,
        );
        assert!(runtime.contains("pub struct Plain"), "{runtime}");
        assert!(!models.contains("Plain"), "{models}");
    }
}
