//! The HTTPS client of corestack's own requests (signed calls, bearer-token invocations): rustls
//! with the platform's root certificates, HTTP/1.1, plain HTTP allowed for loopback stand-ins.

use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;

/// A client sending bodies of type `B`; an error when the platform has no root certificates.
pub fn client<B>() -> Result<Client<HttpsConnector<HttpConnector>, B>, String>
where
    B: hyper::body::Body + Send,
    B::Data: Send,
{
    let tls = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
        .map_err(|e| format!("no TLS root certificates: {e}"))?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(hyper_util::rt::TokioExecutor::new()).build(tls))
}
