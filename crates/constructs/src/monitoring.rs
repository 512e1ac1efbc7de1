//! Alarms and a dashboard on the runtime metrics (namespace `AWS/Bedrock-AgentCore`, facts §10).

use corestack_cfn::resources::cloudwatch::{Alarm, Dashboard, Dimension};
use corestack_cfn::resources::sns::{Subscription, Topic};
use corestack_cfn::{Expr, Handle, Stack, pascal_case};
use serde_json::json;

use crate::Error;

/// The metric namespace of AgentCore Runtime.
pub const NAMESPACE: &str = "AWS/Bedrock-AgentCore";

/// When alarms fire. What each metric measures decides its default (AgentCore Developer Guide,
/// "AgentCore generated runtime observability data"): runtime `Latency` runs from the request to
/// the *last* response token, so for an agent that calls a model it is the whole model turn, often
/// tens of seconds; an average of a few seconds would fire on every call. The default alarm is on
/// the 95th percentile at two minutes: one request in twenty taking that long is worth a look,
/// well before the 15-minute limit of a synchronous request.
#[derive(Clone, Debug, PartialEq)]
pub struct Thresholds {
    /// Latency in milliseconds, at `latency_statistic`, over a period.
    pub latency_ms: u32,
    /// The latency statistic: `p95` (default), any `pNN`, `Average` or `Maximum`.
    pub latency_statistic: String,
    /// System (service-side) errors in a period.
    pub system_errors: u32,
    /// User (caller or container) errors in a period.
    pub user_errors: u32,
    /// Throttled invocations in a period.
    pub throttles: u32,
    /// The period, in seconds.
    pub period_seconds: u32,
    /// How many periods in a row before the alarm fires.
    pub evaluation_periods: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            latency_ms: 120_000,
            latency_statistic: "p95".into(),
            system_errors: 1,
            user_errors: 5,
            throttles: 1,
            period_seconds: 300,
            evaluation_periods: 1,
        }
    }
}

/// One runtime to watch.
#[derive(Clone, Debug)]
pub struct WatchedRuntime {
    /// The runtime name.
    pub name: String,
    /// Its ARN (usually imported from the AgentCore stack).
    pub arn: Expr,
    /// The endpoints to watch, `DEFAULT` included.
    pub endpoints: Vec<String>,
}

/// The per-endpoint metric dimensions; an alarm must name all three to match.
fn dimensions(w: &WatchedRuntime, endpoint: &str) -> Vec<Dimension> {
    vec![
        Dimension { name: "Operation".into(), value: "InvokeAgentRuntime".into() },
        Dimension { name: "Name".into(), value: format!("{}::{endpoint}", w.name).into() },
        Dimension { name: "Resource".into(), value: w.arn.clone() },
    ]
}

/// Whether a statistic is a percentile (`p95`, `p99.9`), which CloudWatch takes as an extended
/// statistic.
pub fn is_percentile(statistic: &str) -> bool {
    statistic.strip_prefix('p').is_some_and(|n| n.parse::<f64>().is_ok_and(|n| (0.0..=100.0).contains(&n)))
}

