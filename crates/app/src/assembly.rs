//! The cloud assembly: `manifest.json` plus one `<stack>.template.json` per stack.

use std::path::{Path, PathBuf};

use corestack_cfn::Stack;
use serde::{Deserialize, Serialize};

use crate::config::Environment;

/// Version of the manifest format.
pub const MANIFEST_VERSION: &str = "1";

/// One stack in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StackEntry {
    /// The CloudFormation stack name.
    pub name: String,
    /// The template file, relative to the assembly directory.
    pub template: String,
    /// Stacks that must be deployed first.
    pub dependencies: Vec<String>,
    /// Parameters and their defaults.
    pub parameters: std::collections::BTreeMap<String, Option<String>>,
    /// Resource count.
    pub resources: usize,
    /// Output count.
    pub outputs: usize,
    /// An account-wide setting, not this environment's: deploy creates it only when the account
    /// does not have the setting yet, and destroy leaves it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub account_wide: bool,
}

/// The manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `corestack`; marks the directory as an assembly corestack may replace.
    pub tool: String,
    /// [`MANIFEST_VERSION`].
    pub version: String,
    /// Where the stacks go.
    pub environment: EnvironmentEntry,
    /// The stacks, in deployment order.
    pub stacks: Vec<StackEntry>,
    /// Where each runtime is and what its names are: deploy, status, logs, invoke and dev read
    /// these instead of deriving them from strings.
    #[serde(default)]
    pub runtimes: Vec<RuntimeEntry>,
    /// Where each memory and gateway is, and the outputs that name it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platform: Vec<crate::platform_stack::PlatformEntry>,
}

/// One runtime in the manifest: the names that tie it to its stack, parameter and outputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeEntry {
    /// Its name in the config file (`runtimes[].name`).
    pub key: String,
    /// Its AgentCore name (`<key>_<environment>`).
    pub name: String,
    /// The stack that holds it.
    pub stack: String,
    /// Its logical ID in that stack.
    pub logical_id: String,
    /// The stack parameter that takes its image (`:tag` or `@sha256:...`).
    pub image_parameter: String,
    /// The stack parameter that takes its invocation URL (A2A runtimes; see
    /// [`crate::runtime_url`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_parameter: Option<String>,
    /// Its outputs in that stack, by what they hold.
    pub outputs: RuntimeOutputs,
    /// Its named endpoints (besides `DEFAULT`).
    pub endpoints: Vec<String>,
    /// The log group of each endpoint, `DEFAULT` first, and the parameter that says whether the
    /// stack creates it.
    #[serde(default)]
    pub log_groups: Vec<corestack_constructs::runtime_logs::RuntimeLogGroup>,
}

/// The output keys of one runtime.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeOutputs {
    /// The runtime ARN.
    pub arn: String,
    /// The runtime ID.
    pub id: String,
    /// The version this deploy produced.
    pub version: String,
    /// The invocation URL of the DEFAULT endpoint.
    pub endpoint_url: String,
}

impl Manifest {
    /// A runtime by its config key.
    pub fn runtime(&self, key: &str) -> Option<&RuntimeEntry> {
        self.runtimes.iter().find(|r| r.key == key)
    }
}

/// The environment in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentEntry {
    /// Name.
    pub name: String,
    /// Account, or null for "the account of the credentials".
    pub account: Option<String>,
    /// Region.
    pub region: String,
    /// Production.
    pub production: bool,
}

/// A synthesized assembly, in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Assembly {
    /// The manifest.
    pub manifest: Manifest,
    /// Template file names and bodies, in manifest order.
    pub templates: Vec<(String, String)>,
}

/// What can go wrong writing an assembly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The target exists and is not a corestack assembly.
    #[error("{} exists and is not a corestack assembly (no manifest.json written by corestack); nothing was written\n    fix: choose another --out directory, or remove it yourself", .0.display())]
    NotAnAssembly(PathBuf),
    /// A file system operation failed.
    #[error("cannot {action} {}: {reason}; nothing was replaced", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// Where.
        path: PathBuf,
        /// Why.
        reason: std::io::Error,
    },
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> WriteError + 'a {
    move |reason| WriteError::Io { action, path: path.to_path_buf(), reason }
}

