//! `corestack dev` and `corestack invoke`.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_bedrockagentcore::config::{Credentials, Region};
use aws_sdk_bedrockagentcore::primitives::Blob;
use corestack_app::Settings;
use corestack_app::config::{LocalBedrock, RuntimeSettings};
use corestack_dev::{DevConfig, DevServer, LocalRuntime};
use tokio::io::AsyncWriteExt;

use crate::Failure;

/// The default local endpoint port.
const DEFAULT_PORT: u16 = 8787;

#[derive(Debug, clap::Args)]
pub(crate) struct DevArgs {
    #[command(flatten)]
    cfg: crate::ConfigArgs,
    /// Serve only this runtime (its name or its key in the config).
    #[arg(long, value_name = "NAME")]
    runtime: Option<String>,
    /// The port on 127.0.0.1.
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
    /// Override every runtime's idle timeout, in seconds (to try the lifecycle quickly).
    #[arg(long, value_name = "S")]
    idle_timeout: Option<u64>,
    /// Override every runtime's max lifetime, in seconds.
    #[arg(long, value_name = "S")]
    max_lifetime: Option<u64>,
    /// Skip the runtimes' build steps.
    #[arg(long)]
    no_build: bool,
    /// Which Bedrock the agents call: `local` (a stand-in for Converse and ConverseStream on
    /// 127.0.0.1, no account needed) or `aws` (the real service, with your credentials).
    /// Default: each runtime's `[runtimes.local] bedrock`, else `aws`.
    #[arg(long, value_name = "local|aws", value_parser = ["local", "aws"])]
    bedrock: Option<String>,
    /// Most sessions alive at once (the service's quota of active sessions is 1,000 in us-east-1
    /// and us-west-2, 500 elsewhere); more are refused with ServiceQuotaExceededException.
    #[arg(long, value_name = "N", default_value_t = corestack_dev::DEFAULT_MAX_SESSIONS)]
    max_sessions: usize,
}

#[derive(Debug, clap::Args)]
pub(crate) struct InvokeArgs {
    /// The JSON payload, or `-` to read it from standard input. Default: {}.
    #[arg(value_name = "PAYLOAD")]
    payload: Option<String>,
    /// The runtime (name or config key). Default: the first in the config.
    #[arg(long, value_name = "NAME")]
    runtime: Option<String>,
    /// The endpoint (qualifier).
    #[arg(long, default_value = "DEFAULT")]
    qualifier: String,
    /// Continue this session (33-256 characters). Default: a new one, printed on stderr.
    #[arg(long, value_name = "ID")]
    session_id: Option<String>,
    /// Ask for server-sent events and print them as they arrive.
    #[arg(long)]
    stream: bool,
    /// Talk to `corestack dev` on 127.0.0.1 instead of AWS (same client, same requests).
    #[arg(long)]
    local: bool,
    /// The port of `corestack dev`.
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
    /// The runtime ARN. Default: the runtime's, read from its deployed AgentCore stack.
    #[arg(long, value_name = "ARN")]
    arn: Option<String>,
    /// For a runtime with a JWT authorizer: send this access token (`Authorization: Bearer`)
    /// over HTTPS instead of signing with AWS credentials.
    #[arg(long, value_name = "TOKEN")]
    bearer_token: Option<String>,
    #[command(flatten)]
    cfg: crate::ConfigArgs,
}

fn runtime_tokio() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| Failure::Other(e.into()))
}

pub(crate) fn pick<'a>(settings: &'a Settings, name: Option<&str>) -> Result<Vec<&'a RuntimeSettings>, Failure> {
    let all: Vec<&RuntimeSettings> = settings.runtimes.iter().collect();
    let Some(name) = name else { return Ok(all) };
    let found: Vec<&RuntimeSettings> = all.iter().copied().filter(|r| r.key == name || r.spec.name == name).collect();
    if found.is_empty() {
        let known: Vec<&str> = all.iter().map(|r| r.key.as_str()).collect();
        return Err(Failure::Input(anyhow::anyhow!("no runtime `{name}` in the config; it has {}", known.join(", "))));
    }
    Ok(found)
}

/// The ARN `corestack dev` answers for a runtime (any account and suffix would do).
fn local_arn(settings: &Settings, r: &RuntimeSettings) -> String {
    let account = settings.environment.account.as_deref().unwrap_or("123456789012");
    format!("arn:aws:bedrock-agentcore:{}:{account}:runtime/{}-localdev01", settings.environment.region, r.spec.name)
}

