//! Live progress of `deploy` and `destroy`: on a terminal, one line per stack redrawn in place
//! (status, resources finished, the latest resource event) under the lines that stay; otherwise
//! plain lines on stderr; with `--json`, JSON lines on stdout.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use corestack_deploy::{ResourceEvent, Step, describe_outcome};

mod confirm;
mod interrupt;
pub use confirm::{NotAsked, confirm};
pub use interrupt::Interrupted;

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A redrawn block on stderr.
    Terminal,
    /// One line per step or event on stderr.
    Lines,
    /// JSON lines on stdout.
    Json,
}

impl Mode {
    /// JSON when asked; a redrawn block when stderr is a terminal that can move the cursor.
    pub fn detect(json: bool) -> Mode {
        if json {
            Mode::Json
        } else if std::io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb") {
            Mode::Terminal
        } else {
            Mode::Lines
        }
    }
}

/// One stack's line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct StackLine {
    name: String,
    /// `deploying`, `CREATE_IN_PROGRESS`, `created in 3.1 s`, ...
    status: String,
    /// Whether the stack is done (its line no longer changes).
    done: bool,
    /// Resources that reached a final state in this operation.
    finished: usize,
    /// The latest resource event, shortly.
    last: String,
    /// The latest stack-level status CloudFormation reported.
    cfn_status: Option<String>,
}

#[derive(Debug, Default)]
struct State {
    stacks: Vec<StackLine>,
    /// Lines of the block now on the screen.
    drawn: usize,
}

/// The progress display; shared by the deployer's callbacks.
#[derive(Debug)]
pub struct Progress {
    mode: Mode,
    width: usize,
    state: Mutex<State>,
}

/// The deploy library tells the display what happens.
impl corestack_deploy::Observer for Progress {
    fn event(&self, event: &ResourceEvent) {
        Progress::event(self, event);
    }
    fn step(&self, step: Step<'_>) {
        Progress::step(self, step);
    }
    fn note(&self, line: &str) {
        Progress::note(self, line);
    }
    fn image(&self, i: &corestack_deploy::image::RuntimeImage) {
        if self.mode == Mode::Json {
            println!(
                "{}",
                serde_json::json!({"event": "image", "runtime": i.runtime, "source": i.source, "digest": i.digest, "built": i.built})
            );
        }
    }
}

impl Progress {
    /// A display in `mode`, as wide as stderr's terminal (100 columns when it is none).
    pub fn new(mode: Mode) -> Progress {
        let width = terminal_size::terminal_size_of(std::io::stderr()).map(|(w, _)| w.0 as usize).unwrap_or(100);
        Progress { mode, width: width.max(20), state: Mutex::new(State::default()) }
    }

    /// How it shows progress.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A line that stays (image steps, notes); not shown in JSON mode.
    pub fn note(&self, line: &str) {
        match self.mode {
            Mode::Json => {}
            Mode::Lines => eprintln!("corestack: {line}"),
            Mode::Terminal => {
                // The block stays where it is, finished stacks leave it, and the note and whatever
                // follows (docker's own output) go below; the next step starts a new block.
                let mut state = self.state();
                let mut text = clear(state.drawn);
                for l in render(&state.stacks, self.width) {
                    text.push_str(&l);
                    text.push('\n');
                }
                text.push_str(&format!("corestack: {line}\n"));
                state.drawn = 0;
                state.stacks.retain(|s| !s.done);
                let mut err = std::io::stderr().lock();
                let _ = err.write_all(text.as_bytes());
                let _ = err.flush();
            }
        }
    }

    /// A deploy or destroy step.
    pub fn step(&self, step: Step<'_>) {
        let (name, status, done) = match step {
            Step::Started { stack, deleting } => {
                (stack, if deleting { "deleting".to_string() } else { "deploying".to_string() }, false)
            }
            Step::Finished(r) => (r.name.as_str(), describe_outcome(r), true),
        };
        match self.mode {
            Mode::Json => {}
            Mode::Lines => {
                eprintln!("corestack: {}", if done { format!("{name} {status}") } else { format!("{status} {name}") })
            }
            Mode::Terminal => {
                let mut state = self.state();
                let line = line_of(&mut state, name);
                line.status = status;
                line.done = done;
                let text = clear(state.drawn);
                self.draw(&mut state, text);
            }
        }
    }

