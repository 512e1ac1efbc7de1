//! Which image each runtime runs: what the config says, or a tag or URI given for every runtime
//! or for one (the `--image-tag` and `--image-uri` flags).

use std::collections::BTreeMap;

use super::{ImageError, split_uri};

/// Which image each runtime runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ImageChoice {
    /// What the config says: a build section builds a new image, otherwise `image_tag` or
    /// `image_digest`.
    #[default]
    Config,
    /// This tag of the project repository.
    Tag(String),
    /// This image URI, which must be in the project repository.
    Uri(String),
}

/// Which image each runtime runs: one choice for every runtime, and choices for named ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageChoices {
    /// For runtimes not named below.
    pub every: ImageChoice,
    /// By runtime name (the config's `name`).
    pub by_runtime: BTreeMap<String, ImageChoice>,
}

impl ImageChoices {
    /// The choice for a runtime.
    pub fn of(&self, runtime: &str) -> &ImageChoice {
        self.by_runtime.get(runtime).unwrap_or(&self.every)
    }
}

impl ImageChoices {
    /// The choices of `--image-tag` (`tags`) and `--image-uri` (`uris`) flags, checked against
    /// `settings`: each is `VALUE` (every runtime not named otherwise) or `RUNTIME=VALUE`.
    pub fn from_flags(
        settings: &corestack_app::Settings,
        tags: &[String],
        uris: &[String],
    ) -> Result<ImageChoices, ImageError> {
        let bad = |message: String| ImageError::Choice(message);
        let mut choices = ImageChoices::default();
        let flags = tags.iter().map(|t| ("--image-tag", t)).chain(uris.iter().map(|u| ("--image-uri", u)));
        for (flag, given) in flags {
            let (runtime, value) = match given.split_once('=') {
                Some((runtime, value)) => (Some(runtime), value),
                None => (None, given.as_str()),
            };
            let choice = if flag == "--image-tag" {
                if let Err(v) = corestack_app::constructs::limits::image_tag(value) {
                    return Err(bad(format!("{flag} {given}: {}\n    fix: {}", v.message, v.fix)));
                }
                ImageChoice::Tag(value.to_string())
            } else {
                split_uri(value)?;
                ImageChoice::Uri(value.to_string())
            };
            match runtime {
                None if choices.every != ImageChoice::Config => {
                    return Err(bad(format!(
                        "{flag} {given}: a second image for every runtime\n    fix: give one, or name the runtime: {flag} <runtime>={value}"
                    )));
                }
                None => choices.every = choice,
                Some(name) => {
                    if !settings.runtimes.iter().any(|r| r.key == name) {
                        let known: Vec<&str> = settings.runtimes.iter().map(|r| r.key.as_str()).collect();
                        return Err(bad(format!(
                            "{flag} {given}: the config has no runtime `{name}`\n    fix: use one of {}",
                            known.join(", ")
                        )));
                    }
                    if choices.by_runtime.insert(name.to_string(), choice).is_some() {
                        return Err(bad(format!(
                            "{flag} {given}: runtime `{name}` is given two images\n    fix: give one"
                        )));
                    }
                }
            }
        }
        Ok(choices)
    }
}
