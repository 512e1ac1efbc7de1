//! The question deploy and destroy ask before they change anything.

use std::io::{BufRead, IsTerminal, Write};

/// A question that could not be asked: stdin is not a terminal, and `--yes` was not given.
#[derive(Debug, thiserror::Error)]
#[error("{0}: not asked without a terminal\n    fix: pass --yes")]
pub struct NotAsked(pub String);

/// Without a terminal the user's move is `--yes`.
impl corestack_fault::Blamed for NotAsked {
    fn blame(&self) -> corestack_fault::Blame {
        corestack_fault::Blame::Input
    }
}

/// `true` when the user said yes to `question` on `err` (`y`, `Y` or `yes`), or `yes` was given.
pub fn confirm(question: &str, yes: bool, err: &mut dyn Write) -> Result<bool, NotAsked> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(NotAsked(question.to_string()));
    }
    let _ = write!(err, "{question} [y/N] ");
    let _ = err.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
