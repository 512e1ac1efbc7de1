//! From one `corestack.toml` to the standard AgentCore architecture and a cloud assembly on disk.
//!
//! [`Settings`] is the validated configuration of one environment; [`StandardArchitecture`] builds
//! the stacks from it (and accepts stacks of your own); [`Assembly`] is the rendered result, written
//! all or nothing. Synthesis is a pure function of the settings: no network, no clock.
//!
//! # Example
//! ```
//! use corestack_app::{Settings, StandardArchitecture, DEFAULT_CONFIG};
//! let settings = Settings::from_toml(DEFAULT_CONFIG, "corestack.toml".as_ref(), Some("dev"))?;
//! let assembly = StandardArchitecture::build(&settings)?.synth()?;
//! assert_eq!(assembly.manifest.stacks[0].name, "agentcore-demo-dev-Network");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod agentcore_stacks;
pub mod architecture;
pub mod assembly;
mod assembly_summary;
mod base_stacks;
mod blame;
pub mod config;
pub mod fixtures;
pub mod init;
pub mod new_files;
mod parse_error;
pub mod platform_stack;
mod raw;
mod raw_platform;
mod runtime_stack;
pub mod runtime_url;
mod synth_error;

pub use architecture::{StandardArchitecture, SynthError};
pub use assembly::{Assembly, RuntimeEntry, RuntimeOutputs, WriteError};
pub use config::{ConfigError, Settings};
/// The typed CloudFormation layer, for stacks of your own.
pub use corestack_cfn as cfn;
/// The AgentCore-aware constructs.
pub use corestack_constructs as constructs;
pub use raw::schema as config_schema;

/// The default configuration shipped at the repository root, embedded so `synth` runs anywhere.
pub const DEFAULT_CONFIG: &str = include_str!("../../../corestack.toml");

/// Reads (or embeds) the config, resolves the environment and synthesizes the assembly.
pub fn synth(settings: &Settings) -> Result<Assembly, SynthError> {
    StandardArchitecture::build(settings)?.synth()
}
