//! Template assertions for the Network stack: private subnets over AZ IDs, the endpoints a
//! private runtime needs, their security groups, and the NAT mode.

mod support;

use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use support::*;

#[test]
fn network_is_private_multi_az_by_az_id() {
    let t = template(&default_assembly(), "Network");
    t.has_resource_properties(
        "AWS::EC2::VPC",
        json!({"CidrBlock": "10.0.0.0/16", "EnableDnsHostnames": true, "EnableDnsSupport": true}),
    );
    t.resource_count_is("AWS::EC2::Subnet", 2);
    for (az, cidr) in [("use1-az1", "10.0.0.0/20"), ("use1-az2", "10.0.16.0/20")] {
        t.has_resource_properties(
            "AWS::EC2::Subnet",
            json!({"AvailabilityZoneId": az, "CidrBlock": cidr, "MapPublicIpOnLaunch": false}),
        );
    }
    // Private only: nothing routes to the internet.
    t.resource_count_is("AWS::EC2::InternetGateway", 0);
    t.resource_count_is("AWS::EC2::NatGateway", 0);
    t.resource_count_is("AWS::EC2::Route", 0);
    t.resource_count_is("AWS::EC2::RouteTable", 2);
}

#[test]
fn network_has_every_endpoint_a_private_runtime_needs() {
    let t = template(&default_assembly(), "Network");
    let interface = ["bedrock-agentcore", "ecr.api", "ecr.dkr", "logs", "bedrock-runtime", "sts", "xray", "monitoring"];
    for service in interface {
        t.has_resource_properties(
            "AWS::EC2::VPCEndpoint",
            json!({
                "ServiceName": sub(&format!("com.amazonaws.${{AWS::Region}}.{service}")),
                "VpcEndpointType": "Interface",
                "PrivateDnsEnabled": true,
                "SubnetIds": [{"Ref": "PrivateSubnetUse1Az1"}, {"Ref": "PrivateSubnetUse1Az2"}],
                "SecurityGroupIds": [{"Fn::GetAtt": ["EndpointSecurityGroup", "GroupId"]}],
            }),
        );
    }
    t.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        json!({
            "ServiceName": sub("com.amazonaws.${AWS::Region}.s3"),
            "VpcEndpointType": "Gateway",
            "RouteTableIds": [{"Ref": "PrivateRouteTableUse1Az1"}, {"Ref": "PrivateRouteTableUse1Az2"}],
        }),
    );
    t.resource_count_is("AWS::EC2::VPCEndpoint", interface.len() + 1);
}

#[test]
fn optional_endpoints_can_be_left_out_but_required_ones_stay() {
    let text = variant(
        "optional_endpoints = [\"bedrock-runtime\", \"sts\", \"xray\", \"monitoring\"]",
        "optional_endpoints = []",
    );
    let t = template(&synth(&text, "dev"), "Network");
    t.resource_count_is("AWS::EC2::VPCEndpoint", 5);
    t.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        json!({"ServiceName": sub("com.amazonaws.${AWS::Region}.bedrock-agentcore")}),
    );
}

#[test]
fn endpoint_security_group_admits_https_from_the_runtime_group_only() {
    let a = default_assembly();
    let net = template(&a, "Network");
    let sg = net.resource("EndpointSecurityGroup");
    assert!(sg["Properties"].get("SecurityGroupIngress").is_none(), "no inline ingress");
    assert_eq!(sg["Properties"]["SecurityGroupEgress"][0]["CidrIp"], "255.255.255.255/32");
    let sec = template(&a, "Security");
    sec.resource_count_is("AWS::EC2::SecurityGroupIngress", 1);
    sec.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        json!({
            "GroupId": {"Fn::ImportValue": "agentcore-demo-dev-Network:ExportEndpointSecurityGroupGroupId"},
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
            "SourceSecurityGroupId": {"Fn::GetAtt": ["RuntimeSecurityGroup", "GroupId"]},
        }),
    );
}

#[test]
fn runtime_security_group_allows_only_https_to_endpoints_and_s3() {
    let sec = template(&default_assembly(), "Security");
    let egress = &sec.resource("RuntimeSecurityGroup")["Properties"]["SecurityGroupEgress"];
    let rules: Vec<(Value, Value)> = egress
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!((&r["IpProtocol"], &r["FromPort"], &r["ToPort"]), (&json!("tcp"), &json!(443), &json!(443)));
            (r["DestinationSecurityGroupId"].clone(), r["DestinationPrefixListId"].clone())
        })
        .collect();
    assert_eq!(
        rules,
        vec![
            (json!({"Fn::ImportValue": "agentcore-demo-dev-Network:ExportEndpointSecurityGroupGroupId"}), Value::Null),
            (Value::Null, json!("pl-63a5400a")),
        ]
    );
    assert!(sec.resource("RuntimeSecurityGroup")["Properties"].get("SecurityGroupIngress").is_none());
}

#[test]
fn nat_mode_adds_public_subnets_nat_per_az_and_internet_egress() {
    let text = variant("egress = \"endpoints-only\"", "egress = \"nat\"");
    let a = synth(&text, "dev");
    let t = template(&a, "Network");
    t.resource_count_is("AWS::EC2::NatGateway", 2);
    t.resource_count_is("AWS::EC2::InternetGateway", 1);
    t.has_resource_properties(
        "AWS::EC2::Subnet",
        json!({"AvailabilityZoneId": "use1-az1", "CidrBlock": "10.0.128.0/20"}),
    );
    t.has_resource_properties(
        "AWS::EC2::Route",
        json!({"RouteTableId": {"Ref": "PrivateRouteTableUse1Az1"}, "DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": {"Ref": "NatGatewayUse1Az1"}}),
    );
    t.has_resource("AWS::EC2::Route", json!({"DependsOn": ["InternetGatewayAttachment"]}));
    let sec = template(&a, "Security");
    sec.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        json!({"SecurityGroupEgress": [{}, {}, {"CidrIp": "0.0.0.0/0", "FromPort": 443, "ToPort": 443}]}),
    );
}
