//! One session: one agent process on its own port, as the service runs one microVM per session.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustix::process::{Pid, Signal, kill_process_group};
use tokio::io::BufReader;
use tokio::process::{Child, Command};

pub use corestack_app::constructs::runtime::Protocol;

use crate::Console;

/// How to run one runtime's agent locally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalRuntime {
    /// The runtime name (as in AWS), e.g. `demo_agent_dev`.
    pub name: String,
    /// Other names that reach it, e.g. the config key `demo_agent`.
    pub aliases: Vec<String>,
    /// Program and arguments.
    pub command: Vec<String>,
    /// Working directory.
    pub cwd: PathBuf,
    /// The runtime's environment variables.
    pub environment: BTreeMap<String, String>,
    /// Idle session timeout.
    pub idle_timeout: Duration,
    /// Maximum session lifetime.
    pub max_lifetime: Duration,
    /// The runtime's request header allowlist, lowercase: the custom headers (and a bearer
    /// `Authorization`) forwarded to the agent, as the service forwards only those.
    pub header_allowlist: Vec<String>,
    /// The protocol it speaks, which says where invocations go.
    pub protocol: Protocol,
}

/// What `/ping` said, as the service reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ping {
    pub(crate) busy: bool,
    pub(crate) time_of_last_update: u64,
}

pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// A running agent process.
pub(crate) struct Session {
    pub(crate) runtime: Arc<LocalRuntime>,
    pub(crate) id: String,
    pub(crate) pid: u32,
    pub(crate) port: u16,
    pub(crate) started: Instant,
    /// Unix seconds of the last request start or end.
    pub(crate) last_activity: AtomicU64,
    pub(crate) in_flight: AtomicUsize,
    child: tokio::sync::Mutex<Option<Child>>,
    client: Client<HttpConnector, Empty<Bytes>>,
}

/// Keeps the last lines of an agent's stderr for error messages.
#[derive(Clone, Default)]
struct Tail(Arc<Mutex<VecDeque<String>>>);

impl Tail {
    fn push(&self, line: &str) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if t.len() == 10 {
            t.pop_front();
        }
        t.push_back(line.to_string());
    }

    fn text(&self) -> String {
        let t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if t.is_empty() {
            String::new()
        } else {
            let missing_module = t.iter().any(|l| l.contains("ModuleNotFoundError") || l.contains("No module named"));
            let hint = if missing_module {
                "\n    fix: the agent's Python modules are not installed where its command runs: `pip install -r requirements.txt` (in the virtualenv its command uses)"
            } else {
                ""
            };
            format!("; its last output:\n    {}{hint}", t.iter().cloned().collect::<Vec<_>>().join("\n    "))
        }
    }
}

/// Ports handed to agents that may still be listening on them. The OS may give a port it just
/// gave to another session again once that probe socket is closed; never hand out the same one
/// twice while its session lives.
static RESERVED: Mutex<std::collections::BTreeSet<u16>> = Mutex::new(std::collections::BTreeSet::new());

/// A free port on 127.0.0.1 that no live session holds, reserved until [`release_port`].
fn reserve_port() -> std::io::Result<u16> {
    for _ in 0..64 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        if RESERVED.lock().unwrap_or_else(|e| e.into_inner()).insert(port) {
            return Ok(port);
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AddrInUse, "no port free of live sessions after 64 tries"))
}

fn release_port(port: u16) {
    RESERVED.lock().unwrap_or_else(|e| e.into_inner()).remove(&port);
}

/// Releases the agent's port and kills its whole process group (once it has one) when dropped,
/// unless disarmed: a start that fails or is cancelled (the client went away, or corestack dev is
/// stopping) leaves nothing behind.
struct GroupGuard {
    pid: Option<u32>,
    port: u16,
    armed: bool,
}

impl GroupGuard {
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if let Some(pid) = self.pid.and_then(|p| Pid::from_raw(p as i32)) {
            let _ = kill_process_group(pid, Signal::KILL);
        }
        release_port(self.port);
    }
}

