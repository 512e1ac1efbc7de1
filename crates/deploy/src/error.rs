//! What can go wrong in a deploy, a diff or a destroy.

use crate::{AwsFailure, INLINE_TEMPLATE_BYTES};

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeployError {
    /// An AWS call failed.
    #[error("{0}")]
    Aws(Box<AwsFailure>),
    /// An image could not be built, found or pinned.
    #[error("{0}")]
    Image(#[from] crate::image::ImageError),
    /// A runtime's stack has not been deployed (or has no such output).
    #[error(
        "runtime {runtime} is not deployed in environment {env} (stack {stack} has no {output} output)\n    fix: run corestack deploy --env {env}"
    )]
    NotDeployed {
        /// The runtime's config key.
        runtime: String,
        /// The environment.
        env: String,
        /// The stack that should hold it.
        stack: String,
        /// The output looked for.
        output: String,
    },
    /// The stack ended in a failure state.
    #[error("stack {stack} ended in {status}: {reason}")]
    Failed {
        /// The stack.
        stack: String,
        /// The final status.
        status: String,
        /// The first failing resource and its reason.
        reason: String,
    },
    /// The stack is busy with another operation.
    #[error("stack {stack} is {status}; wait for that operation to finish, then deploy again")]
    Busy {
        /// The stack.
        stack: String,
        /// Its status.
        status: String,
    },
    /// A template too large to send inline.
    #[error(
        "stack {stack}: the template is {bytes} bytes, over the {INLINE_TEMPLATE_BYTES} bytes CloudFormation takes inline, so it must be uploaded to S3 first\n    fix: set template_bucket = \"<a bucket in the stack's region>\" in the environment's section of the config"
    )]
    TooLarge {
        /// The stack.
        stack: String,
        /// Its size.
        bytes: usize,
    },
    /// No credentials could be found or loaded.
    #[error(
        "no usable AWS credentials: {reason}\n    fix: set AWS_PROFILE (after `aws configure` or `aws sso login`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; `aws sts get-caller-identity` shows what the AWS tools find"
    )]
    NoCredentials {
        /// What the credential chain said.
        reason: String,
    },
    /// A runtime's log group is not there yet.
    #[error(
        "log group {group} does not exist yet: the service creates it on the runtime's first invocation\n    fix: invoke the runtime (corestack invoke), or pass --follow to wait for it"
    )]
    NoLogGroup {
        /// The log group.
        group: String,
    },
    /// An export this deploy would create is owned by a stack of another project.
    #[error(
        "export {export} already exists in this account and region, made by stack {owner}, which is not one of this project's; CloudFormation refuses a second export of the same name, so the deploy would fail at {stack}\n    fix: set prefix_exports = true in [project] (every export becomes <project>-<env>-...), or rename the environment, or remove the other stack"
    )]
    ExportTaken {
        /// The export name.
        export: String,
        /// The stack that has it.
        owner: String,
        /// Our stack that would create it.
        stack: String,
    },
    /// Credentials of another account than the environment names.
    #[error(
        "the credentials are for account {actual}, but environment {env} is pinned to account {expected}\n    fix: use credentials of account {expected} (AWS_PROFILE), or change environments.{env}.account"
    )]
    WrongAccount {
        /// The environment.
        env: String,
        /// The account the config names.
        expected: String,
        /// The account of the credentials.
        actual: String,
    },
}
