//! Where the client's HTTP requests go: the network, through reqwest (the default), or a
//! [`Transport`] given to [`crate::ClientBuilder::transport`]: an in-process server for
//! tests that run on tokio's paused clock (the simulator's `Simulator::in_process`), a
//! recorder, a proxy. Every request of the client takes this path: submits, queries,
//! uploads, the queue status and output downloads, and the requests of
//! [`crate::Client::raw`].
//!
//! A leaf of the crate: progenitor's generated client holds a [`RawInner`] (its "inner"
//! value), so it names nothing above it.

use crate::table::Registry;
use reqwest::header::HeaderMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The future a [`Transport`] returns.
pub type TransportFuture =
    Pin<Box<dyn Future<Output = Result<reqwest::Response, reqwest::Error>> + Send + 'static>>;

/// Sends the client's HTTP requests somewhere other than the network.
///
/// A request to RunningHub arrives with its `Authorization` header (the key, marked
/// sensitive) and the client's `User-Agent`; a download of an output arrives without the key,
/// as it would go to a storage host. The client's timeouts are reqwest's and do not apply:
/// a transport that can hang must time out itself.
///
/// ```
/// use runninghub::{Client, Transport, TransportFuture};
///
/// /// Answers every request with an unknown task, as RunningHub does (errorCode 1004).
/// struct NoSuchTask;
///
/// impl Transport for NoSuchTask {
///     fn send(&self, _request: reqwest::Request) -> TransportFuture {
///         let body = r#"{"taskId": "", "status": "", "errorCode": "1004",
///                        "errorMessage": "task not found", "results": null}"#;
///         let response = http::Response::builder().status(200).body(body).unwrap();
///         Box::pin(async move { Ok(reqwest::Response::from(response)) })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let client = Client::builder().api_key("k").transport(NoSuchTask).build().unwrap();
/// let err = client.query("42").await.unwrap_err();
/// assert_eq!(err.code().unwrap().as_str(), "1004");
/// # }
/// ```
pub trait Transport: Send + Sync + 'static {
    /// Sends one request and returns its answer.
    fn send(&self, request: reqwest::Request) -> TransportFuture;
}

/// What progenitor's generated client carries besides its reqwest client: the transport,
/// if any, and the headers reqwest would add to a request to RunningHub (which a transport
/// must see too), and the operations it knows (for the request hook's checks). Only the
/// transport's presence is shown by `Debug`. `Default` knows the platform calls only: a
/// model endpoint sent through such a client is checked by [`Operation::send`] itself
/// (its typed body), not again from the table.
///
/// [`Operation::send`]: crate::operation::Operation::send
#[derive(Clone)]
pub struct RawInner {
    transport: Option<Arc<dyn Transport>>,
    /// The key and the user agent, added to requests to RunningHub given to a transport.
    headers: HeaderMap,
    /// The API key, for the platform calls that carry it in their JSON body. Never shown.
    key: Option<Arc<str>>,
    /// Whether each request's JSON body is traced (with the key taken out), as
    /// [`crate::ClientBuilder::trace_bodies`] asks.
    trace_bodies: bool,
    /// The operations the hook looks request bodies and credentials up in; `None` for the
    /// platform's own (the hook's default, `operation::PLATFORM`).
    registry: Option<&'static Registry>,
}

impl Default for RawInner {
    fn default() -> Self {
        RawInner {
            transport: None,
            headers: HeaderMap::new(),
            key: None,
            trace_bodies: false,
            registry: None,
        }
    }
}

impl fmt::Debug for RawInner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawInner")
            .field("transport", &self.transport.is_some())
            .finish_non_exhaustive()
    }
}

/// A transport given to the builder, if any; `Debug` shows only whether there is one.
#[derive(Clone, Default)]
pub(crate) struct TransportSlot(pub(crate) Option<Arc<dyn Transport>>);

impl fmt::Debug for TransportSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Some(<transport>)"
        } else {
            "None"
        })
    }
}

/// Whether a request carries the client's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// RunningHub's API: with the key.
    RunningHub,
    /// A storage host (output downloads): never the key.
    Storage,
}

impl Audience {
    /// The name traces give it.
    fn name(self) -> &'static str {
        match self {
            Audience::RunningHub => "runninghub",
            Audience::Storage => "storage",
        }
    }
}

/// What kind of failure a transport error is, for traces (never its text, which may hold
/// the request's address).
fn failure_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else {
        "request"
    }
}