/// Why an agent could not be started, in words: a missing program is a build question, running
/// out of descriptors or processes is this machine's limit, not the agent's fault.
fn spawn_error(e: &std::io::Error, program: &std::path::Path) -> String {
    match e.raw_os_error() {
        Some(code)
            if code == rustix::io::Errno::MFILE.raw_os_error() || code == rustix::io::Errno::NFILE.raw_os_error() =>
        {
            format!(
                "corestack dev is out of file descriptors ({e}); stop some sessions, or raise the limit (ulimit -n)"
            )
        }
        Some(code) if code == rustix::io::Errno::AGAIN.raw_os_error() => {
            format!("this machine refused a new process ({e}); stop some sessions, or raise the limit (ulimit -u)")
        }
        _ if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied) => {
            format!("cannot start `{}`: {e} (is it built? check [runtimes.local] command)", program.display())
        }
        _ => format!("cannot start `{}`: {e}", program.display()),
    }
}

/// The first characters of a session ID, for console lines.
pub(crate) fn short(id: &str) -> &str {
    // On a character boundary: IDs are checked ASCII, but this must never panic regardless.
    crate::names::first_chars(id, 8)
}

impl Session {
    /// Starts the agent and waits until it answers `/ping` with 200.
    pub(crate) async fn start(
        runtime: Arc<LocalRuntime>,
        id: String,
        startup_timeout: Duration,
        console: &Console,
    ) -> Result<Session, String> {
        let started = Instant::now();
        let port = reserve_port().map_err(|e| format!("no free port for the agent: {e}"))?;
        let mut guard = GroupGuard { pid: None, port, armed: true };
        let (program, args) = runtime.command.split_first().ok_or("the runtime has no local command")?;
        let program_path = if program.contains('/') { runtime.cwd.join(program) } else { PathBuf::from(program) };
        let mut child = Command::new(&program_path)
            .args(args)
            .current_dir(&runtime.cwd)
            .envs(&runtime.environment)
            .env("PORT", port.to_string())
            .env("AGENT_BIND_ADDRESS", "127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| spawn_error(&e, &program_path))?;
        let pid = child.id().ok_or("the agent exited at once")?;
        guard.pid = Some(pid);
        let tail = Tail::default();
        let prefix = format!("[{} {}]", runtime.name, short(&id));
        if let Some(out) = child.stdout.take() {
            forward_lines(out, prefix.clone(), console.clone(), None);
        }
        if let Some(err) = child.stderr.take() {
            forward_lines(err, prefix.clone(), console.clone(), Some(tail.clone()));
        }
        let client = Client::builder(TokioExecutor::new()).build_http();
        let session = Session {
            runtime,
            id,
            pid,
            port,
            started,
            last_activity: AtomicU64::new(unix_now()),
            in_flight: AtomicUsize::new(0),
            child: tokio::sync::Mutex::new(None),
            client,
        };
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                // Give the output readers a moment to collect the last lines.
                tokio::time::sleep(Duration::from_millis(50)).await;
                return Err(format!("the agent exited during start-up ({status}){}", tail.text()));
            }
            if session.ping(Duration::from_millis(500)).await.is_some() {
                break;
            }
            if started.elapsed() > startup_timeout {
                session.signal(Signal::KILL);
                let _ = child.wait().await;
                return Err(format!(
                    "the agent did not answer GET /ping with 200 within {} s{}",
                    startup_timeout.as_secs(),
                    tail.text()
                ));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        *session.child.lock().await = Some(child);
        guard.disarm();
        Ok(session)
    }

    /// `GET /ping`, read as the service does; `None` when it does not answer 200 in time.
    pub(crate) async fn ping(&self, timeout: Duration) -> Option<Ping> {
        let req = hyper::Request::get(format!("http://127.0.0.1:{}/ping", self.port)).body(Empty::new()).ok()?;
        let answer = tokio::time::timeout(timeout, async {
            let r = self.client.request(req).await.ok()?;
            if r.status() != 200 {
                return None;
            }
            let body = r.into_body().collect().await.ok()?.to_bytes();
            serde_json::from_slice::<serde_json::Value>(&body).ok()
        })
        .await
        .ok()??;
        Some(Ping {
            busy: answer["status"] == "HealthyBusy",
            time_of_last_update: answer["time_of_last_update"].as_u64().unwrap_or(0),
        })
    }

    fn signal(&self, signal: Signal) {
        if let Some(pid) = Pid::from_raw(self.pid as i32) {
            let _ = kill_process_group(pid, signal);
        }
    }

    /// Whether the process has exited.
    pub(crate) async fn exited(&self) -> Option<String> {
        let mut child = self.child.lock().await;
        match child.as_mut().map(|c| c.try_wait()) {
            Some(Ok(Some(status))) => Some(status.to_string()),
            Some(Ok(None)) => None,
            _ => Some("gone".to_string()),
        }
    }

    /// SIGTERM to the agent's process group, then SIGKILL after `grace`.
    pub(crate) async fn stop(&self, grace: Duration) {
        let mut child = self.child.lock().await;
        let Some(c) = child.as_mut() else { return };
        self.signal(Signal::TERM);
        if tokio::time::timeout(grace, c.wait()).await.is_err() {
            self.signal(Signal::KILL);
            let _ = c.wait().await;
        }
        // Whatever else the agent started in its group goes too.
        self.signal(Signal::KILL);
        *child = None;
        release_port(self.port);
    }
}

/// Prints an agent's output lines with its session prefix, keeping a tail of them when asked.
fn forward_lines<R: tokio::io::AsyncRead + Unpin + Send + 'static>(
    stream: R,
    prefix: String,
    console: Console,
    tail: Option<Tail>,
) {
    tokio::spawn(async move {
        crate::output::each_line(BufReader::new(stream), crate::output::LINE_BYTES, |line| {
            if let Some(t) = &tail {
                t.push(line);
            }
            console(&format!("{prefix} {line}"));
        })
        .await;
    });
}

