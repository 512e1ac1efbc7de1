use pretty_assertions::assert_eq;
use serde_json::json;

use super::*;
use crate::resources::{agentcore, ec2, iam, s3};

fn vpc() -> ec2::Vpc {
    ec2::Vpc { cidr_block: "10.0.0.0/16".into(), ..Default::default() }
}

#[test]
fn reference_into_another_stack_becomes_an_export_and_an_import() {
    let mut net = Stack::new("app-Network", "n");
    let v = net.add("Vpc", vpc()).unwrap();
    let mut sec = Stack::new("app-Security", "s");
    sec.add("Sg", ec2::SecurityGroup { group_description: "x".into(), vpc_id: v.as_ref(), ..Default::default() })
        .unwrap();
    sec.add_output("Cidr", Output { value: v.cidr(), description: "c".into(), export_name: None }).unwrap();
    let mut stacks = [sec, net];
    let order = link(&mut stacks).unwrap();
    assert_eq!(order, vec!["app-Network", "app-Security"]);

    let sec_t = stacks[0].template();
    assert_eq!(sec_t["Resources"]["Sg"]["Properties"]["VpcId"], json!({"Fn::ImportValue": "app-Network:ExportVpcRef"}));
    assert_eq!(sec_t["Outputs"]["Cidr"]["Value"], json!({"Fn::ImportValue": "app-Network:ExportVpcCidrBlock"}));
    let net_t = stacks[1].template();
    assert_eq!(
        net_t["Outputs"]["ExportVpcRef"],
        json!({"Description": "Cross-stack reference, imported by name by dependent stacks",
               "Value": {"Ref": "Vpc"}, "Export": {"Name": "app-Network:ExportVpcRef"}})
    );
    assert_eq!(net_t["Outputs"]["ExportVpcCidrBlock"]["Value"], json!({"Fn::GetAtt": ["Vpc", "CidrBlock"]}));
    assert!(!serde_json::to_string(&sec_t).unwrap().contains(STACK_MARK));
}

#[test]
fn local_references_keep_their_plain_form() {
    let mut s = Stack::new("a", "d");
    let v = s.add("Vpc", vpc()).unwrap();
    s.add("Sg", ec2::SecurityGroup { group_description: "x".into(), vpc_id: v.vpc_id(), ..Default::default() })
        .unwrap();
    assert_eq!(s.template()["Resources"]["Sg"]["Properties"]["VpcId"], json!({"Fn::GetAtt": ["Vpc", "VpcId"]}));
    assert_eq!(s.dependencies().count(), 0);
}

#[test]
fn tags_take_the_form_of_each_type_and_resource_tags_win() {
    let mut s = Stack::new("a", "d");
    s.set_tags([("Project", "p"), ("Name", "stack")]);
    s.add("Vpc", ec2::Vpc { tags: vec![crate::resources::Tag::new("Name", "own")], ..vpc() }).unwrap();
    let role = s.add("Role", iam::Role::default()).unwrap();
    s.add("Rt", agentcore::Runtime { agent_runtime_name: "a".into(), role_arn: role.arn(), ..Default::default() })
        .unwrap();
    s.add("Pol", iam::Policy { policy_name: "p".into(), ..Default::default() }).unwrap();
    let t = s.template();
    assert_eq!(
        t["Resources"]["Vpc"]["Properties"]["Tags"],
        json!([{"Key": "Name", "Value": "own"}, {"Key": "Project", "Value": "p"}])
    );
    assert_eq!(t["Resources"]["Rt"]["Properties"]["Tags"], json!({"Name": "stack", "Project": "p"}));
    assert!(t["Resources"]["Pol"]["Properties"].get("Tags").is_none());
}

#[test]
fn bad_and_duplicate_logical_ids_are_refused() {
    let mut s = Stack::new("a", "d");
    s.add("Data", s3::Bucket::default()).unwrap();
    assert_eq!(
        s.add("Data", s3::Bucket::default()).unwrap_err(),
        Error::DuplicateLogicalId { stack: "a".into(), id: "Data".into() }
    );
    assert!(matches!(s.add("my-bucket", s3::Bucket::default()), Err(Error::InvalidLogicalId { .. })));
    assert!(matches!(s.add_parameter("Data", Parameter::default()), Err(Error::DuplicateLogicalId { .. })));
}

#[test]
fn dependency_and_retain_are_written() {
    let mut s = Stack::new("a", "d");
    let role = s.add("Role", iam::Role::default()).unwrap();
    let pol = s.add("Pol", iam::Policy { policy_name: "p".into(), ..Default::default() }).unwrap();
    s.add_dependency(&role, &pol);
    s.retain(&pol);
    let t = s.template();
    assert_eq!(t["Resources"]["Role"]["DependsOn"], json!(["Pol"]));
    assert_eq!(t["Resources"]["Pol"]["DeletionPolicy"], json!("RetainExceptOnCreate"));
    assert_eq!(t["Resources"]["Pol"]["UpdateReplacePolicy"], json!("Retain"));
}

#[test]
fn cycles_between_stacks_are_an_error() {
    let mut a = Stack::new("A", "d");
    let mut b = Stack::new("B", "d");
    let va = a.add("Vpc", vpc()).unwrap();
    let vb = b.add("Vpc", vpc()).unwrap();
    a.add("Sg", ec2::SecurityGroup { vpc_id: vb.as_ref(), ..Default::default() }).unwrap();
    b.add("Sg", ec2::SecurityGroup { vpc_id: va.as_ref(), ..Default::default() }).unwrap();
    assert!(matches!(link(&mut [a, b]), Err(Error::DependencyCycle { .. })));
}

#[test]
fn reference_to_a_stack_outside_the_app_is_an_error() {
    let mut a = Stack::new("A", "d");
    let mut b = Stack::new("B", "d");
    let vb = b.add("Vpc", vpc()).unwrap();
    a.add("Sg", ec2::SecurityGroup { vpc_id: vb.as_ref(), ..Default::default() }).unwrap();
    assert_eq!(link(&mut [a]).unwrap_err(), Error::UnknownStack { stack: "B".into(), referenced_by: "A".into() });
}

#[test]
fn over_the_resource_limit_names_the_stack() {
    let mut s = Stack::new("big", "d");
    for i in 0..=limits::RESOURCES {
        s.add(&format!("B{i}"), s3::Bucket::default()).unwrap();
    }
    let err = s.to_json().unwrap_err();
    assert_eq!(err, Error::Limit { stack: "big".into(), what: "resources", count: 501, max: 500 });
    assert!(err.to_string().contains("spread the resources over more stacks"));
}

#[test]
fn same_stack_gives_the_same_bytes() {
    let build = || {
        let mut s = Stack::new("a", "d");
        s.set_tags([("Z", "1"), ("A", "2")]);
        s.add("Vpc", vpc()).unwrap();
        s.add("Data", s3::Bucket::default()).unwrap();
        s.to_json().unwrap()
    };
    assert_eq!(build(), build());
    assert!(build().ends_with("}\n"));
}
