//! From a project's settings to the runtimes `corestack dev` serves: each runtime's command,
//! directory, environment (the one its deployed container gets), lifecycle and header rules, its
//! build steps, and which agents call the local Bedrock stand-in.

use std::path::Path;
use std::time::Duration;

use corestack_app::Settings;
use corestack_app::config::{LocalBedrock, RuntimeSettings};
use corestack_constructs::platform::grants;

use crate::LocalRuntime;
use crate::bedrock::BedrockStandIn;

/// What the user chose for this run, over the config.
#[derive(Clone, Debug, Default)]
pub struct DevOptions {
    /// Serve only this runtime (its config key or AgentCore name).
    pub runtime: Option<String>,
    /// Every runtime's idle timeout, in seconds, instead of its own.
    pub idle_timeout: Option<u64>,
    /// Every runtime's max lifetime, in seconds, instead of its own.
    pub max_lifetime: Option<u64>,
    /// Which Bedrock every agent calls, instead of each runtime's `[runtimes.local] bedrock`.
    pub bedrock: Option<LocalBedrock>,
}

/// What can stop `corestack dev` before it serves.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The runtime asked for is not in the config.
    #[error("{0}")]
    UnknownRuntime(#[from] corestack_app::config::UnknownRuntime),
    /// A runtime has no local command.
    #[error(
        "runtime `{0}` has no [runtimes.local] command, so corestack dev cannot run it\n    fix: add [runtimes.local] with command = \"<program and arguments>\" to its [[runtimes]] section"
    )]
    NoCommand(String),
    /// A flag or the directory it runs in cannot work; the message says why and the fix.
    #[error("{0}")]
    Flag(String),
    /// A build step failed or could not run.
    #[error("the build step `{step}` {reason}")]
    Build {
        /// The step's command line.
        step: String,
        /// What happened.
        reason: String,
    },
}

impl corestack_fault::Blamed for SetupError {
    /// A build that failed is a local failure; the rest is the config's or a flag's.
    fn blame(&self) -> corestack_fault::Blame {
        match self {
            SetupError::Build { .. } => corestack_fault::Blame::Local,
            _ => corestack_fault::Blame::Input,
        }
    }
}

/// The runtimes to serve, their distinct build steps, and which of them use the Bedrock stand-in.
#[derive(Clone, Debug)]
pub struct LocalProject {
    /// The runtimes, in config order.
    pub runtimes: Vec<LocalRuntime>,
    /// Each distinct build step, in config order.
    pub builds: Vec<Vec<String>>,
    /// The indexes (into `runtimes`) of the agents that call the local Bedrock stand-in.
    pub stand_in_users: Vec<usize>,
}

impl LocalProject {
    /// The runtimes of `settings` that `options` picks, run from `dir` (the config's directory).
    pub fn new(settings: &Settings, dir: &Path, options: &DevOptions) -> Result<LocalProject, SetupError> {
        let mut project = LocalProject { runtimes: Vec::new(), builds: Vec::new(), stand_in_users: Vec::new() };
        for r in settings.pick_runtimes(options.runtime.as_deref())? {
            let Some(local) = &r.local else { return Err(SetupError::NoCommand(r.key.clone())) };
            if !local.build.is_empty() && !project.builds.contains(&local.build) {
                project.builds.push(local.build.clone());
            }
            if options.bedrock.unwrap_or(local.bedrock) == LocalBedrock::StandIn {
                project.stand_in_users.push(project.runtimes.len());
            }
            let seconds = |over: Option<u64>, own: u32| Duration::from_secs(over.unwrap_or(u64::from(own)));
            project.runtimes.push(LocalRuntime {
                name: r.spec.name.clone(),
                aliases: vec![r.key.clone()],
                command: local.command.clone(),
                cwd: dir.to_path_buf(),
                // The environment the deployed container gets.
                environment: r.spec.environment.clone(),
                idle_timeout: seconds(options.idle_timeout, r.spec.idle_timeout_seconds),
                max_lifetime: seconds(options.max_lifetime, r.spec.max_lifetime_seconds),
                header_allowlist: r.spec.request_header_allowlist.iter().map(|h| h.to_ascii_lowercase()).collect(),
                protocol: r.spec.protocol,
            });
        }
        Ok(project)
    }

    /// Runs each build step in `dir`, in order, telling `log` before each.
    pub fn build(&self, dir: &Path, log: &mut dyn FnMut(&str)) -> Result<(), SetupError> {
        for build in &self.builds {
            let step = build.join(" ");
            log(&format!("building: {step}"));
            match std::process::Command::new(&build[0]).args(&build[1..]).current_dir(dir).status() {
                Ok(s) if s.success() => {}
                Ok(s) => return Err(SetupError::Build { step, reason: format!("failed ({s})") }),
                Err(e) => return Err(SetupError::Build { step, reason: format!("could not run: {e}") }),
            }
        }
        Ok(())
    }

