//! One shared body for progenitor's JSON `POST` methods.
//!
//! progenitor writes the same dozen statements into every operation method: build the URL,
//! add the `api-version` and `Accept` headers, serialize the body, run the hooks, send, and
//! decode a 200 or return the response as unexpected. Each copy is its own `async fn` state
//! machine; at 300 endpoints they were about a tenth of the crate's build time. Every method
//! whose body is exactly that template (tokens compared after substituting its URL and
//! operation id) keeps its signature and docs and gets a two-line body that serializes the
//! body and hands the request to `Client::send_json_post`, emitted once with the statements
//! of the template. A method of any other shape is left as progenitor wrote it. The request
//! is the same, headers included; only the order of two headers differs (`Content-Type`,
//! set with the body, now comes before `Accept`).
//!
//! The methods of model endpoints go further: they are removed. Every model endpoint is a
//! JSON `POST` of its body to a fixed path, answered with the task object, so the runtime
//! sends all of them with one function (`Operation::send`, from the marker's path and
//! operation id) through the shared method. Those hundreds of `async fn`s, which differed
//! only in their URL, and the per-marker futures that called them were over a quarter of
//! the crate's check time.

use proc_macro2::TokenStream;
use quote::quote;

/// The name of the shared method.
const SHARED_SEND: &str = "send_json_post";

/// progenitor's body for a JSON `POST` whose only success is a 200 with a JSON body, token
/// for token as progenitor 0.15.1 emits it (trailing commas and braces included).
fn template(url_args: &TokenStream, operation_id: &syn::LitStr) -> TokenStream {
    quote! {
        {
            let url = format!(#url_args);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(Self::api_version()),
                );
            #[allow(unused_mut)]
            let mut request = self
                .client
                .post(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json",),
                )
                .json(&body)
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: #operation_id,
            };
            self.pre(&mut request, &info).await?;
            let result = self.exec(request, &info).await;
            self.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => { ResponseValue::from_response(response).await }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
}

/// Gives every method of `impl Client` that matches the template the short body, and
/// removes those of the operations in `sent_by_runtime` (model endpoints, which the runtime
/// sends through the shared method); returns the operation ids of the methods it changed or
/// removed.
pub(crate) fn share(file: &mut syn::File, sent_by_runtime: &[&str]) -> Vec<String> {
    let mut changed = Vec::new();
    for item in &mut file.items {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some()
            || !matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"))
        {
            continue;
        }
        imp.items.retain_mut(|it| {
            let syn::ImplItem::Fn(f) = it else {
                return true;
            };
            let Some((body, operation_id)) = short_body(&f.block) else {
                return true;
            };
            let keep = !sent_by_runtime.contains(&operation_id.as_str());
            f.block = body;
            changed.push(operation_id);
            keep
        });
    }
    // An `impl Client` left with no method (every operation a model endpoint) goes too.
    file.items.retain(|item| {
        !matches!(item, syn::Item::Impl(imp)
            if imp.trait_.is_none()
                && imp.items.is_empty()
                && matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client")))
    });
    changed
}

/// The generated operations whose methods must take the shared send: every `POST` with a
/// JSON body and no path parameters (preflight admits one answer shape only).
pub(crate) fn json_posts(operations: &[crate::model::Operation]) -> Vec<&str> {
    operations
        .iter()
        .filter(|o| {
            !o.handwritten
                && o.method.eq_ignore_ascii_case("post")
                && o.body.is_some()
                && !o.path.contains('{')
        })
        .map(|o| o.id.as_str())
        .collect()
}

/// Every JSON `POST` operation `expected` names must have been rewritten: preflight
/// admits only one answer shape, so a method the template did not match means that
/// progenitor now writes its bodies differently. The error lists the first few.
pub(crate) fn check_all_shared(expected: &[&str], rewritten: &[String]) -> Result<(), String> {
    let missing: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|id| !rewritten.iter().any(|r| r == id))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = missing.iter().take(3).map(|id| format!("`{id}`")).collect();
    Err(format!(
        "{} of {} JSON POST method bodies did not match the template (such as {})",
        missing.len(),
        expected.len(),
        shown.join(", ")
    ))
}

/// The short body and the operation id for a method whose body is the template, else
/// `None`.
fn short_body(block: &syn::Block) -> Option<(syn::Block, String)> {
    // The URL is the first statement: `let url = format!(...);`.
    let syn::Stmt::Local(local) = block.stmts.first()? else {
        return None;
    };
    let syn::Expr::Macro(mac) = &*local.init.as_ref()?.expr else {
        return None;
    };
    let url_args = mac.mac.tokens.clone();
    // The operation id is the only string in `let info = OperationInfo { .. };`.
    let operation_id = block.stmts.iter().find_map(|stmt| {
        let syn::Stmt::Local(local) = stmt else {
            return None;
        };
        let syn::Expr::Struct(s) = &*local.init.as_ref()?.expr else {
            return None;
        };
        if !s.path.is_ident("OperationInfo") {
            return None;
        }
        s.fields.iter().find_map(|f| match &f.expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.clone()),
            _ => None,
        })
    })?;
    if quote!(#block).to_string() != template(&url_args, &operation_id).to_string() {
        return None;
    }
    let shared = syn::Ident::new(SHARED_SEND, proc_macro2::Span::call_site());
    let body = syn::parse2(quote! {
        {
            let url = format!(#url_args);
            self.#shared(self.client.post(url).json(&body), #operation_id).await
        }
    })
    .ok()?;
    Some((body, operation_id.value()))
}

