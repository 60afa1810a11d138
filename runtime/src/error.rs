//! The error type of the hand-written layer, and RunningHub's error codes.

use crate::validation::ValidationError;
use std::fmt;

/// Everything that can go wrong with a call through [`crate::Client`].
///
/// Variants keep what is known: the raw body of an undecodable or unexpected answer, the
/// task id of a failed task. The API key never appears in an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request was refused by the client before anything was sent.
    #[error(transparent)]
    Validation(#[from] ValidationError),

    /// RunningHub answered with an `errorCode` (inside an HTTP 200 body, as it does for
    /// business errors such as a bad parameter, a rate limit or an invalid key).
    #[error("RunningHub error {code}: {message}{}", task_suffix(.task_id))]
    Api {
        /// The error code.
        code: ErrorCode,
        /// RunningHub's explanation.
        message: String,
        /// The task concerned, when the answer named one.
        task_id: Option<String>,
    },

    /// The task ran and failed.
    #[error("task {task_id} failed with error {code}: {message}")]
    TaskFailed {
        /// The task that failed.
        task_id: String,
        /// The error code.
        code: ErrorCode,
        /// RunningHub's explanation.
        message: String,
        /// RunningHub's details of the failure (a string or an object), if any.
        failed_reason: Option<serde_json::Value>,
    },

    /// The task was cancelled before it finished.
    #[error("task {task_id} was cancelled (status {status})")]
    TaskCancelled {
        /// The task that was cancelled.
        task_id: String,
        /// The status RunningHub reported, such as `CANCEL` or `CANCELLED`.
        status: String,
    },

    /// The task did not finish within the time allowed. It may still be running; nothing
    /// was cancelled.
    #[error("task {task_id} did not finish within {:.1} s (last status: {})", .elapsed.as_secs_f64(), .last_status.as_ref().map_or("none seen", |s| s.as_str()))]
    Timeout {
        /// The task waited for.
        task_id: String,
        /// The last status seen, if any query succeeded.
        last_status: Option<crate::TaskStatus>,
        /// How long the wait lasted.
        elapsed: std::time::Duration,
    },

    /// RunningHub (or a proxy in front of it) answered with an HTTP status other than 200.
    #[error("HTTP {status} from RunningHub: {}", snippet(.body))]
    Http {
        /// The HTTP status code.
        status: u16,
        /// The body as received (lossily decoded as UTF-8): an HTML error page, an
        /// envelope, or nothing.
        body: String,
        /// The delay the server asked for in a `Retry-After` header, if any.
        retry_after: Option<std::time::Duration>,
    },

    /// A file could not be read or written.
    #[error("{action} {}: {source}", .path.display())]
    Io {
        /// What was being done, such as "writing".
        action: &'static str,
        /// The file concerned.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },

    /// The answer could not be decoded as the expected JSON.
    #[error("undecodable answer from RunningHub (HTTP {status}): {source}; body: {}", snippet(.body))]
    Decode {
        /// The HTTP status code.
        status: u16,
        /// The body as received (lossily decoded as UTF-8).
        body: String,
        /// Why decoding failed.
        source: serde_json::Error,
    },

    /// The request could not be delivered, or the answer could not be read, and the request
    /// is known to be harmless to repeat (a query, or a submit that never connected).
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),

    /// A submit was sent but no answer came back: the task may or may not have been created
    /// (and charged). It is never resent automatically.
    #[error(
        "the outcome of submitting to {operation} is unknown (the request may have reached RunningHub): {source}"
    )]
    SubmitOutcomeUnknown {
        /// The operation id of the submit.
        operation: &'static str,
        /// What went wrong after sending.
        #[source]
        source: reqwest::Error,
    },

    /// The client is misconfigured (no API key, an API key that cannot be sent in a header,
    /// an unusable base URL).
    #[error("client configuration: {0}")]
    Config(String),

    /// No operation of the spec has this `operationId`.
    #[error("no operation `{0}` in the spec")]
    UnknownOperation(String),

    /// progenitor's client refused to build the request for a reason other than validation.
    #[error("invalid request: {0}")]
    InvalidRequest(String),

    /// A batch stopped, or one of its inputs was held back; see [`BatchError`].
    #[error(transparent)]
    Batch(#[from] BatchError),
}

