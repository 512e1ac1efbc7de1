//! Reliability, operational and cost rules about runtimes, alarms, logs and tags.

use corestack_cfn::TagForm;

use super::{Emit, list, runtimes};
use crate::model::Model;

pub(crate) fn lifecycle(m: &Model, e: &mut Emit<'_>) {
    for rt in runtimes(m) {
        let l = &rt.props["LifecycleConfiguration"];
        if l.get("IdleRuntimeSessionTimeout").is_none() || l.get("MaxLifetime").is_none() {
            e.at(
                rt.doc,
                rt.id,
                "Properties/LifecycleConfiguration",
                "the session lifecycle is left to the defaults".into(),
                "set IdleRuntimeSessionTimeout and MaxLifetime (60-28800 s, idle <= max)",
            );
        }
    }
}

pub(crate) fn alarms(m: &Model, e: &mut Emit<'_>) {
    // (runtime, metric) for every alarm on the AgentCore namespace whose Resource dimension resolves.
    let watched: Vec<((usize, String), String)> = m
        .resources_of("AWS::CloudWatch::Alarm")
        .filter(|(_, _, r)| r["Properties"]["Namespace"] == "AWS/Bedrock-AgentCore")
        .filter_map(|(d, _, r)| {
            let dim = list(&r["Properties"]["Dimensions"]).into_iter().find(|x| x["Name"] == "Resource")?;
            Some((m.target(d, &dim["Value"])?, r["Properties"]["MetricName"].as_str()?.to_string()))
        })
        .collect();
    for rt in runtimes(m) {
        let me = (rt.doc, rt.id.to_string());
        let has = |names: &[&str]| watched.iter().any(|(t, metric)| *t == me && names.contains(&metric.as_str()));
        let mut missing = Vec::new();
        if !has(&["SystemErrors", "UserErrors", "Errors"]) {
            missing.push("errors");
        }
        if !has(&["Latency"]) {
            missing.push("latency");
        }
        if !missing.is_empty() {
            e.at(rt.doc, rt.id, "", format!("no alarm on the runtime's {}", missing.join(" or ")), "add AWS/Bedrock-AgentCore alarms (SystemErrors, UserErrors, Latency) with the dimensions Operation, Name and Resource = the runtime ARN");
        }
    }
}

/// In production an alarm that notifies nobody is only a red line on a dashboard nobody watches.
pub(crate) fn alarms_notify(m: &Model, e: &mut Emit<'_>) {
    if !m.production {
        return;
    }
    for (doc, id, r) in m.resources_of("AWS::CloudWatch::Alarm") {
        if list(&r["Properties"]["AlarmActions"]).is_empty() {
            e.at(
                doc,
                id,
                "Properties/AlarmActions",
                "the alarm notifies nobody".into(),
                "set [monitoring] alarm_emails (corestack makes an encrypted SNS topic) or alarm_actions (SNS topic ARNs), or suppress OPS03 with a reason",
            );
        }
    }
}

pub(crate) fn log_retention(m: &Model, e: &mut Emit<'_>) {
    for (doc, id, r) in m.resources_of("AWS::Logs::LogGroup") {
        if r["Properties"].get("RetentionInDays").is_none() {
            e.at(
                doc,
                id,
                "Properties/RetentionInDays",
                "the log group keeps logs forever".into(),
                "set RetentionInDays",
            );
        }
    }
}

