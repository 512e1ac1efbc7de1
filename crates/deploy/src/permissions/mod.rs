//! The deployer's IAM policy for one project and environment: what `corestack permissions`
//! prints. Two parts:
//! - [`calls`]: every AWS call corestack itself makes for deploy, diff, status, logs, traces,
//!   invoke and destroy, each on this project's resources where the action takes a resource
//!   (a test records every call of a whole life against the emulator and checks each is here);
//! - [`via_cloudformation`]: what CloudFormation does with the deployer's credentials to create,
//!   change and delete the resources this project's templates declare, allowed only when
//!   CloudFormation makes the call (`aws:CalledVia`).
//!
//! Actions, resource types and ARN formats follow the Service Authorization Reference
//! (<https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>).

use serde_json::{Value, json};

use corestack_app::{Assembly, Settings};

pub mod calls;
mod type_actions;
pub mod via_cloudformation;

/// One statement: an `Allow`, or a `Deny` that closes a way around the allows.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// Its `Sid`: what it is for.
    pub sid: String,
    /// Whether it denies.
    pub deny: bool,
    /// `service:Action` names.
    pub actions: Vec<String>,
    /// ARNs or ARN patterns; `*` where the actions take no resource.
    pub resources: Vec<String>,
    /// Its `Condition` block, if any.
    pub condition: Option<Value>,
}

impl Statement {
    fn new(sid: &str, actions: &[&str], resources: Vec<String>) -> Statement {
        Statement {
            sid: sid.to_string(),
            deny: false,
            actions: actions.iter().map(|a| a.to_string()).collect(),
            resources,
            condition: None,
        }
    }

    fn when(mut self, condition: Value) -> Statement {
        self.condition = Some(condition);
        self
    }

    fn to_json(&self) -> Value {
        let effect = if self.deny { "Deny" } else { "Allow" };
        let mut s = json!({"Sid": self.sid, "Effect": effect, "Action": self.actions, "Resource": self.resources});
        if let Some(c) = &self.condition {
            s["Condition"] = c.clone();
        }
        s
    }
}

/// The deployer's policy, in its two parts.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// corestack's own calls.
    pub own: Vec<Statement>,
    /// What CloudFormation does with the deployer's credentials.
    pub via_cloudformation: Vec<Statement>,
}

/// One part of the policy: each fits one managed policy (6,144 characters), where the whole
/// may not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// corestack's own calls.
    Own,
    /// What CloudFormation does with the deployer's credentials.
    ViaCloudFormation,
}

fn document<'a>(statements: impl Iterator<Item = &'a Statement>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements.map(Statement::to_json).collect::<Vec<_>>()})
}

impl Policy {
    /// The whole policy as one IAM policy document (an inline policy takes it).
    pub fn to_json(&self) -> Value {
        document(self.own.iter().chain(&self.via_cloudformation))
    }

    /// One part as its own policy document.
    pub fn part(&self, part: Part) -> Value {
        match part {
            Part::Own => document(self.own.iter()),
            Part::ViaCloudFormation => document(self.via_cloudformation.iter()),
        }
    }
}

/// Where this project's resources are: partition, Region, account, and the names it gives them.
#[derive(Clone, Debug)]
pub struct Scope {
    /// `aws`, `aws-cn` or `aws-us-gov`.
    pub partition: String,
    /// The environment's Region.
    pub region: String,
    /// The environment's account, or `*` when the config pins none.
    pub account: String,
    /// `<project>-<environment>`: the start of every stack name.
    pub stack_prefix: String,
    /// `<project>`: the start of every role CloudFormation names (`<stack>-<logical ID>-<suffix>`).
    pub project: String,
}

impl Scope {
    /// The scope of `settings`' environment.
    pub fn of(settings: &Settings) -> Scope {
        let region = settings.environment.region.clone();
        let partition = if region.starts_with("cn-") {
            "aws-cn"
        } else if region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        };
        Scope {
            partition: partition.to_string(),
            account: settings.environment.account.clone().unwrap_or_else(|| "*".to_string()),
            region,
            stack_prefix: format!("{}-{}", settings.project.name, settings.environment.name),
            project: settings.project.name.clone(),
        }
    }

    /// `arn:<partition>:<service>:<region>:<account>:<resource>`.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!("arn:{}:{service}:{}:{}:{resource}", self.partition, self.region, self.account)
    }

    /// An ARN of a global service (IAM): no Region.
    pub fn global_arn(&self, service: &str, resource: &str) -> String {
        format!("arn:{}:{service}::{}:{resource}", self.partition, self.account)
    }
}

/// Resource types the templates hold whose CloudFormation actions are not known here: a policy
/// without them would fail the deploy half way, so none is printed.
#[derive(Debug, thiserror::Error)]
#[error("the templates hold resource types whose permissions corestack does not know: {}\n    fix: add their create, update and delete actions to the printed policy yourself, or report the types to corestack", .0.join(", "))]
pub struct UnknownTypes(pub Vec<String>);