/// What stops a batch, or holds one of its inputs back, beyond the errors of a single task.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The journal cannot be used: it is corrupt, belongs to another batch or to tasks at
    /// another base URL, or could not be written (then the batch stopped, since going on
    /// would lose what it records).
    #[error("batch journal: {0}")]
    Journal(String),
    /// A task of the batch runner panicked or was cancelled: the batch stopped.
    #[error("the batch stopped: {0}")]
    Stopped(String),
    /// The journal says an earlier submit of this input has an unknown outcome (it may have
    /// created a paid task), so it was not submitted again (see
    /// [`crate::batch::BatchOptions::resubmit_unknown`]).
    #[error(
        "input {index}: the outcome of its earlier submit is unknown ({previous}); it was not submitted again"
    )]
    NotResubmitted {
        /// The input's position in the batch.
        index: usize,
        /// What the journal recorded about that submit.
        previous: String,
    },
}

fn task_suffix(task_id: &Option<String>) -> String {
    match task_id {
        Some(id) => format!(" (task {id})"),
        None => String::new(),
    }
}

/// At most 200 characters of a body, for messages; the full body stays in the variant.
fn snippet(body: &str) -> String {
    if body.is_empty() {
        return "(empty body)".into();
    }
    let mut s: String = body.chars().take(200).collect();
    if s.len() < body.len() {
        s.push('…');
    }
    s
}

impl Error {
    /// Whether repeating the same call later may succeed: transport failures, HTTP 408,
    /// 429 and 5xx, undecodable bodies (HTML pages, empty or truncated answers), and error
    /// codes RunningHub marks as retryable. Never true for an unknown submit outcome.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(_) | Error::Decode { .. } => true,
            Error::Http { status, .. } => matches!(status, 408 | 429 | 500..=599),
            Error::Api { code, .. } => code.is_retryable(),
            _ => false,
        }
    }

    /// The delay the server asked for before a retry, if it asked.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Error::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The RunningHub error code, for [`Error::Api`] and [`Error::TaskFailed`].
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Api { code, .. } | Error::TaskFailed { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// Opens RunningHub's platform envelope `{code, msg, data}`: `data` (null when absent) when
/// `code` is 0, else [`Error::Api`] with the code and `msg` (or `message`, which some calls
/// use instead). `task_id` is the task the call concerned, for the error.
pub(crate) fn open_envelope(
    envelope: serde_json::Value,
    task_id: Option<&str>,
) -> Result<serde_json::Value, Error> {
    use serde_json::Value;
    let Some(code) = envelope_code(&envelope) else {
        return Err(Error::Decode {
            status: 200,
            body: envelope.to_string(),
            source: <serde_json::Error as serde::de::Error>::custom(
                "the answer is not a {code, msg, data} envelope: no `code`",
            ),
        });
    };
    let mut envelope = envelope;
    if code == "0" {
        return Ok(envelope
            .get_mut("data")
            .map(Value::take)
            .unwrap_or(Value::Null));
    }
    Err(envelope_error(&envelope, &code, task_id))
}

/// The `code` of a `{code, msg, data}` envelope, as text (`"0"`, `"807"`), whether it came as
/// a number or as a string; `None` when there is none.
pub(crate) fn envelope_code(envelope: &serde_json::Value) -> Option<String> {
    match envelope.get("code")? {
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(s) => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// The error an envelope with a non-zero `code` stands for: [`Error::Api`] with the code, its
/// message (`msg` or `message`, else the code's meaning) and `task_id`.
pub(crate) fn envelope_error(
    envelope: &serde_json::Value,
    code: &str,
    task_id: Option<&str>,
) -> Error {
    use serde_json::Value;
    let message = ["msg", "message"]
        .iter()
        .find_map(|k| envelope.get(*k).and_then(Value::as_str))
        .filter(|m| !m.trim().is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            ErrorCode::parse(code)
                .meaning()
                .unwrap_or("no message")
                .to_owned()
        });
    Error::Api {
        code: ErrorCode::parse(code),
        message,
        task_id: task_id.map(str::to_owned),
    }
}

macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $code:literal, retryable: $retry:literal; )*) => {
        /// RunningHub's error codes, as documented, with [`ErrorCode::Other`] for any other.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[doc = $doc])* $variant, )*
            /// A code this client does not know, as received.
            Other(String),
        }

        impl ErrorCode {
            /// Parses a code as RunningHub sends it (a numeric string such as `"1007"`).
            pub fn parse(code: &str) -> ErrorCode {
                match code.trim() {
                    $( $code => ErrorCode::$variant, )*
                    other => ErrorCode::Other(other.to_owned()),
                }
            }

            /// The code as RunningHub sends it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( ErrorCode::$variant => $code, )*
                    ErrorCode::Other(code) => code,
                }
            }

            /// What the code means, from RunningHub's code tables (`None` for a code this
            /// client does not know).
            pub fn meaning(&self) -> Option<&'static str> {
                match self {
                    $( ErrorCode::$variant => Some(first_line(concat!($($doc),*))), )*
                    ErrorCode::Other(_) => None,
                }
            }

            /// Whether the same request may succeed if tried again later, following
            /// RunningHub's code table. Unknown codes are not retryable.
            pub fn is_retryable(&self) -> bool {
                match self {
                    $( ErrorCode::$variant => $retry, )*
                    ErrorCode::Other(_) => false,
                }
            }
        }
    };
}

