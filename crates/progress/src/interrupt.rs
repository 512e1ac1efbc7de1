//! Ctrl-C during a deploy or destroy: corestack stops waiting, and says what carries on without
//! it and how to resume.

use crate::Progress;

/// The user pressed Ctrl-C while a deploy or destroy ran. CloudFormation finishes (or rolls back)
/// what it started; stopping cancels, rolls back and deletes nothing.
#[derive(Debug, thiserror::Error)]
#[error(
    "interrupted: corestack stopped waiting{running}. Nothing was cancelled, rolled back or deleted.\n    resume: {resume} (finished stacks are skipped; a stack still busy is reported until it settles)"
)]
pub struct Interrupted {
    /// `; CloudFormation carries on with <stacks> on its own`, or nothing.
    running: String,
    /// The command that resumes.
    resume: String,
}

impl corestack_fault::Blamed for Interrupted {
    fn blame(&self) -> corestack_fault::Blame {
        corestack_fault::Blame::Interrupted
    }
}

impl Progress {
    /// Runs `work` until it finishes or Ctrl-C; on Ctrl-C, ends the display and fails with
    /// [`Interrupted`], naming the stacks still in progress and the `resume` command.
    pub async fn until_interrupted<T, E: From<Interrupted>>(
        &self,
        work: impl Future<Output = Result<T, E>>,
        resume: &str,
    ) -> Result<T, E> {
        tokio::select! {
            r = work => r,
            _ = tokio::signal::ctrl_c() => {
                self.finish();
                Err(self.interrupted(resume).into())
            }
        }
    }

    fn interrupted(&self, resume: &str) -> Interrupted {
        let running = self.in_progress();
        let running = if running.is_empty() {
            String::new()
        } else {
            format!("; CloudFormation carries on with {} on its own", running.join(", "))
        };
        Interrupted { running, resume: resume.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mode;

    #[test]
    fn an_interruption_names_the_resume_command_and_that_nothing_was_undone() {
        let text = Progress::new(Mode::Lines).interrupted("corestack deploy --env prod").to_string();
        assert!(text.starts_with("interrupted: corestack stopped waiting. Nothing was cancelled"), "{text}");
        assert!(text.contains("resume: corestack deploy --env prod"), "{text}");
    }
}
