//! `corestack dev`: the AgentCore data plane on 127.0.0.1, running agents locally.
//!
//! Requests arrive in the shapes of InvokeAgentRuntime and StopRuntimeSession (facts §5), so the AWS
//! SDKs, the CLI's `invoke` and your client code work unchanged with `endpoint_url` pointed here.
//! As the service runs a microVM per session, this runs a process per session: started on the
//! session's first request, ready once it answers `/ping`, stopped when it has been idle for the
//! runtime's idle timeout (as `/ping` and `time_of_last_update` say), at its max lifetime, on
//! StopRuntimeSession, or when the server stops (SIGTERM, then SIGKILL after a grace period).
//! SigV4 signatures are accepted, not verified.

pub mod bedrock;
mod forward;
mod forwarded;
pub(crate) use forwarded::forwarded;
mod names;
mod output;
pub mod project;
mod reaper;
pub mod run;
mod session;
pub mod startup;
pub mod traces;
pub use websocket::MAX_WS_MESSAGE_BYTES;
mod websocket;

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::graceful::GracefulShutdown;
use serde_json::json;
use tokio::net::TcpListener;

pub use names::{AwsError, Operation, SESSION_ID_LENGTH, new_session_id, parse_path, runtime_name};
pub use project::{DevOptions, LocalProject, SetupError, local_arn};
pub use session::{LocalRuntime, Protocol};
use session::{Session, elapsed_ms, short, unix_now};

/// Where console lines go (one line per call).
pub type Console = Arc<dyn Fn(&str) + Send + Sync>;

/// The session header (facts §5.1).
pub const SESSION_HEADER: &str = corestack_contract::headers::SESSION_ID;

/// The MCP session header, which the service adds to MCP requests and answers.
pub const MCP_SESSION_HEADER: &str = corestack_contract::headers::MCP_SESSION_ID;

/// Timing and limits of the local endpoint.
#[derive(Clone, Debug)]
pub struct DevConfig {
    /// The runtimes it serves.
    pub runtimes: Vec<LocalRuntime>,
    /// How long a new agent has to answer `/ping`.
    pub startup_timeout: Duration,
    /// How long SIGTERM has before SIGKILL.
    pub stop_grace: Duration,
    /// How often sessions are pinged (the service pings about every 2 s).
    pub ping_interval: Duration,
    /// The largest payload, as the service's (100 MB).
    pub max_payload: usize,
    /// Most sessions alive at once; more are refused with ServiceQuotaExceededException, as the
    /// service refuses sessions over the account's quota of active session workloads.
    pub max_sessions: usize,
}

/// The service's default quota of active session workloads per account in us-east-1 and
/// us-west-2 (AgentCore Developer Guide, "Quotas"; 500 in other Regions).
pub const DEFAULT_MAX_SESSIONS: usize = 1000;

/// Raises this process's soft limit on open files to its hard limit (each session holds a few
/// descriptors), and returns the limit now in force.
pub fn raise_open_files_limit() -> Option<u64> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        let _ = setrlimit(Resource::Nofile, limit);
    }
    getrlimit(Resource::Nofile).current
}

impl DevConfig {
    /// Defaults for these runtimes: 60 s start-up, 5 s grace, pings every second, 100 MB.
    pub fn new(runtimes: Vec<LocalRuntime>) -> DevConfig {
        DevConfig {
            runtimes,
            startup_timeout: Duration::from_secs(60),
            stop_grace: Duration::from_secs(5),
            ping_interval: Duration::from_secs(1),
            max_payload: 100_000_000,
            max_sessions: DEFAULT_MAX_SESSIONS,
        }
    }
}

/// A session as the outside sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    /// The runtime name.
    pub runtime: String,
    /// The session ID.
    pub id: String,
    /// The agent's process ID.
    pub pid: u32,
}

pub(crate) type Key = (usize, String);

/// A session being started or running; concurrent first requests share one start.
#[derive(Default)]
struct Slot(tokio::sync::OnceCell<Arc<Session>>);

