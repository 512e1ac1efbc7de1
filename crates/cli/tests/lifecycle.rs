//! A project's whole life on one account (issue 19), against moto through the CLI: deploy, add a
//! runtime and a memory, redeploy, remove the memory, redeploy, destroy, deploy again, destroy;
//! and two projects side by side. Every step asserts the account's state, read with boto3.

use std::path::Path;
use std::process::{Command, Output};

use common::on_moto::{boto3, corestack};
use common::{text, with_researcher_and_memory, workspace, write_config};
use corestack_deploy::testing::Moto;
use serde_json::Value;

mod common;

/// The account as boto3 sees it: stacks (with their corestack tags), runtime names, repository
/// names, and how many memories.
fn account(moto: &Moto) -> Value {
    let script = format!(
        r#"import boto3, json
kw = dict(region_name='us-east-1', endpoint_url='{}', aws_access_key_id='a', aws_secret_access_key='b')
cfn = boto3.client('cloudformation', **kw)
stacks = {{}}
for s in cfn.describe_stacks()['Stacks']:
    if s['StackStatus'] != 'DELETE_COMPLETE':
        tags = {{t['Key']: t['Value'] for t in s.get('Tags', [])}}
        stacks[s['StackName']] = tags.get('corestack:project', '')
control = boto3.client('bedrock-agentcore-control', **kw)
runtimes = sorted(r['agentRuntimeName'] for r in control.list_agent_runtimes()['agentRuntimes'])
memories = len(control.list_memories()['memories'])
repos = sorted(r['repositoryName'] for r in boto3.client('ecr', **kw).describe_repositories()['repositories'])
print(json.dumps(dict(stacks=stacks, runtimes=runtimes, memories=memories, repositories=repos)))
"#,
        moto.url()
    );
    let out = Command::new(workspace().join(".venv/bin/python")).args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// How many images the project's repository holds.
fn repository_images(moto: &Moto) -> usize {
    boto3(moto, &format!("print(len(boto3.client('ecr', **kw).list_images(repositoryName='{PROJECT}')['imageIds']))"))
        .trim()
        .parse()
        .unwrap()
}

fn stacks(state: &Value) -> Vec<String> {
    state["stacks"].as_object().unwrap().keys().cloned().collect()
}

fn ok(run: &Output) -> String {
    assert!(run.status.success(), "exit {:?}\n{}\n{}", run.status.code(), text(&run.stdout), text(&run.stderr));
    format!("{}{}", text(&run.stdout), text(&run.stderr))
}

/// The default config with a second runtime and no memory.
fn with_researcher_only(config: String) -> String {
    with_researcher_and_memory(config)
        .replace(
            "[[memories]]\nname = \"notes\"\ndescription = \"What the researcher learned\"\nevent_expiry_days = 30\n",
            "",
        )
        .replace("memories = [\"notes\"]\n", "")
}

const PROJECT: &str = "agentcore-demo-dev";

#[test]
fn a_project_lives_its_whole_life_on_one_account() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let stack = |part: &str| format!("{PROJECT}-{part}");

    // 1. The default project.
    write_config(d, |c| c);
    let said = ok(&corestack(d, &moto, &["deploy", "--yes"]));
    // Traces are delivered, but this account has Transaction Search off: said, with the fix.
    assert!(said.contains("CloudWatch Transaction Search is off in us-east-1"), "{said}");
    assert!(said.contains("set transaction_search = true in [observability]"), "{said}");
    let state = account(&moto);
    assert_eq!(stacks(&state).len(), 5, "{state}");
    assert!(state["stacks"].as_object().unwrap().values().all(|p| p == "agentcore-demo"), "every stack is tagged");
    assert_eq!(state["runtimes"], serde_json::json!(["demo_agent_dev"]));

    // 2. A runtime and a memory more: one deploy makes the Platform stack, the second runtime
    // (whose role is a new export of the Security stack) and reports it READY.
    write_config(d, with_researcher_and_memory);
    let said = ok(&corestack(d, &moto, &["deploy", "--yes"]));
    let state = account(&moto);
    assert!(stacks(&state).contains(&stack("Platform")), "{state}");
    assert_eq!(state["runtimes"], serde_json::json!(["demo_agent_dev", "researcher_dev"]), "{said}");
    assert_eq!(state["memories"], 1, "{state}");
    let status = ok(&corestack(d, &moto, &["status"]));
    assert!(status.contains("researcher_dev") && !status.contains("not deployed"), "{status}");

    // 3. The memory section removed: diff shows the Platform stack going (its memory kept), and
    // deploy deletes it after saying so.
    write_config(d, with_researcher_only);
    let diff = ok(&corestack(d, &moto, &["diff"]));
    assert!(diff.contains(&format!("{}: no longer in the config: deploy deletes it", stack("Platform"))), "{diff}");
    assert!(diff.contains("kept: ") && diff.contains("AWS::BedrockAgentCore::Memory"), "{diff}");
    let said = ok(&corestack(d, &moto, &["deploy", "--yes"]));
    assert!(said.contains(&format!("deleting {}: the config no longer names it", stack("Platform"))), "{said}");
    let state = account(&moto);
    assert!(!stacks(&state).contains(&stack("Platform")), "{state}");
    assert_eq!(state["memories"], 1, "the memory holds users' data: kept");

    // 4. Back to one runtime, but the Platform stack is made again first and then forgotten by
    // the config without a deploy: destroy finds it by its tags all the same.
    write_config(d, with_researcher_and_memory);
    ok(&corestack(d, &moto, &["deploy", "--yes"]));
    write_config(d, |c| c);
    let said = ok(&corestack(d, &moto, &["destroy", "--yes"]));
    assert!(said.contains("is not in the config any more but is this project's"), "{said}");
    let state = account(&moto);
    assert!(stacks(&state).is_empty(), "{state}");
    assert_eq!(state["repositories"], serde_json::json!([PROJECT]), "destroy keeps the repository");

    deploy_after_destroy_adopts_the_kept_repository(d, &moto);
    a_repository_not_the_projects_is_refused_and_another_name_deploys(d, &moto);
}

