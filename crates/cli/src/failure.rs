//! Why a command failed, and the exit code that says it (docs/deploy.md has the table). A
//! library error says whose move it is itself ([`Blamed`]); a few failures are the command's own.

use std::io::Write;
use std::process::ExitCode;

use corestack_fault::{Blame, Blamed};

/// Why a command failed.
pub(crate) enum Failure {
    /// 1: the check found errors (printed already), or `status` found a failed runtime.
    Findings,
    /// 5: the user answered no at the prompt; nothing changed.
    Declined,
    /// Whose move it is, and what happened: 2 input, 3 not ready, 4 AWS, 6 local, 130 Ctrl-C.
    Blamed(Blame, anyhow::Error),
}

impl<E: Blamed> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Blamed(e.blame(), e.into())
    }
}

impl Failure {
    /// What the user wrote is wrong: the config, the flags, an output directory not ours.
    pub(crate) fn input(e: impl Into<anyhow::Error>) -> Failure {
        Failure::Blamed(Blame::Input, e.into())
    }

    /// Says what failed on `err` (a reader that stopped early is a normal end), and the exit code.
    pub(crate) fn exit(self, err: &mut dyn Write) -> ExitCode {
        match self {
            Failure::Findings => ExitCode::from(1),
            Failure::Declined => {
                let _ = writeln!(err, "corestack: cancelled; nothing was changed");
                ExitCode::from(5)
            }
            Failure::Blamed(_, e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
            Failure::Blamed(blame, e) => {
                let _ = writeln!(err, "corestack: {e:#}");
                ExitCode::from(blame.exit_code())
            }
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

impl std::fmt::Display for Failure {
    /// The failure's message, as the report and dev's notes give it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Blamed(_, e) => write!(f, "{e:#}"),
            Failure::Findings => f.write_str("the check found errors"),
            Failure::Declined => f.write_str("cancelled at the prompt"),
        }
    }
}
