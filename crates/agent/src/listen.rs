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
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
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
