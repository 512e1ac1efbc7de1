//! Every synthesized template through cfn-lint (the CloudFormation registry schemas, including
//! AWS::BedrockAgentCore::*) with zero errors and zero warnings, and through the schema-based tag
//! check. cfn-lint is pinned and installed by `scripts/test.sh`; point CORESTACK_CFN_LINT at another
//! binary to use it instead.

mod support;

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/extend_with_bucket.rs"]
mod example;

use std::path::{Path, PathBuf};
use std::process::Command;

use corestack_app::{Assembly, DEFAULT_CONFIG};
use support::*;

fn cfn_lint() -> PathBuf {
    if let Some(p) = std::env::var_os("CORESTACK_CFN_LINT") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/cfn-lint");
    assert!(
        venv.exists(),
        "cfn-lint not found at {}: run scripts/test.sh, which installs the pinned version, or set CORESTACK_CFN_LINT",
        venv.display()
    );
    venv
}

fn lint(case: &str, assembly: &Assembly) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(case);
    assembly.write(&out).unwrap();
    let templates: Vec<PathBuf> = assembly.templates.iter().map(|(name, _)| out.join(name)).collect();
    let lint = cfn_lint();
    let run = Command::new(&lint)
        .args(["--regions", "us-east-1", "--format", "parseable", "--"])
        .args(&templates)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success() && report.trim().is_empty(),
        "cfn-lint on {case} ({}):\n{report}{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );

    let python = lint.parent().unwrap().join("python");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/check_tags.py");
    let run = Command::new(python).arg(script).arg("us-east-1").args(&templates).output().unwrap();
    assert!(
        run.status.success(),
        "tag check on {case}:\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn default_config_dev_and_prod() {
    lint("default-dev", &synth(DEFAULT_CONFIG, "dev"));
    lint("default-test", &synth(DEFAULT_CONFIG, "test"));
    lint("default-prod", &synth(DEFAULT_CONFIG, "prod"));
}

#[test]
fn observability_on_and_off() {
    let on = variant("transaction_search = false", "transaction_search = true");
    let a = synth(&on, "prod");
    assert_eq!(a.manifest.stacks[0].name, "corestack-transaction-search");
    lint("observability-on", &a);
    lint(
        "observability-off",
        &synth(&variant("deliveries = [\"application_logs\", \"usage_logs\", \"traces\"]", "deliveries = []"), "dev"),
    );
}

#[test]
fn the_platform_example_in_dev_and_prod() {
    lint("platform-dev", &platform_example("dev"));
    lint("platform-prod", &platform_example("prod"));
}

/// A gateway behind a JWT authorizer with a custom claim (the Gateway schema's `CustomClaims`).
#[test]
fn the_platform_example_with_a_jwt_gateway_and_a_custom_claim() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/platform/corestack.toml");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "authorizer = \"iam\"\n",
        "authorizer = \"jwt\"\n[gateways.jwt]\ndiscovery_url = \"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example/.well-known/openid-configuration\"\nallowed_clients = [\"client1\"]\n[[gateways.jwt.custom_claims]]\nname = \"cognito:groups\"\ncontains_any = [\"tools\", \"admin\"]\n",
    );
    let settings = corestack_app::Settings::from_toml(&text, &path, Some("dev")).unwrap_or_else(|e| panic!("{e}"));
    let a = corestack_app::synth(&settings).unwrap_or_else(|e| panic!("{e}"));
    let platform = template(&a, "Platform");
    let jwt = &platform.resource("ToolsGateway")["Properties"]["AuthorizerConfiguration"]["CustomJWTAuthorizer"];
    assert_eq!(jwt["CustomClaims"][0]["InboundTokenClaimName"], "cognito:groups", "{jwt}");
    assert_eq!(jwt["CustomClaims"][0]["InboundTokenClaimValueType"], "STRING_ARRAY", "{jwt}");
    lint("platform-jwt-claims", &a);
}

#[test]
fn many_runtimes_over_several_stacks() {
    let a = synth(&corestack_app::fixtures::many_runtimes(25), "dev");
    assert_eq!(a.manifest.stacks.len(), 7, "two AgentCore and two Monitoring stacks");
    lint("many-runtimes", &a);
}

/// A JWT authorizer's custom claims: a string claim, and two string-array ones.
const CLAIMS: &str = "[[runtimes.authorizer.custom_claims]]\nname = \"department\"\nequals = \"engineering\"\n[[runtimes.authorizer.custom_claims]]\nname = \"cognito:groups\"\ncontains = \"admin\"\n[[runtimes.authorizer.custom_claims]]\nname = \"permissions\"\ncontains_any = [\"read\", \"write\"]";

#[test]
fn nat_egress_public_runtime_and_jwt() {
    let text = variant("egress = \"endpoints-only\"", "egress = \"nat\"")
        .replace("network_mode = \"VPC\"", "network_mode = \"PUBLIC\"")
        .replace(
            "# [runtimes.authorizer]\n# discovery_url = \"https://cognito-idp.us-east-1.amazonaws.com/<pool-id>/.well-known/openid-configuration\"\n# allowed_clients = [\"<app-client-id>\"]",
            &format!(
                "[runtimes.authorizer]\ndiscovery_url = \"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example/.well-known/openid-configuration\"\nallowed_clients = [\"client1\"]\n{CLAIMS}"
            ),
        );
    let a = synth(&text, "dev");
    // The three kinds of custom claim, as the Runtime schema takes them (cfn-lint checks the shape).
    let agentcore = template(&a, "AgentCore");
    let claims = &agentcore.resource("DemoAgentRuntime")["Properties"]["AuthorizerConfiguration"]["CustomJWTAuthorizer"]
        ["CustomClaims"];
    assert_eq!(claims.as_array().map(Vec::len), Some(3), "{claims}");
    assert_eq!(claims[0]["AuthorizingClaimMatchValue"]["ClaimMatchOperator"], "EQUALS");
    assert_eq!(claims[2]["AuthorizingClaimMatchValue"]["ClaimMatchValue"]["MatchValueStringList"][1], "write");
    lint("nat-public-jwt", &a);
}

#[test]
fn extension_example() {
    let a = example::extended_assembly(&settings(DEFAULT_CONFIG, "dev")).unwrap();
    let data = template(&a, "Data");
    data.has_resource_properties(
        "AWS::IAM::Policy",
        serde_json::json!({"Roles": [{"Fn::ImportValue": "agentcore-demo-dev-Security:ExportDemoAgentExecutionRoleRef"}]}),
    );
    lint("extension", &a);
}

#[test]
fn protocols_example() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/protocols/corestack.toml"))
            .unwrap();
    lint("protocols-dev", &synth(&text, "dev"));
}

#[test]
fn sessions_example_in_dev_and_prod() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sessions/corestack.toml"))
            .unwrap();
    lint("sessions-dev", &synth(&text, "dev"));
    lint("sessions-prod", &synth(&text, "prod"));
}
