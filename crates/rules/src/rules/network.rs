//! VPC isolation and multi-AZ rules: they follow a runtime's subnets to route tables, the VPC and
//! its endpoints, wherever in the assembly those are declared.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Emit, list, route_tables, runtimes, statements_by_role, vpc_of};
use crate::model::{Model, Resolved};

pub(crate) fn vpc_mode(m: &Model, e: &mut Emit<'_>) {
    for rt in runtimes(m) {
        let mode = rt.props["NetworkConfiguration"]["NetworkMode"].as_str().unwrap_or("(unset)");
        if mode != "VPC" {
            e.at(
                rt.doc,
                rt.id,
                "Properties/NetworkConfiguration/NetworkMode",
                format!("the runtime runs in {mode} network mode"),
                "use NetworkMode: VPC with private subnets, or suppress VPC01 for this runtime with a reason",
            );
        }
    }
}

/// Whether a route sends traffic to an internet gateway (declared in the model, or a literal igw-).
fn to_internet(m: &Model, doc: usize, route: &Value) -> bool {
    let gw = &route["Properties"]["GatewayId"];
    match m.resolve(doc, gw) {
        Resolved::Resource { doc, id, .. } => {
            m.resource(doc, &id).is_some_and(|r| r["Type"] == "AWS::EC2::InternetGateway")
        }
        Resolved::Literal(Value::String(s)) => s.starts_with("igw-"),
        _ => false,
    }
}

pub(crate) fn private_subnets(m: &Model, e: &mut Emit<'_>) {
    for rt in runtimes(m) {
        for subnet in &rt.subnets {
            for table in route_tables(m, subnet) {
                let public = m.resources_of("AWS::EC2::Route").any(|(d, _, r)| {
                    m.target(d, &r["Properties"]["RouteTableId"]).as_ref() == Some(&table) && to_internet(m, d, r)
                });
                if public {
                    e.at(
                        rt.doc,
                        rt.id,
                        "Properties/NetworkConfiguration/NetworkModeConfig/Subnets",
                        format!("subnet {} routes to an internet gateway (route table {})", subnet.1, table.1),
                        "place runtimes in private subnets; give them egress through NAT or VPC endpoints",
                    );
                }
            }
        }
    }
}

/// An endpoint of the VPC: its service suffix (after the region), type, private DNS, route tables.
struct Endpoint {
    service: String,
    kind: String,
    private_dns: bool,
    route_tables: Vec<(usize, String)>,
}

fn endpoints(m: &Model, vpc: &(usize, String)) -> Vec<Endpoint> {
    m.resources_of("AWS::EC2::VPCEndpoint")
        .filter(|(d, _, r)| m.target(*d, &r["Properties"]["VpcId"]).as_ref() == Some(vpc))
        .map(|(d, _, r)| {
            let p = &r["Properties"];
            let name = m.text(d, &p["ServiceName"]).unwrap_or_default();
            // com.amazonaws.<region>.<service>: the region may be ${AWS::Region}.
            let service = name.splitn(4, '.').nth(3).unwrap_or_default().to_string();
            Endpoint {
                service,
                kind: p["VpcEndpointType"].as_str().unwrap_or("Gateway").to_string(),
                private_dns: p["PrivateDnsEnabled"] == Value::Bool(true),
                route_tables: list(&p["RouteTableIds"]).into_iter().filter_map(|t| m.target(d, t)).collect(),
            }
        })
        .collect()
}

fn interface_missing(eps: &[Endpoint], service: &str) -> Option<String> {
    match eps.iter().find(|x| x.service == service && x.kind == "Interface") {
        None => Some(format!("no {service} interface endpoint")),
        Some(x) if !x.private_dns => Some(format!("the {service} endpoint has private DNS off")),
        Some(_) => None,
    }
}

