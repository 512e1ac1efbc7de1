//! A private network for AgentCore runtimes: subnets in supported AZ IDs, the VPC endpoints a
//! private runtime needs, flow-log-ready, and an optional NAT egress mode.

use corestack_cfn::resources::Tag;
use corestack_cfn::resources::ec2::{
    Egress as EgressRule, Eip, InternetGateway, NatGateway, Route, RouteTable, SecurityGroup, Subnet,
    SubnetRouteTableAssociation, Vpc, VpcEndpoint, VpcGatewayAttachment,
};
use corestack_cfn::{Expr, Handle, Stack, pascal_case};

use crate::Error;
use crate::cidr::Cidr;

/// Interface endpoints every private runtime needs: the AgentCore data plane (the seed's FR-008),
/// image pull (`ecr.api`, `ecr.dkr`) and logs. The S3 gateway endpoint is always added too (facts §9).
pub const REQUIRED_INTERFACE_ENDPOINTS: &[&str] = &["bedrock-agentcore", "ecr.api", "ecr.dkr", "logs"];

/// Interface endpoints an agent may also need: model calls, STS, X-Ray traces and custom metrics.
pub const OPTIONAL_INTERFACE_ENDPOINTS: &[&str] =
    &["bedrock-runtime", "monitoring", "sts", "xray", "bedrock-agentcore.gateway"];

/// How runtimes reach anything outside the VPC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Egress {
    /// Only through VPC endpoints: no internet path at all.
    EndpointsOnly,
    /// Also through one NAT gateway per AZ, for agents that call public APIs.
    Nat,
}

/// One Availability Zone of the network.
#[derive(Clone, Debug, PartialEq)]
pub struct Zone {
    /// The AZ ID, for example `use1-az1`.
    pub az_id: String,
    /// The private subnet's block.
    pub private_cidr: Cidr,
    /// The public subnet's block (NAT mode only).
    pub public_cidr: Option<Cidr>,
}

/// What the network looks like.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkProps {
    /// A name for `Name` tags.
    pub name: String,
    /// The VPC block.
    pub vpc_cidr: Cidr,
    /// The zones, at least two.
    pub zones: Vec<Zone>,
    /// The egress mode.
    pub egress: Egress,
    /// Interface endpoints beyond the required ones, from [`OPTIONAL_INTERFACE_ENDPOINTS`].
    pub optional_endpoints: Vec<String>,
}

/// The built network.
#[derive(Clone, Debug)]
pub struct PrivateNetwork {
    /// The VPC.
    pub vpc: Handle<Vpc>,
    /// One private subnet per zone, in zone order.
    pub private_subnets: Vec<Handle<Subnet>>,
    /// The private route tables, one per zone.
    pub private_route_tables: Vec<Handle<RouteTable>>,
    /// The security group on the interface endpoints; rules admitting runtimes are added by
    /// [`crate::security::RuntimeSecurityGroup`].
    pub endpoint_security_group: Handle<SecurityGroup>,
    /// The egress mode.
    pub egress: Egress,
}

/// An egress rule that matches nothing, so CloudFormation does not add its default allow-all rule.
pub(crate) fn no_egress() -> EgressRule {
    EgressRule {
        ip_protocol: "icmp".into(),
        from_port: Some(Expr::Int(252)),
        to_port: Some(Expr::Int(86)),
        cidr_ip: Some("255.255.255.255/32".into()),
        description: Some("Disallow all egress".into()),
        ..Default::default()
    }
}

