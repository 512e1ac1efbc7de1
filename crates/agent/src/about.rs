//! What an agent binary answers on its command line before it serves: `--help` and `--version`
//! print and exit, anything else is refused. An agent is started by the service with no
//! arguments, so none of this changes how it runs there.

use std::io::Write;
use std::process::ExitCode;

/// What an agent says about itself; build it with [`about!`](crate::about).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct About {
    /// The binary's name.
    pub name: &'static str,
    /// Its version.
    pub version: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
}

/// The calling crate's name and version, and a summary: `corestack_agent::about!("...")`.
#[macro_export]
macro_rules! about {
    ($summary:expr) => {
        $crate::About { name: env!("CARGO_PKG_NAME"), version: env!("CARGO_PKG_VERSION"), summary: $summary }
    };
}

impl About {
    /// Answers the command line `args` (without the program name): `None` to go on and serve,
    /// or the exit code after `--help`, `--version` or an argument it does not take.
    pub fn answer(&self, args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> Option<ExitCode> {
        let first = args.first()?;
        match first.as_str() {
            "--help" | "-h" => {
                let _ = writeln!(
                    out,
                    "{} {}: {}\n\nAn Amazon Bedrock AgentCore Runtime agent. It takes no arguments; it serves the\nservice's HTTP contract (GET /ping, POST /invocations) until SIGTERM.\n\nEnvironment:\n  PORT                 the port (default 8080, as the service expects)\n  AGENT_BIND_ADDRESS   the address (default 0.0.0.0)\n  RUST_LOG             the log level of its JSON log lines (default info)",
                    self.name, self.version, self.summary
                );
                Some(ExitCode::SUCCESS)
            }
            "--version" | "-V" => {
                let _ = writeln!(out, "{} {}", self.name, self.version);
                Some(ExitCode::SUCCESS)
            }
            other => {
                let _ = writeln!(err, "{}: unexpected argument `{other}`; it takes none (see --help)", self.name);
                Some(ExitCode::from(2))
            }
        }
    }

    /// [`About::answer`] for this process's own arguments, on stdout and stderr.
    pub fn answer_command_line(&self) -> Option<ExitCode> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        self.answer(&args, &mut std::io::stdout(), &mut std::io::stderr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> (Option<ExitCode>, String, String) {
        let about = About { name: "agent", version: "1.2.3", summary: "answers" };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let code = about.answer(&args, &mut out, &mut err);
        (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
    }

    #[test]
    fn help_version_and_strangers() {
        assert_eq!(run(&[]).0, None);
        let (code, out, _) = run(&["--help"]);
        assert_eq!(code, Some(ExitCode::SUCCESS));
        assert!(out.starts_with("agent 1.2.3: answers") && out.contains("PORT"), "{out}");
        assert_eq!(run(&["-V"]).1, "agent 1.2.3\n");
        let (code, _, err) = run(&["--port", "9"]);
        assert_eq!(code, Some(ExitCode::from(2)));
        assert!(err.contains("unexpected argument `--port`"), "{err}");
    }
}
