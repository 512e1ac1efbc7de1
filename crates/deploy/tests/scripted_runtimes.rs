//! Runtimes as the control plane reports them, against scripted answers: the MMDSv2 setting
//! read from GetAgentRuntime, and `wait_ready` through failure, update and timeout.

use std::time::Duration;

use std::sync::Mutex;

use corestack_deploy::DeployError;
use corestack_deploy::scripted_http::{self, Answer, Seen};
use corestack_deploy::status::StatusReader;
use support::*;

mod support;

fn runtime(status: &str, reason: Option<&str>) -> (u16, String) {
    let mut v = serde_json::json!({
        "agentRuntimeArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-AbCdE12345",
        "agentRuntimeId": "a-AbCdE12345", "agentRuntimeName": "a", "agentRuntimeVersion": "2",
        "createdAt": "2026-11-26T00:00:00Z", "lastUpdatedAt": "2026-11-26T00:00:00Z", "roleArn": "arn:aws:iam::123456789012:role/r",
        "networkConfiguration": {"networkMode": "VPC"}, "lifecycleConfiguration": {"idleRuntimeSessionTimeout": 900, "maxLifetime": 28800},
        "status": status,
    });
    if let Some(r) = reason {
        v["failureReason"] = serde_json::json!(r);
    }
    (200, v.to_string())
}

/// Issue 20: a runtime without `metadataConfiguration.requireMMDSV2 = true` is refused every
/// invocation since 2026-06-30; the field is read from GetAgentRuntime's JSON, and a runtime
/// without it reads as not requiring MMDSv2 (as the service treats it).
#[tokio::test]
async fn the_mmdsv2_setting_is_read_from_get_agent_runtime() {
    let with = |v: Option<bool>| {
        let (status, body) = runtime("READY", None);
        let mut json: serde_json::Value = serde_json::from_str(&body).unwrap();
        if let Some(v) = v {
            json["metadataConfiguration"] = serde_json::json!({"requireMMDSV2": v});
        }
        (status, json.to_string())
    };
    let (url, calls) =
        serve(script(vec![("GET /runtimes/a-AbCdE12345/", vec![with(Some(true)), with(None), with(Some(false))])]))
            .await;
    let config = config(&url).await;
    let reader = StatusReader::new(&config);
    let mmds = async || reader.unmodelled(&config, "a-AbCdE12345").await.unwrap().require_mmdsv2;
    assert!(mmds().await);
    assert!(!mmds().await);
    assert!(!mmds().await);
    assert_eq!(calls.lock().unwrap().len(), 3);
    assert!(corestack_deploy::status::MMDS_FIX.contains("requireMMDSV2=true"));
    // A refusal is shown as every AWS failure is: operation, code, message and request ID.
    let (url, _) = scripted_http::serve(|_: &Seen| {
        Answer::new(403, "application/json", r#"{"message":"not allowed"}"#)
            .with_header("x-amzn-errortype", "AccessDeniedException:http://internal.amazon.com/")
            .with_header("x-amzn-requestid", "req-mmds")
    })
    .await;
    let refusing = self::config(&url).await;
    let err = StatusReader::new(&refusing).unmodelled(&refusing, "a-AbCdE12345").await.unwrap_err().to_string();
    assert!(err.contains("bedrock-agentcore:GetAgentRuntime failed (runtime a-AbCdE12345)"), "{err}");
    assert!(err.contains("AccessDeniedException: not allowed") && err.contains("req-mmds"), "{err}");
}

#[tokio::test]
async fn wait_ready_surfaces_the_failure_reason() {
    let (url, _) = serve(script(vec![(
        "GET /runtimes/a-AbCdE12345",
        vec![runtime("UPDATING", None), runtime("UPDATE_FAILED", Some("Image pull failed: manifest unknown"))],
    )]))
    .await;
    let reader = StatusReader::new(&config(&url).await);
    let err = reader
        .wait_ready(&["a-AbCdE12345".into()], Duration::from_millis(10), Duration::from_secs(5), &|_| {})
        .await
        .unwrap_err();
    match err {
        DeployError::Failed { status, reason, .. } => {
            assert_eq!((status.as_str(), reason.as_str()), ("UPDATE_FAILED", "Image pull failed: manifest unknown"))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn wait_ready_goes_from_updating_to_ready() {
    let (url, _) = serve(script(vec![(
        "GET /runtimes/a-AbCdE12345",
        vec![runtime("UPDATING", None), runtime("UPDATING", None), runtime("READY", None)],
    )]))
    .await;
    let reader = StatusReader::new(&config(&url).await);
    let seen = Mutex::new(Vec::new());
    let done = reader
        .wait_ready(&["a-AbCdE12345".into()], Duration::from_millis(10), Duration::from_secs(5), &|s| {
            seen.lock().unwrap().push(s.status.clone())
        })
        .await
        .unwrap();
    assert_eq!(done[0].status, "READY");
    assert_eq!(done[0].version.as_deref(), Some("2"));
    assert_eq!(seen.into_inner().unwrap(), vec!["UPDATING", "UPDATING", "READY"]);
}

#[tokio::test]
async fn wait_ready_gives_up_at_the_timeout_naming_what_is_not_ready() {
    let (url, _) = serve(script(vec![("GET /runtimes/a-AbCdE12345", vec![runtime("UPDATING", None)])])).await;
    let reader = StatusReader::new(&config(&url).await);
    let err = reader
        .wait_ready(&["a-AbCdE12345".into()], Duration::from_millis(10), Duration::from_millis(50), &|_| {})
        .await
        .unwrap_err();
    match err {
        DeployError::Failed { stack, status, reason } => {
            assert_eq!((stack.as_str(), status.as_str()), ("a-AbCdE12345 UPDATING", "not READY"));
            assert_eq!(reason, "still not READY after 0 s; wait longer with --timeout");
        }
        other => panic!("{other:?}"),
    }
}