/// A request body as traced: its JSON text with every occurrence of the key replaced by
/// `<redacted>` (a platform call carries the key in its body), or its size when it is not
/// JSON (a multipart upload holds a file).
fn traced_body(bytes: &[u8], key: Option<&str>) -> String {
    fn redact(value: &mut serde_json::Value, key: &str) {
        match value {
            serde_json::Value::String(text) if text.contains(key) => {
                *text = text.replace(key, "<redacted>");
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| redact(v, key)),
            serde_json::Value::Object(fields) => fields.values_mut().for_each(|v| redact(v, key)),
            _ => {}
        }
    }
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return format!("<{} bytes, not JSON>", bytes.len());
    };
    if let Some(key) = key.filter(|k| !k.is_empty()) {
        redact(&mut value, key);
    }
    value.to_string()
}

impl RawInner {
    pub(crate) fn new(
        transport: Option<Arc<dyn Transport>>,
        headers: HeaderMap,
        key: Arc<str>,
        trace_bodies: bool,
        registry: &'static Registry,
    ) -> RawInner {
        RawInner {
            transport,
            headers,
            key: Some(key),
            trace_bodies,
            registry: Some(registry),
        }
    }

    /// The operations the client knows, if it was given them (see [`RawInner::default`]).
    pub(crate) fn registry(&self) -> Option<&'static Registry> {
        self.registry
    }

    /// The API key, for a platform call that carries it in its body (`None` for a client
    /// built from `Default`, which has none).
    pub(crate) fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// Sends `request` through the transport if there is one, else with `client` (whose
    /// default headers carry what the request needs for `audience`).
    ///
    /// Each request is a `request` span (`method`, `path` without the query, which may hold
    /// the key or a signature; `to`, RunningHub or storage; `status` once answered), with a
    /// `response` or `request failed` event. No header or query is recorded, and a body
    /// only when the client was built to trace bodies (a `request body` event, the key
    /// taken out).
    pub(crate) async fn execute(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        audience: Audience,
    ) -> Result<reqwest::Response, reqwest::Error> {
        use tracing::Instrument as _;
        let span = tracing::debug_span!(
            "request",
            method = %request.method(),
            path = request.url().path(),
            to = audience.name(),
            status = tracing::field::Empty,
        );
        if self.trace_bodies
            && let Some(body) = request.body()
        {
            let body = match body.as_bytes() {
                Some(bytes) => traced_body(bytes, self.key.as_deref()),
                None => "<a stream>".to_owned(),
            };
            tracing::debug!(parent: &span, body, "request body");
        }
        let sent = self
            .send(client, request, audience)
            .instrument(span.clone())
            .await;
        match &sent {
            Ok(response) => {
                let status = response.status().as_u16();
                span.record("status", status);
                tracing::debug!(parent: &span, status, "response");
            }
            // The error's kind only: its text may hold the address, and so a key.
            Err(e) => tracing::debug!(parent: &span, error = failure_kind(e), "request failed"),
        }
        sent
    }

    async fn send(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        audience: Audience,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let Some(transport) = &self.transport else {
            return client.execute(request).await;
        };
        if audience == Audience::RunningHub {
            for (name, value) in &self.headers {
                if !request.headers().contains_key(name) {
                    request.headers_mut().insert(name.clone(), value.clone());
                }
            }
        }
        transport.send(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::traced_body;

    #[test]
    fn a_traced_body_has_the_key_taken_out_wherever_it_is() {
        let body =
            br#"{"apiKey":"k-123456","prompt":"a boat","nodes":[{"value":"x k-123456 y"}],"n":3}"#;
        let traced = traced_body(body, Some("k-123456"));
        assert!(!traced.contains("k-123456"), "{traced}");
        let value: serde_json::Value = serde_json::from_str(&traced).unwrap();
        assert_eq!(value["apiKey"], "<redacted>");
        assert_eq!(value["nodes"][0]["value"], "x <redacted> y");
        // Everything else is kept as sent.
        assert_eq!(value["prompt"], "a boat");
        assert_eq!(value["n"], 3);
    }

    #[test]
    fn a_body_that_is_not_json_is_traced_by_its_size() {
        assert_eq!(
            traced_body(b"--boundary\r\nk-123456", Some("k-123456")),
            "<20 bytes, not JSON>"
        );
    }
}
