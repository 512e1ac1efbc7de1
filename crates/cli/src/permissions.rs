//! `corestack permissions`: the deployer's IAM policy for this project and environment.

use std::io::Write;

use crate::{ConfigArgs, Failure};

#[derive(Debug, clap::Args)]
pub(crate) struct PermissionsArgs {
    #[command(flatten)]
    cfg: ConfigArgs,
}

/// Prints the policy document: corestack's own calls on this project's resources, then what
/// CloudFormation does with the deployer's credentials for the templates' resource types.
pub(crate) fn run_permissions(args: &PermissionsArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let settings = args.cfg.load(err)?;
    let assembly = corestack_app::synth(&settings)?;
    let policy = corestack_deploy::permissions::deployer_policy(&settings, &assembly);
    let text = serde_json::to_string_pretty(&policy.to_json()).expect("a policy is JSON");
    writeln!(out, "{text}")?;
    Ok(())
}
