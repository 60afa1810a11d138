//! Runs of AI apps and ComfyUI workflows: they create tasks like model endpoints, so they
//! wait, download, batch and journal the same way, through the JSON submit route with the
//! app's or workflow's id in the endpoint (`run/ai-app/{webappId}` filled in).

use crate::client::Client;
use crate::types;
use crate::wait::JsonSubmission;

impl Client {
    /// Runs the AI app `webapp_id` (the number at the end of its page's address) with the
    /// inputs in `body`'s node list. `.await` the result to submit and get the created
    /// task, or `.wait()` to submit and wait for the finished task; its outputs carry the
    /// `node_id` that produced them.
    ///
    /// The body is checked against the spec first, as for a model endpoint; an id that is
    /// not one path segment of letters and digits is [`crate::Error::UnknownOperation`].
    /// A media input's value is an upload's `file_name` ([`crate::Uploaded`]).
    ///
    /// ```no_run
    /// # async fn f(client: runninghub::Client) -> Result<(), runninghub::Error> {
    /// use runninghub::types::{AiAppRunRequest, NodeInfo};
    /// let body = AiAppRunRequest {
    ///     node_info_list: vec![NodeInfo {
    ///         node_id: "52".into(),
    ///         field_name: "prompt".into(),
    ///         field_value: "a paper boat on a rainy street".into(),
    ///         description: None,
    ///     }],
    ///     instance_type: None,
    ///     use_personal_queue: None,
    ///     webhook_url: None,
    /// };
    /// let done = client.run_app("2016740236478386178", &body).wait().await?;
    /// for output in done.outputs() {
    ///     println!("node {:?}: {:?}", output.node_id, output.url);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn run_app(&self, webapp_id: &str, body: &types::AiAppRunRequest) -> JsonSubmission<'_> {
        self.run("run_ai_app", webapp_id, body)
    }

    /// Runs the ComfyUI workflow `workflow_id` with the node inputs in `body` overridden (an
    /// empty node list runs it as saved); as [`Client::run_app`] otherwise.
    pub fn run_workflow(
        &self,
        workflow_id: &str,
        body: &types::WorkflowRunRequest,
    ) -> JsonSubmission<'_> {
        self.run("run_workflow", workflow_id, body)
    }

    fn run(
        &self,
        operation_id: &str,
        id: &str,
        body: &impl serde::Serialize,
    ) -> JsonSubmission<'_> {
        let body = serde_json::to_value(body).unwrap_or_default();
        let endpoint = self
            .registry()
            .operation(operation_id)
            .map_or_else(|| operation_id.to_owned(), |op| op.endpoint_for(id));
        self.submit_json(&endpoint, body)
    }
}
