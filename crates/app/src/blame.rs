//! Whose move it is after each of this crate's errors: all of them are the user's to fix (the
//! config, a flag, an output directory that is not ours), but a file system that fails.

use corestack_fault::{Blame, Blamed};

use crate::config::UnknownRuntime;
use crate::init::InitError;
use crate::new_files::NewFilesError;
use crate::{ConfigError, SynthError, WriteError};

impl Blamed for ConfigError {
    fn blame(&self) -> Blame {
        Blame::Input
    }
}

impl Blamed for UnknownRuntime {
    fn blame(&self) -> Blame {
        Blame::Input
    }
}

/// Synthesis refuses only what the config asked for (for example a stack over a limit).
impl Blamed for SynthError {
    fn blame(&self) -> Blame {
        Blame::Input
    }
}

impl Blamed for WriteError {
    fn blame(&self) -> Blame {
        match self {
            WriteError::NotAnAssembly(_) => Blame::Input,
            _ => Blame::Local,
        }
    }
}

impl Blamed for InitError {
    fn blame(&self) -> Blame {
        match self {
            InitError::Write(NewFilesError::Io { .. }) => Blame::Local,
            _ => Blame::Input,
        }
    }
}
