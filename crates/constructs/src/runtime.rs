//! An AgentCore runtime with its named endpoints.

use std::collections::BTreeMap;

use corestack_cfn::resources::agentcore::{
    AgentRuntimeArtifact, AuthorizerConfiguration, ContainerConfiguration, CustomJwtAuthorizer,
    FilesystemConfiguration, LifecycleConfiguration, NetworkConfiguration, NetworkModeConfig,
    RequestHeaderConfiguration, Runtime, RuntimeEndpoint, SessionStorageConfiguration,
};
use corestack_cfn::{Expr, Handle, Stack};

use crate::role::ExecutionRole;
use crate::{Error, Problem, limits};

pub use corestack_contract::Protocol;

/// Where the runtime's network interfaces go.
#[derive(Clone, Debug, PartialEq)]
pub enum Placement {
    /// In the given subnets with the given security groups (private, the default).
    Vpc {
        /// Subnet IDs.
        subnets: Vec<Expr>,
        /// Security group IDs.
        security_groups: Vec<Expr>,
    },
    /// On the public network (rules require a written suppression for this).
    Public,
}

pub use crate::jwt::JwtAuthorizer;

/// The runtime platform (`PlatformVersion`; CreateAgentRuntime's `platformVersion`). V1 is what
/// the service gives a runtime that names none; V2 (from September 2026) starts faster and is
/// what lifecycle hooks need (developer guide, "Runtime lifecycle hooks": on V1 a hook is refused
/// with a ValidationException).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
pub enum PlatformVersion {
    /// The first platform.
    V1,
    /// The 2026 platform.
    V2,
}

impl PlatformVersion {
    /// The value CloudFormation takes.
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformVersion::V1 => "V1",
            PlatformVersion::V2 => "V2",
        }
    }
}

/// Which runtime version a named endpoint serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionPin {
    /// The version this deployment creates (moves with each deploy that changes the runtime).
    Current,
    /// A fixed version number.
    Fixed(u32),
}

/// A named endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointProps {
    /// The endpoint name (the `qualifier` callers pass).
    pub name: String,
    /// The version it serves.
    pub version: VersionPin,
    /// What it is for.
    pub description: Option<String>,
}

/// What the service is told about a runtime, apart from where its image and network come from.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeSpec {
    /// The runtime name, `[a-zA-Z][a-zA-Z0-9_]{0,47}`.
    pub name: String,
    /// What the agent does.
    pub description: Option<String>,
    /// Wire protocol.
    pub protocol: Protocol,
    /// Environment variables.
    pub environment: BTreeMap<String, String>,
    /// Idle session timeout, seconds.
    pub idle_timeout_seconds: u32,
    /// Maximum session lifetime, seconds.
    pub max_lifetime_seconds: u32,
    /// Headers forwarded to the container.
    pub request_header_allowlist: Vec<String>,
    /// JWT authorizer; `None` means IAM (SigV4) callers.
    pub authorizer: Option<JwtAuthorizer>,
    /// Named endpoints besides the service-managed `DEFAULT`.
    pub endpoints: Vec<EndpointProps>,
    /// The platform; `None`: the service's default (V1).
    pub platform_version: Option<PlatformVersion>,
    /// Where each session's own storage is mounted (`/mnt/<name>`), if it has any.
    pub session_storage: Option<String>,
}

/// Everything about one runtime.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeProps {
    /// The service-level settings.
    pub spec: RuntimeSpec,
    /// The container image URI with tag or digest.
    pub container_uri: Expr,
    /// Network placement.
    pub placement: Placement,
    /// Variables whose values are template expressions (a memory's ID, a gateway's URL), on top
    /// of the spec's.
    pub extra_environment: BTreeMap<String, Expr>,
}

/// A built runtime.
#[derive(Clone, Debug)]
pub struct AgentRuntime {
    /// The runtime name.
    pub name: String,
    /// The runtime.
    pub runtime: Handle<Runtime>,
    /// The named endpoints, in the order given.
    pub endpoints: Vec<(String, Handle<RuntimeEndpoint>)>,
}