error_codes! {
    /// 1000: unknown error.
    Unknown = "1000", retryable: true;
    /// 1001: invalid request URL.
    InvalidUrl = "1001", retryable: false;
    /// 1002: invalid API key.
    InvalidApiKey = "1002", retryable: false;
    /// 1003: rate limit exceeded; retry with backoff.
    RateLimited = "1003", retryable: true;
    /// 1004: task not found or expired.
    TaskNotFound = "1004", retryable: false;
    /// 1005: internal server error.
    Internal = "1005", retryable: true;
    /// 1006: task execution timed out.
    ExecutionTimeout = "1006", retryable: true;
    /// 1007: parameter validation failed (or the body could not be parsed).
    InvalidParameters = "1007", retryable: false;
    /// 1008: file too large.
    FileTooLarge = "1008", retryable: false;
    /// 1009: HTTP method not supported.
    MethodNotSupported = "1009", retryable: false;
    /// 1010: service temporarily unavailable.
    Unavailable = "1010", retryable: true;
    /// 1011: system or model busy.
    Busy = "1011", retryable: true;
    /// 1012: upstream service error.
    Upstream = "1012", retryable: true;
    /// 1013: processing a file failed (for instance an unreachable link).
    FileProcessing = "1013", retryable: true;
    /// 1014: access denied; standard models need an enterprise shared key.
    AccessDenied = "1014", retryable: false;
    /// 1015: generation failed; trying again may or may not help.
    GenerationFailed = "1015", retryable: false;
    /// 1101: node information error.
    NodeInfo = "1101", retryable: false;
    /// 1501: content moderation refused the request.
    ContentModeration = "1501", retryable: false;
    /// 1504: the model did not answer in time.
    ModelTimeout = "1504", retryable: true;
    /// 1505: content showing real people is not allowed.
    RealPersonProhibited = "1505", retryable: false;
    /// 1520: the account's concurrent task limit is reached; wait for a task to finish.
    ConcurrencyLimit = "1520", retryable: true;
    /// 301 (platform): invalid or missing parameters.
    ParamsInvalid = "301", retryable: false;
    /// 380 (platform): the workflow does not exist.
    WorkflowNotFound = "380", retryable: false;
    /// 412 (platform): invalid token (often a wrong API path).
    TokenInvalid = "412", retryable: false;
    /// 415 (platform): no free dedicated instance.
    NoFreeInstance = "415", retryable: true;
    /// 416 (platform): the wallet balance is not enough to create the task.
    WalletInsufficient = "416", retryable: false;
    /// 421 (platform): the task queue is full (concurrency limit).
    TaskQueueFull = "421", retryable: true;
    /// 423 (platform): task not found.
    PlatformTaskNotFound = "423", retryable: false;
    /// 433 (platform): the workflow failed validation (the details are in the message).
    WorkflowInvalid = "433", retryable: false;
    /// 435 (platform): no dedicated instance of this kind (48 GB needs `instanceType: plus`).
    InstanceNotFound = "435", retryable: false;
    /// 436 (platform): the exclusive membership this call needs has expired.
    ExclusiveRequired = "436", retryable: false;
    /// 500 (platform): unknown error.
    PlatformUnknown = "500", retryable: true;
    /// 801 (platform): free users may not use API keys.
    FreeUserUnsupported = "801", retryable: false;
    /// 802 (platform): the key is not authorised.
    KeyUnauthorized = "802", retryable: false;
    /// 803 (platform): the node list does not match the workflow.
    InvalidNodeInfo = "803", retryable: false;
    /// 804 (platform): the task is still running.
    TaskRunning = "804", retryable: false;
    /// 805 (platform): the task's status is abnormal (it failed).
    TaskStatusError = "805", retryable: false;
    /// 806 (platform): user not found.
    UserNotFound = "806", retryable: false;
    /// 807 (platform): task not found.
    TaskNotFoundForKey = "807", retryable: false;
    /// 808 (platform): the upload failed.
    UploadFailed = "808", retryable: true;
    /// 809 (platform): the file is too large.
    PlatformFileTooLarge = "809", retryable: false;
    /// 810 (platform): the workflow is not saved or has never run.
    WorkflowNotRun = "810", retryable: false;
    /// 811 (platform): the enterprise API key is invalid.
    EnterpriseKeyInvalid = "811", retryable: false;
    /// 812 (platform): the enterprise balance is insufficient.
    InsufficientBalance = "812", retryable: false;
    /// 813 (platform): the task is queued.
    TaskQueued = "813", retryable: false;
    /// 814 (platform): the personal queue is full (1000 tasks).
    PersonalQueueFull = "814", retryable: true;
    /// 901 (platform): the AI app does not exist.
    WebappNotFound = "901", retryable: false;
}

