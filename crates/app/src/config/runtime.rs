//! `[[runtimes]]`: each runtime's name, image, network mode, models, endpoints, environment,
//! local command and build, checked with the construct's own service rules.

use std::path::PathBuf;

use corestack_constructs::Problem;
use corestack_constructs::limits;
use corestack_constructs::runtime::{AgentRuntime, EndpointProps, PlatformVersion, RuntimeSpec, VersionPin};

use super::{BuildSettings, ImageRef, LocalCommand, MAX_RUNTIMES, Problems, RuntimeSettings, defaults};
use crate::raw::{RawRuntime, RawVersion};

/// The environment a runtime is resolved for: its name, Region, and the platform of runtimes
/// that name none (`[agentcore] platform_version`).
pub(super) type RuntimeEnv<'a> = (&'a str, &'a str, Option<PlatformVersion>);

/// Every runtime of the file, in order; names and logical IDs must be distinct.
pub(super) fn runtimes(raw: Vec<RawRuntime>, env: RuntimeEnv<'_>, problems: &mut Problems<'_>) -> Vec<RuntimeSettings> {
    let (env_name, region, platform_default) = env;
    if raw.is_empty() {
        problems.push(Problem::new(
            "runtimes",
            "no runtime is configured",
            "add a [[runtimes]] section with a name and an image_tag",
        ));
    }
    if raw.len() > MAX_RUNTIMES {
        problems.push(Problem::new(
            "runtimes",
            format!("{} runtimes; one environment takes at most {MAX_RUNTIMES}: each adds an execution role, its policy and an export to the Security stack, which must stay within CloudFormation's limits (500 resources, 200 outputs, 1 MB)", raw.len()),
            "split the runtimes over two projects (config files), or ask for roles to be spread over several stacks",
        ));
    }
    let mut runtimes: Vec<RuntimeSettings> = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let at = format!("runtimes[{i}]");
        if let Some(first) = runtimes.iter().position(|o| o.key == r.name) {
            problems.push(Problem::new(
                &format!("{at}.name"),
                format!("runtime `{}` is also runtimes[{first}]", r.name),
                "give every runtime its own name",
            ));
            continue;
        }
        let mut settings = runtime(r, env_name, region, &at, problems);
        settings.spec.platform_version = settings.spec.platform_version.or(platform_default);
        if let Some(other) = runtimes.iter().find(|o| o.logical == settings.logical) {
            problems.push(Problem::new(
                &format!("{at}.name"),
                format!(
                    "runtimes `{}` and `{}` give the same logical ID `{}`",
                    other.key, settings.key, settings.logical
                ),
                "rename one of them",
            ));
        }
        runtimes.push(settings);
    }

    runtimes
}

fn runtime(r: RawRuntime, env_name: &str, region: &str, at: &str, problems: &mut Problems<'_>) -> RuntimeSettings {
    let name = runtime_name(&r.name, env_name, at, problems);
    let image = image(r.image_tag, r.image_digest, at, problems);
    let public = r.network_mode == Some(crate::raw::NetworkMode::Public);
    for (j, m) in r.models.iter().enumerate() {
        if let Err(v) = limits::model_id(m) {
            problems.push(Problem::from_violation(&format!("{at}.models[{j}]"), v));
        }
    }
    let endpoints = r
        .endpoints
        .into_iter()
        .enumerate()
        .map(|(j, e)| endpoint(e, &format!("{at}.endpoints[{j}]"), problems))
        .collect();
    let protocol = r.protocol.unwrap_or_default();
    let spec = RuntimeSpec {
        name,
        description: r.description,
        protocol,
        environment: container_environment(r.environment, region, protocol),
        idle_timeout_seconds: r.idle_timeout_seconds.unwrap_or(defaults::IDLE_TIMEOUT_SECONDS),
        max_lifetime_seconds: r.max_lifetime_seconds.unwrap_or(defaults::MAX_LIFETIME_SECONDS),
        request_header_allowlist: r.request_header_allowlist,
        authorizer: r.authorizer.map(|a| super::jwt::jwt(a, &format!("{at}.authorizer"), problems)),
        endpoints,
        platform_version: r.platform_version,
        session_storage: r.session_storage.map(|s| s.mount_path),
    };
    // The construct's own checks, under this runtime's key; the name was checked above.
    for problem in AgentRuntime::validate(&spec) {
        if problem.at != "name" {
            problems.push(problem.under(at));
        }
    }
    RuntimeSettings {
        logical: corestack_cfn::pascal_case(&r.name),
        key: r.name,
        image,
        public,
        models: r.models,
        spec,
        local: r.local.map(|l| local_command(l, at, problems)),
        build: r.build.map(|b| build(b, at, problems)),
        memories: r.memories,
        gateways: r.gateways,
    }
}

/// The AgentCore name, `<name>_<environment>`, within the service's pattern and 48 characters.
fn runtime_name(key: &str, env_name: &str, at: &str, problems: &mut Problems<'_>) -> String {
    let name = format!("{key}_{env_name}");
    if let Err(v) = limits::runtime_name(key) {
        problems.push(Problem::from_violation(&format!("{at}.name"), v));
    } else if limits::runtime_name(&name).is_err() {
        problems.push(Problem::new(
            &format!("{at}.name"),
            format!("runtime name `{name}` (the name plus `_` and the environment) is over 48 characters"),
            format!("shorten the name to at most {} characters", 47 - env_name.len()),
        ));
    }
    name
}

