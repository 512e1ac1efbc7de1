//! Running the corestack binary against moto, with the fake docker CLI.

use std::path::Path;
use std::process::{Command, Output};

use corestack_deploy::testing::Moto;
use serde_json::Value;

use super::{workspace, write_config};

/// `program` in `cwd` with the AWS SDK pointed at `endpoint`, test credentials, and no profile
/// or config file of the machine's.
pub fn against(program: &str, cwd: &Path, endpoint: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(cwd)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    c
}

/// Puts the test double of the docker CLI (`tests/fake-docker`) first on PATH, logging its calls
/// to `cwd/docker.log`.
pub fn with_fake_docker<'c>(c: &'c mut Command, cwd: &Path) -> &'c mut Command {
    let path = format!(
        "{}:{}:{}",
        workspace().join("tests/fake-docker").display(),
        workspace().join(".venv/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    c.env("PATH", path).env("FAKE_DOCKER_LOG", cwd.join("docker.log")).env_remove("FAKE_DOCKER_FAIL")
}

/// Runs corestack in `cwd` against moto, with the fake docker CLI and `env` set.
pub fn corestack_with(cwd: &Path, moto: &Moto, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = against(env!("CARGO_BIN_EXE_corestack"), cwd, &moto.url());
    with_fake_docker(&mut c, cwd).envs(env.iter().copied()).args(args).output().unwrap()
}

/// Runs corestack in `cwd` against moto, with the fake docker CLI.
pub fn corestack(cwd: &Path, moto: &Moto, args: &[&str]) -> Output {
    corestack_with(cwd, moto, &[], args)
}

/// Deploys the default config in `dir`; returns the runtime's ID from `outputs.json`.
pub fn deploy_default(dir: &Path, moto: &Moto) -> String {
    write_config(dir, |c| c);
    assert!(corestack(dir, moto, &["deploy", "--yes"]).status.success());
    let outputs: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("corestack.out/outputs.json")).unwrap()).unwrap();
    outputs["agentcore-demo-dev-AgentCore"]["AgentRuntimeId"].as_str().unwrap().to_string()
}

/// Runs Python `code` with boto3 against moto and returns its standard output (failing the test
/// when it fails): `kw` holds the client arguments, and `c` is a CloudWatch Logs client.
#[allow(dead_code)]
pub fn boto3(moto: &Moto, code: &str) -> String {
    let script = format!(
        "import boto3, json, time\n\
         kw = dict(region_name='us-east-1', endpoint_url='{}', aws_access_key_id='a', aws_secret_access_key='b')\n\
         c = boto3.client('logs', **kw)\n{code}\n",
        moto.url()
    );
    let out = Command::new(workspace().join(".venv/bin/python")).args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "{}", super::text(&out.stderr));
    super::text(&out.stdout)
}