pub(crate) struct State {
    runtimes: Vec<Arc<LocalRuntime>>,
    config: DevConfig,
    console: Console,
    slots: Mutex<HashMap<Key, Arc<Slot>>>,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// A handle to a running server's sessions.
#[derive(Clone)]
pub struct DevHandle(Arc<State>);

impl DevHandle {
    /// The running sessions.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        let slots = self.0.slots.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<SessionInfo> = slots
            .values()
            .filter_map(|s| s.0.get())
            .map(|s| SessionInfo { runtime: s.runtime.name.clone(), id: s.id.clone(), pid: s.pid })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }
}

/// The local endpoint.
pub struct DevServer {
    state: Arc<State>,
}

pub(crate) type Body = UnsyncBoxBody<Bytes, hyper::Error>;

pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).map_err(|never: Infallible| match never {}).boxed_unsync()
}

pub(crate) fn aws_error(e: &AwsError, session: Option<&str>) -> hyper::Response<Body> {
    let mut r = hyper::Response::new(full(json!({ "message": e.message }).to_string()));
    *r.status_mut() = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut().insert("x-amzn-errortype", HeaderValue::from_static(e.kind));
    if let Some(id) = session.and_then(|s| HeaderValue::from_str(s).ok()) {
        r.headers_mut().insert(SESSION_HEADER, id);
    }
    r
}

/// Clock time for console lines, UTC.
pub(crate) fn clock() -> String {
    let s = unix_now() % 86_400;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

impl DevServer {
    /// A server for these runtimes, printing its console lines with `console`.
    pub fn new(config: DevConfig, console: Console) -> DevServer {
        let runtimes = config.runtimes.iter().cloned().map(Arc::new).collect();
        let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(30)).build_http();
        DevServer { state: Arc::new(State { runtimes, config, console, slots: Mutex::new(HashMap::new()), client }) }
    }

    /// A handle to the sessions.
    pub fn handle(&self) -> DevHandle {
        DevHandle(self.state.clone())
    }

    /// Serves on a free port of 127.0.0.1 in a task of the current runtime, until the returned
    /// sender is dropped or sent to; returns the endpoint URL (`http://127.0.0.1:<port>`). For
    /// tests and for programs that embed the local endpoint.
    pub async fn spawn_on_loopback(self) -> std::io::Result<(String, tokio::sync::oneshot::Sender<()>)> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(self.serve(listener, async move {
            let _ = stopped.await;
        }));
        Ok((url, stop))
    }

    /// Serves until `shutdown` completes, then stops every session and returns.
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let state = self.state;
        let reaper = tokio::spawn(reaper::reap(state.clone()));
        let graceful = GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        let mut accept_failing = false;
        // Connection tasks, so that shutdown can end the ones still running (a session start in
        // progress among them: dropping it kills its process group).
        let mut connections = tokio::task::JoinSet::new();
        let builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new()).http1_only();
        loop {
            tokio::select! {
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                accepted = listener.accept() => {
                    let stream = match accepted {
                        Ok((stream, _)) => {
                            accept_failing = false;
                            stream
                        }
                        Err(e) => {
                            // Out of descriptors: say so once, and wait for some to be freed
                            // instead of retrying at full speed.
                            if !accept_failing {
                                (state.console)(&format!("{} cannot accept connections: {e}; waiting (stop sessions, or raise ulimit -n)", clock()));
                                accept_failing = true;
                            }
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let state = state.clone();
                    let service = hyper::service::service_fn(move |req| handle(state.clone(), req));
                    // HTTP/1.1, with upgrades for the data plane's WebSocket.
                    let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
                    let conn = graceful.watch(conn);
                    connections.spawn(async move { let _ = conn.await; });
                }
                () = &mut shutdown => break,
            }
        }
        drop(listener);
        let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
        connections.shutdown().await;
        reaper.abort();
        let sessions: Vec<Arc<Session>> = {
            let mut slots = state.slots.lock().unwrap_or_else(|e| e.into_inner());
            slots.drain().filter_map(|(_, s)| s.0.get().cloned()).collect()
        };
        let count = sessions.len();
        let mut stops = tokio::task::JoinSet::new();
        for s in sessions {
            let (grace, console) = (state.config.stop_grace, state.console.clone());
            stops.spawn(async move {
                s.stop(grace).await;
                console(&format!("{} {} session {} stopped (shutdown)", clock(), s.runtime.name, short(&s.id)));
            });
        }
        while stops.join_next().await.is_some() {}
        (state.console)(&format!("{} stopped {count} session(s); bye", clock()));
        Ok(())
    }
}

