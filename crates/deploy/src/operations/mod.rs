//! The CloudFormation operations on one stack: describe, create, update through a change set,
//! delete, wait, and read events, outputs and parameters; every call counted.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::types::StackStatus;
use serde::Serialize;

mod change_set;

use crate::{AwsFailure, DeployError, Outcome, StackDiff, StackPlan, StackResult};
/// Why a network stack may not delete at once (facts §9).
/// The status of a stack that a CREATE change set made and nothing has executed yet.
const REVIEW_IN_PROGRESS: &str = "REVIEW_IN_PROGRESS";

/// Whether a deploy deletes the stack and creates it again: left in ROLLBACK_COMPLETE (a failed
/// first create, which can only be deleted) or REVIEW_IN_PROGRESS (a create change set that an
/// interrupted deploy never executed).
fn recreated(stack: &aws_sdk_cloudformation::types::Stack) -> bool {
    matches!(stack.stack_status(), Some(StackStatus::RollbackComplete | StackStatus::ReviewInProgress))
}

const ENI_HINT: &str = " (AgentCore runtime network interfaces can stay up to 8 hours after a runtime is deleted, holding the subnets and security groups; run destroy again later)";

/// Why an export cannot change or go (CloudFormation keeps an export while a stack imports it).
const EXPORT_HINT: &str = "\n    fix: another stack imports this export, and CloudFormation keeps an export while it is imported; corestack orders its own stacks, so the importer is likely outside this project: find it with `aws cloudformation list-imports --export-name <name>`, remove its import, then run the command again";

/// CloudFormation, with a count of the API calls made.
#[derive(Clone)]
pub struct Deployer {
    pub(crate) cfn: Client,
    s3: aws_sdk_s3::Client,
    pub(crate) template_bucket: Option<String>,
    region: String,
    calls: Arc<AtomicUsize>,
    poll: Duration,
    events: Option<EventSink>,
    owner: Option<crate::ownership::Owner>,
}

/// Where resource events go while stack operations run.
pub type EventSink = Arc<dyn Fn(&ResourceEvent) + Send + Sync>;

/// A stack or resource event of an operation corestack started.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResourceEvent {
    /// The stack.
    pub stack: String,
    /// The logical ID (the stack's own name for stack-level events).
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// The status, e.g. CREATE_IN_PROGRESS.
    pub status: String,
    /// CloudFormation's reason, when it gives one.
    pub reason: Option<String>,
}

impl std::fmt::Debug for Deployer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deployer").field("calls", &self.calls()).field("poll", &self.poll).finish()
    }
}

pub(crate) fn call_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    stack: &str,
    call: &'static str,
    e: aws_sdk_cloudformation::error::SdkError<E>,
) -> DeployError {
    DeployError::Aws(Box::new(AwsFailure::from_sdk(
        &format!("cloudformation:{call}"),
        Some(&format!("stack {stack}")),
        &e,
    )))
}

/// CloudFormation says "does not exist" only in the message of a ValidationError.
fn is_missing<E: ProvideErrorMetadata>(e: &aws_sdk_cloudformation::error::SdkError<E>) -> bool {
    e.as_service_error().and_then(|s| s.message()).is_some_and(|m| m.contains("does not exist"))
}

/// A change set with nothing in it fails with one of these reasons.
fn is_no_change(reason: &str) -> bool {
    reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")
}

/// A described stack's parameter values.
fn parameters_of(stack: &aws_sdk_cloudformation::types::Stack) -> BTreeMap<String, String> {
    stack
        .parameters()
        .iter()
        .filter_map(|p| Some((p.parameter_key()?.to_string(), p.parameter_value()?.to_string())))
        .collect()
}

/// A described stack's outputs.
fn outputs_of(stack: &aws_sdk_cloudformation::types::Stack) -> BTreeMap<String, String> {
    stack.outputs().iter().filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string()))).collect()
}

fn status_str(s: &StackStatus) -> String {
    s.as_str().to_string()
}

impl Deployer {
    /// A deployer on this configuration (region, credentials, endpoint overrides).
    pub fn new(config: &aws_config::SdkConfig) -> Deployer {
        Deployer {
            cfn: Client::new(config),
            s3: aws_sdk_s3::Client::new(config),
            template_bucket: None,
            region: config.region().map(|r| r.to_string()).unwrap_or_default(),
            calls: Arc::new(AtomicUsize::new(0)),
            poll: Duration::from_secs(2),
            events: None,
            owner: None,
        }
    }

