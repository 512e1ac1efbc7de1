//! What the emulator cannot show, with the real SDK clients against scripted HTTP answers:
//! a create that fails and rolls back, a change set with no changes, a stack left in
//! ROLLBACK_COMPLETE or REVIEW_IN_PROGRESS, and a create that imports what was kept (runtimes: scripted_runtimes.rs).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use corestack_deploy::scripted_http::{self, Answer, Seen};
use corestack_deploy::{DeployError, Deployer, Outcome, StackDiff, StackPlan};
use support::*;

mod support;

#[tokio::test]
async fn a_failed_create_names_the_first_failing_resource() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let failed = |id: u32, logical: &str, kind: &str, reason: &str, at: i64| {
        event(id, logical, kind, "CREATE_FAILED", at).replace(
            "</ResourceStatus>",
            &format!("</ResourceStatus><ResourceStatusReason>{reason}</ResourceStatusReason>"),
        )
    };
    // Newest first; an older operation's failure is left out.
    let events = ok(
        "DescribeStackEvents",
        &format!(
            "<StackEvents>{}{}{}{}</StackEvents>",
            event(3, "s", "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE", now + 2),
            failed(2, "Alarm", "AWS::CloudWatch::Alarm", "Resource creation cancelled", now + 1),
            failed(1, "Runtime", "AWS::BedrockAgentCore::Runtime", "Access denied while validating ECR URI", now),
            failed(0, "Old", "AWS::SNS::Topic", "an earlier operation", now - 3600),
        ),
    );
    let (url, calls) = serve(script(vec![
        ("DescribeStacks", vec![missing(), stack("CREATE_IN_PROGRESS"), stack("ROLLBACK_COMPLETE")]),
        ("CreateStack", vec![ok("CreateStack", "<StackId>x</StackId>")]),
        ("DescribeStackEvents", vec![events]),
    ]))
    .await;
    let d = Deployer::new(&config(&url).await).with_poll_interval(Duration::from_millis(10));
    let err = d.deploy_stack(&plan()).await.unwrap_err();
    match &err {
        DeployError::Failed { status, reason, .. } => {
            assert_eq!(status, "ROLLBACK_COMPLETE");
            assert_eq!(reason, "Runtime (AWS::BedrockAgentCore::Runtime): Access denied while validating ECR URI");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        calls.lock().unwrap().clone(),
        vec!["DescribeStacks", "CreateStack", "DescribeStacks", "DescribeStacks", "DescribeStackEvents"]
    );
}

#[tokio::test]
async fn a_change_set_without_changes_leaves_the_stack_unchanged() {
    let (url, calls) = serve(script(vec![
        ("DescribeStacks", vec![stack("UPDATE_COMPLETE")]),
        ("GetTemplate", vec![ok("GetTemplate", "<TemplateBody>{\"Resources\":{}}</TemplateBody>")]),
        ("CreateChangeSet", vec![ok("CreateChangeSet", "<Id>cs</Id><StackId>x</StackId>")]),
        (
            "DescribeChangeSet",
            vec![ok("DescribeChangeSet", "<ChangeSetName>c</ChangeSetName><Status>FAILED</Status><StatusReason>The submitted information didn't contain changes. Submit different information to create a change set.</StatusReason>")],
        ),
        ("DeleteChangeSet", vec![ok("DeleteChangeSet", "")]),
    ]))
    .await;
    let d = Deployer::new(&config(&url).await).with_poll_interval(Duration::from_millis(10));
    let r = d.deploy_stack(&plan()).await.unwrap();
    assert_eq!(r.outcome, Outcome::Unchanged);
    assert!(calls.lock().unwrap().contains(&"DeleteChangeSet".to_string()), "the empty change set is cleaned up");
}