/// Two projects of the same defaults but their names, each with a memory named alike, in one
/// account and region: each deploys and destroys on its own, and the destroy of one leaves every
/// stack of the other.
#[test]
fn two_projects_live_side_by_side() {
    let moto = Moto::start(&workspace());
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let notes =
        |c: String| format!("{c}\n[[memories]]\nname = \"notes\"\ndescription = \"Notes\"\nevent_expiry_days = 30\n");
    write_config(a.path(), notes);
    let first = ok(&corestack(a.path(), &moto, &["deploy", "--yes"]));
    assert!(!first.contains("already exists outside this project"), "{first}");
    // The same runtime name, and the seed's unprefixed exports: both found before any stack
    // changes, each with its fix.
    write_config(b.path(), |c| notes(c.replace("name = \"agentcore-demo\"", "name = \"other-demo\"")));
    let refused = corestack(b.path(), &moto, &["deploy", "--yes"]);
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused.stderr));
    let err = text(&refused.stderr);
    assert!(
        err.contains("export dev-AgentRuntimeArn already exists") && err.contains("prefix_exports = true"),
        "{err}"
    );
    write_config(b.path(), |c| {
        notes(c.replace("name = \"agentcore-demo\"", "name = \"other-demo\""))
            .replace("prefix_exports = false", "prefix_exports = true")
    });
    let refused = corestack(b.path(), &moto, &["deploy", "--yes"]);
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused.stderr));
    let err = text(&refused.stderr);
    assert!(err.contains("runtime name demo_agent_dev is taken") && err.contains("runtimes[demo_agent].name"), "{err}");
    assert_eq!(stacks(&account(&moto)).len(), 6, "nothing of b was deployed");
    write_config(b.path(), |c| {
        notes(c.replace("name = \"agentcore-demo\"", "name = \"other-demo\""))
            .replace("prefix_exports = false", "prefix_exports = true")
            .replace("name = \"demo_agent\"", "name = \"other_agent\"")
    });
    // The memory's name is a's too: said before any stack changes, with the key that renames it
    // (whether AgentCore refuses a second memory of a name is not documented; moto allows it).
    // The memories' log deliveries carry each project's name, so they do not collide.
    let deployed = ok(&corestack(b.path(), &moto, &["deploy", "--yes"]));
    assert!(
        deployed.contains("a memory named notes_dev already exists outside this project's stacks")
            && deployed.contains("`memories[notes].name`"),
        "{deployed}"
    );
    let both = account(&moto);
    assert_eq!(stacks(&both).len(), 12, "{both}");
    ok(&corestack(a.path(), &moto, &["destroy", "--yes"]));
    let left = account(&moto);
    assert_eq!(stacks(&left).len(), 6, "{left}");
    assert!(left["stacks"].as_object().unwrap().values().all(|p| p == "other-demo"), "{left}");
    let status = ok(&corestack(b.path(), &moto, &["status"]));
    assert!(status.contains("READY"), "{status}");
    ok(&corestack(b.path(), &moto, &["destroy", "--yes"]));
    assert!(stacks(&account(&moto)).is_empty());
    assert!(Path::new(&workspace()).exists());
}

/// A deploy killed part way (SIGKILL, no clean-up) leaves what the next deploy carries on from.
#[test]
fn a_deploy_killed_half_way_is_carried_on_by_the_next() {
    use std::io::BufRead;
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| c);
    let mut command = common::on_moto::against(env!("CARGO_BIN_EXE_corestack"), dir.path(), &moto.url());
    common::on_moto::with_fake_docker(&mut command, dir.path());
    let mut child = command
        .args(["deploy", "--yes"])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    for line in lines.map_while(Result::ok) {
        if line.contains("deploying agentcore-demo-dev-Storage") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let half = account(&moto);
    assert!(stacks(&half).len() < 5, "{half}");
    ok(&corestack(dir.path(), &moto, &["deploy", "--yes"]));
    assert_eq!(stacks(&account(&moto)).len(), 5);
    ok(&corestack(dir.path(), &moto, &["destroy", "--yes"]));
    assert!(stacks(&account(&moto)).is_empty());
}

