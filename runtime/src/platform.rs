//! RunningHub's platform calls: the account, task cancellation, webhook events, workflow
//! graphs. They answer with the `{code, msg, data}` envelope and some take the key inside
//! their JSON body; the generated methods (`account_status`, `cancel_task`, ...) send them
//! through [`Client::call`], which handles both for every such call of the spec.

use crate::client::Client;
use crate::error::Error;
use crate::operation::EnvelopeOperation;
use crate::types;
use crate::validation::Validate;
use progenitor_client::ClientInfo as _;

impl Client {
    /// Validates `body` and sends the platform call `O`, returning its `data`.
    ///
    /// The client puts the API key where the call expects it (in the body as `apiKey` or
    /// `apikey`, or in the query, and in the `Authorization` header); the body type has no
    /// field for it. A `GET` call's body type holds its query parameters.
    /// Nothing is sent when validation fails ([`Error::Validation`]). A non-zero `code` is
    /// [`Error::Api`] with the code (RunningHub's platform codes, such as 807 for an
    /// unknown task) and `msg`; the task id of the body, if it has one, is kept in the
    /// error. A refusal for a passing reason (421 queue full, 1003 rate limit) is retried
    /// under the client's [`crate::RetryPolicy`].
    pub async fn call<O: EnvelopeOperation>(&self, body: &O::Body) -> Result<O::Data, Error> {
        body.validate()?;
        let body = serde_json::to_value(body).map_err(|e| {
            Error::InvalidRequest(format!("the request body cannot be encoded: {e}"))
        })?;
        let task_id = body.get("taskId").and_then(|v| v.as_str());
        let call = crate::client::EnvelopeCall::of::<O>();
        let data = self.send_envelope(call, &body, task_id).await?;
        serde_json::from_value(data.clone()).map_err(|source| Error::Decode {
            status: 200,
            body: data.to_string(),
            source,
        })
    }

    /// Sends the platform call named by its `operationId` (any `x-runninghub-role: envelope`
    /// operation of the spec, such as `quick_create_styles`) with a JSON body, and returns
    /// its `data` as JSON: the untyped twin of [`Client::call`], for tools that take calls
    /// by name. The body is checked against the spec first ([`Error::Validation`], nothing
    /// sent); it never holds the key, which the client adds. An unknown name, or one that is
    /// not a platform call, is [`Error::UnknownOperation`].
    ///
    /// A call that creates a task ([`crate::operation::OperationInfo::creates_task`]) is
    /// sent once: an answer lost after sending is [`Error::SubmitOutcomeUnknown`].
    pub async fn call_json(
        &self,
        operation: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, Error> {
        use crate::operation::{OperationInfo, Role};
        let op: &'static OperationInfo = self
            .registry()
            .operation(operation)
            .filter(|op| op.role == Role::Envelope)
            .ok_or_else(|| Error::UnknownOperation(operation.to_owned()))?;
        let body = match self.registry().check_json_body(op.operation_id, body) {
            Some(checked) => checked?,
            None => serde_json::Value::Object(Default::default()),
        };
        let task_id = body.get("taskId").and_then(|v| v.as_str());
        let call = crate::client::EnvelopeCall {
            operation: op.operation_id,
            method: op.method,
            path: op.path,
            creates_task: op.creates_task,
        };
        self.send_envelope(call, &body, task_id).await
    }

    /// The account behind the API key: coin and wallet balances, the kind of key, and how
    /// many tasks it is running ([`Account`]).
    pub async fn account(&self) -> Result<Account, Error> {
        let status = self.account_status(&types::AccountStatusBody {}).await?;
        Ok(Account::from(status))
    }

    /// Cancels a queued or running task. An unknown task id is [`Error::Api`] with code 807
    /// ([`crate::ErrorCode::TaskNotFoundForKey`]), naming the task. RunningHub documents
    /// cancellation for workflow tasks; what it does to an AI-app or model task is not
    /// documented.
    pub async fn cancel(&self, task_id: &str) -> Result<(), Error> {
        crate::client::require_task_id(task_id)?;
        self.cancel_task(&types::PlatformTaskRequest {
            task_id: task_id.to_owned(),
        })
        .await
    }
}

/// The account behind an API key, with the counts read as numbers whichever way RunningHub
/// sent them (as numbers or as numeric strings).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Account {
    /// The RH coin balance, when RunningHub sent one that reads as a number.
    pub remain_coins: Option<u64>,
    /// How many tasks the account is running now, when it reads as a number.
    pub current_task_counts: Option<u64>,
    /// The wallet balance, in `currency`, as RunningHub wrote it.
    pub remain_money: Option<String>,
    /// The wallet's currency, such as `CNY`.
    pub currency: Option<String>,
    /// The kind of key, such as `NORMAL`.
    pub api_type: Option<String>,
    /// The answer as generated from the spec, with the counts as they came.
    #[serde(skip)]
    pub status: types::AccountStatus,
}

impl From<types::AccountStatus> for Account {
    fn from(status: types::AccountStatus) -> Self {
        fn count(value: Option<&serde_json::Value>) -> Option<u64> {
            match value? {
                serde_json::Value::Number(n) => n.as_u64(),
                serde_json::Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
        }
        let json = serde_json::to_value(&status).unwrap_or_default();
        Account {
            remain_coins: count(json.get("remainCoins")),
            current_task_counts: count(json.get("currentTaskCounts")),
            remain_money: status.remain_money.clone(),
            currency: status.currency.clone(),
            api_type: status.api_type.clone(),
            status,
        }
    }
}

impl Client {
    /// What a request to a model endpoint would cost, without running it. `endpoint` names
    /// the model as [`Client::submit_json`] does (its path or operation id); `body` is the
    /// request it would take, checked against the spec first ([`Error::Validation`], nothing
    /// sent). A request RunningHub refuses is [`Error::Api`].
    ///
    /// An `estimated_price` of 0 does not always mean free: models priced by the token
    /// quote 0.
    pub async fn price_preview(
        &self,
        endpoint: &str,
        body: serde_json::Value,
    ) -> Result<types::PricePreview, Error> {
        use crate::operation::Role;
        let unknown = || Error::UnknownOperation(endpoint.to_owned());
        let op = self
            .registry()
            .find(endpoint)
            .filter(|op| op.role == Role::Task)
            .ok_or_else(unknown)?;
        let body = self
            .registry()
            .check_json_body(op.operation_id, body)
            .ok_or_else(unknown)??;
        // The model's path below `/openapi/v2/`, its `/` kept: what the template's one
        // parameter stands for.
        let path = crate::handwritten_paths::PRICE_PREVIEW
            .split('{')
            .next()
            .unwrap_or_default();
        let url = format!("{}{path}{}", self.base_url(), op.endpoint());
        let request = self
            .raw()
            .client()
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .json(&body);
        let response = self
            .execute(request, crate::transport::Audience::RunningHub)
            .await?;
        let quote: types::PricePreview = crate::client::read_json(response).await?;
        let code = quote.error_code.as_deref().unwrap_or("").trim();
        if !code.is_empty() {
            return Err(Error::Api {
                code: crate::ErrorCode::parse(code),
                message: quote.error_message.clone().unwrap_or_default(),
                task_id: None,
            });
        }
        Ok(quote)
    }
}