/// The image: a tag or a digest, exactly one.
fn image(tag: Option<String>, digest: Option<String>, at: &str, problems: &mut Problems<'_>) -> ImageRef {
    match (tag, digest) {
        (Some(tag), None) => {
            if let Err(v) = limits::image_tag(&tag) {
                problems.push(Problem::from_violation(&format!("{at}.image_tag"), v));
            }
            ImageRef::Tag(tag)
        }
        (None, Some(digest)) => {
            if let Err(v) = limits::image_digest(&digest) {
                problems.push(Problem::from_violation(&format!("{at}.image_digest"), v));
            }
            ImageRef::Digest(digest)
        }
        (Some(_), Some(_)) => {
            problems.push(Problem::new(
                at,
                "both image_tag and image_digest are set",
                "keep one: a digest pins the exact image, a tag is easier to read",
            ));
            ImageRef::Tag(String::new())
        }
        (None, None) => {
            problems.push(Problem::new(
                at,
                "the runtime has no image: AgentCore needs a tag or a digest",
                "set image_tag = \"v1\" or image_digest = \"sha256:...\" (deploy can override it)",
            ));
            ImageRef::Tag(String::new())
        }
    }
}

/// An endpoint, on the version this deploy creates or a fixed one.
fn endpoint(e: crate::raw::RawEndpoint, at: &str, problems: &mut Problems<'_>) -> EndpointProps {
    let version = match e.version {
        None => VersionPin::Current,
        Some(RawVersion::Word(w)) if w == "current" => VersionPin::Current,
        // `"3"` means 3: the service's own version numbers are strings.
        Some(RawVersion::Word(w)) if w.parse::<u32>().is_ok_and(|n| (1..=99_999).contains(&n)) => {
            VersionPin::Fixed(w.parse().expect("checked above"))
        }
        Some(RawVersion::Number(n)) if (1..=99_999).contains(&n) => VersionPin::Fixed(n as u32),
        Some(other) => {
            let given = match other {
                RawVersion::Number(n) => n.to_string(),
                RawVersion::Word(w) => format!("\"{w}\""),
            };
            problems.push(Problem::new(
                &format!("{at}.version"),
                format!("{given} is not a version"),
                "use \"current\" (the version this deploy creates) or a number from 1 to 99999",
            ));
            VersionPin::Current
        }
    };
    EndpointProps { name: e.name, version, description: e.description }
}

/// The container's environment: the config's, plus the region and the protocol unless it sets
/// its own. `corestack dev` passes this same map, so a local run sees what the deployed one sees.
fn container_environment(
    mut environment: std::collections::BTreeMap<String, String>,
    region: &str,
    protocol: corestack_constructs::runtime::Protocol,
) -> std::collections::BTreeMap<String, String> {
    // AgentCore's documentation names no region variable that the runtime sets, and the AWS SDKs
    // need one: every container gets the environment's region.
    if !region.is_empty() {
        environment.entry("AWS_REGION".to_string()).or_insert_with(|| region.to_string());
    }
    // The protocol the service speaks to the container, which the container cannot otherwise tell
    // apart for HTTP and AG-UI (both on 8080): corestack-agent records it on each invocation span.
    environment.entry("CORESTACK_PROTOCOL".to_string()).or_insert_with(|| protocol.as_str().to_string());
    environment
}

/// `[runtimes.local]`: how `corestack dev` runs the agent.
fn local_command(l: crate::raw::RawLocal, at: &str, problems: &mut Problems<'_>) -> LocalCommand {
    let command = l.command.args();
    if command.is_empty() {
        problems.push(Problem::new(
            &format!("{at}.local.command"),
            "the local command is empty",
            "name the program to run, e.g. command = \"target/release/echo-agent\"",
        ));
    }
    LocalCommand { command, build: l.build.map(|b| b.args()).unwrap_or_default(), bedrock: l.bedrock }
}

/// `[runtimes.build]`: the Dockerfile, its context and build arguments.
fn build(b: crate::raw::RawBuild, at: &str, problems: &mut Problems<'_>) -> BuildSettings {
    if b.dockerfile.trim().is_empty() {
        problems.push(Problem::new(
            &format!("{at}.build.dockerfile"),
            "the Dockerfile path is empty",
            "name the Dockerfile, e.g. dockerfile = \"agents/echo-agent/Dockerfile\"",
        ));
    }
    for key in b.args.keys().filter(|k| k.is_empty() || k.contains('=') || k.contains(char::is_whitespace)) {
        problems.push(Problem::new(
            &format!("{at}.build.args"),
            format!("`{key}` is not a build argument name"),
            "use a name without `=` or spaces, as in the Dockerfile's ARG line",
        ));
    }
    BuildSettings {
        dockerfile: PathBuf::from(b.dockerfile),
        context: PathBuf::from(b.context.unwrap_or_else(|| defaults::BUILD_CONTEXT.into())),
        args: b.args,
    }
}