/// Two projects made by `init` with the defaults (only their names differ) deploy side by side
/// with no edit, and the destroy of one leaves the other whole.
#[test]
fn two_init_projects_coexist_unedited() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    for name in ["shop", "bank"] {
        let made = common::corestack(dir.path(), &["init", name, "--agent", "python"]);
        assert!(made.status.success(), "{}", text(&made.stderr));
    }
    let (shop, bank) = (dir.path().join("shop"), dir.path().join("bank"));
    ok(&corestack(&shop, &moto, &["deploy", "--yes"]));
    ok(&corestack(&bank, &moto, &["deploy", "--yes"]));
    let both = account(&moto);
    assert_eq!(stacks(&both).len(), 10, "{both}");
    assert_eq!(both["runtimes"], serde_json::json!(["bank_dev", "shop_dev"]), "{both}");
    ok(&corestack(&shop, &moto, &["destroy", "--yes"]));
    let left = account(&moto);
    assert!(left["stacks"].as_object().unwrap().values().all(|p| p == "bank"), "{left}");
    assert_eq!(stacks(&left).len(), 5, "{left}");
    assert!(ok(&corestack(&bank, &moto, &["status"])).contains("READY"));
    ok(&corestack(&bank, &moto, &["destroy", "--yes"]));
}

/// Step 5. Deploy again: the kept repository is the project's (its tags say so), so the Storage
/// stack's create imports it, images and all, instead of failing on its name.
fn deploy_after_destroy_adopts_the_kept_repository(d: &Path, moto: &Moto) {
    let images = repository_images(moto);
    assert!(images > 0, "the first life pushed an image");
    let said = ok(&corestack(d, moto, &["deploy", "--yes"]));
    assert!(said.contains(&format!("the image repository {PROJECT} outlived an earlier destroy")), "{said}");
    let state = account(moto);
    assert_eq!(stacks(&state).len(), 5, "{state}");
    assert_eq!(state["repositories"], serde_json::json!([PROJECT]), "the same repository, adopted");
    // Its images came along (and this deploy's build pushed its own beside them).
    assert!(repository_images(moto) > images, "{} images after, {images} before", repository_images(moto));
    ok(&corestack(d, moto, &["destroy", "--yes"]));
}

/// Step 6. A repository of the name that is not the project's (no corestack tags) is refused before
/// any stack changes, with the fix; following it deploys again, and destroys again.
fn a_repository_not_the_projects_is_refused_and_another_name_deploys(d: &Path, moto: &Moto) {
    boto3(
        moto,
        &format!(
            "e = boto3.client('ecr', **kw); arn = e.describe_repositories(repositoryNames=['{PROJECT}'])['repositories'][0]['repositoryArn']; e.untag_resource(resourceArn=arn, tagKeys=['corestack:project'])"
        ),
    );
    let again = corestack(d, moto, &["deploy", "--yes"]);
    assert_eq!(again.status.code(), Some(3), "{}", text(&again.stderr));
    let err = text(&again.stderr);
    assert!(err.contains("it is not this project's") && err.contains("corestack:environment=dev"), "{err}");
    assert!(err.contains("`[storage] repository_name`"), "{err}");
    assert!(stacks(&account(moto)).is_empty(), "nothing was deployed");
    // Following the fix (or naming a new repository) deploys again, and destroys again.
    // (And with no s3_prefix_list_id: deploy looks the Region's list up, as a user's new project
    // in any Region needs.)
    write_config(d, |c| {
        c.replace("[storage]\n", "[storage]\nrepository_name = \"agentcore-demo-dev-2\"\n")
            .replace("s3_prefix_list_id = \"pl-63a5400a\"\n", "")
    });
    ok(&corestack(d, moto, &["deploy", "--yes"]));
    assert_eq!(stacks(&account(moto)).len(), 5);
    let same = boto3(
        moto,
        &format!(
            "pl = boto3.client('ec2', **kw).describe_managed_prefix_lists(Filters=[dict(Name='prefix-list-name', Values=['com.amazonaws.us-east-1.s3'])])['PrefixLists'][0]['PrefixListId']\nparams = {{p['ParameterKey']: p['ParameterValue'] for p in boto3.client('cloudformation', **kw).describe_stacks(StackName='{PROJECT}-Security')['Stacks'][0]['Parameters']}}\nprint(pl == params['S3PrefixListId'], pl)"
        ),
    );
    assert!(same.starts_with("True pl-"), "{same}");
    ok(&corestack(d, moto, &["destroy", "--yes"]));
    assert!(stacks(&account(moto)).is_empty());
}