    /// Tags every stack it creates or updates as `owner`'s ([`crate::ownership`]).
    pub fn with_owner(mut self, owner: crate::ownership::Owner) -> Deployer {
        self.owner = Some(owner);
        self
    }

    /// The stack tags of the owner, if any.
    pub(crate) fn owner_tags(&self) -> Option<Vec<aws_sdk_cloudformation::types::Tag>> {
        self.owner.as_ref().map(crate::ownership::Owner::tags)
    }

    /// A deployed stack's template body; `None` when the stack does not exist.
    pub async fn deployed_template(&self, name: &str) -> Result<Option<String>, DeployError> {
        self.count();
        match self.cfn.get_template().stack_name(name).send().await {
            Ok(out) => Ok(out.template_body().map(str::to_string)),
            Err(e) if is_missing(&e) => Ok(None),
            Err(e) => Err(call_error(name, "GetTemplate", e)),
        }
    }

    /// Uploads templates over [`INLINE_TEMPLATE_BYTES`] to this bucket (in the stacks' region)
    /// and passes CloudFormation their URL; without one, such templates are refused.
    pub fn with_template_bucket(mut self, bucket: Option<String>) -> Deployer {
        self.template_bucket = bucket;
        self
    }

    /// Polls this often while waiting (default 2 s).
    pub fn with_poll_interval(mut self, poll: Duration) -> Deployer {
        self.poll = poll;
        self
    }

    /// Sends the stack and resource events of each operation to `sink` as they happen (one
    /// DescribeStackEvents per poll while an operation runs).
    pub fn with_events(mut self, sink: EventSink) -> Deployer {
        self.events = Some(sink);
        self
    }

    /// API calls made so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub(crate) fn count(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }

    async fn describe(&self, name: &str) -> Result<Option<aws_sdk_cloudformation::types::Stack>, DeployError> {
        self.count();
        match self.cfn.describe_stacks().stack_name(name).send().await {
            Ok(out) => Ok(out.stacks.unwrap_or_default().into_iter().next()),
            Err(e) if is_missing(&e) => Ok(None),
            Err(e) => Err(call_error(name, "DescribeStacks", e)),
        }
    }

    /// Whether stack `name` exists.
    pub async fn exists(&self, name: &str) -> Result<bool, DeployError> {
        Ok(self.describe(name).await?.is_some())
    }

    /// Whether a deploy creates stack `name` afresh: it does not exist, or it is left in
    /// ROLLBACK_COMPLETE (a failed create) or REVIEW_IN_PROGRESS (a create change set never
    /// executed), which deploy deletes and creates again.
    pub async fn creates_afresh(&self, name: &str) -> Result<bool, DeployError> {
        let stack = self.describe(name).await?;
        Ok(stack.is_none_or(|s| recreated(&s)))
    }

    /// Why the operation that began at `since` failed, for messages: its first failing resource
    /// event, else the stack's own event that gives a reason (an export in use fails an update or
    /// a delete with no failing resource at all).
    async fn first_failure(&self, name: &str, since: i64) -> String {
        self.count();
        let Ok(out) = self.cfn.describe_stack_events().stack_name(name).send().await else { return "no events".into() };
        let mut events: Vec<_> = out
            .stack_events
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.timestamp().is_some_and(|t| t.secs() >= since))
            .collect();
        events.reverse();
        let failed = events.iter().find(|e| e.resource_status().is_some_and(|s| s.as_str().ends_with("_FAILED")));
        let stack_reason =
            || events.iter().find(|e| e.logical_resource_id() == Some(name) && e.resource_status_reason().is_some());
        let Some(e) = failed.or_else(stack_reason) else { return "no failed resource event".into() };
        let reason = e.resource_status_reason().unwrap_or("no reason given");
        let hint = if reason.contains("in use by") { EXPORT_HINT } else { "" };
        format!("{} ({}): {reason}{hint}", e.logical_resource_id().unwrap_or("?"), e.resource_type().unwrap_or("?"))
    }

    /// Emits the events of `name` newer than `since` that were not emitted yet, oldest first.
    async fn emit_events(&self, name: &str, since: i64, seen: &mut std::collections::HashSet<String>) {
        let Some(sink) = &self.events else { return };
        self.count();
        let Ok(out) = self.cfn.describe_stack_events().stack_name(name).send().await else { return };
        let mut events: Vec<_> = out
            .stack_events
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.timestamp().is_some_and(|t| t.secs() >= since))
            .filter(|e| seen.insert(e.event_id().unwrap_or_default().to_string()))
            .collect();
        events.reverse();
        for e in events {
            sink(&ResourceEvent {
                stack: name.to_string(),
                logical_id: e.logical_resource_id().unwrap_or_default().to_string(),
                resource_type: e.resource_type().unwrap_or_default().to_string(),
                status: e.resource_status().map(|s| s.as_str().to_string()).unwrap_or_default(),
                reason: e.resource_status_reason().map(str::to_string),
            });
        }
    }

    /// Waits until the stack leaves its in-progress state, emitting events of the operation that
    /// began at `since` (Unix seconds); `Ok(None)` when the stack no longer exists.
    async fn settle(
        &self,
        name: &str,
        since: i64,
    ) -> Result<Option<aws_sdk_cloudformation::types::Stack>, DeployError> {
        let mut seen = std::collections::HashSet::new();
        loop {
            let described = self.describe(name).await?;
            self.emit_events(name, since, &mut seen).await;
            let Some(stack) = described else { return Ok(None) };
            let status = stack.stack_status().map(status_str).unwrap_or_default();
            // REVIEW_IN_PROGRESS is a stack made by a CREATE change set that was never executed:
            // nothing is running on it.
            if !status.ends_with("_IN_PROGRESS") || status == REVIEW_IN_PROGRESS {
                return Ok(Some(stack));
            }
            tokio::time::sleep(self.poll).await;
        }
    }
}

