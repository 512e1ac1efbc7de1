//! Creating and updating a stack: its template (inline or uploaded), its parameters, and the
//! change set that shows whether anything changes and what.

use aws_sdk_cloudformation::types::{Capability, ChangeSetStatus, ChangeSetType, Parameter};

use super::{Deployer, call_error, is_no_change, parameters_of, status_str, unix_now};
use crate::{AwsFailure, DeployError, INLINE_TEMPLATE_BYTES, Outcome, ResourceChange, StackPlan};

/// What CreateStack and CreateChangeSet both send for a plan: the template (inline or by URL),
/// the parameters, the owner tags and the IAM capabilities. Their builders are of different
/// types, so the inputs are written once here, as a macro.
macro_rules! stack_inputs {
    ($builder:expr, $deployer:expr, $plan:expr, $body:expr, $url:expr) => {
        $builder
            .set_template_body($body)
            .set_template_url($url)
            .set_parameters(Some(Self::parameters($plan)))
            .set_tags($deployer.owner_tags())
            .capabilities(Capability::CapabilityIam)
            .capabilities(Capability::CapabilityNamedIam)
    };
}

impl Deployer {
    pub(super) fn parameters(plan: &StackPlan) -> Vec<Parameter> {
        plan.parameters.iter().map(|(k, v)| Parameter::builder().parameter_key(k).parameter_value(v).build()).collect()
    }

    /// The template as CloudFormation takes it: inline, or uploaded to the template bucket (under
    /// its SHA-256, so an upload of the same template is the same object) and named by URL.
    pub(super) async fn template(&self, plan: &StackPlan) -> Result<(Option<String>, Option<String>), DeployError> {
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

    pub(super) async fn create(&self, plan: &StackPlan) -> Result<aws_sdk_cloudformation::types::Stack, DeployError> {
        if plan.import_kept {
            return self.create_importing(plan).await;
        }
        let (body, url) = self.template(plan).await?;
        let since = unix_now();
        self.count();
        let create = self.cfn.create_stack().stack_name(&plan.name);
        stack_inputs!(create, self, plan, body, url)
            .send()
            .await
            .map_err(|e| call_error(&plan.name, "CreateStack", e))?;
        self.expect(&plan.name, "CREATE_COMPLETE", since).await
    }

    /// Creates the stack through a CREATE change set with ImportExistingResources, so that
    /// CloudFormation adopts the named resources with a Retain or RetainExceptOnCreate policy that
    /// an earlier life of the stack kept, instead of failing to create them again (CloudFormation
    /// User Guide, "Import AWS resources into a CloudFormation stack automatically").
    async fn create_importing(&self, plan: &StackPlan) -> Result<aws_sdk_cloudformation::types::Stack, DeployError> {
        let (change_set, _) =
            self.prepare_change_set(plan, ChangeSetType::Create).await?.ok_or_else(|| DeployError::Failed {
                stack: plan.name.clone(),
                status: "change set FAILED".into(),
                reason: "the change set that creates the stack has no changes".into(),
            })?;
        let since = self.execute(plan, &change_set).await?;
        self.expect(&plan.name, "CREATE_COMPLETE", since).await
    }

    /// Executes a change set that is ready; the time its operation began.
    async fn execute(&self, plan: &StackPlan, change_set: &str) -> Result<i64, DeployError> {
        let since = unix_now();
        self.count();
        self.cfn
            .execute_change_set()
            .stack_name(&plan.name)
            .change_set_name(change_set)
            .send()
            .await
            .map_err(|e| call_error(&plan.name, "ExecuteChangeSet", e))?;
        Ok(since)
    }

    /// Waits for the operation that began at `since` and returns the stack it left, if its
    /// status is `want`.
    pub(super) async fn expect(
        &self,
        name: &str,
        want: &str,
        since: i64,
    ) -> Result<aws_sdk_cloudformation::types::Stack, DeployError> {
        let stack = self.settle(name, since).await?;
        let status = stack.as_ref().and_then(|s| s.stack_status()).map(status_str).unwrap_or_else(|| "DELETED".into());
        match stack {
            Some(stack) if status == want => Ok(stack),
            _ => Err(DeployError::Failed { stack: name.into(), reason: self.first_failure(name, since).await, status }),
        }
    }

    /// Whether the deployed template and parameters equal the plan's (one GetTemplate).
    pub(super) async fn unchanged(
        &self,
        plan: &StackPlan,
        stack: &aws_sdk_cloudformation::types::Stack,
    ) -> Result<bool, DeployError> {
        if parameters_of(stack) != plan.parameters {
            return Ok(false);
        }
        // A stack without its owner's tags (deployed before corestack tagged stacks) is updated
        // once, so that ownership can find it.
        let tagged = |tags: &[aws_sdk_cloudformation::types::Tag]| {
            tags.iter().all(|t| stack.tags().iter().any(|s| s.key() == t.key() && s.value() == t.value()))
        };
        if !self.owner_tags().is_none_or(|t| tagged(&t)) {
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

    /// Creates a change set of `kind` and waits for it: `None` when it has no changes (it is
    /// deleted). A CREATE change set imports what the plan says was kept.
    pub(super) async fn prepare_change_set(
        &self,
        plan: &StackPlan,
        kind: ChangeSetType,
    ) -> Result<Option<(String, Vec<ResourceChange>)>, DeployError> {
        let change_set = format!(
            "corestack-{}",
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0)
        );
        let (body, url) = self.template(plan).await?;
        self.count();
        let create = self
            .cfn
            .create_change_set()
            .stack_name(&plan.name)
            .change_set_name(&change_set)
            .import_existing_resources(kind == ChangeSetType::Create && plan.import_kept)
            .change_set_type(kind);
        stack_inputs!(create, self, plan, body, url)
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

    pub(super) async fn delete_change_set(&self, stack: &str, change_set: &str) {
        self.count();
        let _ = self.cfn.delete_change_set().stack_name(stack).change_set_name(change_set).send().await;
    }

    /// Updates the stack through a change set: what happened, and the stack it left (`None` when
    /// the change set had no changes, so the stack is as it was).
    pub(super) async fn update(
        &self,
        plan: &StackPlan,
    ) -> Result<(Outcome, Option<aws_sdk_cloudformation::types::Stack>), DeployError> {
        let Some((change_set, changes)) = self.prepare_change_set(plan, ChangeSetType::Update).await? else {
            return Ok((Outcome::Unchanged, None));
        };
        let since = self.execute(plan, &change_set).await?;
        let stack = self.expect(&plan.name, "UPDATE_COMPLETE", since).await?;
        Ok((Outcome::Updated { changes: changes.len() }, Some(stack)))
    }
}
