//! The moto emulator for tests (feature `test-util`): moto in server mode from the repository's
//! `.venv` (installed by scripts/test.sh) with corestack's extension, on a free port.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server; stopped on drop.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Starts moto with `workspace/scripts/moto_server.py`, panicking with a fix when it cannot.
    pub fn start(workspace: &Path) -> Moto {
        Moto::start_with(workspace, &[])
    }

    /// Starts moto with its recorder on: every request it serves is appended to `file` as a line
    /// of JSON (method, URL, headers, body; moto's `MOTO_ENABLE_RECORDING`).
    pub fn start_recording(workspace: &Path, file: &Path) -> Moto {
        let file = file.display().to_string();
        Moto::start_with(workspace, &[("MOTO_ENABLE_RECORDING", "True"), ("MOTO_RECORDER_FILEPATH", &file)])
    }

    fn start_with(workspace: &Path, env: &[(&str, &str)]) -> Moto {
        // A free port can be taken by a test starting beside this one before moto binds it; then
        // this moto exits and the port answers for the other one. Start again on another port.
        for _ in 0..5 {
            if let Some(moto) = Moto::try_start(workspace, env) {
                return moto;
            }
        }
        panic!("moto did not start on five ports; is moto[server] 5.2.5 in .venv? (scripts/test.sh installs it)")
    }

    fn try_start(workspace: &Path, env: &[(&str, &str)]) -> Option<Moto> {
        use std::io::BufRead;
        let python: PathBuf = workspace.join(".venv/bin/python");
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("an address").port();
        let mut child = Command::new(&python)
            .arg(workspace.join("scripts/moto_server.py"))
            .arg(port.to_string())
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start moto with {} ({e}); run scripts/test.sh, which installs it", python.display())
            });
        // Ready when this moto says it is running on the port: a port that merely answers may be
        // another test's moto, which took it first (this one then fails to bind, seconds later,
        // after its imports, and the test would talk to the other one until it stops).
        let stderr = child.stderr.take().expect("piped");
        let (tx, bound) = std::sync::mpsc::channel();
        let running = format!("Running on http://127.0.0.1:{port}");
        // CORESTACK_MOTO_LOG=FILE keeps what moto prints (its tracebacks), for debugging a test.
        let mut log = std::env::var_os("CORESTACK_MOTO_LOG")
            .and_then(|p| std::fs::OpenOptions::new().create(true).append(true).open(p).ok());
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(f) = log.as_mut() {
                    let _ = writeln!(f, "{line}");
                }
                if line.contains(&running) {
                    let _ = tx.send(());
                }
            }
        });
        let mut moto = Moto { child, port }; // dropped (and killed) on the way out with None
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if bound.try_recv().is_ok() {
                return Some(moto);
            }
            if moto.child.try_wait().ok().flatten().is_some() || Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Its endpoint URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An AWS configuration that reaches this moto in `region`, with test credentials.
    pub async fn sdk_config(&self, region: &str) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_string()))
            .endpoint_url(self.url())
            .credentials_provider(aws_credential_types::Credentials::new("testing", "testing", None, None, "moto"))
            .load()
            .await
    }

    /// The stand-in for the docker CLI (`tests/fake-docker/docker` of `workspace`), which pushes
    /// into this moto's registry and logs its calls to `log`.
    pub fn fake_docker(&self, workspace: &Path, log: &Path) -> crate::image::Docker {
        let path = format!("{}:{}", workspace.join(".venv/bin").display(), std::env::var("PATH").unwrap_or_default());
        crate::image::Docker::with_program(workspace.join("tests/fake-docker/docker"))
            .env("PATH", path)
            .env("AWS_ENDPOINT_URL", self.url())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("FAKE_DOCKER_LOG", log.display().to_string())
    }
}
