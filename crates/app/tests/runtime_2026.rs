//! `examples/sessions/corestack.toml` synthesized: the platform version (the runtime's own, else
//! the environment's `[agentcore] platform_version`, else none, which is the service's V1) and
//! session storage at the configured mount path.

mod support;

use serde_json::{Value, json};
use support::*;

fn sessions(env: &str) -> corestack_app::Assembly {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sessions/corestack.toml");
    synth(&std::fs::read_to_string(path).unwrap(), env)
}

fn runtime(a: &corestack_app::Assembly, id: &str) -> Value {
    template(a, "AgentCore").resource(id)["Properties"].clone()
}

#[test]
fn the_platform_version_is_the_runtimes_own_else_the_environments() {
    let a = sessions("dev");
    assert_eq!(runtime(&a, "WorkspaceAgentRuntime")["PlatformVersion"], "V2", "from [agentcore]");
    assert_eq!(runtime(&a, "LegacyAgentRuntime")["PlatformVersion"], "V1", "its own wins");
    // A config that names none leaves the property out: the service's default, as before.
    let default = synth(corestack_app::DEFAULT_CONFIG, "dev");
    assert_eq!(runtime(&default, "DemoAgentRuntime").get("PlatformVersion"), None);
}

#[test]
fn session_storage_is_mounted_where_the_config_says_and_nowhere_else() {
    let a = sessions("prod");
    assert_eq!(
        runtime(&a, "WorkspaceAgentRuntime")["FilesystemConfigurations"],
        json!([{"SessionStorage": {"MountPath": "/mnt/workspace"}}])
    );
    assert_eq!(runtime(&a, "LegacyAgentRuntime").get("FilesystemConfigurations"), None);
}
