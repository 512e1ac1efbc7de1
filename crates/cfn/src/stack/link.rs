//! Linking the stacks of an assembly: every cross-stack reference becomes an export of the
//! producing stack, and the stacks get a deployment order.

use std::collections::BTreeMap;

use super::{Import, Output, Stack};
use crate::Error;
use crate::expr::Expr;

/// Turns every cross-stack reference into an export on the producing stack and checks that the
/// stacks can be deployed in some order. Call it once, after all stacks are built.
///
/// Returns the stack names in deployment order (dependencies first, ties by the given order).
pub fn link(stacks: &mut [Stack]) -> Result<Vec<String>, Error> {
    let index: BTreeMap<String, usize> = stacks.iter().enumerate().map(|(i, s)| (s.name.clone(), i)).collect();
    let mut exports: Vec<(usize, Import)> = Vec::new();
    for s in stacks.iter() {
        for dep in &s.dependencies {
            if !index.contains_key(dep) {
                return Err(Error::UnknownStack { stack: dep.clone(), referenced_by: s.name.clone() });
            }
        }
        for import in &s.imports {
            exports.push((index[&import.target.stack], import.clone()));
        }
    }
    for (producer, import) in exports {
        let stack = &mut stacks[producer];
        let id = import.output_id();
        if stack.outputs.contains_key(&id) {
            continue;
        }
        if !stack.resources.contains_key(&import.target.logical_id) {
            return Err(Error::UnknownTarget { stack: stack.name.clone(), id: import.target.logical_id.clone() });
        }
        let value = match &import.attribute {
            None => Expr::Ref(import.target.clone()),
            Some(a) => Expr::GetAtt(import.target.clone(), a.clone()),
        };
        stack.add_output(
            &id,
            Output {
                value,
                description: "Cross-stack reference, imported by name by dependent stacks".to_string(),
                export_name: Some(import.export_name()),
            },
        )?;
    }
    deployment_order(stacks)
}

fn deployment_order(stacks: &[Stack]) -> Result<Vec<String>, Error> {
    let mut done: Vec<String> = Vec::new();
    let mut left: Vec<&Stack> = stacks.iter().collect();
    while !left.is_empty() {
        let ready = left.iter().position(|s| s.dependencies.iter().all(|d| done.contains(d)));
        match ready {
            Some(i) => done.push(left.remove(i).name.clone()),
            None => {
                return Err(Error::DependencyCycle { stacks: left.iter().map(|s| s.name.clone()).collect() });
            }
        }
    }
    Ok(done)
}
