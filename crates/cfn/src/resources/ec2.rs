//! Amazon EC2 networking resources.

use super::Tag;
use crate::Expr;

resource!(
    /// `AWS::EC2::VPC`
    Vpc = "AWS::EC2::VPC", tags: List,
    { cidr_block: Expr, enable_dns_hostnames: Option<bool>, enable_dns_support: Option<bool>, tags: Vec<Tag> }
    attrs { vpc_id => "VpcId", cidr => "CidrBlock", default_security_group => "DefaultSecurityGroup" }
);

resource!(
    /// `AWS::EC2::Subnet`, placed by Availability Zone *ID* so the same zone is meant in every account.
    Subnet = "AWS::EC2::Subnet", tags: List,
    { vpc_id: Expr, cidr_block: Expr, availability_zone_id: Option<Expr>, map_public_ip_on_launch: Option<bool>, tags: Vec<Tag> }
    attrs { subnet_id => "SubnetId", availability_zone => "AvailabilityZone" }
);

resource!(
    /// `AWS::EC2::RouteTable`
    RouteTable = "AWS::EC2::RouteTable", tags: List,
    { vpc_id: Expr, tags: Vec<Tag> }
    attrs { route_table_id => "RouteTableId" }
);

resource!(
    /// `AWS::EC2::SubnetRouteTableAssociation`
    SubnetRouteTableAssociation = "AWS::EC2::SubnetRouteTableAssociation", tags: None,
    { subnet_id: Expr, route_table_id: Expr }
    attrs {}
);

resource!(
    /// `AWS::EC2::Route`
    Route = "AWS::EC2::Route", tags: None,
    { route_table_id: Expr, destination_cidr_block: Option<Expr>, gateway_id: Option<Expr>, nat_gateway_id: Option<Expr> }
    attrs {}
);

resource!(
    /// `AWS::EC2::InternetGateway`
    InternetGateway = "AWS::EC2::InternetGateway", tags: List,
    { tags: Vec<Tag> }
    attrs { internet_gateway_id => "InternetGatewayId" }
);

resource!(
    /// `AWS::EC2::VPCGatewayAttachment`
    VpcGatewayAttachment = "AWS::EC2::VPCGatewayAttachment", tags: None,
    { vpc_id: Expr, internet_gateway_id: Option<Expr> }
    attrs {}
);

resource!(
    /// `AWS::EC2::EIP`
    Eip = "AWS::EC2::EIP", tags: List,
    { domain: Option<Expr>, tags: Vec<Tag> }
    attrs { allocation_id => "AllocationId", public_ip => "PublicIp" }
);

resource!(
    /// `AWS::EC2::NatGateway`
    NatGateway = "AWS::EC2::NatGateway", tags: List,
    { subnet_id: Expr, allocation_id: Option<Expr>, tags: Vec<Tag> }
    attrs { nat_gateway_id => "NatGatewayId" }
);

props!(
    /// An inline ingress rule of a security group.
    Ingress {
        ip_protocol: Expr, from_port: Option<Expr>, to_port: Option<Expr>, cidr_ip: Option<Expr>,
        source_security_group_id: Option<Expr>, source_prefix_list_id: Option<Expr>, description: Option<Expr>,
    }
);

props!(
    /// An inline egress rule of a security group.
    Egress {
        ip_protocol: Expr, from_port: Option<Expr>, to_port: Option<Expr>, cidr_ip: Option<Expr>,
        destination_security_group_id: Option<Expr>, destination_prefix_list_id: Option<Expr>, description: Option<Expr>,
    }
);

resource!(
    /// `AWS::EC2::SecurityGroup`. With no egress rule CloudFormation allows all egress; give one.
    SecurityGroup = "AWS::EC2::SecurityGroup", tags: List,
    { group_description: Expr, vpc_id: Expr, security_group_ingress: Vec<Ingress>, security_group_egress: Vec<Egress>, tags: Vec<Tag> }
    attrs { group_id => "GroupId", vpc_id => "VpcId" }
);

resource!(
    /// `AWS::EC2::SecurityGroupIngress`: a rule added to a group declared elsewhere (breaks cycles).
    SecurityGroupIngress = "AWS::EC2::SecurityGroupIngress", tags: None,
    {
        group_id: Expr, ip_protocol: Expr, from_port: Option<Expr>, to_port: Option<Expr>,
        source_security_group_id: Option<Expr>, description: Option<Expr>,
    }
    attrs {}
);

resource!(
    /// `AWS::EC2::SecurityGroupEgress`: a rule added to a group declared elsewhere.
    SecurityGroupEgress = "AWS::EC2::SecurityGroupEgress", tags: None,
    {
        group_id: Expr, ip_protocol: Expr, from_port: Option<Expr>, to_port: Option<Expr>,
        destination_security_group_id: Option<Expr>, destination_prefix_list_id: Option<Expr>, description: Option<Expr>,
    }
    attrs {}
);

resource!(
    /// `AWS::EC2::VPCEndpoint` (interface or gateway).
    VpcEndpoint = "AWS::EC2::VPCEndpoint", tags: List,
    {
        vpc_id: Expr, service_name: Expr, vpc_endpoint_type: Option<Expr>, private_dns_enabled: Option<bool>,
        subnet_ids: Vec<Expr>, security_group_ids: Vec<Expr>, route_table_ids: Vec<Expr>, tags: Vec<Tag>,
    }
    attrs { id => "Id", dns_entries => "DnsEntries" }
);

resource!(
    /// `AWS::EC2::FlowLog`
    FlowLog = "AWS::EC2::FlowLog", tags: List,
    {
        resource_id: Expr, resource_type: Expr, traffic_type: Expr, log_destination_type: Option<Expr>,
        log_group_name: Option<Expr>, deliver_logs_permission_arn: Option<Expr>, max_aggregation_interval: Option<Expr>,
        tags: Vec<Tag>,
    }
    attrs { id => "Id" }
);
