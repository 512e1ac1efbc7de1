//! The account-wide stacks of an assembly (today: CloudWatch Transaction Search, one setting per
//! account and Region). Deploy never fights a setting made elsewhere: when the stack is not there
//! and X-Ray already sends spans to CloudWatch Logs, the stack is left out and deploy says what it
//! found. Destroy leaves such stacks, since other projects in the account may rely on them.

use aws_sdk_xray::Client;

use crate::{AwsFailure, DeployError, Deployer, StackPlan};

/// Where the account's spans go now, as X-Ray reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentDestination {
    /// `XRay` or `CloudWatchLogs` (Transaction Search on).
    pub destination: String,
    /// `ACTIVE` or `PENDING`.
    pub status: String,
}

/// Reads the account's trace segment destination (`xray:GetTraceSegmentDestination`).
pub async fn segment_destination(config: &aws_config::SdkConfig) -> Result<SegmentDestination, DeployError> {
    let out =
        Client::new(config).get_trace_segment_destination().send().await.map_err(|e| {
            DeployError::Aws(Box::new(AwsFailure::from_sdk("xray:GetTraceSegmentDestination", None, &e)))
        })?;
    Ok(SegmentDestination {
        destination: out.destination().map(|d| d.as_str().to_string()).unwrap_or_else(|| "XRay".into()),
        status: out.status().map(|s| s.as_str().to_string()).unwrap_or_else(|| "ACTIVE".into()),
    })
}

/// Keeps each account-wide plan (named in `account_wide`) that this account should deploy: its
/// stack exists (corestack manages it), or the setting is off. Returns the plans and a line for
/// each account-wide stack saying what was decided.
pub async fn settle(
    config: &aws_config::SdkConfig,
    deployer: &Deployer,
    plans: Vec<StackPlan>,
    account_wide: &[String],
) -> Result<(Vec<StackPlan>, Vec<String>), DeployError> {
    let mut kept = Vec::new();
    let mut notes = Vec::new();
    let region = config.region().map(|r| r.to_string()).unwrap_or_default();
    for plan in plans {
        if !account_wide.contains(&plan.name) {
            kept.push(plan);
            continue;
        }
        if deployer.exists(&plan.name).await? {
            notes.push(format!("Transaction Search in {region} is managed by stack {}: kept up to date", plan.name));
            kept.push(plan);
            continue;
        }
        let now = segment_destination(config).await?;
        if now.destination == "CloudWatchLogs" {
            notes.push(format!(
                "Transaction Search is already on in {region} (spans go to CloudWatch Logs, {}), set up outside corestack: left as it is, stack {} not deployed",
                now.status, plan.name
            ));
        } else {
            notes.push(format!(
                "Transaction Search is off in {region} (spans go to {}): stack {} turns it on for the whole account and Region",
                now.destination, plan.name
            ));
            kept.push(plan);
        }
    }
    Ok((kept, notes))
}

/// When the config delivers traces to X-Ray (`delivers_traces`) but the account's spans do not go to
/// CloudWatch Logs (and the deploy does not turn Transaction Search on): what to do, since
/// "To use X-Ray with AgentCore, you need to enable CloudWatch Transaction Search" (X-Ray
/// developer guide, AgentCore page) and `corestack traces` would find nothing. Best effort: an
/// answer that cannot be read says nothing.
pub async fn traces_hint(
    config: &aws_config::SdkConfig,
    delivers_traces: bool,
    plans: &[StackPlan],
    account_wide: &[String],
) -> Option<String> {
    let turning_on = plans.iter().any(|p| account_wide.contains(&p.name));
    if !delivers_traces || turning_on {
        return None;
    }
    let now = segment_destination(config).await.ok()?;
    let region = config.region().map(|r| r.to_string()).unwrap_or_default();
    (now.destination != "CloudWatchLogs").then(|| {
        format!(
            "note: the runtimes deliver traces, but CloudWatch Transaction Search is off in {region} (spans go to {}), and AgentCore traces are readable (corestack traces, the CloudWatch GenAI pages) only with it on: set transaction_search = true in [observability] (one setting for the account and Region; its indexing bills past the free 1%), or turn it on in the CloudWatch console",
            now.destination
        )
    })
}

/// The line destroy prints for an account-wide stack it leaves.
pub fn left_on_destroy(name: &str) -> String {
    format!(
        "left stack {name}: Transaction Search is one setting for the whole account and Region, which other projects may use; delete the stack yourself when nothing needs it"
    )
}