/// Adds four alarms per watched endpoint: latency, system errors, user errors and throttles, each
/// notifying `actions` (SNS topic ARNs) when it fires and when it clears.
pub fn alarms(stack: &mut Stack, watched: &[WatchedRuntime], t: &Thresholds, actions: &[Expr]) -> Result<usize, Error> {
    let mut count = 0;
    for w in watched {
        for endpoint in &w.endpoints {
            let latency = format!("{} latency to the last token (ms) at or above", t.latency_statistic);
            let specs = [
                ("Latency", t.latency_statistic.as_str(), t.latency_ms, latency.as_str()),
                ("SystemErrors", "Sum", t.system_errors, "system errors at or above"),
                ("UserErrors", "Sum", t.user_errors, "user errors at or above"),
                ("Throttles", "Sum", t.throttles, "throttled invocations at or above"),
            ];
            for (metric, statistic, threshold, what) in specs {
                let alarm_actions: Vec<Expr> = actions.to_vec();
                let (statistic, extended_statistic) = if is_percentile(statistic) {
                    (None, Some(statistic.into()))
                } else {
                    (Some(statistic.into()), None)
                };
                stack.add(
                    &format!("{}{}{metric}Alarm", pascal_case(&w.name), pascal_case(endpoint)),
                    Alarm {
                        alarm_description: Some(
                            format!("{}::{endpoint}: {what} {threshold} per {} s", w.name, t.period_seconds).into(),
                        ),
                        namespace: Some(NAMESPACE.into()),
                        metric_name: Some(metric.into()),
                        dimensions: dimensions(w, endpoint),
                        statistic,
                        extended_statistic,
                        period: Some(t.period_seconds.into()),
                        evaluation_periods: t.evaluation_periods.into(),
                        datapoints_to_alarm: Some(t.evaluation_periods.into()),
                        threshold: Some(threshold.into()),
                        comparison_operator: "GreaterThanOrEqualToThreshold".into(),
                        treat_missing_data: Some("notBreaching".into()),
                        ok_actions: alarm_actions.clone(),
                        alarm_actions,
                        metrics: vec![],
                        tags: vec![],
                    },
                )?;
                count += 1;
            }
        }
    }
    Ok(count)
}

/// Adds the SNS topic alarms notify, encrypted with `key`, with an email subscription per address
/// (each address must confirm it once, from the message AWS sends).
pub fn alarm_topic(stack: &mut Stack, emails: &[String], key: Expr) -> Result<Handle<Topic>, Error> {
    Ok(stack.add(
        "AlarmTopic",
        Topic {
            display_name: Some("corestack alarms".into()),
            kms_master_key_id: Some(key),
            subscription: emails
                .iter()
                .map(|e| Subscription { endpoint: e.as_str().into(), protocol: "email".into() })
                .collect(),
            tags: vec![],
        },
    )?)
}

/// Adds one dashboard with a row per watched endpoint: invocations, errors, latency, throttles.
pub fn dashboard(stack: &mut Stack, name: &str, watched: &[WatchedRuntime]) -> Result<(), Error> {
    let mut widgets = Vec::new();
    let mut vars = std::collections::BTreeMap::new();
    let mut y = 0;
    for (i, w) in watched.iter().enumerate() {
        let var = format!("Runtime{i}");
        vars.insert(var.clone(), w.arn.clone());
        for endpoint in &w.endpoints {
            let dims = |metric: &str, stat: &str| json!([NAMESPACE, metric, "Operation", "InvokeAgentRuntime", "Name", format!("{}::{endpoint}", w.name), "Resource", format!("${{{var}}}"), {"stat": stat}]);
            let panels = [
                ("Invocations", vec![dims("Invocations", "Sum")]),
                ("Errors", vec![dims("SystemErrors", "Sum"), dims("UserErrors", "Sum")]),
                ("Latency to last token (ms)", vec![dims("Latency", "p50"), dims("Latency", "p95")]),
                ("Throttles", vec![dims("Throttles", "Sum")]),
            ];
            for (x, (title, metrics)) in panels.into_iter().enumerate() {
                widgets.push(json!({
                    "type": "metric", "x": x * 6, "y": y, "width": 6, "height": 6,
                    "properties": {"title": format!("{}::{endpoint} {title}", w.name), "metrics": metrics,
                                   "region": "${AWS::Region}", "period": 300, "view": "timeSeries"}
                }));
            }
            y += 6;
        }
    }
    let body = json!({ "widgets": widgets }).to_string();
    stack.add(
        "Dashboard",
        Dashboard { dashboard_name: Some(name.into()), dashboard_body: Expr::Sub(body, vars), tags: vec![] },
    )?;
    Ok(())
}
