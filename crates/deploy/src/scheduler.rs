//! Many stacks at once: in dependency order, independent ones concurrently, dependents first
//! when deleting; and the checks that run before any stack changes.

use futures_util::future::join_all;

use crate::{DeployError, Deployer, INLINE_TEMPLATE_BYTES, StackDiff, StackPlan, StackResult, Step, StepSink};
impl Deployer {
    /// [`Deployer::diff_stack`] for every stack, concurrently.
    pub async fn diff(&self, plans: &[StackPlan]) -> Result<Vec<(String, StackDiff)>, DeployError> {
        let results = join_all(plans.iter().map(|p| async move { (p.name.clone(), self.diff_stack(p).await) })).await;
        results.into_iter().map(|(n, d)| d.map(|d| (n, d))).collect()
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

    /// Deletes the stacks, dependents first. Retained resources (DeletionPolicy RetainExceptOnCreate) stay.
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
            let results = join_all(ready.iter().map(|p| async move {
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
}
