//! What the rule tests share: the default assembly, its parts, and the assertion that a rule
//! fires where it should.
#![allow(dead_code, unreachable_pub)]

use corestack_rules::{Finding, Model, check};
use serde_json::Value;

/// The default config's assembly: (stack name, template) for dev.
pub fn assembly(env: &str) -> Vec<(String, Value)> {
    let settings =
        corestack_app::Settings::from_toml(corestack_app::DEFAULT_CONFIG, "corestack.toml".as_ref(), Some(env))
            .unwrap();
    corestack_app::synth(&settings).unwrap().documents()
}

pub fn part<'a>(docs: &'a mut [(String, Value)], name: &str) -> &'a mut Value {
    &mut docs.iter_mut().find(|(n, _)| n.ends_with(&format!("-{name}"))).unwrap_or_else(|| panic!("no {name}")).1
}

pub fn findings_after(mutate: impl FnOnce(&mut Vec<(String, Value)>), production: bool) -> Vec<Finding> {
    let mut docs = assembly("dev");
    mutate(&mut docs);
    check(&Model::new(docs, production), &[]).findings
}

/// Asserts that `rule` fires in stack part `stack` at `path` (and returns its finding).
pub fn fires(findings: &[Finding], rule: &str, stack: &str, path: &str) -> Finding {
    findings
        .iter()
        .find(|f| f.rule == rule && (f.stack == stack || f.stack.ends_with(&format!("-{stack}"))) && f.path == path)
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "{rule} did not fire at {stack} {path}; findings: {:#?}",
                findings.iter().map(|f| (f.rule, &f.stack, &f.path)).collect::<Vec<_>>()
            )
        })
}

pub fn res<'a>(t: &'a mut Value, id: &str) -> &'a mut Value {
    &mut t["Resources"][id]
}
