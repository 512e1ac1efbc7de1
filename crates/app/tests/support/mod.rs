//! Test helpers: synthesize configs and assert on templates the way CDK's `Template` assertions do.
#![allow(dead_code, unreachable_pub)]

use std::path::Path;

use corestack_app::{Assembly, DEFAULT_CONFIG, Settings};
use serde_json::Value;

pub fn settings(text: &str, env: &str) -> Settings {
    Settings::from_toml(text, Path::new("test.toml"), Some(env)).unwrap_or_else(|e| panic!("{e}"))
}

pub fn synth(text: &str, env: &str) -> Assembly {
    corestack_app::synth(&settings(text, env)).unwrap_or_else(|e| panic!("{e}"))
}

pub fn default_assembly() -> Assembly {
    synth(DEFAULT_CONFIG, "dev")
}

/// The default config with `find` replaced by `replace` (which must occur exactly once).
pub fn variant(find: &str, replace: &str) -> String {
    assert_eq!(DEFAULT_CONFIG.matches(find).count(), 1, "`{find}` must occur once in the default config");
    DEFAULT_CONFIG.replace(find, replace)
}

/// A parsed template of the assembly, by stack part (`Network`, `AgentCore2`, ...).
pub struct Template(pub Value);

pub fn template(a: &Assembly, part: &str) -> Template {
    let entry = a
        .manifest
        .stacks
        .iter()
        .find(|s| s.name.ends_with(&format!("-{part}")))
        .unwrap_or_else(|| panic!("no stack {part}"));
    Template(serde_json::from_str(a.template(&entry.name).unwrap()).unwrap())
}

/// `expected` is contained in `actual`: objects by key (recursively), arrays element by element
/// with the same length, anything else by equality.
pub fn matches(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e.iter().all(|(k, v)| a.get(k).is_some_and(|av| matches(av, v))),
        (Value::Array(a), Value::Array(e)) => a.len() == e.len() && a.iter().zip(e).all(|(x, y)| matches(x, y)),
        _ => actual == expected,
    }
}

impl Template {
    pub fn resources(&self) -> Vec<(&String, &Value)> {
        self.0["Resources"].as_object().unwrap().iter().collect()
    }

    pub fn of_type(&self, kind: &str) -> Vec<(&String, &Value)> {
        self.resources().into_iter().filter(|(_, r)| r["Type"] == kind).collect()
    }

    pub fn resource_count_is(&self, kind: &str, n: usize) {
        assert_eq!(self.of_type(kind).len(), n, "count of {kind}");
    }

    /// Some resource of the type has properties containing `props`.
    pub fn has_resource_properties(&self, kind: &str, props: Value) {
        let found = self.of_type(kind);
        assert!(
            found.iter().any(|(_, r)| matches(&r["Properties"], &props)),
            "no {kind} has properties {props:#}\ncandidates: {:#}",
            Value::Array(found.iter().map(|(_, r)| r["Properties"].clone()).collect())
        );
    }

    /// Some resource of the type contains `fragment` at the top level (Type, DependsOn, policies).
    pub fn has_resource(&self, kind: &str, fragment: Value) {
        assert!(self.of_type(kind).iter().any(|(_, r)| matches(r, &fragment)), "no {kind} matches {fragment:#}");
    }

    pub fn resource(&self, id: &str) -> &Value {
        self.0["Resources"].get(id).unwrap_or_else(|| panic!("no resource {id}"))
    }

    pub fn output(&self, id: &str) -> &Value {
        self.0["Outputs"].get(id).unwrap_or_else(|| panic!("no output {id}"))
    }
}

/// `examples/platform/corestack.toml` (two runtimes, a memory, a gateway, an API-key provider),
/// read from its directory so that its schema files are found.
pub fn platform_example(env: &str) -> Assembly {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/platform/corestack.toml");
    let settings = Settings::load(&path, Some(env)).unwrap_or_else(|e| panic!("{e}"));
    corestack_app::synth(&settings).unwrap_or_else(|e| panic!("{e}"))
}

/// `{"Fn::Sub": s}`.
#[allow(dead_code)]
pub fn sub(s: &str) -> serde_json::Value {
    serde_json::json!({ "Fn::Sub": s })
}
