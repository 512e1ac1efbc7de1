//! Accepting connections until shutdown, then draining in-flight requests: shared by the server
//! of every protocol (HTTP and AG-UI on `/invocations` and `/ws`, MCP on `/mcp`, A2A on `/`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

/// A boxed response future.
pub(crate) type Answer<B> = Pin<Box<dyn Future<Output = hyper::Response<B>> + Send>>;

/// What answers each request.
pub(crate) type Handler<B> = Arc<dyn Fn(hyper::Request<Incoming>) -> Answer<B> + Send + Sync>;

/// Serves `handler` on `listener` until `shutdown` completes, then waits up to `drain` for the
/// requests in flight. Connections may be upgraded (WebSocket).
pub(crate) async fn serve<B>(
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    drain: Duration,
    handler: Handler<B>,
) where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let graceful = GracefulShutdown::new();
    // HTTP/1.1 only, as the service speaks to the container; upgrades for WebSocket.
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder = builder.http1_only();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut failing = AcceptFailures::default();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(c) => {
                        failing = AcceptFailures::default();
                        c
                    }
                    Err(e) => {
                        tokio::time::sleep(failing.note(&e)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let handler = handler.clone();
                let service = hyper::service::service_fn(move |req| {
                    let answer = handler(req);
                    async move { Ok::<_, std::convert::Infallible>(answer.await) }
                });
                let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                let connection = graceful.watch(connection.into_owned());
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("shutting down: draining in-flight requests");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("drained"),
        () = tokio::time::sleep(drain) => tracing::warn!("drain timed out; exiting with requests in flight"),
    }
}

/// SIGTERM (how AgentCore stops a session) or Ctrl-C.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return ctrl_c.await.unwrap_or(()),
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await.unwrap_or(());
}

/// Accept failures in a row (out of file descriptors, mostly): each waits longer, from 10 ms to
/// 1 s, and the log says so once, then once every [`AcceptFailures::LOG_EVERY`] with a count,
/// instead of a line a try.
#[derive(Debug, Default)]
struct AcceptFailures {
    in_a_row: u32,
    unlogged: u32,
    logged_at: Option<std::time::Instant>,
}

impl AcceptFailures {
    const LOG_EVERY: Duration = Duration::from_secs(10);

    /// Counts a failure, logging when it is time; returns how long to wait before the next try.
    fn note(&mut self, e: &std::io::Error) -> Duration {
        self.in_a_row += 1;
        self.unlogged += 1;
        if self.logged_at.is_none_or(|at| at.elapsed() >= Self::LOG_EVERY) {
            tracing::warn!(error = %e, failures = self.unlogged, "accept failed (raise the file descriptor limit if it says too many open files)");
            self.unlogged = 0;
            self.logged_at = Some(std::time::Instant::now());
        }
        Duration::from_millis(10u64 << self.in_a_row.min(8).saturating_sub(1)).min(Duration::from_secs(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_failures_back_off_and_are_logged_once_in_a_while() {
        let mut f = AcceptFailures::default();
        let e = std::io::Error::other("too many open files");
        let waits: Vec<u64> = (0..9).map(|_| f.note(&e).as_millis() as u64).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        assert_eq!(f.unlogged, 8, "logged at the first failure only");
    }
}