/// The first line of a code's documentation, without its `NNNN: ` or `NNN (platform): `
/// prefix.
fn first_line(doc: &'static str) -> &'static str {
    let line = doc.trim().lines().next().unwrap_or("");
    line.split_once(": ").map_or(line, |(_, rest)| rest)
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for ErrorCode {
    fn from(code: &str) -> Self {
        ErrorCode::parse(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_classify() {
        for code in ["1000", "1003", "1007", "1520", "421", "812"] {
            assert_eq!(ErrorCode::parse(code).as_str(), code);
        }
        assert_eq!(ErrorCode::parse("1007"), ErrorCode::InvalidParameters);
        assert!(!ErrorCode::InvalidParameters.is_retryable());
        assert!(ErrorCode::RateLimited.is_retryable());
        assert!(ErrorCode::ConcurrencyLimit.is_retryable());
        assert_eq!(ErrorCode::parse("9999"), ErrorCode::Other("9999".into()));
        assert!(!ErrorCode::parse("9999").is_retryable());
    }

    #[test]
    fn envelopes_open_to_their_data_or_a_typed_error() {
        use serde_json::json;
        // Success: the data, or null when there is none.
        let data = open_envelope(json!({"code": 0, "msg": "success", "data": {"a": 1}}), None);
        assert_eq!(data.unwrap(), json!({"a": 1}));
        assert_eq!(
            open_envelope(json!({"code": 0}), None).unwrap(),
            json!(null)
        );
        // A code as a string, and `message` where `msg` is expected, are read the same.
        match open_envelope(
            json!({"code": "807", "message": "APIKEY_TASK_NOT_FOUND"}),
            Some("9"),
        ) {
            Err(Error::Api {
                code,
                message,
                task_id,
            }) => {
                assert_eq!(code, ErrorCode::TaskNotFoundForKey);
                assert_eq!(message, "APIKEY_TASK_NOT_FOUND");
                assert_eq!(task_id.as_deref(), Some("9"));
            }
            other => panic!("{other:?}"),
        }
        // No message: the code table's meaning stands in.
        let err = open_envelope(json!({"code": 421, "msg": "", "data": null}), None).unwrap_err();
        assert_eq!(err.code(), Some(&ErrorCode::TaskQueueFull));
        assert!(
            err.to_string()
                .contains("the task queue is full (concurrency limit)"),
            "{err}"
        );
        // Not an envelope at all: a decode error that keeps the body.
        match open_envelope(json!({"taskId": "1", "status": "RUNNING"}), None) {
            Err(Error::Decode { body, .. }) => assert!(body.contains("RUNNING")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_code_has_a_meaning_without_its_number() {
        assert_eq!(
            ErrorCode::TaskNotFoundForKey.meaning(),
            Some("task not found.")
        );
        assert_eq!(
            ErrorCode::InvalidParameters.meaning(),
            Some("parameter validation failed (or the body could not be parsed).")
        );
        assert_eq!(ErrorCode::Other("1".into()).meaning(), None);
    }

    #[test]
    fn long_bodies_are_shortened_in_messages_only() {
        let body = "x".repeat(500);
        let e = Error::Http {
            status: 502,
            body: body.clone(),
            retry_after: None,
        };
        let msg = e.to_string();
        assert!(msg.starts_with("HTTP 502 from RunningHub: xxx"));
        assert!(msg.chars().count() < 260, "{msg}");
        let Error::Http { body: kept, .. } = e else {
            unreachable!()
        };
        assert_eq!(kept, body);
    }
}
