use super::*;

#[test]
fn names_follow_the_agentcore_pattern() {
    for ok in ["a", "hackathon_agent", "A1_b", &"x".repeat(48)] {
        assert_eq!(runtime_name(ok), Ok(()), "{ok}");
    }
    for bad in ["my-agent", "1agent", "_a", "", &"x".repeat(49), "agent name"] {
        assert!(runtime_name(bad).is_err(), "{bad}");
    }
    let v = runtime_name("my-agent").unwrap_err();
    assert!(v.message.contains("no hyphens"));
    assert!(v.fix.contains("my_agent"));
    assert!(endpoint_name("prod-ep").is_err());
    assert!(endpoint_name("DEFAULT").unwrap_err().message.contains("reserved"));
    assert_eq!(endpoint_name("prod"), Ok(()));
}

#[test]
fn environment_variables_count_key_and_value() {
    let mut vars: BTreeMap<String, String> = (0..51).map(|i| (format!("V{i}"), "x".into())).collect();
    vars.insert("1BAD".into(), "x".into());
    vars.insert("LONG".into(), "y".repeat(2049));
    let found = environment_variables(&vars);
    let keys: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, vec!["", "1BAD", "LONG"]);
}

#[test]
fn lifecycle_bounds_and_order() {
    assert!(lifecycle(900, 28_800).is_empty());
    assert_eq!(lifecycle(30, 28_800)[0].0, "idle_timeout_seconds");
    assert_eq!(lifecycle(60, 30_000)[0].0, "max_lifetime_seconds");
    assert!(lifecycle(1000, 900)[0].1.message.contains("longer than the max lifetime"));
}

#[test]
fn header_allowlist_rules() {
    let ok = vec!["Authorization".to_string(), "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant".to_string()];
    assert!(header_allowlist(&ok).is_empty());
    let bad = vec!["X-Tenant-Id".to_string(), "Authorization".to_string(), "authorization".to_string()];
    let found = header_allowlist(&bad);
    assert_eq!(found.iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![0, 2]);
    assert!(found[0].1.fix.contains("X-Amzn-Bedrock-AgentCore-Runtime-Custom-X-Tenant-Id"));
    let many: Vec<String> = (0..21).map(|i| format!("{CUSTOM_HEADER_PREFIX}H{i}")).collect();
    assert_eq!(header_allowlist(&many).len(), 1);
}

/// Issue 27, 15: the fix for a custom header with a bad character names the prefix once; a
/// multibyte character where the prefix ends is judged, not a panic.
#[test]
fn header_allowlist_fixes_name_the_prefix_once_and_never_panic() {
    let found = header_allowlist(&[format!("{CUSTOM_HEADER_PREFIX}Tenant.Id")]);
    assert_eq!(found[0].1.fix, format!("rename the header to `{CUSTOM_HEADER_PREFIX}Tenant-Id`"));
    let multibyte = "X-Amzn-Bedrock-AgentCore-Runtime-Custo\u{e9}x".to_string();
    assert_eq!(header_allowlist(&[multibyte]).len(), 1);
    assert_eq!(header_allowlist(&[CUSTOM_HEADER_PREFIX.to_string()]).len(), 1, "the prefix alone is no name");
}

#[test]
fn jwt_image_repository_and_tags() {
    assert!(jwt_discovery_url("https://idp.example.com/.well-known/openid-configuration").is_ok());
    assert!(jwt_discovery_url("http://idp.example.com/.well-known/openid-configuration").is_err());
    assert!(jwt_discovery_url("https://idp.example.com/").is_err());
    assert!(image_tag("v1.2-rc_1").is_ok());
    assert!(image_tag("-v1").is_err());
    assert!(image_tag("a:b").is_err());
    assert!(image_digest(&format!("sha256:{}", "a".repeat(64))).is_ok());
    assert!(image_digest("sha256:ABC").is_err());
    assert!(repository_name("corestack-dev/agents").is_ok());
    assert!(repository_name("Corestack").is_err());
    assert!(repository_name("a").is_err());
    assert!(tag_value("platform-team").is_ok());
    assert!(tag_value("").is_err());
    assert!(tag_value("a;b").is_err());
    assert!(description(&"d".repeat(1201)).is_err());
}

#[test]
fn az_ids_must_be_supported_distinct_and_two() {
    let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(availability_zone_ids("us-east-1", &ids(&["use1-az1", "use1-az2"])).is_empty());
    let found = availability_zone_ids("us-east-1", &ids(&["use1-az3"]));
    assert_eq!(found.len(), 2);
    assert!(found[0].1.message.contains("at least two"));
    assert_eq!(found[1].0, Some(0));
    assert!(found[1].1.fix.contains("use1-az4"));
    assert!(availability_zone_ids("us-east-1", &ids(&["use1-az1", "use1-az1"])).len() == 2);
    assert!(availability_zone_ids("mars-north-1", &ids(&["x"])).is_empty(), "runtime_region says it");
    assert!(runtime_region("mars-north-1").unwrap().message.contains("is not a Region where AgentCore Runtime runs"));
    assert!(runtime_region("eu-west-2").is_none());
}

#[test]
fn region_account_and_model() {
    assert!(region("us-east-1").is_ok());
    assert!(region("us-gov-west-1").is_ok());
    assert!(region("useast1").is_err());
    assert!(account_id("123456789012").is_ok());
    assert!(account_id("12345").is_err());
    assert!(model_id("anthropic.claude-3-5-haiku-20241022-v1:0").is_ok());
    assert!(model_id("anthropic.*").is_err());
}

#[test]
fn mount_paths_are_one_directory_under_mnt() {
    for ok in ["/mnt/workspace", "/mnt/data/", "/mnt/a.b_c-1", "/mnt/x"] {
        assert!(mount_path(ok).is_ok(), "{ok}");
    }
    let long = format!("/mnt/{}", "a".repeat(196));
    for bad in
        ["/mnt/", "/mnt", "/data/x", "/mnt/a/b", "/mnt/a b", "mnt/x", "/mnt/é", "/mnt/..", "/mnt/./", long.as_str()]
    {
        assert!(mount_path(bad).is_err(), "{bad}");
    }
}
