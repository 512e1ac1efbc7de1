//! Typed CloudFormation for corestack.
//!
//! This crate knows CloudFormation and nothing about AgentCore: [`Expr`] values and intrinsics,
//! [`Stack`]s with parameters, resources and outputs, typed [`resources`] with the CloudFormation
//! property names, IAM [`policy`] documents, and [`link`], which turns references between stacks
//! into exports and imports. Output is deterministic: the same stacks give the same bytes.

mod expr;
pub mod policy;
pub mod resources;
mod stack;

pub use expr::{Expr, Pseudo, Target};
pub use stack::{Handle, Output, Parameter, Resource, Stack, TagForm, limits, link};

/// A logical-ID stem from a name: each run of letters and digits, capitalized, joined
/// (`demo_agent` -> `DemoAgent`, `use1-az1` -> `Use1Az1`).
///
/// # Example
/// ```
/// assert_eq!(corestack_cfn::pascal_case("ecr.api"), "EcrApi");
/// ```
pub fn pascal_case(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// What can go wrong while building stacks.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A logical ID with characters other than ASCII letters and digits, or empty, or too long.
    #[error("stack {stack}: logical ID `{id}` must be 1-255 ASCII letters or digits")]
    InvalidLogicalId {
        /// The stack.
        stack: String,
        /// The rejected ID.
        id: String,
    },
    /// Two things in one stack with the same logical ID.
    #[error("stack {stack}: logical ID `{id}` is used twice; give one of them another name")]
    DuplicateLogicalId {
        /// The stack.
        stack: String,
        /// The repeated ID.
        id: String,
    },
    /// A reference to a stack that is not part of the app.
    #[error("stack {referenced_by} refers to stack {stack}, which is not in the app; add it before linking")]
    UnknownStack {
        /// The missing stack.
        stack: String,
        /// The stack that refers to it.
        referenced_by: String,
    },
    /// A reference to a logical ID that the stack does not have.
    #[error("stack {stack} has no resource `{id}` to export")]
    UnknownTarget {
        /// The stack.
        stack: String,
        /// The missing logical ID.
        id: String,
    },
    /// Stacks that import from each other in a circle.
    #[error("stacks {} depend on each other in a cycle; move the shared resource into one of them", stacks.join(", "))]
    DependencyCycle {
        /// The stacks in or behind the cycle.
        stacks: Vec<String>,
    },
    /// A template over one of CloudFormation's limits.
    #[error(
        "stack {stack} has {count} {what}, over CloudFormation's limit of {max}; spread the resources over more stacks (fewer runtimes per stack)"
    )]
    Limit {
        /// The stack.
        stack: String,
        /// Which limit.
        what: &'static str,
        /// How many there are.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A value that could not be turned into JSON.
    #[error("could not serialize a template value: {0}")]
    Serialize(String),
}