/// Asserts that a stack found in `status` is deleted and created again.
async fn assert_recreated_from(status: &str) {
    let (url, calls) = serve(script(vec![
        ("DescribeStacks", vec![stack(status), missing(), stack("CREATE_COMPLETE")]),
        ("DeleteStack", vec![ok("DeleteStack", "")]),
        ("CreateStack", vec![ok("CreateStack", "<StackId>x</StackId>")]),
    ]))
    .await;
    let d = Deployer::new(&config(&url).await).with_poll_interval(Duration::from_millis(10));
    assert_eq!(d.deploy_stack(&plan()).await.unwrap().outcome, Outcome::Created);
    let calls = calls.lock().unwrap().clone();
    assert_eq!(&calls[..4], ["DescribeStacks", "DeleteStack", "DescribeStacks", "CreateStack"]);
}

#[tokio::test]
async fn a_stack_left_in_rollback_complete_is_recreated() {
    assert_recreated_from("ROLLBACK_COMPLETE").await;
}

/// A CREATE change set that an interrupted deploy never executed leaves a stack in
/// REVIEW_IN_PROGRESS, which nothing will move on: it is deleted and the stack created.
#[tokio::test]
async fn a_stack_left_in_review_in_progress_is_recreated() {
    assert_recreated_from("REVIEW_IN_PROGRESS").await;
}

/// A plan that adopts what an earlier life kept is created through a CREATE change set that
/// asks CloudFormation to import existing resources; other plans keep CreateStack.
#[tokio::test]
async fn a_create_that_adopts_kept_resources_imports_them_through_a_change_set() {
    let (url, calls, bodies) = serve_recording(script(vec![
        ("DescribeStacks", vec![missing(), stack("CREATE_IN_PROGRESS"), stack("CREATE_COMPLETE")]),
        ("CreateChangeSet", vec![ok("CreateChangeSet", "<Id>cs</Id><StackId>x</StackId>")]),
        ("DescribeChangeSet", vec![ok("DescribeChangeSet", "<Status>CREATE_COMPLETE</Status><Changes/>")]),
        ("ExecuteChangeSet", vec![ok("ExecuteChangeSet", "")]),
        ("DescribeStackEvents", vec![ok("DescribeStackEvents", "<StackEvents/>")]),
    ]))
    .await;
    let d = Deployer::new(&config(&url).await).with_poll_interval(Duration::from_millis(10));
    let plan = StackPlan { import_kept: true, ..plan() };
    assert_eq!(d.deploy_stack(&plan).await.unwrap().outcome, Outcome::Created);
    let calls = calls.lock().unwrap().clone();
    assert!(!calls.contains(&"CreateStack".to_string()), "{calls:?}");
    let bodies = bodies.lock().unwrap().clone();
    let create = bodies.iter().find(|b| b.contains("Action=CreateChangeSet")).unwrap();
    assert!(create.contains("ChangeSetType=CREATE") && create.contains("ImportExistingResources=true"), "{create}");
}

/// A stack that a deploy deletes and creates again counts as absent when deciding whether its
/// create must import what an earlier life kept: an adoption interrupted before its change set
/// ran (REVIEW_IN_PROGRESS), or rolled back, must import again.
#[tokio::test]
async fn stacks_left_by_a_failed_or_interrupted_create_are_created_afresh() {
    let (url, _) = serve(script(vec![(
        "DescribeStacks",
        vec![stack("REVIEW_IN_PROGRESS"), stack("ROLLBACK_COMPLETE"), missing(), stack("CREATE_COMPLETE")],
    )]))
    .await;
    let d = Deployer::new(&config(&url).await);
    let afresh = [d.creates_afresh("s").await, d.creates_afresh("s").await, d.creates_afresh("s").await];
    assert_eq!(afresh.map(Result::unwrap), [true, true, true]);
    assert!(!d.creates_afresh("s").await.unwrap(), "a stack that holds its resources is updated");
}

#[tokio::test]
async fn diff_reports_a_stack_in_rollback_complete_as_new_and_changes_nothing() {
    let (url, calls) = serve(script(vec![("DescribeStacks", vec![stack("ROLLBACK_COMPLETE")])])).await;
    let d = Deployer::new(&config(&url).await);
    let plan = plan();
    assert_eq!(d.diff_stack(&plan).await.unwrap(), StackDiff::New { resources: plan.resource_count() });
    // One read: no change set, no delete (deploy is what recreates the stack).
    assert_eq!(*calls.lock().unwrap(), ["DescribeStacks"]);
}