impl AgentRuntime {
    /// Checks every service rule the spec can break; the problem paths use the config's key names.
    pub fn validate(spec: &RuntimeSpec) -> Vec<Problem> {
        let mut out = Vec::new();
        if let Err(v) = limits::runtime_name(&spec.name) {
            out.push(Problem::from_violation("name", v));
        }
        if let Some(Err(v)) = spec.description.as_deref().map(limits::description) {
            out.push(Problem::from_violation("description", v));
        }
        for (key, v) in limits::environment_variables(&spec.environment) {
            let at = if key.is_empty() { "environment".to_string() } else { format!("environment.{key}") };
            out.push(Problem::from_violation(&at, v));
        }
        for (key, v) in limits::lifecycle(spec.idle_timeout_seconds, spec.max_lifetime_seconds) {
            out.push(Problem::from_violation(key, v));
        }
        if let Some(Err(v)) = spec.session_storage.as_deref().map(limits::mount_path) {
            out.push(Problem::from_violation("session_storage.mount_path", v));
        }
        for (i, v) in limits::header_allowlist(&spec.request_header_allowlist) {
            out.push(Problem::from_violation(&format!("request_header_allowlist[{i}]"), v));
        }
        if let Some(jwt) = &spec.authorizer {
            out.extend(jwt.problems("authorizer"));
        }
        let mut seen = Vec::new();
        for (i, e) in spec.endpoints.iter().enumerate() {
            if let Err(v) = limits::endpoint_name(&e.name) {
                out.push(Problem::from_violation(&format!("endpoints[{i}].name"), v));
            }
            if seen.contains(&&e.name) {
                out.push(Problem::new(
                    &format!("endpoints[{i}].name"),
                    format!("endpoint `{}` is listed twice", e.name),
                    "give each endpoint its own name",
                ));
            }
            seen.push(&e.name);
            // AWS::BedrockAgentCore::RuntimeEndpoint Description: 1 to 256 characters (facts §2).
            if let Some(d) = &e.description {
                let n = d.chars().count();
                if !(1..=256).contains(&n) {
                    out.push(Problem::new(
                        &format!("endpoints[{i}].description"),
                        format!("an endpoint description has 1 to 256 characters; this one has {n}"),
                        "shorten it (the runtime's own description may have up to 1200), or leave it out",
                    ));
                }
            }
            if let VersionPin::Fixed(v) = e.version
                && !(1..=99_999).contains(&v)
            {
                out.push(Problem::new(
                    &format!("endpoints[{i}].version"),
                    format!("version {v} is outside 1-99999"),
                    "pin an existing version number",
                ));
            }
        }
        if spec.endpoints.len() > 10 {
            out.push(Problem::new(
                "endpoints",
                format!("{} endpoints, over the quota of 10 per runtime", spec.endpoints.len()),
                "remove endpoints or raise the quota",
            ));
        }
        out
    }

    /// Adds the runtime (logical ID `<id>`) and its endpoints (`<id>Endpoint<Name>`). The runtime
    /// waits for the role and its policy: AgentCore checks image access with the role at creation.
    pub fn build(
        stack: &mut Stack,
        id: &str,
        props: &RuntimeProps,
        role: &ExecutionRole,
    ) -> Result<AgentRuntime, Error> {
        let problems = AgentRuntime::validate(&props.spec);
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let runtime = stack.add(id, runtime_resource(props, role))?;
        // In one stack these become DependsOn; across stacks, a stack dependency.
        stack.add_dependency(&runtime, &role.role);
        stack.add_dependency(&runtime, &role.policy);
        let endpoints = add_endpoints(stack, id, &props.spec, &runtime)?;
        Ok(AgentRuntime { name: props.spec.name.clone(), runtime, endpoints })
    }

    /// The invocation URL of an endpoint, built with `Fn::Sub` (the resource has no URL attribute;
    /// facts §14): the runtime ID with the `accountId` query parameter needs no URL encoding.
    pub fn invocation_url(&self, qualifier: &str) -> Expr {
        Expr::sub(
            &format!(
                "https://bedrock-agentcore.${{AWS::Region}}.${{AWS::URLSuffix}}/runtimes/${{RuntimeId}}/invocations?qualifier={qualifier}&accountId=${{AWS::AccountId}}"
            ),
            [("RuntimeId", self.runtime.agent_runtime_id())],
        )
    }
}