impl Deployer {
    /// What deploying the stack would do, without doing it: a new stack, no change, or the
    /// resource changes of a change set (which is then deleted).
    pub async fn diff_stack(&self, plan: &StackPlan) -> Result<StackDiff, DeployError> {
        let new = || StackDiff::New { resources: plan.resource_count() };
        let Some(stack) = self.describe(&plan.name).await? else { return Ok(new()) };
        if recreated(&stack) {
            return Ok(new());
        }
        if self.unchanged(plan, &stack).await? {
            return Ok(StackDiff::Unchanged);
        }
        match self.prepare_change_set(plan, aws_sdk_cloudformation::types::ChangeSetType::Update).await? {
            None => Ok(StackDiff::Unchanged),
            Some((change_set, changes)) => {
                self.delete_change_set(&plan.name, &change_set).await;
                Ok(StackDiff::Changes(changes))
            }
        }
    }

    /// Deploys one stack and returns its outputs (read from the stack as the operation left it).
    pub async fn deploy_stack(&self, plan: &StackPlan) -> Result<StackResult, DeployError> {
        let started = Instant::now();
        self.check_sizes(std::slice::from_ref(plan))?;
        let (outcome, stack) = match self.describe(&plan.name).await? {
            None => (Outcome::Created, self.create(plan).await?),
            Some(stack) => {
                let mut stack = stack;
                let mut status = stack.stack_status().map(status_str).unwrap_or_default();
                if status.ends_with("_IN_PROGRESS") && status != REVIEW_IN_PROGRESS {
                    // An operation an interrupted deploy (or someone else) started: wait for it
                    // to settle, then carry on from where it left the stack.
                    if let Some(e) = &self.events {
                        e(&ResourceEvent {
                            stack: plan.name.clone(),
                            logical_id: plan.name.clone(),
                            resource_type: "AWS::CloudFormation::Stack".into(),
                            status: status.clone(),
                            reason: Some("an earlier operation is still running; waiting for it to finish".into()),
                        });
                    }
                    match self.settle(&plan.name, unix_now()).await? {
                        Some(settled) => stack = settled,
                        None => return self.created(plan, started).await,
                    }
                    status = stack.stack_status().map(status_str).unwrap_or_default();
                }
                if status == "UPDATE_ROLLBACK_FAILED" {
                    return Err(DeployError::RollbackFailed { stack: plan.name.clone() });
                }
                if recreated(&stack) {
                    // A failed first create leaves a stack that can only be deleted; so does a
                    // create change set that an interrupted deploy never executed.
                    self.delete(&plan.name).await?;
                    (Outcome::Created, self.create(plan).await?)
                } else if self.unchanged(plan, &stack).await? {
                    (Outcome::Unchanged, stack)
                } else {
                    let (outcome, updated) = self.update(plan).await?;
                    (outcome, updated.unwrap_or(stack))
                }
            }
        };
        let outputs = outputs_of(&stack);
        Ok(StackResult { name: plan.name.clone(), outcome, seconds: started.elapsed().as_secs_f64(), outputs })
    }

