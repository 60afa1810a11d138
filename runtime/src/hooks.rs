//! Request hooks for progenitor's generated client: every request, including those made
//! through [`crate::raw::Client`] directly, passes through here before it is sent.

use crate::operation::{Credential, registry_of};
use crate::raw::Client;
use crate::transport::{Audience, RawInner};
use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};

impl ClientHooks<RawInner> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        // progenitor adds `api-version: <info.version>`; RunningHub does not document it.
        request.headers_mut().remove("api-version");
        // A platform call that carries the key somewhere besides the header gets it here,
        // after the checks (the caller never passes it; no request type has a field for it).
        let credential = credential_of(self.inner(), info.operation_id);
        if let Some(Credential::Query(name)) = credential {
            let key = self.inner().key().unwrap_or_default();
            request.url_mut().query_pairs_mut().append_pair(name, key);
        }
        // Last line of defence: a body that breaks the spec's constraints is never sent.
        let Some(body) = request.body().and_then(|b| b.as_bytes()) else {
            return Ok(());
        };
        let checked = match serde_json::from_slice(body) {
            Ok(value) => registry_of(self.inner()).check_json_body(info.operation_id, value),
            Err(e) => Some(Err(crate::validation::not_json(&e))),
        };
        let body = match checked {
            Some(Err(e)) => return Err(Error::InvalidRequest(e.to_string())),
            Some(Ok(body)) => body,
            None => return Ok(()),
        };
        if let (Some(Credential::Body(name)), serde_json::Value::Object(mut fields)) =
            (credential, body)
        {
            let key = self.inner().key().unwrap_or_default();
            fields.insert(name.to_owned(), serde_json::Value::String(key.to_owned()));
            let bytes = serde_json::to_vec(&fields)
                .map_err(|e| Error::InvalidRequest(format!("cannot encode the body: {e}")))?;
            *request.body_mut() = Some(bytes.into());
        }
        Ok(())
    }

    /// Sends through the client's transport, if it has one. The error of a request whose
    /// address holds the key (a query credential) does not keep the address.
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let sent = self
            .inner()
            .execute(self.client(), request, Audience::RunningHub)
            .await;
        match credential_of(self.inner(), info.operation_id) {
            Some(Credential::Query(_)) => sent.map_err(reqwest::Error::without_url),
            _ => sent,
        }
    }
}

/// Where the operation carries the key besides the header, from the client's table.
fn credential_of(inner: &RawInner, operation_id: &str) -> Option<Credential> {
    registry_of(inner)
        .operation(operation_id)
        .and_then(|op| op.credential)
}
