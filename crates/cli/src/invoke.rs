//! `corestack invoke`: InvokeAgentRuntime with a JSON payload, or an MCP or A2A request, to AWS or
//! to `corestack dev`; the answer printed as it arrives, or read as MCP or A2A.

use std::io::Write;

use corestack_deploy::{Project, RuntimeOutput};
use corestack_dev::local_arn;
use corestack_invoke::rpc;
use corestack_invoke::ws::Received;
use corestack_invoke::{Invocation, InvokeError, Target};
use serde_json::Value;

use corestack_invoke::answer::{self, AnswerError, Ask};

use crate::Failure;
use crate::runtime::Tokio;

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
    /// Ask for server-sent events and print them as they arrive (with --a2a: each event's text).
    #[arg(long)]
    stream: bool,
    /// An MCP runtime: `list-tools`, or `call TOOL ['{"argument": ...}']`.
    #[arg(long, num_args = 1..=3, value_names = ["ACTION", "TOOL", "ARGUMENTS"], conflicts_with_all = ["payload", "a2a"])]
    mcp: Option<Vec<String>>,
    /// Open the runtime's WebSocket (HTTP and AG-UI runtimes): each line of standard input goes
    /// as a text message, each message back is printed on a line; end of input closes it.
    #[arg(long, conflicts_with_all = ["payload", "mcp", "a2a", "stream"])]
    ws: bool,
    /// An A2A runtime: send this text as a message (A2A 1.0 SendMessage; SendStreamingMessage
    /// with --stream) and print the agent's answer.
    #[arg(long, value_name = "TEXT", conflicts_with = "payload")]
    a2a: Option<String>,
    /// End the session given with --session-id (StopRuntimeSession): its compute stops, and so
    /// does its billing; under `corestack dev`, its process ends.
    #[arg(long, requires = "session_id", conflicts_with_all = ["payload", "mcp", "ws", "a2a", "stream", "bearer_token"])]
    stop: bool,
    /// Talk to `corestack dev` on 127.0.0.1 instead of AWS (same client, same requests).
    #[arg(long)]
    local: bool,
    /// The port of `corestack dev`.
    #[arg(long, default_value_t = crate::dev::DEFAULT_PORT)]
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

impl From<InvokeError> for Failure {
    fn from(e: InvokeError) -> Self {
        Failure::blamed(e.blame(), e.into())
    }
}

/// The request the flags ask for: what it is, its payload and its `Accept`.
fn ask(args: &InvokeArgs) -> Result<(Ask, String, String), Failure> {
    let bad = |message: String| Failure::Input(anyhow::anyhow!(message));
    if let Some(mcp) = &args.mcp {
        return match mcp.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["list-tools"] => Ok((Ask::McpTools, rpc::mcp_list_tools(), rpc::ACCEPT_JSON_OR_EVENTS.into())),
            ["call", tool, rest @ ..] => {
                let arguments: Value = match rest.first() {
                    None => Value::Object(Default::default()),
                    Some(text) => serde_json::from_str(text).map_err(|e| {
                        bad(format!("--mcp call {tool}: the arguments are not JSON: {e}\n    fix: pass a JSON object, e.g. '{{\"a\": 1}}'"))
                    })?,
                };
                if !arguments.is_object() {
                    return Err(bad(format!(
                        "--mcp call {tool}: the arguments must be a JSON object, not {arguments}\n    fix: e.g. '{{\"text\": \"hello\"}}'"
                    )));
                }
                Ok((Ask::McpCall, rpc::mcp_call_tool(tool, arguments), rpc::ACCEPT_JSON_OR_EVENTS.into()))
            }
            other => Err(bad(format!(
                "--mcp {}: not an MCP request corestack sends\n    fix: --mcp list-tools, or --mcp call TOOL '{{\"argument\": ...}}'",
                other.join(" ")
            ))),
        };
    }
    let accept = if args.stream { "text/event-stream" } else { "application/json" }.to_string();
    if let Some(text) = &args.a2a {
        return Ok((Ask::A2a, rpc::a2a_send(text, args.stream, &corestack_dev::new_session_id()), accept));
    }
    let payload = match args.payload.as_deref() {
        None => "{}".to_string(),
        Some("-") => std::io::read_to_string(std::io::stdin()).map_err(|e| Failure::Input(e.into()))?,
        Some(p) => p.to_string(),
    };
    if let Err(e) = serde_json::from_str::<Value>(&payload) {
        return Err(bad(format!(
            "the payload is not JSON: {e}\n    fix: pass a JSON document, e.g. '{{\"prompt\": \"hello\"}}'"
        )));
    }
    Ok((Ask::Raw, payload, accept))
}

