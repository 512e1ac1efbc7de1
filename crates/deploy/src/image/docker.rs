//! The docker CLI with buildx: checked, logged in to the registry, and building for the platform
//! the service runs.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use corestack_app::config::BuildSettings;
use tokio::io::AsyncWriteExt;

use super::{ImageError, PLATFORM};

/// The docker CLI with buildx.
#[derive(Clone, Debug)]
pub struct Docker {
    program: PathBuf,
    envs: Vec<(String, String)>,
}

impl Docker {
    /// `docker` from PATH.
    pub fn new() -> Docker {
        Docker::with_program("docker")
    }

    /// Another program that takes docker's commands (a path, or a name on PATH), such as
    /// `podman` or `finch`.
    pub fn with_program(program: impl Into<PathBuf>) -> Docker {
        Docker { program: program.into(), envs: Vec::new() }
    }

    /// Sets an environment variable for every docker command (e.g. `DOCKER_HOST`, `DOCKER_CONFIG`).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Docker {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// A command of the program, with the environment set.
    fn program(&self) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(&self.program);
        c.envs(self.envs.iter().map(|(k, v)| (k, v)));
        c
    }

    fn command(&self) -> tokio::process::Command {
        let mut c = self.program();
        // Docker's own output goes to stderr, so stdout stays clean for --json.
        c.stdout(stderr_stdio()).stderr(Stdio::inherit()).kill_on_drop(true);
        c
    }

    /// Checks that buildx answers.
    pub(crate) async fn check(&self, runtime: &str) -> Result<(), ImageError> {
        let missing = |reason: String| ImageError::NoDocker {
            runtime: runtime.into(),
            program: self.program.display().to_string(),
            reason,
        };
        let out = self
            .program()
            .args(["buildx", "version"])
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| missing(e.to_string()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(missing(format!("{}: {}", out.status, String::from_utf8_lossy(&out.stderr).trim())))
        }
    }

    /// `docker login` with the password on stdin; its output is kept for the error message.
    pub(crate) async fn login(&self, user: &str, password: &str, host: &str) -> Result<(), ImageError> {
        let what = format!("docker login {host}");
        let mut child = self
            .program()
            .args(["login", "--username", user, "--password-stdin", host])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| docker_failed(&what, e.to_string(), ""))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(password.as_bytes()).await;
        }
        let out = child.wait_with_output().await.map_err(|e| docker_failed(&what, e.to_string(), ""))?;
        if !out.status.success() {
            let said = String::from_utf8_lossy(&out.stderr).trim().to_string();
            return Err(docker_failed(&what, format!("{}: {said}", out.status), ""));
        }
        Ok(())
    }

    /// Builds for [`PLATFORM`], pushes as `image`, and returns the pushed digest.
    pub(crate) async fn build_and_push(
        &self,
        build: &BuildSettings,
        base: &Path,
        image: &str,
    ) -> Result<String, ImageError> {
        let metadata = std::env::temp_dir().join(format!("corestack-build-{}-{}.json", std::process::id(), unique()));
        let mut c = self.command();
        c.arg("buildx")
            .arg("build")
            .args(["--platform", PLATFORM])
            .arg("--file")
            .arg(base.join(&build.dockerfile))
            .args(["--tag", image])
            // One single-platform manifest: no attestation index for the service to trip on.
            .args(["--provenance=false", "--sbom=false", "--push"])
            .arg("--metadata-file")
            .arg(&metadata);
        for (k, v) in &build.args {
            c.arg("--build-arg").arg(format!("{k}={v}"));
        }
        c.arg(base.join(&build.context)).stdin(Stdio::null());
        let status = c.status().await.map_err(|e| docker_failed("docker buildx build", e.to_string(), ""))?;
        let read = std::fs::read_to_string(&metadata);
        let _ = std::fs::remove_file(&metadata);
        if !status.success() {
            return Err(docker_failed(
                &format!("docker buildx build of {image}"),
                status.to_string(),
                "; on a machine that is not arm64, buildx needs QEMU for linux/arm64 (docker run --privileged --rm tonistiigi/binfmt --install arm64)",
            ));
        }
        let digest = read
            .ok()
            .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
            .and_then(|m| m["containerimage.digest"].as_str().map(str::to_string))
            .filter(|d| d.starts_with("sha256:"));
        digest.ok_or_else(|| {
            docker_failed(
                "reading the pushed digest",
                "no containerimage.digest in buildx's metadata file".into(),
                "; buildx 0.6 or newer writes it",
            )
        })
    }
}

impl Default for Docker {
    fn default() -> Docker {
        Docker::new()
    }
}

fn docker_failed(what: &str, status: String, hint: &str) -> ImageError {
    ImageError::Docker { what: what.into(), status, hint: hint.into() }
}

/// This process's stderr, for a child's stdout.
fn stderr_stdio() -> Stdio {
    use std::os::fd::AsFd;
    std::io::stderr().as_fd().try_clone_to_owned().map(Stdio::from).unwrap_or_else(|_| Stdio::null())
}

pub(crate) fn unique() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}
