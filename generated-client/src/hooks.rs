//! Request hooks for progenitor's generated client: every request, including those made
//! through [`crate::raw::Client`] directly, passes through here before it is sent.

use crate::generated::{self, Client};
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
        let body = request.body().and_then(|b| b.as_bytes());
        if let Some(body) = body
            && let Some(Err(e)) = generated::validate_body(info.operation_id, body)
        {
            return Err(Error::InvalidRequest(e.to_string()));
        }
        Ok(())
    }
}