    /// Creates the stack (it does not exist) and returns its result.
    async fn created(&self, plan: &StackPlan, started: Instant) -> Result<StackResult, DeployError> {
        let stack = self.create(plan).await?;
        let seconds = started.elapsed().as_secs_f64();
        Ok(StackResult { name: plan.name.clone(), outcome: Outcome::Created, seconds, outputs: outputs_of(&stack) })
    }

    /// A deployed stack's parameter values; empty when it is not deployed.
    pub async fn deployed_parameters(&self, name: &str) -> Result<BTreeMap<String, String>, DeployError> {
        Ok(self.describe(name).await?.as_ref().map(parameters_of).unwrap_or_default())
    }

    /// A deployed stack's outputs and parameter values, from one DescribeStacks; both empty when
    /// it is not deployed.
    pub async fn outputs_and_parameters(
        &self,
        name: &str,
    ) -> Result<(BTreeMap<String, String>, BTreeMap<String, String>), DeployError> {
        let stack = self.describe(name).await?;
        Ok(stack.as_ref().map(|s| (outputs_of(s), parameters_of(s))).unwrap_or_default())
    }

    /// A stack's outputs; empty when it is not deployed.
    pub async fn outputs(&self, name: &str) -> Result<BTreeMap<String, String>, DeployError> {
        Ok(self.describe(name).await?.as_ref().map(outputs_of).unwrap_or_default())
    }

    async fn delete(&self, name: &str) -> Result<(), DeployError> {
        let since = unix_now();
        self.count();
        if let Err(e) = self.cfn.delete_stack().stack_name(name).send().await {
            let failed = call_error(name, "DeleteStack", e);
            let message = failed.to_string();
            if message.contains("DependencyViolation") {
                return Err(DeployError::Failed {
                    stack: name.into(),
                    status: "DELETE_FAILED".into(),
                    reason: format!("{message}{ENI_HINT}"),
                });
            }
            return Err(failed);
        }
        match self.settle(name, since).await? {
            None => Ok(()),
            Some(s) if s.stack_status() == Some(&StackStatus::DeleteComplete) => Ok(()),
            Some(s) => {
                let status = s.stack_status().map(status_str).unwrap_or_default();
                let mut reason = self.first_failure(name, since).await;
                if reason.contains("DependencyViolation") || reason.contains("has a dependent object") {
                    reason.push_str(ENI_HINT);
                }
                Err(DeployError::Failed { stack: name.into(), status, reason })
            }
        }
    }

    /// Refuses, before any stack changes, exports that another stack of the account and region
    /// already has: CloudFormation would fail the stack that declares one again, half way through
    /// the deploy. An export held by the same stack is this project's own and fine.
    pub async fn check_exports(&self, plans: &[StackPlan]) -> Result<(), DeployError> {
        let mut ours: Vec<(String, &str)> = Vec::new();
        for p in plans {
            let Ok(template) = serde_json::from_str::<serde_json::Value>(&p.template) else { continue };
            for output in template["Outputs"].as_object().into_iter().flat_map(|o| o.values()) {
                if let Some(name) = output["Export"]["Name"].as_str() {
                    ours.push((name.to_string(), p.name.as_str()));
                }
            }
        }
        let mut token = None;
        loop {
            self.count();
            let page = self.cfn.list_exports().set_next_token(token).send().await.map_err(|e| {
                let subject = "the exports of this account and region";
                DeployError::Aws(Box::new(AwsFailure::from_sdk("cloudformation:ListExports", Some(subject), &e)))
            })?;
            for export in page.exports() {
                let (Some(name), Some(owner)) = (export.name(), export.exporting_stack_id()) else { continue };
                // arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>
                let owner = owner.split("stack/").nth(1).and_then(|r| r.split('/').next()).unwrap_or(owner);
                if let Some((_, stack)) = ours.iter().find(|(n, s)| n == name && *s != owner) {
                    return Err(DeployError::ExportTaken {
                        export: name.to_string(),
                        owner: owner.to_string(),
                        stack: stack.to_string(),
                    });
                }
            }
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(());
            }
        }
    }

    /// Deletes one stack, if it exists.
    pub async fn destroy_stack(&self, name: &str) -> Result<StackResult, DeployError> {
        let started = Instant::now();
        let outcome = match self.describe(name).await? {
            None => Outcome::Absent,
            Some(_) => {
                self.delete(name).await?;
                Outcome::Deleted
            }
        };
        Ok(StackResult {
            name: name.into(),
            outcome,
            seconds: started.elapsed().as_secs_f64(),
            outputs: BTreeMap::new(),
        })
    }
}

/// Unix seconds, one second early: event timestamps are whole seconds and clocks differ a little.
fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64 - 1).unwrap_or(0)
}