    /// Makes every agent export its spans to `endpoint` (OTLP/HTTP), named after its runtime: a
    /// collector of the user's, or [`crate::traces::start_console`]'s receiver. These variables
    /// are dev's own; the deployed runtime's environment is unchanged.
    pub fn export_traces(&mut self, endpoint: &str) {
        for r in &mut self.runtimes {
            let env = crate::traces::export_environment(endpoint, &r.name);
            r.environment.extend(env.into_iter().map(|(k, v)| (k.to_string(), v)));
        }
    }

    /// Gives each A2A agent the URL its card advertises, as deploy does
    /// (`corestack_app::runtime_url`): dev's own invocation URL of the runtime, under `base`
    /// (dev's URL), unless the config sets the variable itself.
    pub fn advertise_invocation_urls(&mut self, settings: &Settings, base: &str) {
        use corestack_app::runtime_url::VARIABLE;
        for r in &mut self.runtimes {
            let Some(s) = settings.runtimes.iter().find(|s| s.spec.name == r.name) else { continue };
            if s.spec.protocol != crate::Protocol::A2a || r.environment.contains_key(VARIABLE) {
                continue;
            }
            let path = corestack_contract::invocation_path(&local_arn(settings, s));
            r.environment.insert(VARIABLE.to_string(), format!("{}{path}", base.trim_end_matches('/')));
        }
    }

    /// Whether a runtime served names a memory or gateway (whose IDs and URLs come from the
    /// deployed stacks).
    pub fn uses_platform(&self, settings: &Settings) -> bool {
        self.runtimes.iter().any(|local| {
            settings
                .runtimes
                .iter()
                .find(|s| s.spec.name == local.name)
                .is_some_and(|r| !r.memories.is_empty() || !r.gateways.is_empty())
        })
    }

    /// Gives each agent the variables its deployed runtime gets for the memories and gateways it
    /// names, with `values` (by kind and config name: a memory's ID, a gateway's URL, read from
    /// the deployed stacks); returns a line for each variable left unset because its memory or
    /// gateway is not deployed.
    pub fn platform_environment(
        &mut self,
        settings: &Settings,
        values: &std::collections::BTreeMap<(String, String), String>,
    ) -> Vec<String> {
        let mut missing = Vec::new();
        for local in &mut self.runtimes {
            let Some(r) = settings.runtimes.iter().find(|s| s.spec.name == local.name) else { continue };
            // Each variable with what it hands over and its deployed value, if there is one.
            #[derive(Clone)]
            struct Handed {
                kind: &'static str,
                key: String,
                value: Option<String>,
            }
            let with_value = |kind: &'static str, keys: &[String]| -> Vec<(String, Handed)> {
                let value = |k: &String| values.get(&(kind.to_string(), k.clone())).cloned();
                keys.iter().map(|k| (k.clone(), Handed { kind, key: k.clone(), value: value(k) })).collect()
            };
            let handed = grants::environment(&with_value("memory", &r.memories), &with_value("gateway", &r.gateways));
            for (variable, Handed { kind, key, value }) in handed {
                match value {
                    Some(v) => {
                        local.environment.insert(variable, v);
                    }
                    None => missing.push(format!(
                        "{}: {variable} is not set: {kind} {key} is not deployed in environment {} (deploy it, or set the variable under the runtime's environment for local runs)",
                        local.name, settings.environment.name
                    )),
                }
            }
        }
        missing
    }

    /// Starts the Bedrock stand-in when an agent uses it, and gives those agents its endpoint and
    /// dummy credentials (on top of their deployed environment).
    pub async fn start_stand_in(&mut self) -> std::io::Result<Option<BedrockStandIn>> {
        if self.stand_in_users.is_empty() {
            return Ok(None);
        }
        let stand_in = BedrockStandIn::start().await?;
        for &i in &self.stand_in_users {
            let env = &mut self.runtimes[i].environment;
            env.extend(stand_in.environment().map(|(k, v)| (k.to_string(), v)));
        }
        Ok(Some(stand_in))
    }
}

/// The ARN `corestack dev` answers for a runtime (any account and suffix would do; this one
/// has the environment's region and account).
pub fn local_arn(settings: &Settings, runtime: &RuntimeSettings) -> String {
    let account = settings.environment.account.as_deref().unwrap_or("123456789012");
    format!(
        "arn:aws:bedrock-agentcore:{}:{account}:runtime/{}-localdev01",
        settings.environment.region, runtime.spec.name
    )
}