pub(crate) fn elapsed_ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

impl Drop for Session {
    fn drop(&mut self) {
        // A session dropped without stop (a cancelled request held its last reference): its
        // process group goes with it. After stop the child is gone and this does nothing.
        if self.child.get_mut().is_some() {
            self.signal(Signal::KILL);
            release_port(self.port);
        }
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("runtime", &self.runtime.name)
            .field("id", &self.id)
            .field("pid", &self.pid)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Python agent without its modules says how to install them.
    #[test]
    fn a_missing_python_module_gets_the_pip_fix() {
        let tail = Tail::default();
        tail.push("    from bedrock_agentcore import BedrockAgentCoreApp");
        tail.push("ModuleNotFoundError: No module named 'bedrock_agentcore'");
        assert!(tail.text().ends_with("`pip install -r requirements.txt` (in the virtualenv its command uses)"));
        let other = Tail::default();
        other.push("panicked at src/main.rs");
        assert!(!other.text().contains("pip"));
    }

    /// The tests that count reserved ports run one at a time.
    static PORTS: Mutex<()> = Mutex::new(());

    fn reserved() -> usize {
        RESERVED.lock().unwrap().len()
    }

    /// The OS hands a just-closed port out again; two sessions must never get the same one.
    #[test]
    fn reserved_ports_are_never_handed_out_twice() {
        let _one = PORTS.lock().unwrap_or_else(|e| e.into_inner());
        let ports: Vec<u16> = (0..2000).map(|_| reserve_port().unwrap()).collect();
        let distinct: std::collections::BTreeSet<u16> = ports.iter().copied().collect();
        assert_eq!(distinct.len(), ports.len());
        for p in ports {
            release_port(p);
        }
    }

    #[test]
    fn a_start_that_fails_gives_its_port_back() {
        let _one = PORTS.lock().unwrap_or_else(|e| e.into_inner());
        let before = reserved();
        let console: Console = Arc::new(|_: &str| {});
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        for command in [vec![], vec!["./no-such-agent".to_string()]] {
            let runtime = Arc::new(LocalRuntime {
                name: "a".into(),
                aliases: vec![],
                command,
                cwd: std::env::temp_dir(),
                environment: BTreeMap::new(),
                idle_timeout: Duration::from_secs(60),
                max_lifetime: Duration::from_secs(60),
                header_allowlist: Vec::new(),
                protocol: Protocol::Http,
            });
            let started = rt.block_on(Session::start(runtime, "s".repeat(33), Duration::from_secs(1), &console));
            assert!(started.is_err());
            assert_eq!(reserved(), before);
        }
    }
}
