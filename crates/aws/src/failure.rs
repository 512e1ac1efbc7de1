//! One way to tell a person that an AWS call failed: the operation, what it was about, the
//! service's error code and message, the request ID, and a fix for the causes people meet (no
//! credentials, expired or invalid credentials, access denied, throttling, a failure on AWS's side,
//! an endpoint that cannot be reached). Never the SDK's debug structures.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;

/// A failed AWS call, ready to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsFailure {
    /// The IAM-style name of the call, e.g. `cloudformation:DescribeStacks`.
    pub operation: String,
    /// What the call was about, e.g. `stack demo-dev-Network` or `log group /aws/...`.
    pub subject: Option<String>,
    /// The service's error code, when the service answered.
    pub code: Option<String>,
    /// The service's message, or what kept the request from reaching it.
    pub message: String,
    /// The request ID, when the service answered.
    pub request_id: Option<String>,
    /// How to fix it, for the common causes.
    pub fix: Option<String>,
}

impl std::fmt::Display for AwsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed", self.operation)?;
        if let Some(s) = &self.subject {
            write!(f, " ({s})")?;
        }
        match &self.code {
            Some(code) => write!(f, ": {code}: {}", self.message)?,
            None => write!(f, ": {}", self.message)?,
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request ID {id}]")?;
        }
        if let Some(fix) = &self.fix {
            write!(f, "\n    fix: {fix}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AwsFailure {}

/// The innermost cause of an error, which is the one that says what happened.
fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

impl corestack_fault::Blamed for AwsFailure {
    fn blame(&self) -> corestack_fault::Blame {
        corestack_fault::Blame::Aws
    }
}

impl AwsFailure {
    /// A failure built from the SDK's error for `operation` (`service:Action`) about `subject`.
    pub fn from_sdk<E, R>(operation: &str, subject: Option<&str>, e: &SdkError<E, R>) -> AwsFailure
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
        SdkError<E, R>: RequestId,
    {
        let request_id = e.request_id().map(str::to_string);
        let (code, message) = match e {
            SdkError::ServiceError(s) => {
                let err = s.err();
                let message = err.message().map(str::to_string).unwrap_or_else(|| err.to_string());
                (Some(err.code().unwrap_or("UnknownError").to_string()), message)
            }
            SdkError::TimeoutError(_) => (None, "the request timed out".to_string()),
            other => (None, root_cause(other)),
        };
        let failure = AwsFailure { code, request_id, ..AwsFailure::plain(operation, subject, message) };
        failure.with_fix()
    }

    /// A request that did not reach the service (a connection refused, a name that does not
    /// resolve): its innermost cause, with the fix for an unreachable endpoint.
    pub fn unreached(operation: &str, subject: Option<&str>, e: &(dyn std::error::Error + 'static)) -> AwsFailure {
        AwsFailure::plain(operation, subject, root_cause(e)).with_fix()
    }

    /// This failure with the fix for its cause, when it is one people meet.
    fn with_fix(mut self) -> AwsFailure {
        self.fix = fix_for(&self);
        self
    }

    /// A failure with no SDK error behind it (an answer that lacked what it must hold).
    pub fn plain(operation: &str, subject: Option<&str>, message: impl Into<String>) -> AwsFailure {
        AwsFailure {
            operation: operation.to_string(),
            subject: subject.map(str::to_string),
            code: None,
            message: message.into(),
            request_id: None,
            fix: None,
        }
    }

    /// The service's error code, if it answered.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }
}

/// A fix for the causes people meet; `None` when the message says all there is.
fn fix_for(f: &AwsFailure) -> Option<String> {
    let code = f.code.as_deref().unwrap_or("");
    let lower = f.message.to_ascii_lowercase();
    let fix = match code {
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" | "TokenRefreshRequired" => {
            "your credentials expired: refresh them (e.g. `aws sso login`, or new keys from your identity provider) and run the command again".to_string()
        }
        "InvalidClientTokenId" | "UnrecognizedClientException" | "SignatureDoesNotMatch" | "InvalidSignatureException"
        | "IncompleteSignature" => {
            "these credentials are not valid for AWS: check AWS_PROFILE or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (`aws sts get-caller-identity` shows who you are)".to_string()
        }
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "AuthorizationError" => format!(
            "the identity running corestack may not call {}: grant it (docs/deploy.md lists what corestack needs), or use credentials that have it",
            f.operation
        ),
        "Throttling" | "ThrottlingException" | "TooManyRequestsException" | "RequestLimitExceeded"
        | "ThrottledException" | "SlowDown" => {
            "AWS is throttling these calls (the SDK already retried): wait a minute and run the command again".to_string()
        }
        "InternalFailure" | "InternalServerError" | "InternalServerException" | "ServiceUnavailable"
        | "ServiceUnavailableException" | "InternalError" => {
            "AWS failed on its side: run the command again; if it keeps failing, check the AWS Health Dashboard and quote the request ID to AWS Support".to_string()
        }
        "" if lower.contains("credential") => {
            "no AWS credentials were found: set AWS_PROFILE (after `aws configure` or `aws sso login`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".to_string()
        }
        "" if lower.contains("timed out")
            || lower.contains("connect")
            || lower.contains("dns")
            || lower.contains("resolve")
            || lower.contains("refused") =>
        {
            "the AWS endpoint could not be reached: check the network, proxy settings (HTTPS_PROXY) and any AWS_ENDPOINT_URL* variables".to_string()
        }
        _ => return None,
    };
    Some(fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: Option<&str>, message: &str) -> AwsFailure {
        AwsFailure {
            code: code.map(str::to_string),
            request_id: Some("req-1".into()),
            ..AwsFailure::plain("cloudformation:DescribeStacks", Some("stack demo-dev-Network"), message)
        }
        .with_fix()
    }

    #[test]
    fn one_line_says_operation_subject_code_message_and_request_id() {
        let f = failure(Some("AccessDenied"), "User: arn:aws:iam::1:user/x is not authorized");
        let text = f.to_string();
        assert!(text.starts_with("cloudformation:DescribeStacks failed (stack demo-dev-Network): AccessDenied: User: arn:aws:iam::1:user/x is not authorized [request ID req-1]\n    fix: the identity running corestack may not call cloudformation:DescribeStacks"), "{text}");
    }

    #[test]
    fn common_causes_get_their_fix() {
        assert!(failure(Some("ExpiredToken"), "x").fix.unwrap().contains("expired"));
        assert!(failure(Some("ThrottlingException"), "Rate exceeded").fix.unwrap().contains("throttling"));
        assert!(failure(Some("InternalFailure"), "x").fix.unwrap().contains("on its side"));
        assert!(failure(None, "no credentials in the chain").fix.unwrap().contains("AWS_PROFILE"));
        assert!(failure(None, "Connection refused (os error 111)").fix.unwrap().contains("could not be reached"));
        assert_eq!(failure(Some("ValidationError"), "Template format error").fix, None);
    }
}