impl PrivateNetwork {
    /// Checks the props: zones inside the VPC block, no overlapping subnets, public blocks exactly in
    /// NAT mode, known optional endpoints.
    pub fn validate(props: &NetworkProps) -> Vec<crate::Problem> {
        let mut out = Vec::new();
        let mut blocks: Vec<(String, Cidr)> = Vec::new();
        for (i, z) in props.zones.iter().enumerate() {
            let mut add = |key: String, c: Cidr| {
                // EC2 takes subnet blocks from /16 to /28 (Amazon VPC User Guide, "Subnet sizing").
                if !(16..=28).contains(&c.prefix()) {
                    out.push(crate::Problem::new(
                        &key,
                        format!("subnet block {c} has a /{} prefix; EC2 takes subnets from /16 to /28", c.prefix()),
                        "use a block from /16 (65,536 addresses) to /28 (16 addresses), e.g. 10.0.0.0/20",
                    ));
                }
                if !props.vpc_cidr.contains(c) {
                    out.push(crate::Problem::new(
                        &key,
                        format!("subnet block {c} is not inside the VPC block {}", props.vpc_cidr),
                        "choose a subnet block inside vpc_cidr, or leave subnet blocks out to have them planned",
                    ));
                }
                if let Some((other, _)) = blocks.iter().find(|(_, b)| b.overlaps(c)) {
                    out.push(crate::Problem::new(
                        &key,
                        format!("subnet block {c} overlaps {other}"),
                        "give every subnet its own block",
                    ));
                }
                blocks.push((key, c));
            };
            add(format!("private_subnet_cidrs[{i}]"), z.private_cidr);
            match (props.egress, z.public_cidr) {
                (Egress::Nat, Some(c)) => add(format!("public_subnet_cidrs[{i}]"), c),
                (Egress::Nat, None) => out.push(crate::Problem::new(
                    &format!("public_subnet_cidrs[{i}]"),
                    "NAT egress needs a public subnet in every zone",
                    "give one public block per AZ, or leave both lists out to have them planned",
                )),
                (Egress::EndpointsOnly, Some(_)) => out.push(crate::Problem::new(
                    &format!("public_subnet_cidrs[{i}]"),
                    "public subnets are only used with egress = \"nat\"",
                    "remove public_subnet_cidrs, or set egress = \"nat\"",
                )),
                (Egress::EndpointsOnly, None) => {}
            }
        }
        for (i, e) in props.optional_endpoints.iter().enumerate() {
            if !OPTIONAL_INTERFACE_ENDPOINTS.contains(&e.as_str()) {
                let hint = if REQUIRED_INTERFACE_ENDPOINTS.contains(&e.as_str()) {
                    format!("`{e}` is always created; remove it from the list")
                } else {
                    format!("use some of {}", OPTIONAL_INTERFACE_ENDPOINTS.join(", "))
                };
                out.push(crate::Problem::new(
                    &format!("optional_endpoints[{i}]"),
                    format!("`{e}` is not an optional endpoint corestack knows"),
                    hint,
                ));
            }
        }
        out
    }

    /// Adds the network to the stack.
    pub fn build(stack: &mut Stack, props: &NetworkProps) -> Result<PrivateNetwork, Error> {
        let problems = PrivateNetwork::validate(props);
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let vpc = stack.add(
            "Vpc",
            Vpc {
                cidr_block: props.vpc_cidr.to_string().into(),
                enable_dns_hostnames: Some(true),
                enable_dns_support: Some(true),
                tags: vec![Tag::new("Name", props.name.as_str())],
            },
        )?;
        let public_route_table = match props.egress {
            Egress::Nat => Some(internet_route_table(stack, &vpc, &props.name)?),
            Egress::EndpointsOnly => None,
        };
        let mut private_subnets = Vec::new();
        let mut private_route_tables = Vec::new();
        for zone in &props.zones {
            let (subnet, table) = private_zone(stack, &vpc, zone, &props.name, public_route_table.as_ref())?;
            private_subnets.push(subnet);
            private_route_tables.push(table);
        }
        let endpoint_security_group = endpoints(stack, &vpc, props, &private_subnets, &private_route_tables)?;
        Ok(PrivateNetwork { vpc, private_subnets, private_route_tables, endpoint_security_group, egress: props.egress })
    }
}

/// A zone's private subnet and its route table; with a public route table (NAT egress), the
/// zone's NAT gateway and the default route through it.
fn private_zone(
    stack: &mut Stack,
    vpc: &Handle<Vpc>,
    zone: &Zone,
    name: &str,
    public_route_table: Option<&Handle<RouteTable>>,
) -> Result<(Handle<Subnet>, Handle<RouteTable>), Error> {
    let az = pascal_case(&zone.az_id);
    let subnet = stack.add(
        &format!("PrivateSubnet{az}"),
        Subnet {
            vpc_id: vpc.as_ref(),
            cidr_block: zone.private_cidr.to_string().into(),
            availability_zone_id: Some(zone.az_id.as_str().into()),
            map_public_ip_on_launch: Some(false),
            tags: vec![Tag::new("Name", format!("{name}-private-{}", zone.az_id))],
        },
    )?;
    let table = stack.add(
        &format!("PrivateRouteTable{az}"),
        RouteTable { vpc_id: vpc.as_ref(), tags: vec![Tag::new("Name", format!("{name}-private-{}", zone.az_id))] },
    )?;
    stack.add(
        &format!("PrivateRouteTableAssociation{az}"),
        SubnetRouteTableAssociation { subnet_id: subnet.as_ref(), route_table_id: table.as_ref() },
    )?;
    if let (Some(public_table), Some(public_cidr)) = (public_route_table, zone.public_cidr) {
        let nat = nat_gateway(stack, vpc, public_table, &az, &zone.az_id, public_cidr, name)?;
        stack.add(
            &format!("PrivateDefaultRoute{az}"),
            Route {
                route_table_id: table.as_ref(),
                destination_cidr_block: Some("0.0.0.0/0".into()),
                nat_gateway_id: Some(nat.as_ref()),
                ..Default::default()
            },
        )?;
    }
    Ok((subnet, table))
}