/// Where the runtime's network interfaces go.
fn network_configuration(placement: &Placement) -> NetworkConfiguration {
    match placement {
        Placement::Vpc { subnets, security_groups } => NetworkConfiguration {
            network_mode: "VPC".into(),
            network_mode_config: Some(NetworkModeConfig {
                security_groups: security_groups.clone(),
                subnets: subnets.clone(),
            }),
        },
        Placement::Public => NetworkConfiguration { network_mode: "PUBLIC".into(), network_mode_config: None },
    }
}

/// The `AWS::BedrockAgentCore::Runtime` of `props`, run with `role`.
fn runtime_resource(props: &RuntimeProps, role: &ExecutionRole) -> Runtime {
    let spec = &props.spec;
    let list = |v: &[String]| v.iter().map(Expr::from).collect::<Vec<_>>();
    Runtime {
        agent_runtime_name: spec.name.as_str().into(),
        agent_runtime_artifact: Some(AgentRuntimeArtifact {
            container_configuration: Some(ContainerConfiguration { container_uri: props.container_uri.clone() }),
        }),
        role_arn: role.role.arn(),
        network_configuration: Some(network_configuration(&props.placement)),
        protocol_configuration: Some(spec.protocol.as_str().into()),
        description: spec.description.as_deref().map(Expr::from),
        environment_variables: spec
            .environment
            .iter()
            .map(|(k, v)| (k.clone(), Expr::from(v)))
            .chain(props.extra_environment.clone())
            .collect(),
        lifecycle_configuration: Some(LifecycleConfiguration {
            idle_runtime_session_timeout: Some(spec.idle_timeout_seconds.into()),
            max_lifetime: Some(spec.max_lifetime_seconds.into()),
        }),
        platform_version: spec.platform_version.map(|v| v.as_str().into()),
        // Session storage (developer guide, "Persistent filesystems"): a directory per
        // session that survives the session's compute being stopped and resumed, kept 14
        // days idle, and reset when the runtime's version changes. It needs no grant.
        filesystem_configurations: spec
            .session_storage
            .iter()
            .map(|path| FilesystemConfiguration {
                session_storage: Some(SessionStorageConfiguration { mount_path: path.as_str().into() }),
            })
            .collect(),
        request_header_configuration: (!spec.request_header_allowlist.is_empty())
            .then(|| RequestHeaderConfiguration { request_header_allowlist: list(&spec.request_header_allowlist) }),
        authorizer_configuration: spec.authorizer.as_ref().map(|j| AuthorizerConfiguration {
            custom_jwt_authorizer: CustomJwtAuthorizer {
                discovery_url: j.discovery_url.as_str().into(),
                allowed_audience: list(&j.allowed_audience),
                allowed_clients: list(&j.allowed_clients),
                allowed_scopes: list(&j.allowed_scopes),
                custom_claims: j.custom_claims.iter().map(crate::jwt::CustomClaim::expr).collect(),
            },
        }),
        tags: BTreeMap::new(),
    }
}

/// The runtime's endpoints (`<id>Endpoint<Name>`), each on its pinned version or the current one.
fn add_endpoints(
    stack: &mut Stack,
    id: &str,
    spec: &RuntimeSpec,
    runtime: &Handle<Runtime>,
) -> Result<Vec<(String, Handle<RuntimeEndpoint>)>, Error> {
    let mut endpoints = Vec::new();
    for e in &spec.endpoints {
        let version = match e.version {
            VersionPin::Current => runtime.agent_runtime_version(),
            VersionPin::Fixed(v) => Expr::Str(v.to_string()),
        };
        let handle = stack.add(
            &format!("{id}Endpoint{}", e.name.replace('_', "")),
            RuntimeEndpoint {
                agent_runtime_id: runtime.agent_runtime_id(),
                name: e.name.as_str().into(),
                agent_runtime_version: Some(version),
                description: e.description.as_deref().map(Expr::from),
                tags: BTreeMap::new(),
            },
        )?;
        endpoints.push((e.name.clone(), handle));
    }
    Ok(endpoints)
}
