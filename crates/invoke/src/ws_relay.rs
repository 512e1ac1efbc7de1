//! `corestack invoke --ws`'s conversation: lines out as text messages, the runtime's messages
//! handed back, until both sides are done.

use std::io::Write;
use std::time::Duration;

use tokio::sync::mpsc::Receiver;
use tokio::time::Instant;

use crate::InvokeError;
use crate::ws::{Connection, Received};

/// How long the connection stays open after the last line, while the runtime is quiet: a close
/// sent at once would end it before the answers in flight (the peer answers a close with its own
/// and sends nothing after it).
pub const QUIET: Duration = Duration::from_millis(800);

impl Connection {
    /// Sends each of `lines` as a text message and gives each message received to `print` (bytes
    /// as lossy UTF-8); after the last line, closes once the runtime has been quiet for `quiet`,
    /// and returns when the runtime has closed.
    pub async fn relay(
        mut self,
        mut lines: Receiver<String>,
        quiet: Duration,
        print: &mut (dyn FnMut(&str) + Send),
    ) -> Result<(), InvokeError> {
        let mut input_open = true;
        let mut closing: Option<Instant> = None;
        loop {
            let linger = async {
                match closing {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                line = lines.recv(), if input_open => match line {
                    Some(line) => self.send_text(&line).await?,
                    None => {
                        input_open = false;
                        closing = Some(Instant::now() + quiet);
                    }
                },
                () = linger => {
                    closing = None;
                    self.close().await?;
                }
                received = self.recv() => {
                    if closing.is_some() {
                        closing = Some(Instant::now() + quiet);
                    }
                    match received {
                        Some(Ok(Received::Text(text))) => print(&text),
                        Some(Ok(Received::Binary(bytes))) => print(&String::from_utf8_lossy(&bytes)),
                        Some(Err(e)) => return Err(e),
                        None => return Ok(()),
                    }
                }
            }
        }
    }

    /// [`Connection::relay`] of standard input's lines, each message received printed on a line
    /// of standard output.
    pub async fn relay_stdio(self) -> Result<(), InvokeError> {
        let (lines_tx, lines) = tokio::sync::mpsc::channel::<String>(16);
        // A thread of its own: reading stdin blocks, and would hold a runtime worker.
        std::thread::spawn(move || {
            for line in std::io::stdin().lines() {
                let Ok(line) = line else { break };
                if lines_tx.blocking_send(line).is_err() {
                    break;
                }
            }
        });
        let mut stdout = std::io::stdout();
        let mut print = |text: &str| {
            let _ = writeln!(stdout, "{text}");
        };
        self.relay(lines, QUIET, &mut print).await
    }
}
