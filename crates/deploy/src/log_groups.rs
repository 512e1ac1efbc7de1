//! Which runtime log groups a deploy creates: each endpoint's group is made by its AgentCore stack
//! (with the environment's retention and the project's key), unless the service already made it at
//! a first invocation, when CloudFormation could not create it. Then the stack leaves it as it is
//! (its parameter says `existing`) and the deploy says so.

use std::collections::BTreeMap;

use corestack_app::constructs::runtime_logs::{CREATE, EXISTING, log_group_name};

use crate::logs::LogReader;
use crate::{DeployError, Deployer};

/// Outputs or parameters of a stack, by key.
type Values = BTreeMap<String, String>;

/// The log-group parameters of every runtime, and a note for each group left as the service
/// made it. A group whose parameter the deployed stack already has at `create` is the stack's; any
/// other group of a deployed runtime is looked up, and left when it exists.
pub async fn states(
    deployer: &Deployer,
    logs: &LogReader,
    placements: &[corestack_app::RuntimeEntry],
) -> Result<(Values, Vec<String>), DeployError> {
    let mut values = BTreeMap::new();
    let mut notes = Vec::new();
    let mut deployed: BTreeMap<&str, (Values, Values)> = BTreeMap::new();
    for p in placements {
        if !deployed.contains_key(p.stack.as_str()) {
            deployed.insert(&p.stack, deployer.outputs_and_parameters(&p.stack).await?);
        }
        let (outputs, parameters) = &deployed[p.stack.as_str()];
        for g in &p.log_groups {
            let value = match outputs.get(&p.outputs.id) {
                // Not deployed yet: nothing can have made the group.
                None => CREATE,
                Some(_) if parameters.get(&g.parameter).is_some_and(|v| v == CREATE) => CREATE,
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