/// A runtime whose log group nobody makes gets the one the service creates at the first
/// invocation: no retention, no customer key. It is recognised by its name, which refers to the
/// runtime's ID under `/aws/bedrock-agentcore/runtimes/`.
pub(crate) fn runtime_log_groups(m: &Model, e: &mut Emit<'_>) {
    let named: Vec<(usize, String)> = m
        .resources_of("AWS::Logs::LogGroup")
        .map(|(doc, _, r)| (doc, r["Properties"]["LogGroupName"].to_string()))
        .filter(|(_, name)| name.contains("/aws/bedrock-agentcore/runtimes/"))
        .collect();
    for rt in runtimes(m) {
        let made = named.iter().any(|(doc, name)| *doc == rt.doc && name.contains(&format!("\"{}\"", rt.id)));
        if !made {
            e.at(
                rt.doc,
                rt.id,
                "",
                "nothing makes the runtime's log group, so the service creates it at the first invocation, keeping logs forever without a customer key".into(),
                "add an AWS::Logs::LogGroup named !Sub /aws/bedrock-agentcore/runtimes/${<Runtime>.AgentRuntimeId}-DEFAULT (and one per endpoint) with RetentionInDays and KmsKeyId; corestack's stacks do",
            );
        }
    }
}

/// In production a runtime must deliver its application logs and its traces: without them the
/// service's own record of each invocation is gone, and AgentCore's observability pages are empty.
/// A delivery counts when an `AWS::Logs::Delivery` names a delivery source (by `Ref`) whose
/// `ResourceArn` refers to the runtime and whose `LogType` is the one needed.
pub(crate) fn runtime_deliveries(m: &Model, e: &mut Emit<'_>) {
    if !m.production {
        return;
    }
    // The sources some delivery names, with the resource each is of and its log type.
    let delivered: Vec<(usize, String)> = m
        .resources_of("AWS::Logs::Delivery")
        .filter_map(|(doc, _, r)| m.target(doc, &r["Properties"]["DeliverySourceName"]))
        .collect();
    let sources: Vec<((usize, String), &str)> = m
        .resources_of("AWS::Logs::DeliverySource")
        .filter(|(doc, id, _)| delivered.iter().any(|(d, i)| d == doc && i == id))
        .filter_map(|(doc, _, r)| {
            Some((m.target(doc, &r["Properties"]["ResourceArn"])?, r["Properties"]["LogType"].as_str()?))
        })
        .collect();
    for rt in runtimes(m) {
        let delivers = |kind: &str| sources.iter().any(|((d, of), t)| *d == rt.doc && of == rt.id && *t == kind);
        let missing: Vec<&str> = ["APPLICATION_LOGS", "TRACES"].into_iter().filter(|k| !delivers(k)).collect();
        if !missing.is_empty() {
            e.at(
                rt.doc,
                rt.id,
                "",
                format!("the runtime delivers no {} in a production environment", missing.join(" and ")),
                "set [observability] deliveries to include application_logs and traces (corestack makes the delivery sources, destinations and deliveries), or suppress OPS05 with a reason",
            );
        }
    }
}

/// The four tags the seed requires.
pub(crate) const COST_TAGS: [&str; 4] = ["Project", "Environment", "Owner", "CostCenter"];

pub(crate) fn cost_tags(m: &Model, e: &mut Emit<'_>) {
    for (doc, id, r) in m.all_resources() {
        let Some(info) = r["Type"].as_str().and_then(corestack_cfn::resources::type_info) else { continue };
        let tags = &r["Properties"]["Tags"];
        let value = |k: &str| -> Option<String> {
            match info.tags {
                TagForm::Map => m.text(doc, &tags[k]),
                TagForm::List => list(tags).into_iter().find(|t| t["Key"] == k).and_then(|t| m.text(doc, &t["Value"])),
                TagForm::None => Some("n/a".into()),
            }
        };
        let missing: Vec<&str> =
            COST_TAGS.into_iter().filter(|k| value(k).is_none_or(|v| v.trim().is_empty())).collect();
        if info.tags != TagForm::None && !missing.is_empty() {
            let form = if info.tags == TagForm::Map { "a map" } else { "a list of Key/Value" };
            e.at(
                doc,
                id,
                "Properties/Tags",
                format!("missing or empty tag(s): {}", missing.join(", ")),
                &format!("tag it with Project, Environment, Owner and CostCenter ({form} for this type)"),
            );
        }
    }
}
