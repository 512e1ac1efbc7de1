//! `corestack permissions`: the deployer's IAM policy for this project and environment.

use std::io::Write;

use corestack_app::config::Source;

use crate::Failure;

#[derive(Debug, clap::Args)]
pub(crate) struct PermissionsArgs {
    #[command(flatten)]
    cfg: Source,
    /// One part, as its own document: `corestack` (its own calls) or `cloudformation` (what
    /// CloudFormation does with your credentials). Each fits one managed policy; the whole may not.
    #[arg(long, value_parser = ["corestack", "cloudformation"])]
    part: Option<String>,
}

/// Prints the policy document: corestack's own calls on this project's resources, then what
/// CloudFormation does with the deployer's credentials for the templates' resource types.
pub(crate) fn run_permissions(args: &PermissionsArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let settings = args.cfg.load(err)?;
    let assembly = corestack_app::synth(&settings)?;
    let policy = corestack_deploy::permissions::deployer_policy(&settings, &assembly)?;
    use corestack_deploy::permissions::Part;
    let document = match args.part.as_deref() {
        Some("corestack") => policy.part(Part::Own),
        Some(_) => policy.part(Part::ViaCloudFormation),
        None => policy.to_json(),
    };
    let text = serde_json::to_string_pretty(&document).expect("a policy is JSON");
    writeln!(out, "{text}")?;
    Ok(())
}