pub(crate) fn run_invoke(args: &InvokeArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    // On AWS, only the project's own config; `--local` talks to corestack dev, which may run the demo.
    let settings = if args.local { args.cfg.load(err)? } else { args.cfg.load_project("invoke")? };
    let runtime = settings.pick_runtime(args.runtime.as_deref()).map_err(|e| Failure::Input(e.into()))?;
    let (ask, payload, accept) = ask(args)?;
    let session = args.session_id.clone().unwrap_or_else(corestack_dev::new_session_id);
    let region = settings.environment.region.clone();
    let mut sink = answer::Sink::new(ask, args.stream);
    Tokio::new()?.run(async {
        // SigV4 calls, and the ARN lookup, need credentials of the environment's account: checked
        // first. A bearer token with --arn needs none.
        let needs_aws = !args.local && (args.bearer_token.is_none() || args.arn.is_none());
        let aws = if needs_aws { Some(corestack_deploy::project::connect(&settings).await?) } else { None };
        let arn = match (&args.arn, &aws) {
            (Some(arn), _) => arn.clone(),
            (None, None) => local_arn(&settings, runtime),
            (None, Some((config, identity))) => {
                let assembly = corestack_app::synth(&settings)?;
                let project = Project::with_config(&settings, &assembly, config.clone(), identity.clone());
                let arns = project.runtime_outputs(RuntimeOutput::Arn, Some(&runtime.key)).await?;
                arns.into_iter().next().map(|(_, arn)| arn).expect("the picked runtime")
            }
        };
        let _ = writeln!(err, "session: {session}");
        let target = match (&args.bearer_token, aws) {
            (Some(token), _) => {
                let endpoint = if args.local {
                    format!("http://127.0.0.1:{}", args.port)
                } else {
                    corestack_invoke::bearer_endpoint(&region)
                };
                Target::Bearer { endpoint, token: token.clone() }
            }
            (None, Some((config, _))) => Target::Signed(Box::new(config)),
            (None, None) => Target::Signed(Box::new(corestack_invoke::local_config(&region, args.port).await)),
        };
        if args.stop {
            let stopped = corestack_invoke::stop_session(&target, &arn, &args.qualifier, &session).await;
            stopped.map_err(|e| refused(args, e, Failure::from))?;
            let which = if args.arn.is_some() { arn.clone() } else { runtime.key.clone() };
            let _ = writeln!(out, "stopped session {session} of runtime {which}");
            return Ok(());
        }
        if args.ws {
            let connection = corestack_invoke::ws::open(&target, &arn, &args.qualifier, &session).await;
            let connection = connection.map_err(|e| refused(args, e, Failure::from))?;
            return websocket(connection).await;
        }
        let invocation =
            Invocation { arn, qualifier: args.qualifier.clone(), session: session.clone(), accept, payload };
        let mut stdout = std::io::stdout();
        let mut write = |chunk: bytes::Bytes| sink.take(chunk, &mut stdout);
        let result = corestack_invoke::invoke(&target, invocation, &mut write).await;
        result.map_err(|e| refused(args, e, |e| answered(sink.failure(e))))
    })?;
    if sink.last != b'\n' {
        let _ = writeln!(out);
    }
    let finished = sink.finish(out).map_err(answered);
    let _ = out.flush();
    finished
}

/// The failure `e` is: with `--local` and nothing listening, that dev is not running; else `otherwise`'s.
fn refused(args: &InvokeArgs, e: InvokeError, otherwise: impl FnOnce(InvokeError) -> Failure) -> Failure {
    if args.local && dev_absent(&e) { dev_not_running(args.port) } else { otherwise(e) }
}

/// Whether `--local` found nothing to talk to: corestack dev answers every refusal with an AWS
/// error code, so a failure without one is a connection that never reached it.
fn dev_absent(e: &InvokeError) -> bool {
    matches!(e, InvokeError::Aws(f) if f.code().is_none())
}

fn dev_not_running(port: u16) -> Failure {
    Failure::NotReady(anyhow::anyhow!(
        "nothing answers on 127.0.0.1:{port}: corestack dev is not running there\n    fix: start it in the project's directory with `corestack dev` (it serves on {} unless given --port), or pass the --port it serves on",
        crate::dev::DEFAULT_PORT
    ))
}

/// An answer that did not end well, as the failure (and exit code) it is.
fn answered(e: AnswerError) -> Failure {
    match e {
        AnswerError::Invoke(e) => e.into(),
        other => Failure::Other(other.into()),
    }
}

/// `--ws`: stdin's lines out as text messages, the runtime's messages printed, until both are done.
async fn websocket(mut connection: corestack_invoke::ws::Connection) -> Result<(), Failure> {
    let (lines_tx, mut lines) = tokio::sync::mpsc::channel::<String>(16);
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if lines_tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    // At the end of input the connection stays open until the runtime has been quiet for a
    // while: a close sent at once would end it before the answers in flight (the peer answers a
    // close with its own and sends nothing after it).
    let quiet = std::time::Duration::from_millis(800);
    let mut input_open = true;
    let mut closing: Option<tokio::time::Instant> = None;
    let mut stdout = std::io::stdout();
    loop {
        let linger = async {
            match closing {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            line = lines.recv(), if input_open => match line {
                Some(line) => connection.send_text(&line).await?,
                None => {
                    input_open = false;
                    closing = Some(tokio::time::Instant::now() + quiet);
                }
            },
            () = linger => {
                closing = None;
                connection.close().await?;
            }
            received = connection.recv() => {
                if closing.is_some() {
                    closing = Some(tokio::time::Instant::now() + quiet);
                }
                match received {
                    Some(Ok(Received::Text(text))) => { let _ = writeln!(stdout, "{text}"); }
                    Some(Ok(Received::Binary(bytes))) => { let _ = writeln!(stdout, "{}", String::from_utf8_lossy(&bytes)); }
                    Some(Err(e)) => return Err(e.into()),
                    None => return Ok(()),
                }
            }
        }
    }
}
