//! `corestack invoke`: InvokeAgentRuntime with a JSON payload, or an MCP or A2A request, to AWS or
//! to `corestack dev`; the answer printed as it arrives, or read as MCP or A2A.

use std::io::Write;

use corestack_deploy::Project;
use corestack_dev::local_arn;
use corestack_invoke::request::{Asked, Request};
use corestack_invoke::{Invocation, Target};
use corestack_invoke::{answer, custom_headers};

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
    /// A header for the agent, `'Name: value'` (repeatable). The service passes it on only when
    /// the runtime's `request_header_allowlist` names it.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE", conflicts_with_all = ["ws", "stop"])]
    headers: Vec<String>,
    /// The end user this invocation is for (needs `bedrock-agentcore:InvokeAgentRuntimeForUser`).
    #[arg(long, value_name = "ID", conflicts_with_all = ["ws", "stop"])]
    user_id: Option<String>,
    /// Talk to `corestack dev` on 127.0.0.1 instead of AWS (same client, same requests).
    #[arg(long)]
    local: bool,
    /// The port of `corestack dev`.
    #[arg(long, default_value_t = corestack_contract::DEV_PORT)]
    port: u16,
    /// The runtime ARN. Default: the runtime's, read from its deployed AgentCore stack.
    #[arg(long, value_name = "ARN")]
    arn: Option<String>,
    /// For a runtime with a JWT authorizer: send this access token (`Authorization: Bearer`)
    /// over HTTPS instead of signing with AWS credentials.
    #[arg(long, value_name = "TOKEN")]
    bearer_token: Option<String>,
    #[command(flatten)]
    cfg: corestack_app::config::Source,
}

/// The request the flags ask for (a payload of `-` is read from stdin).
fn ask(args: &InvokeArgs) -> Result<Request, Failure> {
    let session = corestack_dev::new_session_id();
    let payload = match args.payload.as_deref() {
        Some("-") => std::io::read_to_string(std::io::stdin())?,
        other => other.unwrap_or("{}").to_string(),
    };
    let asked = match (&args.mcp, &args.a2a) {
        (Some(words), _) => Asked::Mcp(words),
        (None, Some(text)) => Asked::A2a { text, session: &session },
        (None, None) => Asked::Payload(&payload),
    };
    Ok(Request::new(asked, args.stream)?)
}

pub(crate) fn run_invoke(args: &InvokeArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    // On AWS, only the project's own config; `--local` talks to corestack dev, which may run the demo.
    let settings = if args.local { args.cfg.load(err)? } else { args.cfg.load_project("invoke")? };
    let runtime = settings.pick_runtime(args.runtime.as_deref())?;
    let Request { ask, payload, accept } = ask(args)?;
    let headers = custom_headers::parse_headers(&args.headers)?;
    args.user_id.as_deref().map(custom_headers::check_user_id).transpose()?;
    for warning in custom_headers::dropped(&runtime.spec.request_header_allowlist, &headers, &runtime.key) {
        let _ = writeln!(err, "corestack: {warning}");
    }
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
                project.runtime_arn(&runtime.key).await?
            }
        };
        let _ = writeln!(err, "session: {session}");
        let local_port = args.local.then_some(args.port);
        let target = Target::choose(args.bearer_token.as_deref(), local_port, &region, aws.map(|(c, _)| c)).await;
        if args.stop {
            let stopped = corestack_invoke::stop_session(&target, &arn, &args.qualifier, &session).await;
            stopped.map_err(|e| e.seen_from(local_port))?;
            let which = if args.arn.is_some() { arn.clone() } else { runtime.key.clone() };
            let _ = writeln!(out, "stopped session {session} of runtime {which}");
            return Ok(());
        }
        if args.ws {
            let connection = corestack_invoke::ws::open(&target, &arn, &args.qualifier, &session).await;
            let connection = connection.map_err(|e| e.seen_from(local_port))?;
            return Ok(connection.relay_stdio().await?);
        }
        let (qualifier, session, user_id) = (args.qualifier.clone(), session.clone(), args.user_id.clone());
        let invocation = Invocation { arn, qualifier, session, accept, payload, user_id, headers };
        let mut stdout = std::io::stdout();
        let mut write = |chunk: bytes::Bytes| sink.take(chunk, &mut stdout);
        let result = corestack_invoke::invoke(&target, invocation, &mut write).await;
        result.map_err(|e| Failure::from(sink.failure(e.seen_from(local_port))))
    })?;
    if sink.last != b'\n' {
        let _ = writeln!(out);
    }
    let finished = sink.finish(out).map_err(Failure::from);
    let _ = out.flush();
    finished
}
