//! The Region's S3 managed prefix list (`com.amazonaws.<region>.s3`), which the runtime security
//! group's HTTPS egress to S3 names. CloudFormation cannot look it up (no attribute of
//! `AWS::EC2::VPCEndpoint` gives it, and no public SSM parameter holds it), so a config without
//! `s3_prefix_list_id` synthesizes a stack parameter, and deploy fills it from
//! `ec2:DescribeManagedPrefixLists`: a user never looks the ID up, and synth, check and dev stay
//! offline for every Region.
//!
//! One EC2 query call, signed with SigV4 here, instead of the `aws-sdk-ec2` crate: that crate is
//! the largest of the AWS SDK for Rust and would add minutes to every cold build for this call.

use std::time::SystemTime;

use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4::SigningParams;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};

use crate::{AwsFailure, DeployError, StackPlan};

/// The stack parameter that takes the prefix list's ID when the config does not give it.
pub const PARAMETER: &str = "S3PrefixListId";

const OPERATION: &str = "ec2:DescribeManagedPrefixLists";

/// Fills [`PARAMETER`] of every plan whose template declares it and that has no value yet.
pub async fn fill(config: &aws_config::SdkConfig, plans: &mut [StackPlan]) -> Result<(), DeployError> {
    let wanted = |p: &StackPlan| {
        !p.parameters.get(PARAMETER).is_some_and(|v| !v.is_empty())
            && serde_json::from_str::<serde_json::Value>(&p.template)
                .is_ok_and(|t| t["Parameters"].get(PARAMETER).is_some())
    };
    if !plans.iter().any(wanted) {
        return Ok(());
    }
    let id = s3_prefix_list(config).await?;
    for p in plans.iter_mut().filter(|p| wanted(p)) {
        p.parameters.insert(PARAMETER.to_string(), id.clone());
    }
    Ok(())
}

/// The ID of `com.amazonaws.<region>.s3` in the configuration's Region.
pub async fn s3_prefix_list(config: &aws_config::SdkConfig) -> Result<String, DeployError> {
    let region = config.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".into());
    let name = format!("com.amazonaws.{region}.s3");
    let subject = format!("prefix list {name}");
    let fail = |m: String| DeployError::Aws(Box::new(AwsFailure::plain(OPERATION, Some(&subject), m)));
    let endpoint = endpoint(config, &region);
    let body = format!(
        "Action=DescribeManagedPrefixLists&Version=2016-11-15&Filter.1.Name=prefix-list-name&Filter.1.Value.1={name}"
    );
    let request = signed(config, &region, &endpoint, body).await.map_err(fail)?;
    let tls = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
        .map_err(|e| fail(format!("no TLS root certificates: {e}")))?
        .https_or_http()
        .enable_http1()
        .build();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(tls);
    let response = client
        .request(request)
        .await
        .map_err(|e| DeployError::Aws(Box::new(AwsFailure::unreached(OPERATION, Some(&subject), &e))))?;
    let status = response.status();
    // An answer is a few hundred bytes; read at most 1 MiB of whatever comes.
    let limited = http_body_util::Limited::new(response.into_body(), 1 << 20);
    let bytes = limited.collect().await.map_err(|e| fail(format!("reading the answer: {e}")))?.to_bytes();
    let text = String::from_utf8_lossy(&bytes);
    if !status.is_success() {
        let failure = AwsFailure {
            code: element(&text, "Code").or_else(|| Some(format!("HTTP {}", status.as_u16()))),
            request_id: element(&text, "RequestID").or_else(|| element(&text, "requestId")),
            ..AwsFailure::plain(OPERATION, Some(&subject), element(&text, "Message").unwrap_or_default())
        };
        return Err(DeployError::Aws(Box::new(failure)));
    }
    element(&text, "prefixListId").ok_or_else(|| {
        fail(format!("the Region has no managed prefix list {name}; set s3_prefix_list_id in [network]"))
    })
}

/// `AWS_ENDPOINT_URL_EC2`, then the configuration's endpoint, then the Regional endpoint.
fn endpoint(config: &aws_config::SdkConfig, region: &str) -> String {
    std::env::var("AWS_ENDPOINT_URL_EC2")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| config.endpoint_url().map(str::to_string))
        .unwrap_or_else(|| format!("https://ec2.{region}.amazonaws.com"))
}

/// The POST of `body` to `endpoint`, signed for `ec2` in `region`.
async fn signed(
    config: &aws_config::SdkConfig,
    region: &str,
    endpoint: &str,
    body: String,
) -> Result<hyper::Request<Full<Bytes>>, String> {
    let provider = config.credentials_provider().ok_or("no credentials provider")?;
    let identity = provider.provide_credentials().await.map_err(|e| e.to_string())?.into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("ec2")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?;
    let url = format!("{}/", endpoint.trim_end_matches('/'));
    let mut request = hyper::Request::post(&url)
        .header("content-type", "application/x-www-form-urlencoded; charset=utf-8")
        .body(Full::new(Bytes::from(body.clone())))
        .map_err(|e| e.to_string())?;
    let host = request.uri().authority().map(|a| a.to_string()).ok_or("the endpoint has no host")?;
    request.headers_mut().insert("host", host.parse().map_err(|_| "bad host")?);
    let headers = [("host", host.as_str()), ("content-type", "application/x-www-form-urlencoded; charset=utf-8")];
    let signable =
        SignableRequest::new("POST", url.as_str(), headers.into_iter(), SignableBody::Bytes(body.as_bytes()))
            .map_err(|e| e.to_string())?;
    let (instructions, _) = sign(signable, &params.into()).map_err(|e| e.to_string())?.into_parts();
    instructions.apply_to_request_http1x(&mut request);
    Ok(request)
}

/// The text of the first `<name>...</name>` in an XML answer.
fn element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(xml[start..end].trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_read_from_the_answer() {
        let ok = "<DescribeManagedPrefixListsResponse><prefixListSet><item><prefixListId>pl-63a5400a</prefixListId></item></prefixListSet></DescribeManagedPrefixListsResponse>";
        assert_eq!(element(ok, "prefixListId").as_deref(), Some("pl-63a5400a"));
        let err = "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors><RequestID>r-1</RequestID></Response>";
        assert_eq!(element(err, "Code").as_deref(), Some("UnauthorizedOperation"));
        assert_eq!(element(err, "RequestID").as_deref(), Some("r-1"));
        assert_eq!(element("<a>", "a"), None);
    }
}
