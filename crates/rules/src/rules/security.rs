//! Security rules.

use corestack_cfn::policy::{Overreach, overreach};
use serde_json::Value;

use super::{Emit, StatementAt, iam_statements, list, runtimes};
use crate::model::Model;

pub(crate) fn ecr_kms(m: &Model, e: &mut Emit<'_>) {
    for (doc, id, r) in m.resources_of("AWS::ECR::Repository") {
        let t = r["Properties"]["EncryptionConfiguration"]["EncryptionType"].as_str();
        if !matches!(t, Some("KMS" | "KMS_DSSE")) {
            e.at(
                doc,
                id,
                "Properties/EncryptionConfiguration/EncryptionType",
                format!("repository encryption is {}", t.unwrap_or("AES256 (the default)")),
                "set EncryptionConfiguration: {EncryptionType: KMS, KmsKey: <key ARN>}",
            );
        }
    }
}

pub(crate) fn ecr_scan(m: &Model, e: &mut Emit<'_>) {
    for (doc, id, r) in m.resources_of("AWS::ECR::Repository") {
        if r["Properties"]["ImageScanningConfiguration"]["ScanOnPush"] != Value::Bool(true) {
            e.at(
                doc,
                id,
                "Properties/ImageScanningConfiguration/ScanOnPush",
                "images are not scanned on push".into(),
                "set ImageScanningConfiguration: {ScanOnPush: true}",
            );
        }
    }
}

pub(crate) fn ecr_immutable(m: &Model, e: &mut Emit<'_>) {
    for (doc, id, r) in m.resources_of("AWS::ECR::Repository") {
        let t = r["Properties"]["ImageTagMutability"].as_str();
        if !matches!(t, Some("IMMUTABLE" | "IMMUTABLE_WITH_EXCLUSION")) {
            e.at(
                doc,
                id,
                "Properties/ImageTagMutability",
                format!("image tags are {}", t.unwrap_or("MUTABLE (the default)")),
                "set ImageTagMutability: IMMUTABLE",
            );
        }
    }
}

pub(crate) fn kms_rotation(m: &Model, e: &mut Emit<'_>) {
    for (doc, id, r) in m.resources_of("AWS::KMS::Key") {
        let p = &r["Properties"];
        let symmetric = p["KeySpec"].as_str().is_none_or(|s| s == "SYMMETRIC_DEFAULT");
        if symmetric && p["EnableKeyRotation"] != Value::Bool(true) {
            e.at(
                doc,
                id,
                "Properties/EnableKeyRotation",
                "the key does not rotate".into(),
                "set EnableKeyRotation: true",
            );
        }
    }
}

pub(crate) fn log_group_kms(m: &Model, e: &mut Emit<'_>) {
    for (doc, id, r) in m.resources_of("AWS::Logs::LogGroup") {
        if r["Properties"].get("KmsKeyId").is_none() {
            e.at(
                doc,
                id,
                "Properties/KmsKeyId",
                "the log group is not encrypted with a KMS key".into(),
                "set KmsKeyId to a key whose policy lets logs.<region>.amazonaws.com use it",
            );
        }
    }
}

/// The statements' overreach, as the one judgement in `corestack_cfn::policy` sees it.
fn overreaching<'a>(m: &'a Model) -> Vec<(StatementAt<'a>, Vec<Overreach<'a>>)> {
    iam_statements(m)
        .into_iter()
        .filter(|s| s.allows())
        .map(|s| {
            let found = overreach(&s.actions(), s.star_resource());
            (s, found)
        })
        .filter(|(_, found)| !found.is_empty())
        .collect()
}

pub(crate) fn no_star_action(m: &Model, e: &mut Emit<'_>) {
    for (s, found) in overreaching(m) {
        for o in found {
            if let Overreach::WildcardAction(a) = o {
                e.at(
                    s.doc,
                    s.id,
                    &format!("{}/Action", s.below),
                    format!("the statement allows `{a}`"),
                    "list the actions the principal calls",
                );
            }
        }
    }
}

pub(crate) fn star_resource(m: &Model, e: &mut Emit<'_>) {
    for (s, found) in overreaching(m) {
        for o in found {
            if let Overreach::StarResource(scoped) = o {
                e.at(
                    s.doc,
                    s.id,
                    &format!("{}/Resource", s.below),
                    format!("`*` resource for {}, which support resource-level permissions", scoped.join(", ")),
                    "name the resource ARNs; keep `*` only for actions without resource-level permissions",
                );
            }
        }
    }
}

pub(crate) fn pass_role(m: &Model, e: &mut Emit<'_>) {
    for (s, found) in overreaching(m) {
        if found.contains(&Overreach::PassRoleOnStar) {
            e.at(
                s.doc,
                s.id,
                &format!("{}/Resource", s.below),
                "iam:PassRole is allowed on every role".into(),
                "allow iam:PassRole only on the execution role ARNs, with an iam:PassedToService condition",
            );
        }
    }
}

