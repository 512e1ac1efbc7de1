//! Deploys a cloud assembly through CloudFormation and destroys it again.
//!
//! Stacks go in dependency order, independent ones concurrently. A new stack is created with
//! CreateStack; an existing one is compared with its deployed template and parameters first (one
//! GetTemplate), skipped when nothing changed, and otherwise updated through a change set. A stack
//! left in ROLLBACK_COMPLETE by a failed first create is deleted and created again. A failure names
//! the first failing resource and its reason.

pub mod image;
pub use corestack_aws::AwsFailure;
pub mod log_groups;
pub mod logs;
pub mod model_access;
pub mod ownership;
pub mod permissions;
pub mod platform_names;
pub mod platform_status;
pub mod prefix_list;
pub mod preflight;
pub mod project;
pub mod report;
pub mod runtime_url;
#[cfg(feature = "test-util")]
pub mod scripted_http;
pub mod status;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod transaction_search;

mod display;
mod error;
mod operations;
mod plan;
mod rollout;
mod scheduler;
use corestack_aws::signed;

pub use display::{deploy_question, destroy_question};
pub use error::DeployError;
pub use operations::{Deployer, EventSink, ResourceEvent};
pub use plan::{Outcome, ResourceChange, StackDiff, StackPlan, StackResult, Step, StepSink, describe_outcome};
pub use project::{Observer, Project, Quiet, RuntimeOutput, RuntimeStatus, Wait};
pub use rollout::{DeployedRuntime, Record, Rollout};

/// Largest template body CloudFormation takes inline; larger ones need an S3 upload.
pub const INLINE_TEMPLATE_BYTES: usize = 51_200;