/// Finds the runtime a reference names.
fn find_runtime(state: &State, reference: &str) -> Option<usize> {
    let name = runtime_name(reference);
    state.runtimes.iter().position(|r| r.name == name || r.aliases.iter().any(|a| a == name))
}

async fn handle(state: Arc<State>, req: hyper::Request<Incoming>) -> Result<hyper::Response<Body>, Infallible> {
    if req.uri().path() == corestack_contract::PING_PATH {
        return Ok(hyper::Response::new(full(r#"{"status":"Healthy"}"#)));
    }
    let Some((reference, op)) = parse_path(req.uri().path()) else {
        let e = AwsError {
            status: 404,
            kind: "UnknownOperationException",
            message: format!(
                "{} {} is not an AgentCore data-plane operation this endpoint serves (POST /runtimes/{{ARN or ID}}/invocations or /stopruntimesession)",
                req.method(),
                req.uri().path()
            ),
        };
        return Ok(aws_error(&e, None));
    };
    let expected =
        if matches!(op, Operation::GetAgentCard | Operation::WebSocket) { Method::GET } else { Method::POST };
    if req.method() != expected {
        return Ok(aws_error(
            &AwsError { status: 405, kind: "UnknownOperationException", message: format!("use {expected}") },
            None,
        ));
    }
    let Some(index) = find_runtime(&state, &reference) else {
        let known: Vec<&str> = state.runtimes.iter().map(|r| r.name.as_str()).collect();
        let e = AwsError::not_found(format!(
            "no runtime `{}` here (from `{reference}`); this endpoint runs {}",
            runtime_name(&reference),
            known.join(", ")
        ));
        return Ok(aws_error(&e, None));
    };
    // On the WebSocket URL the session ID may come as a query parameter (a presigned URL).
    let from_query = (op == Operation::WebSocket)
        .then(|| websocket::query_headers(req.uri().query()))
        .into_iter()
        .flatten()
        .find(|(k, _)| k.eq_ignore_ascii_case(SESSION_HEADER))
        .map(|(_, v)| v);
    let session_id = match session_id(&state, index, &req, from_query) {
        Ok(id) => id,
        Err(message) => return Ok(aws_error(&AwsError::validation(message), None)),
    };
    Ok(match op {
        Operation::StopSession => stop_session(&state, index, &session_id).await,
        Operation::Invoke => forward::invoke(&state, index, session_id, req).await,
        Operation::GetAgentCard => forward::agent_card(&state, index, session_id).await,
        Operation::WebSocket => websocket::bridge(&state, index, session_id, req).await,
    })
}

/// The request's session: the header, else the WebSocket URL's query, else an MCP client's
/// `Mcp-Session-Id`, else a new one; any given ID must pass [`names::session_id_problem`].
fn session_id(
    state: &State,
    index: usize,
    req: &hyper::Request<Incoming>,
    from_query: Option<String>,
) -> Result<String, String> {
    let given = match req.headers().get(SESSION_HEADER) {
        Some(v) => Some(("runtimeSessionId", String::from_utf8_lossy(v.as_bytes()).into_owned())),
        None => from_query.map(|id| ("runtimeSessionId", id)),
    };
    // An MCP client carries its session in Mcp-Session-Id, which the service gave it: the
    // service adds one to a request without it, and one ID names both (runtime-mcp docs).
    let given = given.or_else(|| {
        let mcp = req.headers().get(MCP_SESSION_HEADER).filter(|_| state.runtimes[index].protocol == Protocol::Mcp)?;
        Some((MCP_SESSION_HEADER, String::from_utf8_lossy(mcp.as_bytes()).into_owned()))
            .filter(|(_, id)| !id.is_empty())
    });
    match given {
        Some((what, id)) => names::session_id_problem(what, &id).map_or(Ok(id), Err),
        None => Ok(new_session_id()),
    }
}

async fn stop_session(state: &State, index: usize, id: &str) -> hyper::Response<Body> {
    let slot = state.slots.lock().unwrap_or_else(|e| e.into_inner()).remove(&(index, id.to_string()));
    let Some(session) = slot.and_then(|s| s.0.get().cloned()) else {
        return aws_error(&AwsError::not_found(format!("no session `{id}` is running")), Some(id));
    };
    session.stop(state.config.stop_grace).await;
    (state.console)(&format!(
        "{} {} session {} stopped (StopRuntimeSession)",
        clock(),
        session.runtime.name,
        short(id)
    ));
    let mut r = hyper::Response::new(full(json!({"runtimeSessionId": id, "statusCode": 200}).to_string()));
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(id) {
        r.headers_mut().insert(SESSION_HEADER, v);
    }
    r
}

/// Why a session could not be had.
pub(crate) enum NoSession {
    /// Over the cap of active sessions.
    Quota(usize),
    /// The agent did not start.
    Start(String),
}

impl NoSession {
    /// The error the caller of session `session` gets.
    pub(crate) fn answer(self, session: &str) -> hyper::Response<Body> {
        let e = match self {
            NoSession::Start(why) => AwsError::runtime_client(why),
            NoSession::Quota(n) => AwsError::quota(n),
        };
        aws_error(&e, Some(session))
    }
}

pub(crate) async fn session_for(state: &State, index: usize, id: &str) -> Result<Arc<Session>, NoSession> {
    let key = (index, id.to_string());
    let slot = {
        let mut slots = state.slots.lock().unwrap_or_else(|e| e.into_inner());
        if !slots.contains_key(&key) && slots.len() >= state.config.max_sessions {
            return Err(NoSession::Quota(state.config.max_sessions));
        }
        slots.entry(key.clone()).or_default().clone()
    };
    let runtime = state.runtimes[index].clone();
    // Whatever ends this start (an error, a panic in it, the client going away and the future
    // being dropped), a slot that holds no session is freed, or it would count against
    // --max-sessions forever.
    let _unstarted = FreeIfUnstarted { state, key: &key, slot: &slot };
    let started = slot
        .0
        .get_or_try_init(|| async {
            let s =
                Session::start(runtime.clone(), id.to_string(), state.config.startup_timeout, &state.console).await?;
            (state.console)(&format!(
                "{} {} session {} started: pid {}, port {}, ready in {:.1} ms",
                clock(),
                runtime.name,
                short(id),
                s.pid,
                s.port,
                elapsed_ms(s.started)
            ));
            Ok::<_, String>(Arc::new(s))
        })
        .await
        .cloned();
    if let Err(e) = &started {
        (state.console)(&format!("{} {} session {} failed to start: {e}", clock(), runtime.name, short(id)));
    }
    started.map_err(NoSession::Start)
}

/// Frees a slot on drop when it still holds no session and no other request waits on it (the
/// map and this guard's request hold the only references; both are counted under the map's
/// lock, where requests take theirs).
struct FreeIfUnstarted<'a> {
    state: &'a State,
    key: &'a Key,
    slot: &'a Arc<Slot>,
}

impl Drop for FreeIfUnstarted<'_> {
    fn drop(&mut self) {
        let mut slots = self.state.slots.lock().unwrap_or_else(|e| e.into_inner());
        let ours = slots.get(self.key).is_some_and(|s| Arc::ptr_eq(s, self.slot));
        if ours && self.slot.0.get().is_none() && Arc::strong_count(self.slot) <= 2 {
            slots.remove(self.key);
        }
    }
}

/// Drops a session's slot, if it is still this one.
pub(crate) fn forget(state: &State, key: &Key, slot: &Arc<Slot>) {
    let mut slots = state.slots.lock().unwrap_or_else(|e| e.into_inner());
    if slots.get(key).is_some_and(|s| Arc::ptr_eq(s, slot)) {
        slots.remove(key);
    }
}
