//! Deploys a cloud assembly through CloudFormation and destroys it again.
//!
//! Stacks go in dependency order, independent ones concurrently. A new stack is created with
//! CreateStack; an existing one is compared with its deployed template and parameters first (one
//! GetTemplate), skipped when nothing changed, and otherwise updated through a change set. A stack
//! left in ROLLBACK_COMPLETE by a failed first create is deleted and created again. A failure names
//! the first failing resource and its reason.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::types::{Capability, ChangeSetStatus, ChangeSetType, Parameter, StackStatus};
use serde::Serialize;

pub mod aws_error;
pub mod image;
pub use aws_error::AwsFailure;
pub mod logs;
pub mod preflight;
pub mod status;
#[cfg(feature = "test-util")]
pub mod testing;

/// Why a network stack may not delete at once (facts §9).
const ENI_HINT: &str = " (AgentCore runtime network interfaces can stay up to 8 hours after a runtime is deleted, holding the subnets and security groups; run destroy again later)";

/// Why an export cannot change or go (CloudFormation keeps an export while a stack imports it).
const EXPORT_HINT: &str = "\n    fix: another stack imports this export, and CloudFormation keeps an export while it is imported; corestack orders its own stacks, so the importer is likely outside this project: find it with `aws cloudformation list-imports --export-name <name>`, remove its import, then run the command again";

/// Largest template body CloudFormation takes inline; larger ones need an S3 upload.
pub const INLINE_TEMPLATE_BYTES: usize = 51_200;

/// One stack to deploy.
#[derive(Clone, Debug, PartialEq)]
pub struct StackPlan {
    /// The stack name.
    pub name: String,
    /// The template body.
    pub template: String,
    /// Parameter values.
    pub parameters: BTreeMap<String, String>,
    /// Stacks that must be deployed first.
    pub dependencies: Vec<String>,
}

impl StackPlan {
    /// Resources in the template.
    pub fn resource_count(&self) -> usize {
        serde_json::from_str::<serde_json::Value>(&self.template)
            .ok()
            .and_then(|t| t["Resources"].as_object().map(|r| r.len()))
            .unwrap_or(0)
    }

    /// The assembly's stacks as plans, in manifest order, templates as compact JSON, with their
    /// parameter defaults (change them with [`StackPlan::set_parameters`]).
    pub fn from_assembly(assembly: &corestack_app::Assembly) -> Vec<StackPlan> {
        assembly
            .manifest
            .stacks
            .iter()
            .zip(&assembly.templates)
            .map(|(s, (_, body))| {
                // Compact JSON: about half the bytes of the written file, so twice as much fits
                // under the inline limit.
                let template = serde_json::from_str::<serde_json::Value>(body)
                    .map(|t| t.to_string())
                    .unwrap_or_else(|_| body.clone());
                StackPlan {
                    name: s.name.clone(),
                    template,
                    parameters: s.parameters.iter().filter_map(|(k, v)| Some((k.clone(), v.clone()?))).collect(),
                    dependencies: s.dependencies.clone(),
                }
            })
            .collect()
    }

    /// Sets the parameters the stack has among `values` (parameter name to value).
    pub fn set_parameters(&mut self, values: &BTreeMap<String, String>) {
        for (k, v) in values {
            if let Some(slot) = self.parameters.get_mut(k) {
                slot.clone_from(v);
            }
        }
    }

    /// Whether the stack takes a runtime image (an `...ImageRef` parameter).
    pub fn takes_image(&self) -> bool {
        self.parameters.keys().any(|k| k.ends_with("ImageRef"))
    }

    /// Splits plans in dependency order into the stacks that can deploy before the images are
    /// pinned (they create the repository) and the rest: stacks taking an image and every stack
    /// that depends on one of those.
    pub fn split_at_images(plans: Vec<StackPlan>) -> (Vec<StackPlan>, Vec<StackPlan>) {
        let mut after: Vec<StackPlan> = Vec::new();
        let mut before = Vec::new();
        for p in plans {
            if p.takes_image() || p.dependencies.iter().any(|d| after.iter().any(|a| &a.name == d)) {
                after.push(p);
            } else {
                before.push(p);
            }
        }
        (before, after)
    }
}

