//! `[[runtimes]]`: each runtime's name, image, network mode, models, endpoints, environment,
//! local command and build, checked with the construct's own service rules.

use std::path::PathBuf;

use corestack_constructs::Problem;
use corestack_constructs::limits;
use corestack_constructs::runtime::{
    AgentRuntime, EndpointProps, JwtAuthorizer, PlatformVersion, RuntimeSpec, VersionPin,
};

use super::{BuildSettings, ImageRef, LocalBedrock, LocalCommand, MAX_RUNTIMES, Problems, RuntimeSettings};
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
    let name = format!("{}_{env_name}", r.name);
    if let Err(v) = limits::runtime_name(&r.name) {
        problems.push(Problem::from_violation(&format!("{at}.name"), v));
    } else if limits::runtime_name(&name).is_err() {
        problems.push(Problem::new(
            &format!("{at}.name"),
            format!("runtime name `{name}` (the name plus `_` and the environment) is over 48 characters"),
            format!("shorten the name to at most {} characters", 47 - env_name.len()),
        ));
    }
    let image = match (r.image_tag, r.image_digest) {
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
    };
    let public = r.network_mode == Some(crate::raw::NetworkMode::Public);
    for (j, m) in r.models.iter().enumerate() {
        if let Err(v) = limits::model_id(m) {
            problems.push(Problem::from_violation(&format!("{at}.models[{j}]"), v));
        }
    }
    let mut endpoints = Vec::new();
    for (j, e) in r.endpoints.into_iter().enumerate() {
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
                    &format!("{at}.endpoints[{j}].version"),
                    format!("{given} is not a version"),
                    "use \"current\" (the version this deploy creates) or a number from 1 to 99999",
                ));
                VersionPin::Current
            }
        };
        endpoints.push(EndpointProps { name: e.name, version, description: e.description });
    }
    let mut environment = r.environment;
    // AgentCore's documentation names no region variable that the runtime sets, and the AWS SDKs
    // need one: every container gets the environment's region unless the config sets its own.
    // `corestack dev` passes this same map, so a local run sees what the deployed one sees.
    if !region.is_empty() {
        environment.entry("AWS_REGION".to_string()).or_insert_with(|| region.to_string());
    }
    // The protocol the service speaks to the container, which the container cannot otherwise tell
    // apart for HTTP and AG-UI (both on 8080): corestack-agent records it on each invocation span.
    let protocol = r.protocol.unwrap_or_default();
    environment.entry("CORESTACK_PROTOCOL".to_string()).or_insert_with(|| protocol.as_str().to_string());
    let spec = RuntimeSpec {
        name,
        description: r.description,
        protocol,
        environment,
        idle_timeout_seconds: r.idle_timeout_seconds.unwrap_or(900),
        max_lifetime_seconds: r.max_lifetime_seconds.unwrap_or(28_800),
        request_header_allowlist: r.request_header_allowlist,
        authorizer: r.authorizer.map(|a| JwtAuthorizer {
            discovery_url: a.discovery_url,
            allowed_audience: a.allowed_audience,
            allowed_clients: a.allowed_clients,
            allowed_scopes: a.allowed_scopes,
        }),
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
    let local = r.local.map(|l| {
        let bedrock = match l.bedrock.as_deref().map(|b| (b, LocalBedrock::parse(b))) {
            None => LocalBedrock::default(),
            Some((_, Some(b))) => b,
            Some((other, None)) => {
                problems.push(Problem::new(
                    &format!("{at}.local.bedrock"),
                    format!("`{other}` is not a Bedrock choice"),
                    "use \"local\" (corestack dev's offline stand-in) or \"aws\" (the real service, with your credentials)",
                ));
                LocalBedrock::default()
            }
        };
        LocalCommand { command: l.command.args(), build: l.build.map(|b| b.args()).unwrap_or_default(), bedrock }
    });
    if local.as_ref().is_some_and(|l| l.command.is_empty()) {
        problems.push(Problem::new(
            &format!("{at}.local.command"),
            "the local command is empty",
            "name the program to run, e.g. command = \"target/release/echo-agent\"",
        ));
    }
    let build = r.build.map(|b| {
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
            context: PathBuf::from(b.context.unwrap_or_else(|| ".".into())),
            args: b.args,
        }
    });
    RuntimeSettings {
        logical: corestack_cfn::pascal_case(&r.name),
        key: r.name,
        image,
        public,
        models: r.models,
        spec,
        local,
        build,
        memories: r.memories,
        gateways: r.gateways,
    }
}
