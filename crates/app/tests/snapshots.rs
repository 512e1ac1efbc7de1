//! Snapshots of every template and the manifest of the default config. A change to synthesis
//! shows up here as a readable diff; after reviewing it, regenerate with
//! `CORESTACK_BLESS=1 cargo test -p corestack-app --test snapshots`.

mod support;

use std::path::PathBuf;

use pretty_assertions::assert_eq;
use support::*;

fn check(case: &str, assembly: corestack_app::Assembly) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(case);
    let bless = std::env::var_os("CORESTACK_BLESS").is_some();
    let mut files: Vec<(String, String)> = assembly.templates.clone();
    files.push(("manifest.json".into(), assembly.manifest_json()));
    if bless {
        std::fs::create_dir_all(&dir).unwrap();
    }
    for (name, body) in &files {
        let path = dir.join(name);
        if bless {
            std::fs::write(&path, body).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("missing snapshot {}; run with CORESTACK_BLESS=1", path.display()));
        assert_eq!(body, &want, "snapshot {case}/{name}");
    }
    let on_disk = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(on_disk, files.len(), "stale snapshot files in {}", dir.display());
}

#[test]
fn default_config_dev() {
    check("default-dev", default_assembly());
}

#[test]
fn nat_egress_with_endpoints_and_jwt() {
    let text = variant("egress = \"endpoints-only\"", "egress = \"nat\"")
        .replace("# [[runtimes.endpoints]]\n# name = \"prod\"\n# version = \"current\"", "[[runtimes.endpoints]]\nname = \"prod\"\nversion = \"current\"")
        .replace(
            "# [runtimes.authorizer]\n# discovery_url = \"https://cognito-idp.us-east-1.amazonaws.com/<pool-id>/.well-known/openid-configuration\"\n# allowed_clients = [\"<app-client-id>\"]",
            "[runtimes.authorizer]\ndiscovery_url = \"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example/.well-known/openid-configuration\"\nallowed_clients = [\"client1\"]",
        );
    assert!(text.contains("[runtimes.authorizer]") && text.contains("[[runtimes.endpoints]]"));
    check("nat-endpoints-jwt", synth(&text, "dev"));
}