/// The VPC endpoints in the private subnets (the required and the chosen optional interface
/// endpoints, behind their own security group, and the S3 gateway endpoint); the group.
fn endpoints(
    stack: &mut Stack,
    vpc: &Handle<Vpc>,
    props: &NetworkProps,
    private_subnets: &[Handle<Subnet>],
    private_route_tables: &[Handle<RouteTable>],
) -> Result<Handle<SecurityGroup>, Error> {
    let endpoint_security_group = stack.add(
        "EndpointSecurityGroup",
        SecurityGroup {
            group_description: "Interface VPC endpoints; admits HTTPS from AgentCore runtimes only".into(),
            vpc_id: vpc.as_ref(),
            security_group_egress: vec![no_egress()],
            tags: vec![Tag::new("Name", format!("{}-endpoints", props.name))],
            ..Default::default()
        },
    )?;
    let interface = REQUIRED_INTERFACE_ENDPOINTS.iter().copied().chain(
        OPTIONAL_INTERFACE_ENDPOINTS.iter().copied().filter(|e| props.optional_endpoints.iter().any(|o| o == e)),
    );
    for service in interface {
        stack.add(
            &format!("Endpoint{}", pascal_case(service)),
            VpcEndpoint {
                vpc_id: vpc.as_ref(),
                service_name: Expr::sub(&format!("com.amazonaws.${{AWS::Region}}.{service}"), []),
                vpc_endpoint_type: Some("Interface".into()),
                private_dns_enabled: Some(true),
                subnet_ids: private_subnets.iter().map(Handle::as_ref).collect(),
                security_group_ids: vec![endpoint_security_group.group_id()],
                ..Default::default()
            },
        )?;
    }
    // Image layers come from S3; since May 2026 new VPC runtimes need their own path to it (facts §15.8).
    stack.add(
        "EndpointS3",
        VpcEndpoint {
            vpc_id: vpc.as_ref(),
            service_name: Expr::sub("com.amazonaws.${AWS::Region}.s3", []),
            vpc_endpoint_type: Some("Gateway".into()),
            route_table_ids: private_route_tables.iter().map(Handle::as_ref).collect(),
            ..Default::default()
        },
    )?;
    Ok(endpoint_security_group)
}

fn internet_route_table(stack: &mut Stack, vpc: &Handle<Vpc>, name: &str) -> Result<Handle<RouteTable>, Error> {
    let igw = stack.add("InternetGateway", InternetGateway { tags: vec![Tag::new("Name", name)] })?;
    let attachment = stack.add(
        "InternetGatewayAttachment",
        VpcGatewayAttachment { vpc_id: vpc.as_ref(), internet_gateway_id: Some(igw.as_ref()) },
    )?;
    let table = stack.add(
        "PublicRouteTable",
        RouteTable { vpc_id: vpc.as_ref(), tags: vec![Tag::new("Name", format!("{name}-public"))] },
    )?;
    let route = stack.add(
        "PublicDefaultRoute",
        Route {
            route_table_id: table.as_ref(),
            destination_cidr_block: Some("0.0.0.0/0".into()),
            gateway_id: Some(igw.as_ref()),
            ..Default::default()
        },
    )?;
    // The route needs the gateway attached to the VPC first; nothing in its properties says so.
    stack.add_dependency(&route, &attachment);
    Ok(table)
}

fn nat_gateway(
    stack: &mut Stack,
    vpc: &Handle<Vpc>,
    public_table: &Handle<RouteTable>,
    az: &str,
    az_id: &str,
    cidr: Cidr,
    name: &str,
) -> Result<Handle<NatGateway>, Error> {
    let subnet = stack.add(
        &format!("PublicSubnet{az}"),
        Subnet {
            vpc_id: vpc.as_ref(),
            cidr_block: cidr.to_string().into(),
            availability_zone_id: Some(az_id.into()),
            map_public_ip_on_launch: Some(false),
            tags: vec![Tag::new("Name", format!("{name}-public-{az_id}"))],
        },
    )?;
    stack.add(
        &format!("PublicRouteTableAssociation{az}"),
        SubnetRouteTableAssociation { subnet_id: subnet.as_ref(), route_table_id: public_table.as_ref() },
    )?;
    let eip = stack.add(&format!("NatEip{az}"), Eip { domain: Some("vpc".into()), tags: vec![] })?;
    Ok(stack.add(
        &format!("NatGateway{az}"),
        NatGateway {
            subnet_id: subnet.as_ref(),
            allocation_id: Some(eip.allocation_id()),
            tags: vec![Tag::new("Name", format!("{name}-{az_id}"))],
        },
    )?)
}