/// A resource type corestack cannot grant is corestack's to fix, not the user's.
impl corestack_aws::Blamed for UnknownTypes {
    fn blame(&self) -> corestack_aws::Blame {
        corestack_aws::Blame::Local
    }
}

/// The deployer's policy for `settings`' project and environment, whose synthesized assembly is
/// `assembly`.
pub fn deployer_policy(settings: &Settings, assembly: &Assembly) -> Result<Policy, UnknownTypes> {
    let unknown: Vec<String> = via_cloudformation::resource_types(assembly)
        .into_iter()
        .filter(|t| via_cloudformation::actions(t).is_none())
        .collect();
    if !unknown.is_empty() {
        return Err(UnknownTypes(unknown));
    }
    let scope = Scope::of(settings);
    Ok(Policy {
        own: calls::statements(&scope, settings, assembly),
        via_cloudformation: via_cloudformation::statements(&scope, assembly),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dev environment of `examples/<name>/corestack.toml`.
    pub(super) fn example(name: &str) -> Settings {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../examples/{name}/corestack.toml"));
        Settings::load(&path, Some("dev")).expect("the example is valid")
    }

    fn settings(toml: &str) -> Settings {
        Settings::from_toml(toml, std::path::Path::new("corestack.toml"), None).expect("a valid config")
    }

    /// IAM's limits, counted without whitespace (IAM and STS quotas page): a managed policy's
    /// document, and all inline policies of a role together.
    const MANAGED_POLICY_CHARACTERS: usize = 6144;
    const ROLE_INLINE_CHARACTERS: usize = 10_240;

    #[test]
    fn each_part_fits_one_managed_policy_and_the_whole_a_role_for_every_example() {
        for s in
            [settings(corestack_app::DEFAULT_CONFIG), example("platform"), example("protocols"), example("sessions")]
        {
            let assembly = corestack_app::synth(&s).expect("synthesizes");
            let policy = deployer_policy(&s, &assembly).expect("known types");
            for part in [Part::Own, Part::ViaCloudFormation] {
                let n = policy.part(part).to_string().len();
                assert!(n <= MANAGED_POLICY_CHARACTERS, "{} {part:?}: {n} characters", s.project.name);
            }
            let n = policy.to_json().to_string().len();
            assert!(n <= ROLE_INLINE_CHARACTERS, "{}: {n} characters", s.project.name);
        }
    }

    #[test]
    fn a_resource_type_without_known_actions_prints_no_policy() {
        let s = settings(corestack_app::DEFAULT_CONFIG);
        let mut assembly = corestack_app::synth(&s).expect("synthesizes");
        let (_, template) = &mut assembly.templates[0];
        let mut t: Value = serde_json::from_str(template).expect("JSON");
        t["Resources"]["Extra"] = json!({"Type": "AWS::S3::Bucket", "Properties": {}});
        *template = t.to_string();
        let err = deployer_policy(&s, &assembly).expect_err("an unknown type");
        assert_eq!(err.0, ["AWS::S3::Bucket"]);
        assert!(err.to_string().contains("fix:"), "{err}");
    }

    #[test]
    fn the_scope_follows_the_environment() {
        let mut s = settings(corestack_app::DEFAULT_CONFIG);
        s.environment.region = "cn-north-1".into();
        s.environment.account = Some("123456789012".into());
        let scope = Scope::of(&s);
        assert_eq!(scope.arn("ecr", "repository/x"), "arn:aws-cn:ecr:cn-north-1:123456789012:repository/x");
        assert_eq!(scope.global_arn("iam", "role/x"), "arn:aws-cn:iam::123456789012:role/x");
        s.environment.account = None;
        s.environment.region = "eu-west-2".into();
        assert_eq!(Scope::of(&s).arn("logs", "log-group:x"), "arn:aws:logs:eu-west-2:*:log-group:x");
    }

    #[test]
    fn the_policy_is_a_policy_document() {
        let s = settings(corestack_app::DEFAULT_CONFIG);
        let assembly = corestack_app::synth(&s).expect("the default synthesizes");
        let doc = deployer_policy(&s, &assembly).expect("known types").to_json();
        assert_eq!(doc["Version"], "2012-10-17");
        let statements = doc["Statement"].as_array().expect("statements");
        let sids: Vec<&str> = statements.iter().map(|s| s["Sid"].as_str().expect("a Sid")).collect();
        let mut unique = sids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), sids.len(), "Sids are unique: {sids:?}");
        for s in statements {
            assert!(s["Action"].as_array().is_some_and(|a| !a.is_empty()), "{s}");
            assert!(s["Resource"].as_array().is_some_and(|r| !r.is_empty()), "{s}");
            let actions = s["Action"].as_array().expect("actions");
            for a in actions {
                let a = a.as_str().expect("a string");
                assert!(a.split_once(':').is_some_and(|(p, n)| !p.is_empty() && !n.is_empty()), "{a}");
                assert!(!a.ends_with(":*"), "no service-wide wildcard: {a}");
            }
        }
    }
}
