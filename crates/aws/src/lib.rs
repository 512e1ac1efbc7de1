//! corestack's edge to AWS, shared by deploy, invoke, traces and logs: a failed call shown the
//! one way ([`AwsFailure`]: the operation, the subject, the service's code and message, the
//! request ID and a fix), the HTTPS client corestack's own requests use ([`https`]), and the
//! SigV4-signed calls the locked SDK crates cannot make ([`signed`]).

mod failure;
pub mod https;
pub mod profiles;
pub mod signed;

pub use failure::AwsFailure;

/// Whose move it is after a failure, which the CLI turns into its exit code: each error type of
/// the libraries says it of itself (`blame()`), so that a library user and the CLI agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blame {
    /// What the user wrote is wrong: the config, the flags, an input file.
    Input,
    /// This machine or account is not ready, found before anything changed.
    NotReady,
    /// AWS refused or failed a call, or a stack operation failed.
    Aws,
    /// A local step failed: a file not written, a build, an agent.
    Local,
}
