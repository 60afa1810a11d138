//! Our additions to progenitor's output, emitted with `quote` from the spec:
//! - `impl Validate` for every request body type (and the object types inside it), checking
//!   the constraints moved out of progenitor's view (see `transform`);
//! - `mod operations`: one marker type per generated operation, implementing
//!   `crate::operation::Operation` (and `TaskOperation` for model endpoints), which lets the
//!   hand-written layer treat every endpoint generically, and `OPERATIONS`, the table of
//!   every operation's fields; both are invocations of the runtime's macros
//!   (`operation_marker!`, `operation_info!`), which write the code once, so the generated
//!   file carries only each operation's data;
//! - a checked method on `crate::Client` per model endpoint;
//! - `typed_json_check`, decoding JSON bodies by operation id for the few operations whose
//!   fields the generic JSON validator cannot check from the field table alone (nested
//!   objects, constrained list items); every other operation is checked from its
//!   `FieldInfo` table, which costs no code per endpoint.
//!
//! Rust names are never guessed: they are read from progenitor's own output (the body type
//! of each method, the field behind each JSON property), so they always agree.

use crate::features::Gates;
use crate::model::{Operation, Role};
use crate::preflight::{resolve_boxed, resolve_schema, unbox};
use openapiv3::{
    OpenAPI, ReferenceOr, Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// What progenitor generated, as far as the additions need to know.
pub(crate) struct Index {
    /// Struct name in `mod types` → JSON property name → field.
    structs: BTreeMap<String, BTreeMap<String, Field>>,
    /// Method name on `Client` → type name of its `body` parameter (in `mod types`).
    bodies: BTreeMap<String, String>,
}

/// A field of a generated struct. Kept as text so that an `Index` can be shared with the
/// thread that emits the additions (syntax trees cannot cross threads).
struct Field {
    /// The Rust name (`r#type` for a keyword).
    ident: String,
    /// The Rust type, as tokens printed by `quote`.
    ty: String,
}

impl Field {
    fn ident(&self) -> Result<Ident, String> {
        syn::parse_str(&self.ident).map_err(|e| format!("field name `{}`: {e}", self.ident))
    }

    fn ty(&self) -> Result<syn::Type, String> {
        syn::parse_str(&self.ty).map_err(|e| format!("field type `{}`: {e}", self.ty))
    }
}

impl Index {
    /// Operation id → Rust name of its request body type.
    pub(crate) fn bodies(&self) -> &BTreeMap<String, String> {
        &self.bodies
    }

    pub(crate) fn new(file: &syn::File) -> Index {
        let mut structs = BTreeMap::new();
        let mut bodies = BTreeMap::new();
        for item in &file.items {
            match item {
                syn::Item::Mod(m) if m.ident == "types" => {
                    for item in m.content.iter().flat_map(|(_, items)| items) {
                        if let syn::Item::Struct(s) = item
                            && let syn::Fields::Named(named) = &s.fields
                        {
                            let mut fields = BTreeMap::new();
                            for f in &named.named {
                                let Some(ident) = f.ident.clone() else {
                                    continue;
                                };
                                let json = serde_rename(&f.attrs).unwrap_or_else(|| {
                                    ident.to_string().trim_start_matches("r#").to_owned()
                                });
                                let ty = &f.ty;
                                fields.insert(
                                    json,
                                    Field {
                                        ident: ident.to_string(),
                                        ty: quote!(#ty).to_string(),
                                    },
                                );
                            }
                            structs.insert(s.ident.to_string(), fields);
                        }
                    }
                }
                syn::Item::Impl(imp) if is_client(&imp.self_ty) && imp.trait_.is_none() => {
                    for it in &imp.items {
                        let syn::ImplItem::Fn(f) = it else { continue };
                        for input in &f.sig.inputs {
                            if let syn::FnArg::Typed(pt) = input
                                && let syn::Pat::Ident(pi) = &*pt.pat
                                && pi.ident == "body"
                                && let Some(name) = last_segment(&pt.ty)
                            {
                                bodies.insert(f.sig.ident.to_string(), name);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Index { structs, bodies }
    }
}

fn is_client(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("Client"))
}

fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut rename = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                rename = Some(lit.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    rename
}

/// The last path segment's name of a type, looking through references.
fn last_segment(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Reference(r) => last_segment(&r.elem),
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The single generic argument of `Option<T>` / `Vec<T>`, when `ty` is that wrapper.
fn unwrap_generic<'t>(ty: &'t syn::Type, wrapper: &str) -> Option<&'t syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    if seg.ident != wrapper {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

/// Keeps the per-model names of hoisted option sets: for every struct field whose type is a
/// shared option set (see `options`), `pub type <Struct><Field> = <Shared>;` in `mod types`,
/// named as typify names an inline enum, unless that name is taken.
pub(crate) fn add_aliases(
    file: &mut syn::File,
    index: &Index,
    shared: &crate::options::SharedOptions,
    gates: &Gates,
) {
    let Some(items) = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
        return;
    };
    let mut taken: BTreeSet<String> = items.iter().filter_map(item_name).collect();
    let mut aliases = Vec::new();
    for (struct_name, fields) in &index.structs {
        for (json, field) in fields {
            let Ok(field_ty) = field.ty() else { continue };
            let ty = unwrap_generic(&field_ty, "Option").unwrap_or(&field_ty);
            let (ty, item) = match unwrap_generic(ty, "Vec") {
                Some(inner) => (inner, "Item"),
                None => (ty, ""),
            };
            let Some(target) = last_segment(ty).filter(|t| shared.names.contains_key(t)) else {
                continue;
            };
            let snake = heck::ToSnakeCase::to_snake_case(json.as_str());
            let alias = crate::options::pascal(&format!("{struct_name}_{snake}{item}"));
            if !taken.insert(alias.clone()) {
                continue;
            }
            let field_ident = &field.ident;
            let doc = if item.is_empty() {
                format!(
                    "The type of [`{struct_name}::{field_ident}`]: the shared option set [`{target}`]."
                )
            } else {
                format!(
                    "The item type of [`{struct_name}::{field_ident}`]: the shared option set [`{target}`]."
                )
            };
            let (alias, target) = (ident(&alias), ident(&target));
            let gate = gates.ty(struct_name);
            aliases.push((
                alias.to_string(),
                quote! {
                    #[doc = #doc]
                    #gate
                    pub type #alias = #target;
                },
            ));
        }
    }
    aliases.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, tokens) in aliases {
        if let Ok(item) = syn::parse2::<syn::Item>(tokens) {
            items.push(item);
        }
    }
}

fn item_name(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Struct(s) => Some(s.ident.to_string()),
        syn::Item::Enum(e) => Some(e.ident.to_string()),
        syn::Item::Type(t) => Some(t.ident.to_string()),
        syn::Item::Mod(m) => Some(m.ident.to_string()),
        _ => None,
    }
}

/// Emits every addition, for all operations of the spec (hand-written ones only get their
/// path constant).
pub(crate) fn additions(
    spec: &OpenAPI,
    operations: &[Operation],
    index: &Index,
    gates: &Gates,
) -> Result<TokenStream, String> {
    let mut validators = Validators::new(spec, index, gates);
    let mut markers = Vec::new();
    let mut client_methods = Vec::new();
    let mut json_checks = Vec::new();
    let mut constructors = Vec::new();
    let mut constructed = BTreeSet::new();

    for op in operations.iter().filter(|op| !op.handwritten) {
        let Some(schema) = &op.body else { continue };
        let has_marker = matches!(op.role, Role::Task | Role::Query | Role::Envelope);
        let method = ident(&op.id);
        let query_name = op.query_body.as_deref().map(crate::options::pascal);
        let Some(body_name) = query_name.as_ref().or_else(|| index.bodies.get(&op.id)) else {
            return Err(format!(
                "progenitor generated no method `{}` with a `body` parameter",
                op.id
            ));
        };
        let body_ty = ident(body_name);
        validators.require(body_name, schema)?;
        if op.role == Role::Task && constructed.insert(body_name.clone()) {
            constructors.extend(constructor(spec, index, gates, body_name, schema)?);
        }

        let marker = ident(&pascal(&op.id));
        let gate = gates.op(&op.id);
        let op_id = &op.id;
        let path = &op.path;
        let http = &op.method;
        let role = role_ident(op.role);
        let summary = op.summary.clone().unwrap_or_else(|| op.id.clone());
        let marker_doc = format!("`{http} {path}`: {summary}.");
        let task = (op.role == Role::Task).then(|| ident("task"));
        let by_table =
            has_marker && resolve_schema(spec, schema).is_some_and(|s| table_checkable(spec, s));
        if !by_table {
            json_checks.push(quote! {
                #gate
                #op_id => ::std::option::Option::Some(
                    crate::runtime::from_json::<types::#body_ty>(body).map(|typed| {
                        ::serde_json::to_value(&typed).expect("generated request types serialize")
                    })
                ),
            });
        }
        if !has_marker {
            continue;
        }
        if op.role == Role::Envelope {
            let data = match &op.envelope_data {
                Some(data) => {
                    let ty = ident(&crate::options::pascal(&data.schema));
                    if data.nullable {
                        quote!(::std::option::Option<crate::types::#ty>)
                    } else {
                        quote!(crate::types::#ty)
                    }
                }
                None => quote!(()),
            };
            let creates_task = op.creates_task.then(|| quote!(creates_task));
            markers.push(quote! {
                #gate
                crate::runtime::envelope_marker!(
                    #[doc = #marker_doc]
                    #marker(#body_ty) -> #data, #op_id #http #path #creates_task
                );
            });
            let mut doc = summary.clone();
            if let Some(d) = &op.description {
                doc.push_str("\n\n");
                doc.push_str(d.trim_end());
            }
            let key = match (&op.credential, op.credential_in_query) {
                (Some(name), false) => {
                    format!(" The client puts the API key in the body as `{name}`.")
                }
                (Some(name), true) => {
                    format!(" The client adds the API key as the query parameter `{name}`.")
                }
                (None, _) => String::new(),
            };
            let what = if op.query_body.is_some() {
                "`body` holds the query parameters; it"
            } else {
                "`body`"
            };
            doc.push_str(&format!(
                "\n\nSends `{http} {path}`.{key} {what} is first validated against every constraint \
                 of the spec: an invalid body fails with [`crate::Error::Validation`] and nothing is \
                 sent. A non-zero `code` in the answer becomes [`crate::Error::Api`]."
            ));
            if op.creates_task {
                doc.push_str(
                    "\n\nThe call creates a paid task, so it is never sent twice on its own: an \
                     answer lost after sending is [`crate::Error::SubmitOutcomeUnknown`]. Follow the \
                     task with [`crate::Client::wait`] (`data.task_id`).",
                );
            }
            client_methods.push(quote! {
                #[doc = #doc]
                #gate
                pub async fn #method(
                    &self,
                    body: &types::#body_ty,
                ) -> ::std::result::Result<#data, crate::runtime::Error> {
                    self.call::<operations::#marker>(body).await
                }
            });
            continue;
        }
        // One `operation_marker!` invocation (see the runtime's `operation` module) per
        // operation: the marker type and its impls are written once there.
        markers.push(quote! {
            #gate
            crate::runtime::operation_marker!(
                #[doc = #marker_doc]
                #marker(#body_ty) #op_id #http #path #role #task
            );
        });

        if op.role == Role::Task {
            let mut doc = summary.clone();
            if let Some(d) = &op.description {
                doc.push_str("\n\n");
                doc.push_str(d.trim_end());
            }
            doc.push_str(&format!(
                "\n\nSends `{http} {path}`. `.await` the result to submit and get the created task, \
                 or call `.wait()` / `.wait_with(options)` to submit and wait for the finished task. \
                 `body` is first validated against every constraint of the spec: an invalid body fails \
                 with [`crate::Error::Validation`] and nothing is sent. An `errorCode` in the answer \
                 becomes [`crate::Error::Api`]."
            ));
            client_methods.push(quote! {
                #[doc = #doc]
                #gate
                pub fn #method<'a>(
                    &'a self,
                    body: &'a types::#body_ty,
                ) -> crate::runtime::Submission<'a, operations::#marker> {
                    self.submission::<operations::#marker>(body)
                }
            });
        }
    }

    let registry: Vec<TokenStream> = operations
        .iter()
        .filter(|op| {
            !op.handwritten
                && matches!(
                    op.role,
                    Role::Task | Role::Query | Role::Envelope | Role::Run
                )
        })
        .map(|op| {
            let (id, http, path) = (&op.id, &op.method, &op.path);
            let role = role_ident(op.role);
            let summary = op.summary.clone().unwrap_or_default();
            let family = op.tags.first().cloned().unwrap_or_default();
            let body = op.body.as_ref().and_then(|b| resolve_schema(spec, b));
            let fields = body.map(|s| field_infos(spec, s)).unwrap_or_default();
            let json_table = body.is_some_and(|s| table_checkable(spec, s));
            let gate = gates.op(&op.id);
            let example = match &op.example {
                Some(example) => {
                    let text = example.to_string();
                    quote!(::std::option::Option::Some(#text))
                }
                None => quote!(::std::option::Option::None),
            };
            let output = ident(match op.output.as_deref() {
                Some("video") => "Video",
                Some("image") => "Image",
                Some("audio") => "Audio",
                Some("text") => "Text",
                Some("3d") => "Model3d",
                _ => "Unknown",
            });
            let credential = match (&op.credential, op.credential_in_query) {
                (Some(name), false) => {
                    quote!(::std::option::Option::Some(crate::runtime::Credential::Body(#name)))
                }
                (Some(name), true) => {
                    quote!(::std::option::Option::Some(crate::runtime::Credential::Query(#name)))
                }
                (None, _) => quote!(::std::option::Option::None),
            };
            let creates_task = op.creates_task.then(|| quote!(, creates_task));
            // One `operation_info!` invocation per entry: the table's shape is written
            // once, in the runtime's `operation` module.
            quote! {
                #gate
                crate::runtime::operation_info!(
                    #id #http #path #role #family #json_table #summary [#(#fields),*]
                    output: #output example: #example, credential: #credential #creates_task
                ),
            }
        })
        .collect();
    let handwritten: Vec<TokenStream> = operations
        .iter()
        .filter(|op| op.handwritten)
        .map(|op| {
            let name = ident(&op.id.to_uppercase());
            let path = &op.path;
            let doc = format!(
                "Path of `{}` ({} {path}), implemented by the hand-written layer.",
                op.id, op.method
            );
            quote! {
                #[doc = #doc]
                pub const #name: &str = #path;
            }
        })
        .collect();
    let impls = validators.emit()?;
    let markers_doc = "One marker type per generated operation, implementing [`crate::operation::Operation`] \
                       (and [`crate::operation::TaskOperation`] for model endpoints), or \
                       [`crate::operation::EnvelopeOperation`] for platform calls.";
    Ok(quote! {
        #(#impls)*

        /// `new` for every model endpoint's request type. The field types are written as
        /// progenitor writes them, inside `mod types`.
        mod request_constructors {
            #[allow(unused_imports)]
            use super::types::*;
            #(#constructors)*
        }

        #[doc = #markers_doc]
        pub mod operations {
            #(#markers)*

            /// Every generated task, query, run and envelope operation, in spec order.
            /// A `static`, so that the table is one copy in a program: a `const` would be
            /// copied into every codegen unit and crate that reads it.
            pub static OPERATIONS: &[crate::runtime::OperationInfo] = &[#(#registry)*];
        }

        /// Paths of the operations the spec leaves to the hand-written layer.
        pub mod handwritten_paths {
            #(#handwritten)*
        }

        /// Checked methods, one per model endpoint and platform call.
        impl crate::Client {
            #(#client_methods)*

        }

        /// Decodes a JSON request body into its typed form and back, for the operations
        /// the field table cannot check on its own; `None` for every other operation.
        pub(crate) fn typed_json_check(
            operation_id: &str,
            body: ::serde_json::Value,
        ) -> ::std::option::Option<::std::result::Result<::serde_json::Value, crate::runtime::ValidationError>> {
            let _ = &body;
            match operation_id {
                #(#json_checks)*
                _ => ::std::option::Option::None,
            }
        }
    })
}
/// `new` for a model endpoint's request type, as one `request_new!` invocation (see the
/// runtime's `operation` module): the required fields without a default are its arguments,
/// in spec order; required fields with a documented default get it; the others are left
/// out. `None` when the body is not a plain object of named fields.
fn constructor(
    spec: &OpenAPI,
    index: &Index,
    gates: &Gates,
    body_name: &str,
    schema: &ReferenceOr<Schema>,
) -> Result<Option<TokenStream>, String> {
    let Some(SchemaKind::Type(Type::Object(obj))) =
        resolve_schema(spec, schema).map(|s| &s.schema_kind)
    else {
        return Ok(None);
    };
    let Some(fields) = index.structs.get(body_name) else {
        return Ok(None);
    };
    if fields.len() != obj.properties.len() {
        return Err(format!(
            "`{body_name}` has {} fields for {} properties in the spec: cannot write its constructor",
            fields.len(),
            obj.properties.len()
        ));
    }
    let (mut args, mut defaults, mut empty) = (Vec::new(), Vec::new(), Vec::new());
    let (mut arg_names, mut default_names) = (Vec::new(), Vec::new());
    for (name, prop) in &obj.properties {
        let field = fields
            .get(name)
            .ok_or_else(|| format!("`{body_name}` has no field for the property `{name}`"))?;
        let field_ident = field.ident()?;
        let default = resolve_boxed(spec, prop).and_then(|s| s.schema_data.default.clone());
        match (obj.required.contains(name), default) {
            (true, None) => {
                // The type's tokens as progenitor printed them: lexed, not parsed.
                let ty: TokenStream = field
                    .ty
                    .parse()
                    .map_err(|e| format!("field type `{}`: {e}", field.ty))?;
                args.push(quote!(#field_ident: #ty));
                arg_names.push(format!("`{name}`"));
            }
            (true, Some(d)) => {
                let json = d.to_string();
                default_names.push(format!("`{name}` = `{json}`"));
                defaults.push(quote!(#field_ident = #json));
            }
            (false, _) => empty.push(field_ident),
        }
    }
    let mut doc = format!(
        "A request with {}.",
        if arg_names.is_empty() {
            "no field that must be given".to_owned()
        } else {
            format!("its required fields: {}", arg_names.join(", "))
        }
    );
    if !default_names.is_empty() {
        doc.push_str(&format!(
            " Required fields with a documented default are set to it: {}.",
            default_names.join(", ")
        ));
    }
    if !empty.is_empty() {
        doc.push_str(
            " Optional fields are left out; set them by name, as in \
             `Self { field: Some(value), ..Self::new(…) }`, which keeps compiling when the spec \
             gains optional fields.",
        );
    }
    let ty = ident(body_name);
    let gate = gates.ty(body_name);
    Ok(Some(quote! {
        #gate
        crate::runtime::request_new!(
            #[doc = #doc]
            #ty { args: [#(#args),*], defaults: [#(#defaults),*], empty: [#(#empty),*] }
        );
    }))
}

/// Whether the generic JSON validator can check a body from its field table alone: every
/// property a plain string, integer (64-bit), number, boolean, or list of unconstrained
/// strings.
fn table_checkable(spec: &OpenAPI, schema: &Schema) -> bool {
    let SchemaKind::Type(Type::Object(obj)) = &schema.schema_kind else {
        return false;
    };
    obj.properties.values().all(|p| {
        let Some(s) = resolve_boxed(spec, p) else {
            return false;
        };
        match &s.schema_kind {
            SchemaKind::Type(Type::String(t)) => {
                matches!(
                    t.format,
                    VariantOrUnknownOrEmpty::Empty | VariantOrUnknownOrEmpty::Unknown(_)
                ) && t.pattern.is_none()
            }
            SchemaKind::Type(Type::Integer(t)) => {
                matches!(t.format, VariantOrUnknownOrEmpty::Empty) && t.enumeration.is_empty()
            }
            SchemaKind::Type(Type::Number(t)) => t.enumeration.is_empty(),
            SchemaKind::Type(Type::Boolean(_)) => true,
            SchemaKind::Type(Type::Array(a)) => a.items.as_ref().is_some_and(|i| {
                resolve_boxed(spec, i).is_some_and(|i| match &i.schema_kind {
                    SchemaKind::Type(Type::String(t)) => {
                        t.enumeration.is_empty()
                            && t.min_length.is_none()
                            && t.max_length.is_none()
                            && t.pattern.is_none()
                            && matches!(t.format, VariantOrUnknownOrEmpty::Empty)
                    }
                    _ => false,
                })
            }),
            _ => false,
        }
    })
}

/// One `crate::operation::FieldInfo` literal per property of a request body: what a
/// command line or a form needs to build a body without knowing the endpoint.
fn field_infos(spec: &OpenAPI, schema: &Schema) -> Vec<TokenStream> {
    let SchemaKind::Type(Type::Object(obj)) = &schema.schema_kind else {
        return Vec::new();
    };
    obj.properties
        .iter()
        .map(|(name, prop)| {
            // Borrowed, never cloned: schemas carry long descriptions.
            let resolved = resolve_boxed(spec, prop);
            let required = obj.required.contains(name);
            let (mut kind, mut allowed, mut min, mut max) = (quote!(Other), Vec::new(), None, None);
            let (mut min_items, mut max_items, mut min_len, mut max_len) = (None, None, None, None);
            let description = resolved
                .and_then(|s| s.schema_data.description.as_deref())
                .unwrap_or_default();
            let description = crate::model::first_paragraph(description);
            let default = resolved
                .and_then(|s| s.schema_data.default.as_ref())
                .map(|d| d.to_string());
            match resolved.map(|s| &s.schema_kind) {
                Some(SchemaKind::Type(Type::String(t))) => {
                    kind = quote!(String);
                    allowed = t.enumeration.iter().flatten().cloned().collect();
                    min_len = t.min_length;
                    max_len = t.max_length;
                }
                Some(SchemaKind::Type(Type::Integer(t))) => {
                    kind = quote!(Integer);
                    min = t.minimum.map(|v| v as f64);
                    max = t.maximum.map(|v| v as f64);
                }
                Some(SchemaKind::Type(Type::Number(t))) => {
                    kind = quote!(Number);
                    min = t.minimum;
                    max = t.maximum;
                }
                Some(SchemaKind::Type(Type::Boolean(_))) => kind = quote!(Boolean),
                Some(SchemaKind::Type(Type::Array(a))) => {
                    let item_is_string = a
                        .items
                        .as_ref()
                        .and_then(|i| resolve_boxed(spec, i))
                        .is_some_and(|i| {
                            matches!(i.schema_kind, SchemaKind::Type(Type::String(_)))
                        });
                    kind = if item_is_string {
                        quote!(StringList)
                    } else {
                        quote!(Other)
                    };
                    min_items = a.min_items;
                    max_items = a.max_items;
                }
                _ => {}
            }
            // Only what the spec documents is written: `FieldInfo::new` starts from none.
            // Each builder call is written `with_x(value)`, without the dot:
            // `operation_info!` adds it.
            let mut entry = quote!(#name #kind);
            if required {
                entry.extend(quote!(required()));
            }
            if let Some(d) = default {
                entry.extend(quote!(with_default(#d)));
            }
            if !allowed.is_empty() {
                entry.extend(quote!(with_allowed(&[#(#allowed),*])));
            }
            let floats = [("with_minimum", min), ("with_maximum", max)];
            for (method, value) in floats {
                if let Some(v) = value {
                    let method = ident(method);
                    entry.extend(quote!(#method(#v)));
                }
            }
            let counts = [
                ("with_min_items", min_items),
                ("with_max_items", max_items),
                ("with_min_length", min_len),
                ("with_max_length", max_len),
            ];
            for (method, value) in counts {
                if let Some(v) = value {
                    let (method, v) = (ident(method), v as u64);
                    entry.extend(quote!(#method(#v)));
                }
            }
            if !description.is_empty() {
                entry.extend(quote!(with_description(#description)));
            }
            entry
        })
        .collect()
}

/// The variant of `crate::operation::Role` for `role`.
fn role_ident(role: Role) -> Ident {
    ident(match role {
        Role::Task => "Task",
        Role::Query => "Query",
        Role::Envelope => "Envelope",
        Role::Run => "Run",
        Role::Other => "Other",
    })
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Collects the object types that need a `Validate` impl and emits them.
struct Validators<'a> {
    spec: &'a OpenAPI,
    index: &'a Index,
    gates: &'a Gates,
    queue: VecDeque<(String, Schema)>,
    done: BTreeSet<String>,
}

impl<'a> Validators<'a> {
    fn new(spec: &'a OpenAPI, index: &'a Index, gates: &'a Gates) -> Self {
        Validators {
            spec,
            index,
            gates,
            queue: VecDeque::new(),
            done: BTreeSet::new(),
        }
    }

    fn require(&mut self, type_name: &str, schema: &ReferenceOr<Schema>) -> Result<(), String> {
        let resolved = resolve_schema(self.spec, schema)
            .ok_or_else(|| format!("schema of `{type_name}` does not resolve"))?;
        if self.done.insert(type_name.to_owned()) {
            self.queue
                .push_back((type_name.to_owned(), resolved.clone()));
        }
        Ok(())
    }

    fn emit(&mut self) -> Result<Vec<TokenStream>, String> {
        let mut out = Vec::new();
        while let Some((name, schema)) = self.queue.pop_front() {
            out.push(self.object_impl(&name, &schema)?);
        }
        Ok(out)
    }

    fn object_impl(&mut self, name: &str, schema: &Schema) -> Result<TokenStream, String> {
        let ty = ident(name);
        let SchemaKind::Type(Type::Object(obj)) = &schema.schema_kind else {
            return Err(format!("`{name}` is not an object schema"));
        };
        let fields = self
            .index
            .structs
            .get(name)
            .ok_or_else(|| format!("progenitor generated no struct `{name}`"))?;
        let mut checks = Vec::new();
        for (json, prop) in &obj.properties {
            let field = fields
                .get(json)
                .ok_or_else(|| format!("struct `{name}` has no field for property `{json}`"))?;
            let field_ty = field.ty()?;
            let (inner, optional) = match unwrap_generic(&field_ty, "Option") {
                Some(t) => (t.clone(), true),
                None => (field_ty.clone(), false),
            };
            let body = self.value_checks(&unbox(prop), &inner)?;
            if body.is_empty() {
                continue;
            }
            let f = field.ident()?;
            checks.push(if optional {
                quote! {
                    if let Some(value) = &self.#f {
                        let path = path.field(#json);
                        #body
                    }
                }
            } else {
                quote! {
                    {
                        let value = &self.#f;
                        let path = path.field(#json);
                        #body
                    }
                }
            });
        }
        let params = if checks.is_empty() {
            quote!(_path: &crate::runtime::Path<'_>, _out: &mut crate::runtime::Violations)
        } else {
            quote!(path: &crate::runtime::Path<'_>, out: &mut crate::runtime::Violations)
        };
        let gate = self.gates.ty(name);
        Ok(quote! {
            #gate
            impl crate::runtime::Validate for types::#ty {
                fn validate_at(&self, #params) {
                    #(#checks)*
                }
            }
        })
    }

    /// Checks for one value (`value: &T` in scope, `path` its location, `out` the sink).
    fn value_checks(
        &mut self,
        schema: &ReferenceOr<Schema>,
        ty: &syn::Type,
    ) -> Result<TokenStream, String> {
        let resolved = match resolve_schema(self.spec, schema) {
            Some(s) => s.clone(),
            None => return Ok(TokenStream::new()),
        };
        let is_ref = matches!(schema, ReferenceOr::Reference { .. });
        if let SchemaKind::Type(Type::Object(_)) = &resolved.schema_kind {
            let Some(name) = last_segment(ty) else {
                return Err(format!(
                    "cannot name the type of an object schema ({})",
                    quote!(#ty)
                ));
            };
            if !self.index.structs.contains_key(&name) {
                // A map or free-form object: nothing typed to validate.
                return Ok(TokenStream::new());
            }
            if self.done.insert(name.clone()) {
                self.queue.push_back((name, resolved));
            }
            return Ok(quote! { crate::runtime::Validate::validate_at(value, &path, out); });
        }
        let scalar = self.scalar_checks(&resolved, ty)?;
        if scalar.is_empty() {
            return Ok(scalar);
        }
        // A `$ref` to a constrained scalar component is a typify newtype with a public field.
        Ok(if is_ref {
            quote! { { let value = &value.0; #scalar } }
        } else {
            scalar
        })
    }

    fn scalar_checks(&mut self, schema: &Schema, ty: &syn::Type) -> Result<TokenStream, String> {
        let opt_usize = |v: Option<usize>| match v {
            Some(n) => {
                let n = n as u64;
                quote!(Some(#n))
            }
            None => quote!(None),
        };
        Ok(match &schema.schema_kind {
            SchemaKind::Type(Type::String(t)) => {
                let plain = t.enumeration.is_empty()
                    && matches!(
                        &t.format,
                        VariantOrUnknownOrEmpty::Empty
                            | VariantOrUnknownOrEmpty::Unknown(_)
                            | VariantOrUnknownOrEmpty::Item(StringFormat::Password)
                    );
                if plain && (t.min_length.is_some() || t.max_length.is_some()) {
                    let (min, max) = (opt_usize(t.min_length), opt_usize(t.max_length));
                    quote! { crate::runtime::check_chars(out, &path, value.as_str(), #min, #max); }
                } else {
                    TokenStream::new()
                }
            }
            SchemaKind::Type(Type::Integer(t)) if t.enumeration.is_empty() => {
                if t.minimum.is_none() && t.maximum.is_none() {
                    return Ok(TokenStream::new());
                }
                let opt = |v: Option<i64>| match v {
                    Some(n) => quote!(Some(#n)),
                    None => quote!(None),
                };
                let (min, max) = (opt(t.minimum), opt(t.maximum));
                quote! { crate::runtime::check_integer(out, &path, i128::from(*value), #min, #max); }
            }
            SchemaKind::Type(Type::Number(t)) if t.enumeration.is_empty() => {
                if t.minimum.is_none() && t.maximum.is_none() {
                    return Ok(TokenStream::new());
                }
                let opt = |v: Option<f64>| match v {
                    Some(n) => quote!(Some(#n)),
                    None => quote!(None),
                };
                let (min, max) = (opt(t.minimum), opt(t.maximum));
                quote! { crate::runtime::check_number(out, &path, f64::from(*value), #min, #max); }
            }
            SchemaKind::Type(Type::Array(a)) => {
                let mut body = TokenStream::new();
                if a.min_items.is_some() || a.max_items.is_some() {
                    let (min, max) = (opt_usize(a.min_items), opt_usize(a.max_items));
                    body.extend(quote! { crate::runtime::check_items(out, &path, value.len(), #min, #max); });
                }
                if let (Some(items), Some(item_ty)) = (&a.items, unwrap_generic(ty, "Vec")) {
                    let item_checks = match resolve_boxed(self.spec, items) {
                        Some(_) => self.value_checks(&unbox(items), item_ty)?,
                        None => TokenStream::new(),
                    };
                    if !item_checks.is_empty() {
                        body.extend(quote! {
                            for (i, value) in value.iter().enumerate() {
                                let path = path.index(i);
                                #item_checks
                            }
                        });
                    }
                }
                body
            }
            _ => TokenStream::new(),
        })
    }
}