/// One resource change of a change set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResourceChange {
    /// Add, Modify, Remove, Import, Dynamic.
    pub action: String,
    /// The logical ID.
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// For Modify: True, False or Conditional.
    pub replacement: Option<String>,
}

/// What a deploy would do to a stack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StackDiff {
    /// The stack does not exist yet (or must be recreated): this many resources.
    New {
        /// Resources in the template.
        resources: usize,
    },
    /// Nothing would change.
    Unchanged,
    /// These resource changes.
    Changes(Vec<ResourceChange>),
}

/// What happened to a stack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Created.
    Created,
    /// Updated through a change set of this many resource changes.
    Updated {
        /// Resource changes in the change set.
        changes: usize,
    },
    /// Nothing to do.
    Unchanged,
    /// Deleted.
    Deleted,
    /// Was not there.
    Absent,
}

/// One stack's result.
#[derive(Clone, Debug, Serialize)]
pub struct StackResult {
    /// The stack name.
    pub name: String,
    /// What happened.
    pub outcome: Outcome,
    /// How long it took, in seconds.
    pub seconds: f64,
    /// Its outputs.
    pub outputs: BTreeMap<String, String>,
}

/// A step of a deploy or destroy, for progress displays.
#[derive(Clone, Copy, Debug)]
pub enum Step<'a> {
    /// Work on a stack began.
    Started {
        /// The stack.
        stack: &'a str,
        /// Whether it is being deleted.
        deleting: bool,
    },
    /// A stack is done.
    Finished(&'a StackResult),
}

