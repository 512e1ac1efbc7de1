//! Whose move it is after a failure. Each error type of the libraries says it of itself
//! ([`Blamed`]), so that a library user and the command line agree, and the command line's exit
//! code is [`Blame::exit_code`] of the error, with no table of its own.

/// Whose move it is after a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blame {
    /// What the user wrote is wrong: the config, the flags, an input file.
    Input,
    /// This machine or account is not ready, found before anything changed: no usable
    /// credentials, another account, a missing tool, an export another project owns.
    NotReady,
    /// AWS refused or failed a call, or a stack operation failed.
    Aws,
    /// A local step failed: a file not written, a build, an agent.
    Local,
    /// The user stopped it (Ctrl-C).
    Interrupted,
}

impl Blame {
    /// The exit code that says it (docs/deploy.md has the table): 2 input, 3 not ready, 4 AWS,
    /// 6 local, 130 interrupted (as shells report SIGINT). 1 (findings) and 5 (declined at the
    /// prompt) are not failures of this kind.
    pub fn exit_code(self) -> u8 {
        match self {
            Blame::Input => 2,
            Blame::NotReady => 3,
            Blame::Aws => 4,
            Blame::Local => 6,
            Blame::Interrupted => 130,
        }
    }
}

/// An error that knows whose move it is.
pub trait Blamed: std::error::Error + Send + Sync + 'static {
    /// Whose move it is.
    fn blame(&self) -> Blame;
}

/// A file that could not be read or written here.
impl Blamed for std::io::Error {
    fn blame(&self) -> Blame {
        Blame::Local
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_blame_has_its_own_exit_code_and_none_is_a_finding_or_a_no() {
        let all = [Blame::Input, Blame::NotReady, Blame::Aws, Blame::Local, Blame::Interrupted];
        let codes: std::collections::BTreeSet<u8> = all.iter().map(|b| b.exit_code()).collect();
        assert_eq!(codes.len(), all.len());
        assert!(!codes.contains(&0) && !codes.contains(&1) && !codes.contains(&5));
    }
}
