//! What can go wrong in a deploy, a diff or a destroy.

use crate::ownership::{ENVIRONMENT_TAG, PROJECT_TAG};
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
    /// The stacks deployed, yet something the config names is missing or not ready: the deploy
    /// does not report success.
    #[error(
        "the stacks deployed, but {what}\n    fix: see the stack events above and `corestack status`; then run corestack deploy --env {env} again"
    )]
    Incomplete {
        /// What is missing or not ready.
        what: String,
        /// The environment.
        env: String,
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
    /// An update failed and so did its rollback: CloudFormation takes no update until the
    /// rollback is continued.
    #[error(
        "stack {stack} is UPDATE_ROLLBACK_FAILED: an update failed and its rollback could not finish, so CloudFormation refuses every update until the rollback is continued\n    fix: fix what the stack events name as the cause, run `aws cloudformation continue-update-rollback --stack-name {stack}` (with --resources-to-skip for resources that cannot roll back), wait for UPDATE_ROLLBACK_COMPLETE, then deploy again"
    )]
    RollbackFailed {
        /// The stack.
        stack: String,
    },
    /// A name that must be unique in the account and Region is another's.
    #[error(
        "{kind} name {name} is taken in this account and Region by {id}, which is not one of this project's stacks'\n    fix: rename it (`{key}` in the config; another project may use the same default name), or delete the other {kind} if nothing needs it"
    )]
    NameTaken {
        /// What it names (`runtime`).
        kind: &'static str,
        /// The name.
        name: String,
        /// The other resource's ID.
        id: String,
        /// The config key that sets it.
        key: String,
    },
    /// A repository of the project's repository name that is not the project's.
    #[error(
        "the image repository {repository} exists, but it is not this project's: its tags do not name {project} ({tags}), so stack {stack} cannot adopt it and cannot create it again\n    fix: set `[storage] repository_name` to a name of this project's in the config; or, if it is an earlier life of this project made before corestack tagged repositories, add the tags (`aws ecr tag-resource --resource-arn <its ARN> --tags Key={PROJECT_TAG},Value=<project> Key={ENVIRONMENT_TAG},Value=<environment>`) and deploy again"
    )]
    ForeignRepository {
        /// The repository's name.
        repository: String,
        /// The stack that would declare it.
        stack: String,
        /// The project and environment that would own it, `<project>/<environment>`.
        project: String,
        /// Its corestack tags as found, or `no corestack tags`.
        tags: String,
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
    /// `--profile` or `AWS_PROFILE` names a profile that no AWS config or credentials file has.
    #[error(
        "{named_by} names the profile `{profile}`, which is in neither {files}\n    fix: use a profile they have ({known}); `aws configure list-profiles` lists them"
    )]
    NoProfile {
        /// `--profile` or `AWS_PROFILE`.
        named_by: &'static str,
        /// The profile asked for.
        profile: String,
        /// The files looked in.
        files: String,
        /// The profiles they have, or a word that they have none.
        known: String,
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

impl corestack_aws::Blamed for DeployError {
    fn blame(&self) -> corestack_aws::Blame {
        use corestack_aws::Blame;
        match self {
            DeployError::Image(image) => image.blame(),
            DeployError::NoCredentials { .. }
            | DeployError::NoProfile { .. }
            | DeployError::WrongAccount { .. }
            | DeployError::ExportTaken { .. }
            | DeployError::NoLogGroup { .. }
            | DeployError::NotDeployed { .. }
            | DeployError::ForeignRepository { .. }
            | DeployError::NameTaken { .. }
            | DeployError::RollbackFailed { .. } => Blame::NotReady,
            DeployError::TooLarge { .. } => Blame::Input,
            _ => Blame::Aws,
        }
    }
}