pub(crate) fn trust_conditions(m: &Model, e: &mut Emit<'_>) {
    for (doc, id, r) in m.resources_of("AWS::IAM::Role") {
        let statements = &r["Properties"]["AssumeRolePolicyDocument"]["Statement"];
        for (i, s) in list(statements).into_iter().enumerate() {
            let services = list(&s["Principal"]["Service"]);
            if !services.iter().any(|v| v.as_str() == Some("bedrock-agentcore.amazonaws.com")) {
                continue;
            }
            let keys: Vec<String> = s["Condition"]
                .as_object()
                .into_iter()
                .flat_map(|ops| ops.values())
                .filter_map(Value::as_object)
                .flat_map(|m| m.keys().map(|k| k.to_ascii_lowercase()))
                .collect();
            let missing: Vec<&str> = ["aws:SourceAccount", "aws:SourceArn"]
                .into_iter()
                .filter(|k| !keys.contains(&k.to_ascii_lowercase()))
                .collect();
            if !missing.is_empty() {
                let at = if statements.is_array() {
                    format!("Properties/AssumeRolePolicyDocument/Statement/{i}/Condition")
                } else {
                    "Properties/AssumeRolePolicyDocument/Statement/Condition".into()
                };
                e.at(doc, id, &at, format!("the AgentCore trust lacks {}", missing.join(" and ")), "add StringEquals aws:SourceAccount = ${AWS::AccountId} and ArnLike aws:SourceArn = arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:runtime/<name>-*");
            }
        }
    }
}

fn open(rule: &Value) -> Option<&'static str> {
    if rule["CidrIp"].as_str() == Some("0.0.0.0/0") {
        return Some("0.0.0.0/0");
    }
    (rule["CidrIpv6"].as_str() == Some("::/0")).then_some("::/0")
}

pub(crate) fn open_ingress(m: &Model, e: &mut Emit<'_>) {
    for (doc, id, r) in m.resources_of("AWS::EC2::SecurityGroup") {
        for (i, rule) in list(&r["Properties"]["SecurityGroupIngress"]).into_iter().enumerate() {
            if let Some(cidr) = open(rule) {
                e.at(
                    doc,
                    id,
                    &format!("Properties/SecurityGroupIngress/{i}"),
                    format!("ingress from {cidr}"),
                    "admit only the security groups or prefix lists that need access",
                );
            }
        }
    }
    for (doc, id, r) in m.resources_of("AWS::EC2::SecurityGroupIngress") {
        if let Some(cidr) = open(&r["Properties"]) {
            e.at(
                doc,
                id,
                "Properties",
                format!("ingress from {cidr}"),
                "admit only the security groups or prefix lists that need access",
            );
        }
    }
}

/// HTTPS, or the rule that matches nothing (used to remove the default allow-all).
fn limited(rule: &Value) -> bool {
    let nothing = rule["CidrIp"].as_str() == Some("255.255.255.255/32");
    let port = |k: &str| rule[k].as_i64().or_else(|| rule[k].as_str().and_then(|s| s.parse().ok()));
    let https =
        rule["IpProtocol"].as_str() == Some("tcp") && port("FromPort") == Some(443) && port("ToPort") == Some(443);
    nothing || https
}

/// A resource found in the model: its template, logical ID and body.
type Found<'a> = (usize, &'a str, &'a Value);

pub(crate) fn runtime_egress(m: &Model, e: &mut Emit<'_>) {
    let mut seen = std::collections::BTreeSet::new();
    // Separate egress rules by the group they belong to, found once.
    let mut egress_of: std::collections::HashMap<(usize, String), Vec<Found<'_>>> = Default::default();
    for (d, id, r) in m.resources_of("AWS::EC2::SecurityGroupEgress") {
        if let Some(group) = m.target(d, &r["Properties"]["GroupId"]) {
            egress_of.entry(group).or_default().push((d, id, r));
        }
    }
    for rt in runtimes(m) {
        for sg in list(&rt.props["NetworkConfiguration"]["NetworkModeConfig"]["SecurityGroups"]) {
            let Some(target) = m.target(rt.doc, sg) else { continue };
            if !seen.insert(target.clone()) {
                continue;
            }
            let Some(group) = m.resource(target.0, &target.1).filter(|r| r["Type"] == "AWS::EC2::SecurityGroup") else {
                continue;
            };
            let inline = list(&group["Properties"]["SecurityGroupEgress"]);
            let separate: Vec<Found<'_>> = egress_of.get(&target).cloned().unwrap_or_default();
            if inline.is_empty() && separate.is_empty() {
                e.at(
                    target.0,
                    &target.1,
                    "Properties/SecurityGroupEgress",
                    "no egress rule, so CloudFormation allows all egress".into(),
                    "allow tcp 443 to the VPC endpoints' security group and the S3 prefix list only",
                );
            }
            for (i, rule) in inline.into_iter().enumerate() {
                if !limited(rule) {
                    e.at(
                        target.0,
                        &target.1,
                        &format!("Properties/SecurityGroupEgress/{i}"),
                        "egress beyond HTTPS".into(),
                        "limit egress to tcp 443",
                    );
                }
            }
            for (d, id, r) in separate {
                if !limited(&r["Properties"]) {
                    e.at(
                        d,
                        id,
                        "Properties",
                        "egress beyond HTTPS from a runtime security group".into(),
                        "limit egress to tcp 443",
                    );
                }
            }
        }
    }
}

pub(crate) fn jwt_https(m: &Model, e: &mut Emit<'_>) {
    for (doc, id, r) in m.resources_of("AWS::BedrockAgentCore::Runtime") {
        let url = &r["Properties"]["AuthorizerConfiguration"]["CustomJWTAuthorizer"]["DiscoveryUrl"];
        if let Some(u) = m.text(doc, url)
            && let Err(v) = corestack_constructs::limits::jwt_discovery_url(&u)
        {
            e.at(
                doc,
                id,
                "Properties/AuthorizerConfiguration/CustomJWTAuthorizer/DiscoveryUrl",
                v.message,
                "use the issuer's https OpenID discovery URL",
            );
        }
    }
}