pub(crate) fn required_endpoints(m: &Model, e: &mut Emit<'_>) {
    for rt in runtimes(m) {
        if rt.props["NetworkConfiguration"]["NetworkMode"] != "VPC" {
            continue;
        }
        let Some(vpc) = rt.subnets.first().and_then(|s| vpc_of(m, s)) else { continue };
        let eps = endpoints(m, &vpc);
        let mut missing: Vec<String> =
            ["ecr.api", "ecr.dkr", "logs"].into_iter().filter_map(|s| interface_missing(&eps, s)).collect();
        let tables: BTreeSet<(usize, String)> = rt.subnets.iter().flat_map(|s| route_tables(m, s)).collect();
        let s3 = eps.iter().find(|x| x.service == "s3" && x.kind == "Gateway");
        match s3 {
            None => missing.push("no s3 gateway endpoint".into()),
            Some(x) => {
                let uncovered: Vec<&str> =
                    tables.iter().filter(|t| !x.route_tables.contains(t)).map(|t| t.1.as_str()).collect();
                if !uncovered.is_empty() {
                    missing.push(format!("the s3 gateway endpoint is not on route table(s) {}", uncovered.join(", ")));
                }
            }
        }
        if !missing.is_empty() {
            e.at(rt.doc, rt.id, "Properties/NetworkConfiguration/NetworkModeConfig/Subnets", format!("VPC {}: {}", vpc.1, missing.join("; ")), "add interface endpoints (private DNS on) for ecr.api, ecr.dkr and logs, and the s3 gateway endpoint on the runtime subnets' route tables");
        }
    }
}

pub(crate) fn bedrock_endpoint(m: &Model, e: &mut Emit<'_>) {
    let by_role = statements_by_role(m);
    for rt in runtimes(m) {
        if rt.props["NetworkConfiguration"]["NetworkMode"] != "VPC" {
            continue;
        }
        let Some(role) = m.target(rt.doc, &rt.props["RoleArn"]) else { continue };
        let invokes =
            by_role.get(&role).into_iter().flatten().filter(|s| s.allows()).flat_map(|s| s.actions()).any(|a| {
                let a = a.to_ascii_lowercase();
                a == "*" || a == "bedrock:*" || a.starts_with("bedrock:invokemodel")
            });
        let Some(vpc) = rt.subnets.first().and_then(|s| vpc_of(m, s)) else { continue };
        if invokes && let Some(problem) = interface_missing(&endpoints(m, &vpc), "bedrock-runtime") {
            e.at(
                rt.doc,
                rt.id,
                "Properties/RoleArn",
                format!("the role may invoke models, but VPC {} has {problem}", vpc.1),
                "add a com.amazonaws.<region>.bedrock-runtime interface endpoint with private DNS",
            );
        }
    }
}

/// The AZ of a subnet, as written: an AZ ID, a name, or a `Fn::Select` of `Fn::GetAZs`.
fn zone(m: &Model, subnet: &(usize, String)) -> Option<String> {
    let p = &m.resource(subnet.0, &subnet.1)?["Properties"];
    if let Some(id) = m.text(subnet.0, &p["AvailabilityZoneId"]) {
        return Some(id);
    }
    let az = &p["AvailabilityZone"];
    if let Some(select) = az.get("Fn::Select").and_then(Value::as_array) {
        return Some(format!("select-{}", select.first()?));
    }
    m.text(subnet.0, az)
}

pub(crate) fn multi_az(m: &Model, e: &mut Emit<'_>) {
    for rt in runtimes(m) {
        if rt.props["NetworkConfiguration"]["NetworkMode"] != "VPC" {
            continue;
        }
        let known: BTreeSet<String> = rt.subnets.iter().filter_map(|s| zone(m, s)).collect();
        let unresolved = rt.subnet_values.len() - rt.subnets.len();
        // Subnets given as IDs from elsewhere cannot be placed; count them as possibly distinct.
        if known.len() + unresolved < 2 {
            let what = if rt.subnet_values.len() < 2 {
                format!("{} subnet(s)", rt.subnet_values.len())
            } else {
                format!("subnets all in {}", known.iter().next().cloned().unwrap_or_default())
            };
            e.at(
                rt.doc,
                rt.id,
                "Properties/NetworkConfiguration/NetworkModeConfig/Subnets",
                format!("the runtime has {what}: one Availability Zone"),
                "give the runtime private subnets in at least two supported AZ IDs",
            );
        }
    }
}

pub(crate) fn flow_logs(m: &Model, e: &mut Emit<'_>) {
    let logged: Vec<(usize, String)> = m
        .resources_of("AWS::EC2::FlowLog")
        .filter_map(|(d, _, r)| m.target(d, &r["Properties"]["ResourceId"]))
        .collect();
    for (doc, id, _) in m.resources_of("AWS::EC2::VPC") {
        if !logged.contains(&(doc, id.to_string())) {
            e.at(
                doc,
                id,
                "",
                "the VPC has no flow log".into(),
                "add an AWS::EC2::FlowLog with ResourceType VPC and TrafficType ALL to an encrypted log group",
            );
        }
    }
}
