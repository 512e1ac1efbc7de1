//! corestack's edge to AWS, shared by deploy, invoke, traces and logs: a failed call shown the
//! one way ([`AwsFailure`]: the operation, the subject, the service's code and message, the
//! request ID and a fix), the HTTPS client corestack's own requests use ([`https`]), and the
//! SigV4-signed calls the locked SDK crates cannot make ([`signed`]).

mod failure;
pub mod https;
pub mod profiles;
pub mod signed;

pub use failure::AwsFailure;

pub use corestack_fault::{Blame, Blamed};