/// The shared method: the template's statements after the body is serialized.
pub(crate) fn shared_method() -> TokenStream {
    let shared = syn::Ident::new(SHARED_SEND, proc_macro2::Span::call_site());
    quote! {
        impl Client {
            /// What every JSON `POST` operation method does once its URL and body are
            /// set: progenitor's statements, shared instead of repeated in each method.
            /// The runtime sends model endpoints through it too (`Operation::send`).
            #[allow(dead_code)]
            pub(crate) async fn #shared<T: ::serde::de::DeserializeOwned>(
                &self,
                request: ::reqwest::RequestBuilder,
                operation_id: &'static str,
            ) -> Result<ResponseValue<T>, Error<()>> {
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                header_map.append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(Self::api_version()),
                );
                #[allow(unused_mut)]
                let mut request = request
                    .header(
                        ::reqwest::header::ACCEPT,
                        ::reqwest::header::HeaderValue::from_static("application/json"),
                    )
                    .headers(header_map)
                    .build()?;
                let info = OperationInfo { operation_id };
                self.pre(&mut request, &info).await?;
                let result = self.exec(request, &info).await;
                self.post(&result, &info).await?;
                let response = result?;
                match response.status().as_u16() {
                    200u16 => ResponseValue::from_response(response).await,
                    _ => Err(Error::UnexpectedResponse(response)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_impl(body: TokenStream) -> syn::File {
        syn::parse2(quote! {
            impl Client {
                pub async fn op<'a>(&'a self, body: &'a types::Body)
                    -> Result<ResponseValue<types::Task>, Error<()>> #body
            }
        })
        .expect("test input parses")
    }

    fn body_of(file: &syn::File) -> String {
        let syn::Item::Impl(imp) = &file.items[0] else {
            panic!("not an impl")
        };
        let syn::ImplItem::Fn(f) = &imp.items[0] else {
            panic!("not a method")
        };
        let block = &f.block;
        quote!(#block).to_string()
    }

    fn url() -> TokenStream {
        quote!("{}/openapi/v2/op", self.baseurl,)
    }

    fn op_id() -> syn::LitStr {
        syn::LitStr::new("op", proc_macro2::Span::call_site())
    }

    #[test]
    fn the_template_gets_the_short_body() {
        let mut file = client_impl(template(&url(), &op_id()));
        assert_eq!(share(&mut file, &["other"]), ["op"]);
        let body = body_of(&file);
        assert!(body.contains("self . send_json_post (self . client . post (url) . json (& body) , \"op\") . await"), "{body}");
        assert!(!body.contains("header_map"), "{body}");
    }

    #[test]
    fn a_model_endpoints_method_is_removed_and_counted_as_shared() {
        let mut file = client_impl(template(&url(), &op_id()));
        assert_eq!(share(&mut file, &["op"]), ["op"]);
        // The method is gone, and with it the `impl Client` it was alone in.
        assert!(file.items.is_empty(), "{}", quote!(#file));
    }

    #[test]
    fn any_other_body_is_left_alone() {
        // A 201 instead of a 200: one token differs from the template.
        let changed: TokenStream = template(&url(), &op_id())
            .to_string()
            .replace("200u16", "201u16")
            .parse()
            .expect("tokens");
        let mut file = client_impl(changed);
        let before = body_of(&file);
        let rewritten = share(&mut file, &[]);
        assert!(rewritten.is_empty());
        assert_eq!(body_of(&file), before);
        // ... and generation stops, naming the method, instead of going on without it.
        let err = check_all_shared(&["op"], &rewritten).unwrap_err();
        assert_eq!(
            err,
            "1 of 1 JSON POST method bodies did not match the template (such as `op`)"
        );
        assert_eq!(check_all_shared(&["op"], &["op".to_owned()]), Ok(()));
    }

    #[test]
    fn json_posts_are_the_generated_posts_with_a_body_and_a_fixed_path() {
        let op = |id: &str, method: &str, path: &str, body: bool, handwritten: bool| {
            crate::model::Operation {
                id: id.into(),
                method: method.into(),
                path: path.into(),
                role: crate::model::Role::Task,
                handwritten,
                tags: vec![],
                summary: None,
                description: None,
                body: body.then(|| openapiv3::ReferenceOr::ref_("#/components/schemas/B")),
                example: None,
                output: None,
                credential: None,
                credential_in_query: false,
                query_body: None,
                envelope_data: None,
                creates_task: false,
            }
        };
        let ops = [
            op("a", "POST", "/a", true, false),
            op("b", "GET", "/b", false, false),
            op("c", "POST", "/c/{id}", true, false),
            op("d", "POST", "/d", true, true),
            op("e", "POST", "/e", false, false),
        ];
        assert_eq!(json_posts(&ops), ["a"]);
    }

    #[test]
    fn methods_of_other_types_are_left_alone() {
        let body = template(&url(), &op_id());
        let mut file: syn::File = syn::parse2(quote! {
            impl NotClient {
                pub async fn op<'a>(&'a self, body: &'a types::Body)
                    -> Result<ResponseValue<types::Task>, Error<()>> #body
            }
        })
        .expect("parses");
        assert!(share(&mut file, &["op"]).is_empty());
    }
}