    /// A stack or resource event.
    pub fn event(&self, e: &ResourceEvent) {
        {
            let mut state = self.state();
            let line = line_of(&mut state, &e.stack);
            if e.logical_id == e.stack {
                line.cfn_status = Some(e.status.clone());
                line.status = e.status.clone();
            } else {
                if e.status.ends_with("_COMPLETE") || e.status.ends_with("_FAILED") {
                    line.finished += 1;
                }
                line.last = format!("{} {}", e.logical_id, e.status);
            }
        }
        match self.mode {
            Mode::Json => println!(
                "{}",
                serde_json::json!({"event": "resource", "stack": e.stack, "logical_id": e.logical_id, "resource_type": e.resource_type, "status": e.status, "reason": e.reason})
            ),
            Mode::Lines => {
                let reason = e.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
                eprintln!("corestack: {} {} {} {}{reason}", e.stack, e.logical_id, e.resource_type, e.status);
            }
            Mode::Terminal => {
                let mut state = self.state();
                let mut text = clear(state.drawn);
                state.drawn = 0;
                // Failures stay on the screen with their reason.
                if e.status.ends_with("_FAILED") {
                    let reason = e.reason.as_deref().unwrap_or("no reason given");
                    text.push_str(&format!("corestack: {} {} {}: {reason}\n", e.stack, e.logical_id, e.status));
                }
                self.draw(&mut state, text);
            }
        }
    }

    /// Stacks whose operation CloudFormation is still running, as far as the events told.
    pub fn in_progress(&self) -> Vec<String> {
        self.state()
            .stacks
            .iter()
            .filter(|s| !s.done && s.cfn_status.as_deref().is_some_and(|c| c.ends_with("_IN_PROGRESS")))
            .map(|s| s.name.clone())
            .collect()
    }

    /// Leaves the block on the screen as it is; later output goes below it.
    pub fn finish(&self) {
        self.state().drawn = 0;
    }

    fn draw(&self, state: &mut State, mut text: String) {
        let block = render(&state.stacks, self.width);
        state.drawn = block.len();
        for l in block {
            text.push_str(&l);
            text.push('\n');
        }
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    }
}

fn line_of<'a>(state: &'a mut State, name: &str) -> &'a mut StackLine {
    let i = match state.stacks.iter().position(|s| s.name == name) {
        Some(i) => i,
        None => {
            state.stacks.push(StackLine { name: name.to_string(), ..StackLine::default() });
            state.stacks.len() - 1
        }
    };
    &mut state.stacks[i]
}

/// Moves the cursor up over `lines` drawn lines and clears from there down.
fn clear(lines: usize) -> String {
    if lines == 0 { String::new() } else { format!("\x1b[{lines}F\x1b[J") }
}

/// The block: one line per stack, cut to `width` characters so no line wraps (wrapped lines
/// would break the redraw).
fn render(stacks: &[StackLine], width: usize) -> Vec<String> {
    let name_width = stacks.iter().map(|s| s.name.chars().count()).max().unwrap_or(0);
    stacks
        .iter()
        .map(|s| {
            let mark = if s.done { "✓" } else { "…" };
            let mut line = format!("{mark} {:<name_width$}  {}", s.name, s.status);
            if !s.done && s.finished > 0 {
                line.push_str(&format!("  {} resource(s) done", s.finished));
            }
            if !s.done && !s.last.is_empty() {
                line.push_str(&format!("  latest: {}", s.last));
            }
            if line.chars().count() > width {
                line = line.chars().take(width.saturating_sub(1)).collect::<String>() + "…";
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(stack: &str, logical: &str, status: &str) -> ResourceEvent {
        ResourceEvent {
            stack: stack.into(),
            logical_id: logical.into(),
            resource_type: "AWS::EC2::VPC".into(),
            status: status.into(),
            reason: None,
        }
    }

    #[test]
    fn the_block_has_a_line_per_stack_with_its_latest_event() {
        let p = Progress::new(Mode::Json);
        p.event(&event("app-Network", "app-Network", "CREATE_IN_PROGRESS"));
        p.event(&event("app-Network", "Vpc", "CREATE_IN_PROGRESS"));
        p.event(&event("app-Network", "Vpc", "CREATE_COMPLETE"));
        p.event(&event("app-Security", "app-Security", "UPDATE_IN_PROGRESS"));
        let lines = render(&p.state().stacks, 200);
        assert_eq!(
            lines,
            [
                "… app-Network   CREATE_IN_PROGRESS  1 resource(s) done  latest: Vpc CREATE_COMPLETE",
                "… app-Security  UPDATE_IN_PROGRESS"
            ]
        );
        assert_eq!(p.in_progress(), ["app-Network", "app-Security"]);
    }

    #[test]
    fn lines_are_cut_to_the_terminal_width() {
        let stacks = [StackLine { name: "n".into(), status: "x".repeat(50), ..StackLine::default() }];
        let lines = render(&stacks, 20);
        assert_eq!(lines[0].chars().count(), 20);
        assert!(lines[0].ends_with('…'));
    }

    #[test]
    fn a_redraw_moves_up_over_the_previous_block() {
        assert_eq!(clear(0), "");
        assert_eq!(clear(3), "\x1b[3F\x1b[J");
    }
}
