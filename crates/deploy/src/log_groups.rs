//! Which runtime log groups a deploy creates: each endpoint's group is made by its AgentCore stack
//! (with the environment's retention and the project's key), unless the service already made it at
//! a first invocation, when CloudFormation could not create it. Then the stack leaves it as it is
//! (its parameter says `existing`) and the deploy says so.

use std::collections::BTreeMap;

use corestack_app::constructs::runtime_logs::{CREATE, EXISTING, log_group_name};

use crate::logs::LogReader;
use crate::{DeployError, Deployer};

/// The log-group parameters of every runtime, and a note for each group left as the service
/// made it.
pub async fn states(
    deployer: &Deployer,
    logs: &LogReader,
    placements: &[corestack_app::RuntimeEntry],
) -> Result<(BTreeMap<String, String>, Vec<String>), DeployError> {
    let mut values = BTreeMap::new();
    let mut notes = Vec::new();
    let mut outputs: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
    for p in placements {
        if !outputs.contains_key(p.stack.as_str()) {
            outputs.insert(&p.stack, deployer.outputs(&p.stack).await?);
        }
        let runtime_id = outputs[p.stack.as_str()].get(&p.outputs.id).cloned();
        for g in &p.log_groups {
            let value = match &runtime_id {
                // Not deployed yet: nothing can have made the group.
                None => CREATE,
                Some(_) if deployer.has_resource(&p.stack, &g.logical_id).await? => CREATE,
                Some(id) => {
                    let name = log_group_name(id, &g.endpoint);
                    if logs.exists(&name).await? {
                        notes.push(format!(
                            "log group {name} was made by the service at a first invocation; it is left as it is, without the environment's retention and key (to have corestack manage it, delete it, or set them with aws logs put-retention-policy and associate-kms-key)"
                        ));
                        EXISTING
                    } else {
                        CREATE
                    }
                }
            };
            values.insert(g.parameter.clone(), value.to_string());
        }
    }
    Ok((values, notes))
}
