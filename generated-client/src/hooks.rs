//! Request hooks for progenitor's generated client: every request, including those made
//! through [`crate::raw::Client`] directly, passes through here before it is sent.

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
        // Last line of defence: a body that breaks the spec's constraints is never sent.
        let Some(body) = request.body().and_then(|b| b.as_bytes()) else {
            return Ok(());
        };
        let checked = match serde_json::from_slice(body) {
            Ok(value) => crate::operation::check_json_body(info.operation_id, value),
            Err(e) => Some(Err(crate::validation::not_json(&e))),
        };
        let body = match checked {
            Some(Err(e)) => return Err(Error::InvalidRequest(e.to_string())),
            Some(Ok(body)) => body,
            None => return Ok(()),
        };
        // A platform call that carries the key in its body gets it here, after the checks
        // (the caller never passes it, and the generated body type has no field for it).
        let credential = crate::operations::OPERATIONS
            .iter()
            .find(|op| op.operation_id == info.operation_id)
            .and_then(|op| op.credential);
        if let (Some(name), serde_json::Value::Object(mut fields)) = (credential, body) {
            let key = self.inner().key().unwrap_or_default();
            fields.insert(name.to_owned(), serde_json::Value::String(key.to_owned()));
            let bytes = serde_json::to_vec(&fields)
                .map_err(|e| Error::InvalidRequest(format!("cannot encode the body: {e}")))?;
            *request.body_mut() = Some(bytes.into());
        }
        Ok(())
    }

    /// Sends through the client's transport, if it has one.
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.inner()
            .execute(self.client(), request, Audience::RunningHub)
            .await
    }
}