impl Assembly {
    /// Renders the stacks (already linked and in deployment order).
    pub fn from_stacks(
        env: &Environment,
        stacks: &[Stack],
        runtimes: Vec<RuntimeEntry>,
    ) -> Result<Assembly, corestack_cfn::Error> {
        let mut entries = Vec::new();
        let mut templates = Vec::new();
        for s in stacks {
            let file = format!("{}.template.json", s.name());
            templates.push((file.clone(), s.to_json()?));
            entries.push(StackEntry {
                name: s.name().to_string(),
                template: file,
                dependencies: s.dependencies().map(str::to_string).collect(),
                parameters: s.parameter_defaults().map(|(k, v)| (k.to_string(), v.map(str::to_string))).collect(),
                resources: s.resource_count(),
                outputs: s.output_count(),
                account_wide: s.name() == corestack_constructs::transaction_search::STACK_NAME,
            });
        }
        Ok(Assembly {
            manifest: Manifest {
                tool: "corestack".into(),
                version: MANIFEST_VERSION.into(),
                environment: EnvironmentEntry {
                    name: env.name.clone(),
                    account: env.account.clone(),
                    region: env.region.clone(),
                    production: env.production,
                },
                stacks: entries,
                runtimes,
                platform: Vec::new(),
            },
            templates,
        })
    }

    /// The assembly with the manifest's platform entries.
    pub fn with_platform(mut self, platform: Vec<crate::platform_stack::PlatformEntry>) -> Assembly {
        self.manifest.platform = platform;
        self
    }

    /// The manifest as pretty JSON with a final newline.
    pub fn manifest_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.manifest).expect("the manifest is plain data");
        s.push('\n');
        s
    }

    /// Every stack's name and parsed template, in manifest order (what template readers such as the
    /// check rules take).
    pub fn documents(&self) -> Vec<(String, serde_json::Value)> {
        self.manifest
            .stacks
            .iter()
            .zip(&self.templates)
            .map(|(s, (_, body))| (s.name.clone(), serde_json::from_str(body).expect("a synthesized template is JSON")))
            .collect()
    }

    /// The template body of a stack.
    pub fn template(&self, stack: &str) -> Option<&str> {
        let entry = self.manifest.stacks.iter().position(|e| e.name == stack)?;
        Some(&self.templates[entry].1)
    }

    /// Writes the assembly to `dir`, all or nothing: files go to a new sibling directory that then
    /// takes the place of `dir`. An existing `dir` is replaced only if it is empty or a corestack
    /// assembly; anything else is left alone and reported.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
        if dir.exists() && !is_replaceable(dir) {
            return Err(WriteError::NotAnAssembly(dir.to_path_buf()));
        }
        let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(io("create", parent))?;
        let file_name =
            dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "corestack.out".into());
        let staging = parent.join(format!(".{file_name}.tmp-{}", std::process::id()));
        let result = self.write_into(&staging).and_then(|files| {
            let old = parent.join(format!(".{file_name}.old-{}", std::process::id()));
            if dir.exists() {
                std::fs::rename(dir, &old).map_err(io("move aside", dir))?;
            }
            if let Err(e) = std::fs::rename(&staging, dir) {
                let _ = std::fs::rename(&old, dir);
                return Err(io("move into place", dir)(e));
            }
            let _ = std::fs::remove_dir_all(&old);
            Ok(files.into_iter().map(|f| dir.join(f)).collect())
        });
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        result
    }

    fn write_into(&self, staging: &Path) -> Result<Vec<String>, WriteError> {
        std::fs::create_dir(staging).map_err(io("create", staging))?;
        let mut files = Vec::new();
        for (name, body) in &self.templates {
            let path = staging.join(name);
            std::fs::write(&path, body).map_err(io("write", &path))?;
            files.push(name.clone());
        }
        let path = staging.join("manifest.json");
        std::fs::write(&path, self.manifest_json()).map_err(io("write", &path))?;
        files.push("manifest.json".into());
        Ok(files)
    }
}

fn is_replaceable(dir: &Path) -> bool {
    let Ok(mut entries) = std::fs::read_dir(dir) else { return false };
    if entries.next().is_none() {
        return true;
    }
    std::fs::read_to_string(dir.join("manifest.json"))
        .ok()
        .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
        .is_some_and(|m| m["tool"] == "corestack")
}
