//! Request hooks for progenitor's generated client: every request, including those made
//! through [`crate::raw::Client`] directly, passes through here before it is sent.

use crate::raw::Client;
use progenitor_client::{ClientHooks, Error, OperationInfo};

impl ClientHooks for Client {
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
        if let Some(Err(e)) = checked {
            return Err(Error::InvalidRequest(e.to_string()));
        }
        Ok(())
    }
}