/// A delete refused because another stack imports an export: no resource fails, the stack
/// returns to its earlier status, and only the stack's own event says why.
#[tokio::test]
async fn an_export_in_use_is_explained() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let refused = event(1, "s", "AWS::CloudFormation::Stack", "CREATE_COMPLETE", now).replace(
        "</ResourceStatus>",
        "</ResourceStatus><ResourceStatusReason>Export s-VpcId cannot be deleted as it is in use by other-app</ResourceStatusReason>",
    );
    let (url, _) = serve(script(vec![
        ("DescribeStacks", vec![stack("CREATE_COMPLETE"), stack("CREATE_COMPLETE")]),
        ("DeleteStack", vec![ok("DeleteStack", "")]),
        ("DescribeStackEvents", vec![ok("DescribeStackEvents", &format!("<StackEvents>{refused}</StackEvents>"))]),
    ]))
    .await;
    let d = Deployer::new(&config(&url).await).with_poll_interval(Duration::from_millis(10));
    match d.destroy_stack("s").await.unwrap_err() {
        DeployError::Failed { status, reason, .. } => {
            assert_eq!(status, "CREATE_COMPLETE");
            assert!(
                reason.starts_with(
                    "s (AWS::CloudFormation::Stack): Export s-VpcId cannot be deleted as it is in use by other-app"
                ),
                "{reason}"
            );
            assert!(reason.contains("aws cloudformation list-imports --export-name"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

/// Issue 19: a deploy killed mid-operation leaves a stack `*_IN_PROGRESS`; the next deploy
/// waits for it to settle and carries on (here: it settled on the plan's template, so unchanged).
#[tokio::test]
async fn a_busy_stack_is_waited_for_then_deployed() {
    let template = r#"{"Resources":{"A":{"Type":"AWS::SNS::Topic"}}}"#;
    let (url, calls) = serve(script(vec![
        ("DescribeStacks", vec![stack("UPDATE_IN_PROGRESS"), stack("UPDATE_IN_PROGRESS"), stack("UPDATE_COMPLETE")]),
        ("DescribeStackEvents", vec![ok("DescribeStackEvents", "<StackEvents></StackEvents>")]),
        (
            "GetTemplate",
            vec![ok("GetTemplate", &format!("<TemplateBody>{}</TemplateBody>", template.replace('"', "&quot;")))],
        ),
    ]))
    .await;
    let d = Deployer::new(&config(&url).await).with_poll_interval(Duration::from_millis(10));
    assert_eq!(d.deploy_stack(&plan()).await.unwrap().outcome, Outcome::Unchanged);
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.iter().filter(|c| *c == "DescribeStacks").count(), 3, "{calls:?}");
    assert_eq!(calls.last().map(String::as_str), Some("GetTemplate"), "{calls:?}");
}

/// A stack that was being created when the deploy was killed, and whose create rolled back and
/// was deleted meanwhile, is created again.
#[tokio::test]
async fn a_busy_stack_that_goes_away_is_created() {
    let (url, _) = serve(script(vec![
        ("DescribeStacks", vec![stack("ROLLBACK_IN_PROGRESS"), missing(), stack("CREATE_COMPLETE")]),
        ("DescribeStackEvents", vec![ok("DescribeStackEvents", "<StackEvents></StackEvents>")]),
        ("CreateStack", vec![ok("CreateStack", "<StackId>x</StackId>")]),
    ]))
    .await;
    let d = Deployer::new(&config(&url).await).with_poll_interval(Duration::from_millis(10));
    assert_eq!(d.deploy_stack(&plan()).await.unwrap().outcome, Outcome::Created);
}

/// UPDATE_ROLLBACK_FAILED takes no update: the service's remedy is named, nothing is sent.
#[tokio::test]
async fn a_failed_rollback_names_continue_update_rollback() {
    let (url, calls) = serve(script(vec![("DescribeStacks", vec![stack("UPDATE_ROLLBACK_FAILED")])])).await;
    let d = Deployer::new(&config(&url).await);
    let err = d.deploy_stack(&plan()).await.unwrap_err();
    assert!(matches!(err, DeployError::RollbackFailed { .. }), "{err:?}");
    assert!(err.to_string().contains("aws cloudformation continue-update-rollback --stack-name s"), "{err}");
    assert_eq!(calls.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn resource_events_are_emitted_once_each_in_order() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let old = event(0, "s", "AWS::CloudFormation::Stack", "UPDATE_COMPLETE", now - 3600);
    let e1 = event(1, "s", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", now);
    let e2 = event(2, "Topic", "AWS::SNS::Topic", "CREATE_IN_PROGRESS", now);
    let e3 = event(3, "Topic", "AWS::SNS::Topic", "CREATE_COMPLETE", now + 1);
    let e4 = event(4, "s", "AWS::CloudFormation::Stack", "CREATE_COMPLETE", now + 1);
    // Newest first, as CloudFormation lists them.
    let page = |members: &[&String]| {
        ok(
            "DescribeStackEvents",
            &format!("<StackEvents>{}</StackEvents>", members.iter().rev().map(|m| m.as_str()).collect::<String>()),
        )
    };
    let (url, _) = serve(script(vec![
        (
            "DescribeStacks",
            vec![missing(), stack("CREATE_IN_PROGRESS"), stack("CREATE_COMPLETE"), stack("CREATE_COMPLETE")],
        ),
        ("CreateStack", vec![ok("CreateStack", "<StackId>x</StackId>")]),
        ("DescribeStackEvents", vec![page(&[&old, &e1, &e2]), page(&[&old, &e1, &e2, &e3, &e4])]),
    ]))
    .await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let d = Deployer::new(&config(&url).await).with_poll_interval(Duration::from_millis(10)).with_events(Arc::new(
        move |e: &corestack_deploy::ResourceEvent| sink.lock().unwrap().push(format!("{} {}", e.logical_id, e.status)),
    ));
    assert_eq!(d.deploy_stack(&plan()).await.unwrap().outcome, Outcome::Created);
    assert_eq!(
        seen.lock().unwrap().clone(),
        vec!["s CREATE_IN_PROGRESS", "Topic CREATE_IN_PROGRESS", "Topic CREATE_COMPLETE", "s CREATE_COMPLETE"],
        "events of earlier operations are left out"
    );
}

/// Issue 20: a config naming an Anthropic model, on an account that has not submitted
/// Anthropic's first-time-use form (GetUseCaseForModelAccess: ResourceNotFoundException), is
/// told before the deploy; a submitted form, or a config without Anthropic models, says nothing.
#[tokio::test]
async fn the_anthropic_first_time_use_form_is_checked() {
    use corestack_app::Settings;
    let settings =
        Settings::from_toml(corestack_app::DEFAULT_CONFIG, std::path::Path::new("corestack.toml"), None).unwrap();
    assert!(settings.runtimes[0].models.iter().any(|m| m.contains("anthropic.")));
    let missing = Answer::new(404, "application/json", r#"{"message":"no form"}"#)
        .with_header("x-amzn-errortype", "ResourceNotFoundException:http://internal.amazon.com/");
    let submitted = Answer::new(200, "application/json", r#"{"formData":"e30="}"#);
    let answers = Mutex::new(vec![missing, submitted]);
    let (url, _) = scripted_http::serve(move |seen: &Seen| {
        assert_eq!(format!("{} {}", seen.method, seen.path), "GET /use-case-for-model-access");
        answers.lock().unwrap().remove(0)
    })
    .await;
    let config = config(&url).await;
    let hint = corestack_deploy::model_access::anthropic_hint(&config, &settings).await;
    assert!(hint.is_some_and(|h| h.contains("first-time-use form")));
    assert_eq!(corestack_deploy::model_access::anthropic_hint(&config, &settings).await, None);
    let mut without = settings.clone();
    without.runtimes.iter_mut().for_each(|r| r.models.clear());
    assert_eq!(corestack_deploy::model_access::anthropic_hint(&config, &without).await, None);
}
