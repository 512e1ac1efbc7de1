//! Pinning every runtime's image by digest: the checks before a deploy, the builds and lookups
//! during it, and the parameters `diff` expects.

use std::collections::BTreeMap;
use std::path::Path;

use corestack_app::config::{BuildSettings, ImageRef, RuntimeSettings};

use super::docker::unique;
use super::{
    Docker, ImageChoice, ImageChoices, ImageError, PLATFORM, Registry, RuntimeImage, check_repository, image_parameter,
    split_uri,
};

/// Checks, before any stack changes (and before the repository exists), that the images the
/// flags name are of the project repository of `account`, and that the builds the config asks
/// for can run: each Dockerfile and context exists, and docker buildx answers.
pub async fn preflight(
    docker: &Docker,
    settings: &corestack_app::Settings,
    account: &str,
    choices: &ImageChoices,
    base: &Path,
) -> Result<(), ImageError> {
    let (region, repository) = (&settings.environment.region, &settings.repository_name);
    check_repository(choices, &format!("{account}.dkr.ecr.{region}.amazonaws.com/{repository}"))?;
    let mut checked = false;
    for r in &settings.runtimes {
        let Some(build) = r.build.as_ref().filter(|_| *choices.of(&r.key) == ImageChoice::Config) else { continue };
        for (what, path) in [("dockerfile", &build.dockerfile), ("context", &build.context)] {
            let full = base.join(path);
            if !full.exists() {
                return Err(ImageError::NoBuildInput {
                    at: format!("{}.build.{what}", r.key),
                    path: full.display().to_string(),
                });
            }
        }
        if !checked {
            docker.check(&r.key).await?;
            checked = true;
        }
    }
    Ok(())
}

/// Pins every runtime's image by digest: builds and pushes where the config says (once per
/// distinct build), checks the named images are in the repository, and returns one
/// [`RuntimeImage`] per runtime, in config order. `base` is the directory the config's relative
/// paths start from; `progress` gets a line per step.
pub async fn prepare(
    registry: &Registry,
    docker: &Docker,
    settings: &corestack_app::Settings,
    placements: &[corestack_app::RuntimeEntry],
    choices: &ImageChoices,
    base: &Path,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Vec<RuntimeImage>, ImageError> {
    let (repository, runtimes) = (settings.repository_name.as_str(), settings.runtimes.as_slice());
    let repository_uri = registry.repository_uri(repository).await?;
    check_repository(choices, &repository_uri)?;
    let mut built: BTreeMap<&BuildSettings, (String, String)> = BTreeMap::new();
    let mut logged_in = false;
    let mut images = Vec::new();
    for r in runtimes {
        // The parameter's name comes from the manifest, where synthesis wrote it.
        let Some(parameter) = image_parameter(placements, &r.key) else { continue };
        let (reference, build) = match choices.of(&r.key) {
            ImageChoice::Tag(t) => (ImageRef::Tag(t.clone()), None),
            ImageChoice::Uri(uri) => (split_uri(uri)?.1, None),
            ImageChoice::Config => (r.image.clone(), r.build.as_ref()),
        };
        if let Some(build) = build {
            // Runtimes with the same build share one image.
            let (image, digest) = match built.get(build) {
                Some(done) => done.clone(),
                None => {
                    docker.check(&r.key).await?;
                    if !logged_in {
                        let (user, password, host) = registry.credentials().await?;
                        docker.login(&user, &password, &host).await?;
                        logged_in = true;
                    }
                    let image = format!("{repository_uri}:{}-{}", r.key, unique() / 1_000_000);
                    progress(&format!("building {image} for {PLATFORM} from {}", build.dockerfile.display()));
                    let digest = docker.build_and_push(build, base, &image).await?;
                    progress(&format!("pushed {image} ({digest})"));
                    built.insert(build, (image.clone(), digest.clone()));
                    (image, digest)
                }
            };
            // The repository must really have it: a push to another registry would not do.
            let found = registry.digest(repository, &ImageRef::Digest(digest.clone())).await?;
            if found.is_none() {
                return Err(ImageError::Missing {
                    runtime: r.key.clone(),
                    image: format!("{repository_uri}@{digest}"),
                });
            }
            images.push(RuntimeImage { runtime: r.key.clone(), parameter, source: image, digest, built: true });
            continue;
        }
        let source = format!("{repository_uri}{}", reference.suffix());
        let digest = registry
            .digest(repository, &reference)
            .await?
            .ok_or_else(|| ImageError::Missing { runtime: r.key.clone(), image: source.clone() })?;
        progress(&format!("runtime {} runs {source} ({digest})", r.key));
        images.push(RuntimeImage { runtime: r.key.clone(), parameter, source, digest, built: false });
    }
    Ok(images)
}

/// The image parameters a deploy would most likely pass, without building or failing, for
/// `diff`: a named image by its digest when the repository has it (else as named), and a runtime
/// the deploy would build on the image it runs now (`deployed`: parameter values of the
/// deployed stacks), since the new digest is not known before the build.
pub async fn expected_parameters(
    registry: &Registry,
    repository: &str,
    runtimes: &[RuntimeSettings],
    placements: &[corestack_app::RuntimeEntry],
    choices: &ImageChoices,
    deployed: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    for r in runtimes {
        let Some(parameter) = image_parameter(placements, &r.key) else { continue };
        let reference = match choices.of(&r.key) {
            ImageChoice::Tag(t) => ImageRef::Tag(t.clone()),
            ImageChoice::Uri(uri) => match split_uri(uri) {
                Ok((_, reference)) => reference,
                Err(_) => continue,
            },
            ImageChoice::Config if r.build.is_some() => {
                if let Some(v) = deployed.get(&parameter) {
                    values.insert(parameter, v.clone());
                }
                continue;
            }
            ImageChoice::Config => r.image.clone(),
        };
        let value = match registry.digest(repository, &reference).await {
            Ok(Some(digest)) => format!("@{digest}"),
            _ => reference.suffix(),
        };
        values.insert(parameter, value);
    }
    values
}
