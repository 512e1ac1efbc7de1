//! Alarms and a dashboard on what memories and gateways publish to `AWS/Bedrock-AgentCore`:
//! `Invocations`, `SystemErrors`, `UserErrors`, `Throttles` and `Latency` (AgentCore developer
//! guide, "AgentCore generated gateway observability data" and the memory metrics page). Their
//! dimension sets vary by operation, method and tool, so each alarm and widget uses a CloudWatch
//! Metrics Insights query on the resource's ARN (`WHERE Resource = '<arn>'`), which sums every
//! dimension set of that resource.

use std::collections::BTreeMap;

use corestack_cfn::resources::cloudwatch::{Alarm, Dashboard};
use corestack_cfn::{Expr, Stack, pascal_case};
use serde_json::json;

use crate::Error;
use crate::monitoring::{NAMESPACE, Thresholds};

/// A memory or gateway to watch.
#[derive(Clone, Debug)]
pub struct WatchedResource {
    /// `memory` or `gateway`.
    pub kind: &'static str,
    /// Its AgentCore name.
    pub name: String,
    /// Its ARN.
    pub arn: Expr,
}

fn query(function: &str, metric: &str, var: &str) -> String {
    format!("SELECT {function}({metric}) FROM \"{NAMESPACE}\" WHERE Resource = '${{{var}}}'")
}

/// Three alarms per resource (system errors, user errors, throttles) on `t`'s thresholds,
/// notifying `actions`.
pub fn alarms(
    stack: &mut Stack,
    watched: &[WatchedResource],
    t: &Thresholds,
    actions: &[Expr],
) -> Result<usize, Error> {
    let mut count = 0;
    for w in watched {
        for (metric, threshold, what) in [
            ("SystemErrors", t.system_errors, "system errors at or above"),
            ("UserErrors", t.user_errors, "user errors at or above"),
            ("Throttles", t.throttles, "throttled requests at or above"),
        ] {
            let expression =
                Expr::Sub(query("SUM", metric, "Arn"), BTreeMap::from([("Arn".to_string(), w.arn.clone())]));
            stack.add(
                &format!("{}{metric}Alarm", pascal_case(&w.name)),
                Alarm {
                    alarm_description: Some(
                        format!("{} {}: {what} {threshold} per {} s", w.kind, w.name, t.period_seconds).into(),
                    ),
                    metrics: vec![Expr::map([
                        ("Id", Expr::from("q")),
                        ("Expression", expression),
                        ("Period", Expr::Int(i64::from(t.period_seconds))),
                        ("ReturnData", Expr::Bool(true)),
                    ])],
                    evaluation_periods: t.evaluation_periods.into(),
                    datapoints_to_alarm: Some(t.evaluation_periods.into()),
                    threshold: Some(threshold.into()),
                    comparison_operator: "GreaterThanOrEqualToThreshold".into(),
                    treat_missing_data: Some("notBreaching".into()),
                    ok_actions: actions.to_vec(),
                    alarm_actions: actions.to_vec(),
                    ..Default::default()
                },
            )?;
            count += 1;
        }
    }
    Ok(count)
}

/// A dashboard `name` with a row per resource: requests, errors, latency, throttles.
pub fn dashboard(stack: &mut Stack, name: &str, watched: &[WatchedResource]) -> Result<(), Error> {
    let mut widgets = Vec::new();
    let mut vars = BTreeMap::new();
    for (i, w) in watched.iter().enumerate() {
        let var = format!("Resource{i}");
        vars.insert(var.clone(), w.arn.clone());
        let panels = [
            ("Requests", vec![("SUM", "Invocations")]),
            ("Errors", vec![("SUM", "SystemErrors"), ("SUM", "UserErrors")]),
            ("Latency (ms)", vec![("AVG", "Latency"), ("MAX", "Latency")]),
            ("Throttles", vec![("SUM", "Throttles")]),
        ];
        for (x, (title, series)) in panels.into_iter().enumerate() {
            let metrics: Vec<serde_json::Value> = series
                .iter()
                .enumerate()
                .map(|(j, (f, m))| json!([{"expression": query(f, m, &var), "label": format!("{m} {f}"), "id": format!("q{j}")}]))
                .collect();
            widgets.push(json!({
                "type": "metric", "x": x * 6, "y": i * 6, "width": 6, "height": 6,
                "properties": {"title": format!("{} {} {title}", w.kind, w.name), "metrics": metrics,
                               "region": "${AWS::Region}", "period": 300, "view": "timeSeries"}
            }));
        }
    }
    let body = json!({ "widgets": widgets }).to_string();
    stack.add(
        "PlatformDashboard",
        Dashboard { dashboard_name: Some(name.into()), dashboard_body: Expr::Sub(body, vars), tags: vec![] },
    )?;
    Ok(())
}
