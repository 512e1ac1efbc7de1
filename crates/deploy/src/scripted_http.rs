//! A loopback HTTP server with scripted answers (feature `test-util`), for what the emulator
//! cannot show: the real AWS SDK clients against failures, pages and edge cases written by hand.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};

/// One request as the server saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path.
    pub path: String,
    /// The body, as text.
    pub body: String,
}

/// One answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The headers, content type included.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl Answer {
    /// `status` with a body of `content_type`.
    pub fn new(status: u16, content_type: &str, body: impl Into<String>) -> Answer {
        Answer { status, headers: vec![("content-type".into(), content_type.into())], body: body.into() }
    }

    /// The answer with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Answer {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Serves `answer` for every request on 127.0.0.1 until the runtime ends; returns its URL and the
/// requests seen so far.
pub async fn serve(answer: impl Fn(&Seen) -> Answer + Send + Sync + 'static) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let answer = Arc::new(answer);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (answer, log) = (answer.clone(), log.clone());
            let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let (answer, log) = (answer.clone(), log.clone());
                async move {
                    let (method, path) = (req.method().to_string(), req.uri().path().to_string());
                    let bytes = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                    let seen = Seen { method, path, body: String::from_utf8_lossy(&bytes).into_owned() };
                    log.lock().unwrap_or_else(|p| p.into_inner()).push(seen.clone());
                    let a = answer(&seen);
                    let mut r = hyper::Response::new(Full::new(Bytes::from(a.body)));
                    *r.status_mut() = hyper::StatusCode::from_u16(a.status).unwrap_or(hyper::StatusCode::OK);
                    for (k, v) in &a.headers {
                        if let (Ok(k), Ok(v)) = (hyper::header::HeaderName::try_from(k.as_str()), v.parse()) {
                            r.headers_mut().insert(k, v);
                        }
                    }
                    Ok::<_, Infallible>(r)
                }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new().serve_connection(hyper_util::rt::TokioIo::new(stream), svc),
            );
        }
    });
    (url, seen)
}
