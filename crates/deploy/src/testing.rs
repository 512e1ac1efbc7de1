//! The moto emulator for tests (feature `test-util`): moto in server mode from the repository's
//! `.venv` (installed by scripts/test.sh) with corestack's extension, on a free port.

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
        let python: PathBuf = workspace.join(".venv/bin/python");
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("an address").port();
        let child = Command::new(&python)
            .arg(workspace.join("scripts/moto_server.py"))
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start moto with {} ({e}); run scripts/test.sh, which installs it", python.display())
            });
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto did not start; is moto[server] 5.2.5 in .venv? (scripts/test.sh installs it)"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto { child, port }
    }

    /// Its endpoint URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}
