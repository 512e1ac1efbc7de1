//! `corestack dev` once its runtimes are built: the Bedrock stand-in and the span receiver it
//! needs, the listener, the banner, then the server until `shutdown`.

use std::future::Future;

use corestack_app::Settings;

use crate::startup::{self, Listening, TraceTarget};
use crate::{Console, DevConfig, DevServer, LocalProject};

/// Where and how `dev` serves.
#[derive(Clone, Debug)]
pub struct Serving {
    /// The port on 127.0.0.1 (0: any free one).
    pub port: u16,
    /// Where the agents' spans go, if anywhere.
    pub traces: Option<TraceTarget>,
    /// Most sessions alive at once.
    pub max_sessions: usize,
}

/// What stops `dev` once it has built its runtimes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The port is taken or cannot be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {source}\n    fix: pass --port with a free port")]
    Bind {
        /// The port asked for.
        port: u16,
        /// Why.
        source: std::io::Error,
    },
    /// The stand-in, the span receiver or the server failed.
    #[error("{what}: {source}")]
    Io {
        /// What was starting or running.
        what: &'static str,
        /// Why.
        source: std::io::Error,
    },
}

impl corestack_fault::Blamed for ServeError {
    fn blame(&self) -> corestack_fault::Blame {
        match self {
            ServeError::Bind { .. } => corestack_fault::Blame::Input,
            ServeError::Io { .. } => corestack_fault::Blame::Local,
        }
    }
}

fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> ServeError {
    move |source| ServeError::Io { what, source }
}

/// The end of a `corestack dev` run: Ctrl-C or SIGTERM (or never, when no SIGTERM handler can be
/// installed and Ctrl-C does not come), the `shutdown` [`serve`] takes from the command line.
pub async fn interrupted() {
    let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// Serves `project` until `shutdown`: the deployed container's environment, plus, for agents on
/// the stand-in, its endpoint and dummy credentials, and the span exporter's when traces go
/// somewhere. The banner's lines go to `banner` once it listens; the sessions' lines to `console`.
pub async fn serve(
    settings: &Settings,
    mut project: LocalProject,
    serving: &Serving,
    console: Console,
    banner: &mut dyn FnMut(&str),
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    let stand_in = project.start_stand_in().await.map_err(io("the Bedrock stand-in"))?;
    let traces = match &serving.traces {
        None => None,
        Some(TraceTarget::Console) => {
            Some(crate::traces::start_console(console.clone()).await.map_err(io("the span receiver"))?)
        }
        Some(TraceTarget::Collector(url)) => Some(url.clone()),
    };
    if let Some(endpoint) = &traces {
        project.export_traces(endpoint);
    }
    let port = serving.port;
    let listener =
        tokio::net::TcpListener::bind(("127.0.0.1", port)).await.map_err(|source| ServeError::Bind { port, source })?;
    let url = format!("http://127.0.0.1:{}", listener.local_addr().map_err(io("the listener"))?.port());
    project.advertise_invocation_urls(settings, &url);
    let stand_in_url = stand_in.as_ref().map(|s| s.url());
    let at = Listening { url: &url, port, stand_in: stand_in_url.as_deref(), traces: traces.as_deref() };
    for line in startup::banner(settings, &project, &at) {
        banner(&line);
    }
    let mut config = DevConfig::new(project.runtimes);
    config.max_sessions = serving.max_sessions;
    DevServer::new(config, console).serve(listener, shutdown).await.map_err(io("the server"))
}
