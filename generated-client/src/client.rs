//! The client of this crate: the runtime's client, knowing the enabled families' model
//! endpoints. The generated code adds a checked method per model endpoint to it.

use runninghub_runtime::{ApiKey, Assemble, Error};
use std::fmt;
use std::ops::Deref;

/// A RunningHub client: validates requests against the spec, authenticates, and turns
/// RunningHub's answers into typed results or typed errors.
///
/// Every model endpoint of the enabled families has a method named after its `operationId`
/// (such as [`Client::vidu_reference_to_video_q3`], with the `vidu` feature);
/// [`submit`](runninghub_runtime::Client::submit) is the generic form. Everything else (waiting, batches, uploads, the
/// platform calls) is the runtime's [`runninghub_runtime::Client`], reached through
/// `Deref`. Cloning is cheap and clones share connections.
#[derive(Clone)]
pub struct Client(runninghub_runtime::Client);

/// Configures a [`Client`].
pub type ClientBuilder = runninghub_runtime::ClientBuilder<Client>;

impl Client {
    /// A client for the global region with the given key.
    pub fn new(api_key: impl Into<ApiKey>) -> Result<Client, Error> {
        Client::builder().api_key(api_key).build()
    }

    /// A client configured from the environment: the key from
    /// [`ENV_API_KEY`](crate::ENV_API_KEY), and the base URL from
    /// [`ENV_BASE_URL`](crate::ENV_BASE_URL) when set (else the global region).
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env().build()
    }

    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The runtime's client underneath.
    pub fn runtime(&self) -> &runninghub_runtime::Client {
        &self.0
    }
}

impl Deref for Client {
    type Target = runninghub_runtime::Client;

    fn deref(&self) -> &runninghub_runtime::Client {
        &self.0
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl Assemble for Client {
    fn registry() -> &'static runninghub_runtime::operation::Registry {
        &crate::operation::REGISTRY
    }

    fn assemble(client: runninghub_runtime::Client) -> Client {
        Client(client)
    }
}
