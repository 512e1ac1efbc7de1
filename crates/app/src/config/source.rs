//! Where a command's configuration comes from: the flags every command shares (`--config`,
//! `--env`, `--profile`, `--region`), and how they become [`Settings`].

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{ConfigError, Overrides, Settings};
use crate::DEFAULT_CONFIG;

/// The file a project's configuration is read from when no `--config` is given.
pub const PROJECT_FILE: &str = "corestack.toml";

/// The configuration a command works on. With the `clap` feature, it is the command line's
/// shared flags.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct Source {
    /// The config file. Default: ./corestack.toml, or the embedded default when there is none.
    #[cfg_attr(feature = "clap", arg(short, long, value_name = "FILE"))]
    pub config: Option<PathBuf>,
    /// The environment section to use. Default: the file's default_environment.
    #[cfg_attr(feature = "clap", arg(short, long, value_name = "NAME"))]
    pub env: Option<String>,
    /// The AWS profile to reach the account with, as the AWS CLI's `--profile`. Default:
    /// AWS_PROFILE, else `default`.
    #[cfg_attr(feature = "clap", arg(long, value_name = "NAME"))]
    pub profile: Option<String>,
    /// The AWS region, as the AWS CLI's `--region`, in place of the environment's `region`
    /// (the stacks, their zones and every call go there). Default: the config's.
    #[cfg_attr(feature = "clap", arg(long, value_name = "REGION"))]
    pub region: Option<String>,
}

impl Source {
    fn overrides(&self) -> Overrides {
        Overrides { region: self.region.clone() }
    }

    /// The directory the config's relative paths start from: the config file's.
    pub fn dir(&self) -> PathBuf {
        let file = self.config.clone().unwrap_or_else(|| PathBuf::from(PROJECT_FILE));
        match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// The flags that choose this configuration, to repeat in a suggested command.
    pub fn flags(&self) -> String {
        let config = self.config.as_ref().map(|c| c.display().to_string());
        let given = [
            ("--config", config),
            ("--env", self.env.clone()),
            ("--profile", self.profile.clone()),
            ("--region", self.region.clone()),
        ];
        given.into_iter().filter_map(|(flag, value)| value.map(|v| format!(" {flag} {v}"))).collect()
    }

    /// Whether no config file is given or here, so the embedded demo config is used.
    pub fn embedded(&self) -> bool {
        self.project_file().is_none()
    }

    /// The config file: `--config`, else ./corestack.toml when there is one.
    pub fn project_file(&self) -> Option<&Path> {
        self.config.as_deref().or_else(|| Some(Path::new(PROJECT_FILE)).filter(|p| p.exists()))
    }

    /// Reads and resolves the configuration; without a file, the embedded demo config, which
    /// `synth`, `check` and `dev` may use (and say so on `note`).
    pub fn load(&self, note: &mut dyn Write) -> Result<Settings, ConfigError> {
        let env = self.env.as_deref();
        let mut settings = match self.project_file() {
            Some(path) => Settings::load_with(path, env, &self.overrides())?,
            None => {
                let _ = writeln!(note, "corestack: no ./{PROJECT_FILE}; using the embedded demo config");
                let embedded = Path::new("(embedded corestack.toml)");
                Settings::from_toml_with(DEFAULT_CONFIG, embedded, env, &self.overrides())?
            }
        };
        settings.aws_profile.clone_from(&self.profile);
        Ok(settings)
    }

    /// Reads the project's own configuration, for a command that reads or changes an AWS
    /// account: it never falls back to the embedded demo config.
    pub fn load_project(&self, command: &str) -> Result<Settings, ConfigError> {
        let path = self.project_file().ok_or_else(|| ConfigError::NoProjectFile { command: command.into() })?;
        let mut settings = Settings::load_with(path, self.env.as_deref(), &self.overrides())?;
        settings.aws_profile.clone_from(&self.profile);
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_repeat_what_was_given_in_order() {
        let source = Source {
            config: Some("infra/corestack.toml".into()),
            env: None,
            profile: Some("ops".into()),
            region: Some("eu-west-1".into()),
        };
        assert_eq!(source.flags(), " --config infra/corestack.toml --profile ops --region eu-west-1");
        assert_eq!(source.dir(), PathBuf::from("infra"));
        assert_eq!(Source::default().flags(), "");
        assert_eq!(Source::default().dir(), PathBuf::from("."));
    }
}