pub(crate) fn run_dev(args: &DevArgs, err: &mut dyn Write) -> Result<(), Failure> {
    let settings = args.cfg.load(err)?;
    let cwd = args.cfg.dir().canonicalize().map_err(|e| Failure::Input(e.into()))?;
    let mut runtimes = Vec::new();
    let mut builds: Vec<Vec<String>> = Vec::new();
    let mut stand_in_users = Vec::new();
    for r in pick(&settings, args.runtime.as_deref())? {
        let Some(local) = &r.local else {
            return Err(Failure::Input(anyhow::anyhow!(
                "runtime `{}` has no [runtimes.local] command, so corestack dev cannot run it\n    fix: add [runtimes.local] with command = \"<program and arguments>\" to its [[runtimes]] section",
                r.key
            )));
        };
        if !local.build.is_empty() && !builds.contains(&local.build) {
            builds.push(local.build.clone());
        }
        let bedrock = args.bedrock.as_deref().and_then(LocalBedrock::parse).unwrap_or(local.bedrock);
        if bedrock == LocalBedrock::StandIn {
            stand_in_users.push(runtimes.len());
        }
        runtimes.push(LocalRuntime {
            name: r.spec.name.clone(),
            aliases: vec![r.key.clone()],
            command: local.command.clone(),
            cwd: cwd.clone(),
            environment: r.spec.environment.clone(),
            idle_timeout: Duration::from_secs(args.idle_timeout.unwrap_or(u64::from(r.spec.idle_timeout_seconds))),
            max_lifetime: Duration::from_secs(args.max_lifetime.unwrap_or(u64::from(r.spec.max_lifetime_seconds))),
            forward_authorization: r
                .spec
                .request_header_allowlist
                .iter()
                .any(|h| h.eq_ignore_ascii_case("authorization")),
        });
    }
    if !args.no_build {
        for build in &builds {
            let _ = writeln!(err, "corestack dev: building: {}", build.join(" "));
            let status = std::process::Command::new(&build[0]).args(&build[1..]).current_dir(&cwd).status();
            match status {
                Ok(s) if s.success() => {}
                Ok(s) => {
                    return Err(Failure::Other(anyhow::anyhow!("the build step `{}` failed ({s})", build.join(" "))));
                }
                Err(e) => {
                    return Err(Failure::Other(anyhow::anyhow!(
                        "cannot run the build step `{}`: {e}",
                        build.join(" ")
                    )));
                }
            }
        }
    }
    // Each session holds a few descriptors; hundreds of sessions need more than the usual soft
    // limit of 1,024.
    corestack_dev::raise_open_files_limit();
    let rt = runtime_tokio()?;
    rt.block_on(async {
        // The same environment the deployed container gets, plus, for agents on the stand-in,
        // its endpoint and dummy credentials.
        let stand_in = if stand_in_users.is_empty() {
            None
        } else {
            let s = corestack_dev::bedrock::BedrockStandIn::start().await.map_err(|e| Failure::Other(e.into()))?;
            for &i in &stand_in_users {
                let env: &mut std::collections::BTreeMap<String, String> = &mut runtimes[i].environment;
                env.extend(s.environment().map(|(k, v)| (k.to_string(), v)));
            }
            Some(s)
        };
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await.map_err(|e| {
            Failure::Input(anyhow::anyhow!(
                "cannot listen on 127.0.0.1:{}: {e}\n    fix: pass --port with a free port",
                args.port
            ))
        })?;
        let url = format!("http://127.0.0.1:{}", listener.local_addr().map_err(|e| Failure::Other(e.into()))?.port());
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "corestack dev: serving {} runtime(s) on {url} (SigV4 signatures are accepted, not verified)",
            runtimes.len()
        );
        for r in &runtimes {
            let s = settings.runtimes.iter().find(|s| s.spec.name == r.name).expect("picked from the settings");
            let _ = writeln!(out, "  {}: {}  (command: {})", r.name, local_arn(&settings, s), r.command.join(" "));
        }
        if let Some(s) = &stand_in {
            let names: Vec<&str> = stand_in_users.iter().map(|&i| runtimes[i].name.as_str()).collect();
            let _ = writeln!(
                out,
                "  Bedrock: the local stand-in on {} for {} (--bedrock aws calls the real service)",
                s.url(),
                names.join(", ")
            );
        }
        let _ = writeln!(out, "  export AWS_ENDPOINT_URL_BEDROCK_AGENTCORE={url}");
        let _ = writeln!(out, "  or: corestack invoke --local --port {} '{{\"prompt\": \"hello\"}}'", args.port);
        drop(out);
        let console: corestack_dev::Console = Arc::new(|line: &str| {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
        });
        let mut config = DevConfig::new(runtimes);
        config.max_sessions = args.max_sessions;
        let server = DevServer::new(config, console);
        server.serve(listener, shutdown()).await.map_err(|e| Failure::Other(e.into()))
    })
}

async fn shutdown() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

