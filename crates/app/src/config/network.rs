//! `[network]`: the VPC block, subnets by AZ ID, egress, endpoints, the S3 prefix list and flow
//! log retention, with the environment's `[environments.<name>.network]` over the file's.

use corestack_constructs::Problem;
use corestack_constructs::cidr::Cidr;
use corestack_constructs::limits;
use corestack_constructs::network::{Egress, NetworkProps, OPTIONAL_INTERFACE_ENDPOINTS, Zone};

use super::{NetworkSettings, Problems, defaults};
use crate::raw::RawNetwork;

/// Retention values CloudWatch Logs accepts.
pub(crate) const RETENTION_DAYS: &[u32] =
    &[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/// The network of the environment named `name` (`<project>-<env>`) in `region`.
pub(super) fn network(
    mut n: RawNetwork,
    over: &RawNetwork,
    region: &str,
    name: &str,
    problems: &mut Problems<'_>,
) -> NetworkSettings {
    n.merge(over);
    let vpc_cidr = vpc_cidr(&n, over, problems);
    let az_ids = n.availability_zone_ids.clone().unwrap_or_default();
    check_az_ids(&n, over, region, problems);
    let egress = match n.egress {
        Some(crate::raw::RawEgress::Nat) => Egress::Nat,
        Some(crate::raw::RawEgress::EndpointsOnly) | None => Egress::EndpointsOnly,
    };
    let sub_prefix = vpc_cidr.map(|c| (c.prefix() + 4).min(28));
    let plan_private = |i: u32| vpc_cidr.zip(sub_prefix).and_then(|(c, p)| c.subnet(p, i));
    let plan_public = |i: u32| vpc_cidr.zip(sub_prefix).and_then(|(c, p)| c.subnet(p, 8 + i));
    let zones = az_ids.len();
    let private = SubnetBlocks { field: "private_subnet_cidrs", set_by_env: over.private_subnet_cidrs.is_some() }
        .resolve(&n.private_subnet_cidrs, zones, &plan_private, true, problems);
    let public = SubnetBlocks { field: "public_subnet_cidrs", set_by_env: over.public_subnet_cidrs.is_some() }.resolve(
        &n.public_subnet_cidrs,
        zones,
        &plan_public,
        egress == Egress::Nat,
        problems,
    );
    let zones: Vec<Zone> = az_ids
        .iter()
        .zip(private.iter().zip(public.iter()))
        .filter_map(|(az, (pr, pu))| pr.map(|private_cidr| Zone { az_id: az.clone(), private_cidr, public_cidr: *pu }))
        .collect();
    let optional_endpoints = n
        .optional_endpoints
        .clone()
        .unwrap_or_else(|| OPTIONAL_INTERFACE_ENDPOINTS.iter().map(|s| s.to_string()).collect());
    let network_props = NetworkProps {
        name: name.to_string(),
        vpc_cidr: vpc_cidr.unwrap_or_else(|| defaults::VPC_CIDR.parse().expect("the default is a CIDR")),
        zones,
        egress,
        optional_endpoints,
    };
    if vpc_cidr.is_some() && network_props.zones.len() == az_ids.len() {
        construct_problems(&network_props, over, problems);
    }
    check_prefix_list(&n, over, region, problems);
    let flow_log_retention_days = n.flow_log_retention_days.unwrap_or(defaults::FLOW_LOG_RETENTION_DAYS);
    problems.retention(
        ("network", "flow_log_retention_days", over.flow_log_retention_days.is_some()),
        flow_log_retention_days,
    );
    NetworkSettings { props: network_props, s3_prefix_list_id: n.s3_prefix_list_id, flow_log_retention_days }
}

/// The VPC block, from /16 to /24 (a subnet per zone is planned inside it).
fn vpc_cidr(n: &RawNetwork, over: &RawNetwork, problems: &mut Problems<'_>) -> Option<Cidr> {
    let at = problems.key("network", "vpc_cidr", over.vpc_cidr.is_some());
    match n.vpc_cidr.as_deref().unwrap_or(defaults::VPC_CIDR).parse::<Cidr>() {
        Ok(c) if (16..=24).contains(&c.prefix()) => Some(c),
        Ok(c) => {
            problems.push(Problem::new(
                &at,
                format!("VPC block {c} must have a prefix from /16 to /24 (EC2 takes up to /28, but corestack plans a subnet per zone inside it)"),
                "use e.g. 10.0.0.0/16",
            ));
            None
        }
        Err(e) => {
            problems.push(Problem::new(&at, e.to_string(), "use e.g. 10.0.0.0/16"));
            None
        }
    }
}

/// The zones, required, by AZ ID, and among those AgentCore supports in the region.
fn check_az_ids(n: &RawNetwork, over: &RawNetwork, region: &str, problems: &mut Problems<'_>) {
    if region.is_empty() {
        return;
    }
    let at = problems.key("network", "availability_zone_ids", over.availability_zone_ids.is_some());
    let Some(az_ids) = &n.availability_zone_ids else {
        let hint = limits::supported_az_ids(region)
            .map(|s| s.join(", "))
            .unwrap_or_else(|| "the region's supported AZ IDs".into());
        problems.push(Problem::new(&at, "`availability_zone_ids` is required (zones differ per account by name, so corestack places subnets by AZ ID)".to_string(), format!("list two or more of {hint}")));
        return;
    };
    for (i, v) in limits::availability_zone_ids(region, az_ids) {
        let key = i.map(|i| format!("{at}[{i}]")).unwrap_or_else(|| at.clone());
        problems.push(Problem::from_violation(&key, v));
    }
}

/// One list of subnet blocks, a block per zone: given, or planned inside the VPC block.
struct SubnetBlocks {
    field: &'static str,
    set_by_env: bool,
}

impl SubnetBlocks {
    /// A block per zone (`None` where it is unplanned or wrong); given when not `wanted`, a
    /// problem.
    fn resolve(
        &self,
        list: &Option<Vec<String>>,
        zones: usize,
        plan: &dyn Fn(u32) -> Option<Cidr>,
        wanted: bool,
        problems: &mut Problems<'_>,
    ) -> Vec<Option<Cidr>> {
        let (field, at) = (self.field, problems.key("network", self.field, self.set_by_env));
        match list {
            Some(list) if !wanted => {
                if !list.is_empty() {
                    problems.push(Problem::new(
                        &at,
                        format!("`{field}` is only used with egress = \"nat\""),
                        "remove it, or set egress = \"nat\"",
                    ));
                }
                vec![None; zones]
            }
            Some(list) => {
                if list.len() != zones {
                    problems.push(Problem::new(
                        &at,
                        format!("{} block(s) for {zones} AZ ID(s)", list.len()),
                        "give one block per entry of availability_zone_ids, in the same order",
                    ));
                }
                (0..zones).map(|i| parsed_block(list.get(i), &format!("{at}[{i}]"), problems)).collect()
            }
            None if wanted => (0..zones as u32).map(plan).collect(),
            None => vec![None; zones],
        }
    }
}

fn parsed_block(given: Option<&String>, at: &str, problems: &mut Problems<'_>) -> Option<Cidr> {
    match given?.parse::<Cidr>() {
        Ok(c) => Some(c),
        Err(e) => {
            problems.push(Problem::new(at, e.to_string(), "write blocks like 10.0.0.0/20"));
            None
        }
    }
}

/// The network construct's own checks, under the keys the user wrote them at.
fn construct_problems(props: &NetworkProps, over: &RawNetwork, problems: &mut Problems<'_>) {
    for problem in corestack_constructs::network::PrivateNetwork::validate(props) {
        let field = problem.at.split('[').next().unwrap_or_default().to_string();
        let set_by_env = match field.as_str() {
            "private_subnet_cidrs" => over.private_subnet_cidrs.is_some(),
            "public_subnet_cidrs" => over.public_subnet_cidrs.is_some(),
            _ => over.optional_endpoints.is_some(),
        };
        let base = problems.key("network", &field, set_by_env);
        problems.push(Problem { at: problem.at.replacen(&field, &base, 1), ..problem });
    }
}

/// Optional: without it, the Security stack takes the list as a parameter that deploy fills
/// from ec2:DescribeManagedPrefixLists (corestack_deploy::prefix_list).
fn check_prefix_list(n: &RawNetwork, over: &RawNetwork, region: &str, problems: &mut Problems<'_>) {
    let Some(given) = &n.s3_prefix_list_id else { return };
    let at = problems.key("network", "s3_prefix_list_id", over.s3_prefix_list_id.is_some());
    let pl_ok = given
        .strip_prefix("pl-")
        .is_some_and(|h| (8..=17).contains(&h.len()) && h.chars().all(|c| c.is_ascii_hexdigit()));
    if !pl_ok {
        problems.push(Problem::new(
            &at,
            format!("`{given}` is not a prefix list ID (pl- and 8 to 17 hex digits)"),
            format!(
                "leave it out, and deploy looks up com.amazonaws.{region}.s3 itself; or copy the PrefixListId of `aws ec2 describe-managed-prefix-lists --region {region} --filters Name=prefix-list-name,Values=com.amazonaws.{region}.s3`"
            ),
        ));
    }
}