/// Where steps go.
pub type StepSink<'a> = &'a (dyn Fn(Step<'_>) + Sync);

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeployError {
    /// An AWS call failed.
    #[error("{0}")]
    Aws(Box<AwsFailure>),
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

/// CloudFormation, with a count of the API calls made.
#[derive(Clone)]
pub struct Deployer {
    cfn: Client,
    s3: aws_sdk_s3::Client,
    template_bucket: Option<String>,
    region: String,
    calls: Arc<AtomicUsize>,
    poll: Duration,
    events: Option<EventSink>,
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

fn call_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
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

    fn count(&self) {
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
            if !status.ends_with("_IN_PROGRESS") {
                return Ok(Some(stack));
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    fn parameters(plan: &StackPlan) -> Vec<Parameter> {
        plan.parameters.iter().map(|(k, v)| Parameter::builder().parameter_key(k).parameter_value(v).build()).collect()
    }

    /// The template as CloudFormation takes it: inline, or uploaded to the template bucket (under
    /// its SHA-256, so an upload of the same template is the same object) and named by URL.
    async fn template(&self, plan: &StackPlan) -> Result<(Option<String>, Option<String>), DeployError> {
        if plan.template.len() <= INLINE_TEMPLATE_BYTES {
            return Ok((Some(plan.template.clone()), None));
        }
        let Some(bucket) = &self.template_bucket else {
            return Err(DeployError::TooLarge { stack: plan.name.clone(), bytes: plan.template.len() });
        };
        use sha2::Digest as _;
        let hash: String = sha2::Sha256::digest(plan.template.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        let key = format!("corestack/{}/{hash}.json", plan.name);
        self.count();
        self.s3
            .put_object()
            .bucket(bucket)
            .key(&key)
            .content_type("application/json")
            .body(plan.template.clone().into_bytes().into())
            .send()
            .await
            .map_err(|e| {
                let subject = format!("template of stack {} to template_bucket {bucket}", plan.name);
                DeployError::Aws(Box::new(AwsFailure::from_sdk("s3:PutObject", Some(&subject), &e)))
            })?;
        Ok((None, Some(format!("https://{bucket}.s3.{}.amazonaws.com/{key}", self.region))))
    }

    async fn create(&self, plan: &StackPlan) -> Result<(), DeployError> {
        let (body, url) = self.template(plan).await?;
        let since = unix_now();
        self.count();
        self.cfn
            .create_stack()
            .stack_name(&plan.name)
            .set_template_body(body)
            .set_template_url(url)
            .set_parameters(Some(Self::parameters(plan)))
            .capabilities(Capability::CapabilityIam)
            .capabilities(Capability::CapabilityNamedIam)
            .send()
            .await
            .map_err(|e| call_error(&plan.name, "CreateStack", e))?;
        self.expect(&plan.name, "CREATE_COMPLETE", since).await
    }

    async fn expect(&self, name: &str, want: &str, since: i64) -> Result<(), DeployError> {
        let stack = self.settle(name, since).await?;
        let status = stack.as_ref().and_then(|s| s.stack_status()).map(status_str).unwrap_or_else(|| "DELETED".into());
        if status == want {
            return Ok(());
        }
        Err(DeployError::Failed { stack: name.into(), reason: self.first_failure(name, since).await, status })
    }

    /// Whether the deployed template and parameters equal the plan's (one GetTemplate).
    async fn unchanged(
        &self,
        plan: &StackPlan,
        stack: &aws_sdk_cloudformation::types::Stack,
    ) -> Result<bool, DeployError> {
        if parameters_of(stack) != plan.parameters {
            return Ok(false);
        }
        self.count();
        let out = self
            .cfn
            .get_template()
            .stack_name(&plan.name)
            .send()
            .await
            .map_err(|e| call_error(&plan.name, "GetTemplate", e))?;
        let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).ok();
        Ok(out.template_body().and_then(parse).is_some_and(|t| Some(t) == parse(&plan.template)))
    }

    /// Creates an UPDATE change set and waits for it: `None` when it has no changes (it is deleted).
    async fn prepare_change_set(&self, plan: &StackPlan) -> Result<Option<(String, Vec<ResourceChange>)>, DeployError> {
        let change_set = format!(
            "corestack-{}",
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0)
        );
        let (body, url) = self.template(plan).await?;
        self.count();
        self.cfn
            .create_change_set()
            .stack_name(&plan.name)
            .change_set_name(&change_set)
            .change_set_type(ChangeSetType::Update)
            .set_template_body(body)
            .set_template_url(url)
            .set_parameters(Some(Self::parameters(plan)))
            .capabilities(Capability::CapabilityIam)
            .capabilities(Capability::CapabilityNamedIam)
            .send()
            .await
            .map_err(|e| call_error(&plan.name, "CreateChangeSet", e))?;
        loop {
            self.count();
            let cs = self
                .cfn
                .describe_change_set()
                .stack_name(&plan.name)
                .change_set_name(&change_set)
                .send()
                .await
                .map_err(|e| call_error(&plan.name, "DescribeChangeSet", e))?;
            match cs.status() {
                Some(ChangeSetStatus::CreateComplete) => {
                    let changes = cs
                        .changes()
                        .iter()
                        .filter_map(|c| c.resource_change())
                        .map(|rc| ResourceChange {
                            action: rc.action().map(|a| a.as_str().to_string()).unwrap_or_default(),
                            logical_id: rc.logical_resource_id().unwrap_or_default().to_string(),
                            resource_type: rc.resource_type().unwrap_or_default().to_string(),
                            replacement: rc.replacement().map(|r| r.as_str().to_string()),
                        })
                        .collect();
                    return Ok(Some((change_set, changes)));
                }
                Some(ChangeSetStatus::Failed) => {
                    let reason = cs.status_reason().unwrap_or_default().to_string();
                    self.delete_change_set(&plan.name, &change_set).await;
                    if is_no_change(&reason) {
                        return Ok(None);
                    }
                    return Err(DeployError::Failed {
                        stack: plan.name.clone(),
                        status: "change set FAILED".into(),
                        reason,
                    });
                }
                _ => tokio::time::sleep(self.poll).await,
            }
        }
    }

    async fn delete_change_set(&self, stack: &str, change_set: &str) {
        self.count();
        let _ = self.cfn.delete_change_set().stack_name(stack).change_set_name(change_set).send().await;
    }

    async fn update(&self, plan: &StackPlan) -> Result<Outcome, DeployError> {
        let Some((change_set, changes)) = self.prepare_change_set(plan).await? else { return Ok(Outcome::Unchanged) };
        let since = unix_now();
        self.count();
        self.cfn
            .execute_change_set()
            .stack_name(&plan.name)
            .change_set_name(&change_set)
            .send()
            .await
            .map_err(|e| call_error(&plan.name, "ExecuteChangeSet", e))?;
        self.expect(&plan.name, "UPDATE_COMPLETE", since).await?;
        Ok(Outcome::Updated { changes: changes.len() })
    }

    /// What deploying the stack would do, without doing it: a new stack, no change, or the
    /// resource changes of a change set (which is then deleted).
    pub async fn diff_stack(&self, plan: &StackPlan) -> Result<StackDiff, DeployError> {
        let new = || StackDiff::New { resources: plan.resource_count() };
        let Some(stack) = self.describe(&plan.name).await? else { return Ok(new()) };
        if stack.stack_status() == Some(&StackStatus::RollbackComplete) {
            return Ok(new());
        }
        if self.unchanged(plan, &stack).await? {
            return Ok(StackDiff::Unchanged);
        }
        match self.prepare_change_set(plan).await? {
            None => Ok(StackDiff::Unchanged),
            Some((change_set, changes)) => {
                self.delete_change_set(&plan.name, &change_set).await;
                Ok(StackDiff::Changes(changes))
            }
        }
    }

    /// [`Deployer::diff_stack`] for every stack, concurrently.
    pub async fn diff(&self, plans: &[StackPlan]) -> Result<Vec<(String, StackDiff)>, DeployError> {
        let results =
            futures_join(plans.iter().map(|p| async move { (p.name.clone(), self.diff_stack(p).await) })).await;
        results.into_iter().map(|(n, d)| d.map(|d| (n, d))).collect()
    }

    /// Deploys one stack and returns its outputs.
    pub async fn deploy_stack(&self, plan: &StackPlan) -> Result<StackResult, DeployError> {
        let started = Instant::now();
        if plan.template.len() > INLINE_TEMPLATE_BYTES && self.template_bucket.is_none() {
            return Err(DeployError::TooLarge { stack: plan.name.clone(), bytes: plan.template.len() });
        }
        let outcome = match self.describe(&plan.name).await? {
            None => {
                self.create(plan).await?;
                Outcome::Created
            }
            Some(stack) => {
                let status = stack.stack_status().map(status_str).unwrap_or_default();
                if status.ends_with("_IN_PROGRESS") {
                    return Err(DeployError::Busy { stack: plan.name.clone(), status });
                }
                if status == "ROLLBACK_COMPLETE" {
                    // A failed first create leaves a stack that can only be deleted.
                    self.delete(&plan.name).await?;
                    self.create(plan).await?;
                    Outcome::Created
                } else if self.unchanged(plan, &stack).await? {
                    Outcome::Unchanged
                } else {
                    self.update(plan).await?
                }
            }
        };
        let outputs = self.outputs(&plan.name).await?;
        Ok(StackResult { name: plan.name.clone(), outcome, seconds: started.elapsed().as_secs_f64(), outputs })
    }

    /// A deployed stack's parameter values; empty when it is not deployed.
    pub async fn deployed_parameters(&self, name: &str) -> Result<BTreeMap<String, String>, DeployError> {
        Ok(self.describe(name).await?.as_ref().map(parameters_of).unwrap_or_default())
    }

    /// A stack's outputs; empty when it is not deployed.
    pub async fn outputs(&self, name: &str) -> Result<BTreeMap<String, String>, DeployError> {
        let stack = self.describe(name).await?;
        Ok(stack
            .map(|s| {
                s.outputs()
                    .iter()
                    .filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string())))
                    .collect()
            })
            .unwrap_or_default())
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

    /// Deploys the stacks, each after its dependencies, independent ones concurrently. Stops at the
    /// first failure (stacks already running finish).
    pub async fn deploy(&self, plans: &[StackPlan], progress: StepSink<'_>) -> Result<Vec<StackResult>, DeployError> {
        self.check_sizes(plans)?;
        self.in_levels(plans, false, progress).await
    }

    /// Refuses, before any call, templates too large to send inline when there is no template
    /// bucket to upload them to.
    pub fn check_sizes(&self, plans: &[StackPlan]) -> Result<(), DeployError> {
        match plans.iter().find(|p| p.template.len() > INLINE_TEMPLATE_BYTES) {
            Some(p) if self.template_bucket.is_none() => {
                Err(DeployError::TooLarge { stack: p.name.clone(), bytes: p.template.len() })
            }
            _ => Ok(()),
        }
    }

    /// Deletes the stacks, dependents first. Retained resources (DeletionPolicy Retain) stay.
    pub async fn destroy(&self, plans: &[StackPlan], progress: StepSink<'_>) -> Result<Vec<StackResult>, DeployError> {
        self.in_levels(plans, true, progress).await
    }

    async fn in_levels(
        &self,
        plans: &[StackPlan],
        reverse: bool,
        progress: StepSink<'_>,
    ) -> Result<Vec<StackResult>, DeployError> {
        let mut done: Vec<StackResult> = Vec::new();
        let mut left: Vec<&StackPlan> = plans.iter().collect();
        while !left.is_empty() {
            let finished: Vec<&str> = done.iter().map(|r| r.name.as_str()).collect();
            let ready: Vec<&StackPlan> = left
                .iter()
                .copied()
                .filter(|p| {
                    if reverse {
                        // Delete a stack once every stack that depends on it is gone.
                        left.iter().all(|o| !o.dependencies.contains(&p.name) || finished.contains(&o.name.as_str()))
                    } else {
                        p.dependencies
                            .iter()
                            .all(|d| finished.contains(&d.as_str()) || !plans.iter().any(|x| &x.name == d))
                    }
                })
                .collect();
            assert!(!ready.is_empty(), "the manifest's dependencies form a cycle");
            for p in &ready {
                progress(Step::Started { stack: &p.name, deleting: reverse });
            }
            let results = futures_join(ready.iter().map(|p| async move {
                if reverse { self.destroy_stack(&p.name).await } else { self.deploy_stack(p).await }
            }))
            .await;
            // Every stack of the level that finished is reported before the first failure is.
            let mut failure = None;
            for r in results {
                match r {
                    Ok(r) => {
                        progress(Step::Finished(&r));
                        done.push(r);
                    }
                    Err(e) => failure = failure.or(Some(e)),
                }
            }
            if let Some(e) = failure {
                return Err(e);
            }
            left.retain(|p| !done.iter().any(|d| d.name == p.name));
        }
        Ok(done)
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

/// A short description of a result, for progress lines.
pub fn describe_outcome(r: &StackResult) -> String {
    let what = match &r.outcome {
        Outcome::Created => "created".to_string(),
        Outcome::Updated { changes } => format!("updated ({changes} change(s))"),
        Outcome::Unchanged => "unchanged".to_string(),
        Outcome::Deleted => "deleted".to_string(),
        Outcome::Absent => "not deployed".to_string(),
    };
    format!("{what} in {:.1} s", r.seconds)
}

/// Runs futures concurrently on this task and returns their results in order.
async fn futures_join<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let futures: Vec<_> = futures.map(Box::pin).collect();
    let mut results: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    let mut pending: Vec<(usize, std::pin::Pin<Box<F>>)> = futures.into_iter().enumerate().collect();
    std::future::poll_fn(|cx| {
        pending.retain_mut(|(i, f)| match f.as_mut().poll(cx) {
            std::task::Poll::Ready(v) => {
                results[*i] = Some(v);
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    results.into_iter().map(|r| r.expect("every future finished")).collect()
}