pub(crate) fn run_invoke(args: &InvokeArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    // On AWS, only the project's own config; `--local` talks to corestack dev, which may run the demo.
    let settings = if args.local { args.cfg.load(err)? } else { args.cfg.load_project("invoke")? };
    let runtime = *pick(&settings, args.runtime.as_deref())?
        .first()
        .ok_or_else(|| Failure::Input(anyhow::anyhow!("the config has no runtime")))?;
    let payload = match args.payload.as_deref() {
        None => "{}".to_string(),
        Some("-") => std::io::read_to_string(std::io::stdin()).map_err(|e| Failure::Input(e.into()))?,
        Some(p) => p.to_string(),
    };
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&payload) {
        return Err(Failure::Input(anyhow::anyhow!(
            "the payload is not JSON: {e}\n    fix: pass a JSON document, e.g. '{{\"prompt\": \"hello\"}}'"
        )));
    }
    let session = args.session_id.clone().unwrap_or_else(corestack_dev::new_session_id);
    let rt = runtime_tokio()?;
    rt.block_on(async {
        let region = Region::new(settings.environment.region.clone());
        // SigV4 calls, and the ARN lookup, need credentials of the environment's account: checked
        // first. A bearer token with --arn needs none.
        let needs_aws = !args.local && (args.bearer_token.is_none() || args.arn.is_none());
        let aws = if needs_aws { Some(crate::deploy::aws(&settings).await?) } else { None };
        let arn = match (&args.arn, &aws) {
            (Some(arn), _) => arn.clone(),
            (None, None) => local_arn(&settings, runtime),
            (None, Some(config)) => {
                let assembly = corestack_app::synth(&settings)?;
                let arns = crate::deploy::runtime_outputs(
                    &settings,
                    &assembly,
                    config,
                    crate::deploy::Output::Arn,
                    Some(&runtime.key),
                )
                .await?;
                arns.into_iter().next().map(|(_, arn)| arn).expect("the picked runtime")
            }
        };
        let _ = writeln!(err, "session: {session}");
        let accept = if args.stream { "text/event-stream" } else { "application/json" };
        let mut last = 0u8;
        if let Some(token) = &args.bearer_token {
            let endpoint = if args.local {
                format!("http://127.0.0.1:{}", args.port)
            } else {
                crate::bearer::endpoint(region.as_ref())
            };
            let url = crate::bearer::url(&endpoint, &arn, &args.qualifier)
                .map_err(|e| Failure::Input(anyhow::anyhow!("--bearer-token: {e}")))?;
            let mut stdout = std::io::stdout();
            let mut write = |chunk: bytes::Bytes| {
                last = chunk.last().copied().unwrap_or(last);
                stdout.write_all(&chunk)?;
                stdout.flush()
            };
            crate::bearer::invoke(&url, token, &session, accept, payload, &mut write).await.map_err(Failure::Aws)?;
        } else {
            let config = match aws {
                Some(config) => config,
                // The local endpoint does not verify signatures; any credentials sign the request.
                None => {
                    aws_config::defaults(aws_config::BehaviorVersion::latest())
                        .region(region)
                        .endpoint_url(format!("http://127.0.0.1:{}", args.port))
                        .credentials_provider(Credentials::new("local", "local", None, None, "corestack-dev"))
                        .load()
                        .await
                }
            };
            let client = aws_sdk_bedrockagentcore::Client::new(&config);
            let answer = client
                .invoke_agent_runtime()
                .agent_runtime_arn(&arn)
                .qualifier(&args.qualifier)
                .runtime_session_id(&session)
                .content_type("application/json")
                .accept(accept)
                .payload(Blob::new(payload))
                .send()
                .await
                .map_err(|e| {
                    let subject = format!("runtime {arn}, endpoint {}", args.qualifier);
                    let failure = corestack_deploy::AwsFailure::from_sdk(
                        "bedrock-agentcore:InvokeAgentRuntime",
                        Some(&subject),
                        &e,
                    );
                    Failure::Aws(failure.into())
                })?;
            let mut body = answer.response;
            let mut stdout = tokio::io::stdout();
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| Failure::Other(anyhow::anyhow!("the response stream broke: {e}")))?;
                last = chunk.last().copied().unwrap_or(last);
                stdout.write_all(&chunk).await.map_err(|e| Failure::Other(e.into()))?;
                stdout.flush().await.map_err(|e| Failure::Other(e.into()))?;
            }
        }
        if last != b'\n' {
            let mut stdout = std::io::stdout();
            let _ = std::io::Write::write_all(&mut stdout, b"\n");
            let _ = std::io::Write::flush(&mut stdout);
        }
        Ok::<(), Failure>(())
    })?;
    let _ = out.flush();
    Ok(())
}
