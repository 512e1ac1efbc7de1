//! AgentCore-aware infrastructure pieces.
//!
//! Each construct adds the resources for one intent (a private network with its endpoints, an
//! execution role with grants, an encrypted repository, a runtime with endpoints, alarms) to a
//! [`corestack_cfn::Stack`], with secure defaults, and checks the service's [`rules`] as it is built,
//! so a bad value fails at synthesis with a clear message instead of at deploy time.

use std::fmt;

pub mod cidr;
pub mod deliveries;
pub mod jwt;
pub mod limits;
pub mod models;
pub mod monitoring;
pub mod network;
pub mod platform;
pub mod role;
pub mod runtime;
pub mod runtime_logs;
pub mod security;
pub mod storage;
pub mod transaction_search;

/// One problem found in a construct's input: where, what, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where, as a key path such as `endpoints[0].name`.
    pub at: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

impl Problem {
    /// A problem at a key path.
    pub fn new(at: &str, message: impl Into<String>, fix: impl Into<String>) -> Problem {
        Problem { at: at.to_string(), message: message.into(), fix: fix.into() }
    }

    /// A problem from a broken service rule.
    pub fn from_violation(at: &str, v: limits::Violation) -> Problem {
        Problem { at: at.to_string(), message: v.message, fix: v.fix }
    }

    /// The same problem under a longer key path, `<prefix>.<at>`.
    pub fn under(mut self, prefix: &str) -> Problem {
        self.at = if self.at.is_empty() { prefix.to_string() } else { format!("{prefix}.{}", self.at) };
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}\n    fix: {}", self.at, self.message, self.fix)
    }
}

/// What can go wrong while building constructs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Inputs that break service rules; all of them, so they can be fixed in one pass.
    #[error("{} problem(s):\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
    /// The template layer refused something.
    #[error(transparent)]
    Cfn(#[from] corestack_cfn::Error),
}
