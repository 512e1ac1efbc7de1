//! An AgentCore Gateway: MCP in front of its targets, encrypted with the project key, with a role
//! of its own that may invoke exactly its Lambda functions and read exactly its credential
//! providers' secrets (AgentCore developer guide, "Gateway service role permissions").

use std::collections::BTreeMap;

use corestack_cfn::policy::{PolicyDocument, Statement};
use corestack_cfn::resources::agentcore_platform::{Gateway, GatewayTarget};
use corestack_cfn::resources::iam::{Policy, Role};
use corestack_cfn::{Expr, Handle, Stack};
use serde_json::Value;

use super::identity::BuiltProvider;
use super::{GatewayAuth, GatewaySpec, ProviderSpec, TargetKind, TargetSpec};
use crate::{Error, Problem};

const P: &str = "arn:${AWS::Partition}";

/// A built gateway.
#[derive(Clone, Debug)]
pub struct BuiltGateway {
    /// The gateway.
    pub gateway: Handle<Gateway>,
    /// Its role.
    pub role: Handle<Role>,
    /// Its targets, in the config's order.
    pub targets: Vec<Handle<GatewayTarget>>,
}

/// A JSON value as a template value.
pub fn json_expr(v: &Value) -> Expr {
    match v {
        Value::String(s) => Expr::Str(s.clone()),
        Value::Bool(b) => Expr::Bool(*b),
        Value::Number(n) => n.as_i64().map(Expr::Int).unwrap_or_else(|| Expr::Str(n.to_string())),
        Value::Array(a) => Expr::List(a.iter().map(json_expr).collect()),
        Value::Object(o) => Expr::Map(o.iter().map(|(k, v)| (k.clone(), json_expr(v))).collect()),
        Value::Null => Expr::Str(String::new()),
    }
}

fn schema_definition(s: &Value, at: &str) -> Result<Value, String> {
    let kind = s["type"].as_str().ok_or_else(|| format!("{at}: no `type`"))?;
    if !["string", "number", "object", "array", "boolean", "integer"].contains(&kind) {
        return Err(format!(
            "{at}: type `{kind}` is not one a gateway takes (string, number, object, array, boolean, integer)"
        ));
    }
    let mut out = serde_json::Map::new();
    out.insert("Type".into(), kind.into());
    if let Some(d) = s["description"].as_str() {
        out.insert("Description".into(), d.into());
    }
    if let Some(props) = s["properties"].as_object() {
        let mut p = serde_json::Map::new();
        for (k, v) in props {
            p.insert(k.clone(), schema_definition(v, &format!("{at}.properties.{k}"))?);
        }
        out.insert("Properties".into(), Value::Object(p));
    }
    if let Some(r) = s["required"].as_array() {
        out.insert("Required".into(), Value::Array(r.clone()));
    }
    if !s["items"].is_null() {
        out.insert("Items".into(), schema_definition(&s["items"], &format!("{at}.items"))?);
    }
    Ok(Value::Object(out))
}

/// A Lambda target's tools, from MCP's tool form (`[{name, description, inputSchema}]`, the form
/// `tools/list` answers with) to the registry schema's `ToolDefinition` form.
pub fn tool_definitions(tools: &Value) -> Result<Value, String> {
    let list = tools.as_array().ok_or("the tool schema is not a JSON array of tools")?;
    if list.is_empty() {
        return Err("the tool schema lists no tools".into());
    }
    let mut out = Vec::new();
    for (i, t) in list.iter().enumerate() {
        let at = format!("tool [{i}]");
        let name = t["name"].as_str().ok_or_else(|| format!("{at}: no `name`"))?;
        let description = t["description"].as_str().ok_or_else(|| format!("{at} ({name}): no `description`"))?;
        let input = schema_definition(&t["inputSchema"], &format!("{at} ({name}).inputSchema"))?;
        let mut d = serde_json::json!({"Name": name, "Description": description, "InputSchema": input});
        if !t["outputSchema"].is_null() {
            d["OutputSchema"] = schema_definition(&t["outputSchema"], &format!("{at} ({name}).outputSchema"))?;
        }
        out.push(d);
    }
    Ok(Value::Array(out))
}

fn target_configuration(t: &TargetSpec) -> Expr {
    let mcp = match &t.kind {
        TargetKind::Lambda { arn, tools } => Expr::map([(
            "Lambda",
            Expr::map([
                ("LambdaArn", Expr::from(arn.as_str())),
                ("ToolSchema", Expr::map([("InlinePayload", json_expr(tools))])),
            ]),
        )]),
        TargetKind::OpenApi(doc) => {
            Expr::map([("OpenApiSchema", Expr::map([("InlinePayload", Expr::from(doc.as_str()))]))])
        }
        TargetKind::Smithy(doc) => {
            Expr::map([("SmithyModel", Expr::map([("InlinePayload", Expr::from(doc.as_str()))]))])
        }
        TargetKind::McpServer(url) => Expr::map([("McpServer", Expr::map([("Endpoint", Expr::from(url.as_str()))]))]),
    };
    Expr::map([("Mcp", mcp)])
}

fn credential_configuration(t: &TargetSpec, providers: &BTreeMap<String, BuiltProvider>) -> Vec<Expr> {
    let Some(c) = &t.credential else {
        // Lambda and Smithy targets are called with the gateway's own role.
        return match t.kind {
            TargetKind::Lambda { .. } | TargetKind::Smithy(_) => {
                vec![Expr::map([("CredentialProviderType", "GATEWAY_IAM_ROLE")])]
            }
            _ => Vec::new(),
        };
    };
    let built = &providers[&c.provider];
    if built.api_key {
        let mut p = vec![("ProviderArn", built.arn.clone())];
        if let Some(k) = &c.api_key {
            p.push(("CredentialLocation", k.location.as_str().into()));
            if let Some(n) = &k.parameter_name {
                p.push(("CredentialParameterName", n.as_str().into()));
            }
            if let Some(x) = &k.prefix {
                p.push(("CredentialPrefix", x.as_str().into()));
            }
        }
        vec![Expr::map([
            ("CredentialProviderType", Expr::from("API_KEY")),
            ("CredentialProvider", Expr::map([("ApiKeyCredentialProvider", Expr::map(p))])),
        ])]
    } else {
        vec![Expr::map([
            ("CredentialProviderType", Expr::from("OAUTH")),
            (
                "CredentialProvider",
                Expr::map([(
                    "OauthCredentialProvider",
                    Expr::map([
                        ("ProviderArn", built.arn.clone()),
                        ("Scopes", Expr::list(c.scopes.iter().map(String::as_str))),
                    ]),
                )]),
            ),
        ])]
    }
}

/// The gateway role's statements: use the project key; invoke its Lambda functions; for its
/// credential providers, its workload identity's token, the providers' credentials, and their
/// secrets.
fn statements(
    spec: &GatewaySpec,
    key_arn: &Expr,
    providers: &BTreeMap<String, BuiltProvider>,
    specs: &[ProviderSpec],
) -> Vec<Statement> {
    // The gateway's data is encrypted with the project key, which its role uses (AgentCore
    // developer guide, "Encrypt your AgentCore gateway with a customer-managed KMS key").
    let mut out = vec![Statement::allow(
        "UseProjectKey",
        ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
        vec![key_arn.clone()],
    )];
    let lambdas: Vec<Expr> = spec
        .targets
        .iter()
        .filter_map(|t| match &t.kind {
            TargetKind::Lambda { arn, .. } => Some(Expr::from(arn.as_str())),
            _ => None,
        })
        .collect();
    if !lambdas.is_empty() {
        out.push(Statement::allow("InvokeTargetFunctions", ["lambda:InvokeFunction"], lambdas));
    }
    let mut used: Vec<&str> =
        spec.targets.iter().filter_map(|t| t.credential.as_ref()).map(|c| c.provider.as_str()).collect();
    used.sort();
    used.dedup();
    if used.is_empty() {
        return out;
    }
    let directory =
        format!("{P}:bedrock-agentcore:${{AWS::Region}}:${{AWS::AccountId}}:workload-identity-directory/default");
    // The gateway's own workload identity is named after it by the service.
    let identity =
        [Expr::sub(&directory, []), Expr::sub(&format!("{directory}/workload-identity/{}-*", spec.name), [])];
    out.push(Statement::allow(
        "GetGatewayWorkloadToken",
        ["bedrock-agentcore:GetWorkloadAccessToken"],
        identity.to_vec(),
    ));
    let vault =
        Expr::sub(&format!("{P}:bedrock-agentcore:${{AWS::Region}}:${{AWS::AccountId}}:token-vault/default"), []);
    // A credential read is authorized on the workload identity directory, the workload identity,
    // the token vault and the provider (AgentCore developer guide, Identity, "Scope down access to
    // credential providers by workload identity"; cfn-lint's Policies.json lists the same four
    // resource types for both actions): with the vault and provider alone, every API-key and
    // OAuth target's tool call fails with AccessDenied.
    for (sid, action, api_key) in [
        ("GetTargetApiKeys", "bedrock-agentcore:GetResourceApiKey", true),
        ("GetTargetOAuth2Tokens", "bedrock-agentcore:GetResourceOauth2Token", false),
    ] {
        let arns: Vec<Expr> =
            used.iter().filter(|k| providers[**k].api_key == api_key).map(|k| providers[*k].arn.clone()).collect();
        if !arns.is_empty() {
            let resources = identity.iter().cloned().chain([vault.clone()]).chain(arns).collect();
            out.push(Statement::allow(sid, [action], resources));
        }
    }
    let secrets: Vec<Expr> =
        specs.iter().filter(|p| used.contains(&p.key.as_str())).map(|p| Expr::from(p.secret_arn.as_str())).collect();
    out.push(Statement::allow("ReadTargetSecrets", ["secretsmanager:GetSecretValue"], secrets));
    out
}

/// Adds gateway `spec` (logical ID `id`) with its role and targets; `providers` are the built
/// credential providers by config name (every one a target names must be there).
pub fn build(
    stack: &mut Stack,
    id: &str,
    spec: &GatewaySpec,
    key_arn: &Expr,
    providers: &BTreeMap<String, BuiltProvider>,
    provider_specs: &[ProviderSpec],
) -> Result<BuiltGateway, Error> {
    let missing = missing_providers(spec, providers);
    if !missing.is_empty() {
        return Err(Error::Invalid(missing));
    }
    let role = crate::role::service_role(
        stack,
        &format!("{id}Role"),
        &format!("gateway/{}", spec.name),
        &format!("Role of AgentCore gateway {}: calls its targets", spec.name),
    )?;
    let granted = statements(spec, key_arn, providers, provider_specs);
    let policy = if granted.is_empty() {
        None
    } else {
        Some(stack.add(
            &format!("{id}RolePolicy"),
            Policy {
                policy_name: "agentcore-gateway".into(),
                policy_document: Some(PolicyDocument::new(granted)),
                roles: vec![role.as_ref()],
            },
        )?)
    };
    let (authorizer_type, authorizer_configuration) = authorizer(&spec.auth);
    let gateway = stack.add(
        id,
        Gateway {
            name: spec.name.as_str().into(),
            description: spec.description.as_deref().map(Expr::from),
            role_arn: role.arn(),
            protocol_type: Some("MCP".into()),
            protocol_configuration: spec
                .semantic_search
                .then(|| Expr::map([("Mcp", Expr::map([("SearchType", "SEMANTIC")]))])),
            authorizer_type: authorizer_type.into(),
            authorizer_configuration,
            kms_key_arn: Some(key_arn.clone()),
            ..Default::default()
        },
    )?;
    // The role may use the key before the gateway is created with it (AgentCore developer guide,
    // "Encrypt your AgentCore gateway with a customer-managed KMS key", prerequisites).
    if let Some(p) = &policy {
        stack.add_dependency(&gateway, p);
    }
    let targets = add_targets(stack, id, spec, &gateway, providers, policy.as_ref())?;
    Ok(BuiltGateway { gateway, role, targets })
}

/// A problem for each target credential whose provider is not among `providers`.
fn missing_providers(spec: &GatewaySpec, providers: &BTreeMap<String, BuiltProvider>) -> Vec<Problem> {
    spec.targets
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.credential.as_ref().map(|c| (i, c)))
        .filter(|(_, c)| !providers.contains_key(&c.provider))
        .map(|(i, c)| {
            Problem::new(
                &format!("targets[{i}].credential_provider"),
                format!("no credential provider `{}`", c.provider),
                "add it under [[credential_providers]]",
            )
        })
        .collect()
}

/// The gateway's `AuthorizerType` and `AuthorizerConfiguration`.
fn authorizer(auth: &GatewayAuth) -> (&'static str, Option<Expr>) {
    match auth {
        GatewayAuth::Iam => ("AWS_IAM", None),
        GatewayAuth::None => ("NONE", None),
        GatewayAuth::Jwt(j) => {
            let list = |v: &[String]| Expr::list(v.iter().map(String::as_str));
            let mut c = vec![("DiscoveryUrl", Expr::from(j.discovery_url.as_str()))];
            if !j.allowed_audience.is_empty() {
                c.push(("AllowedAudience", list(&j.allowed_audience)));
            }
            if !j.allowed_clients.is_empty() {
                c.push(("AllowedClients", list(&j.allowed_clients)));
            }
            if !j.allowed_scopes.is_empty() {
                c.push(("AllowedScopes", list(&j.allowed_scopes)));
            }
            if !j.custom_claims.is_empty() {
                c.push((
                    "CustomClaims",
                    Expr::List(j.custom_claims.iter().map(crate::jwt::CustomClaim::expr).collect()),
                ));
            }
            ("CUSTOM_JWT", Some(Expr::map([("CustomJWTAuthorizer", Expr::map(c))])))
        }
    }
}

/// The gateway's targets, each after the role's `policy` (the gateway calls the target with its
/// role at creation, to list its tools, so the role's permissions must exist first).
fn add_targets(
    stack: &mut Stack,
    id: &str,
    spec: &GatewaySpec,
    gateway: &Handle<Gateway>,
    providers: &BTreeMap<String, BuiltProvider>,
    policy: Option<&Handle<Policy>>,
) -> Result<Vec<Handle<GatewayTarget>>, Error> {
    let mut targets = Vec::new();
    for t in &spec.targets {
        let target = stack.add(
            &format!("{id}{}Target", corestack_cfn::pascal_case(&t.name)),
            GatewayTarget {
                gateway_identifier: gateway.gateway_identifier(),
                name: t.name.as_str().into(),
                description: t.description.as_deref().map(Expr::from),
                target_configuration: target_configuration(t),
                credential_provider_configurations: credential_configuration(t, providers),
            },
        )?;
        if let Some(p) = policy {
            stack.add_dependency(&target, p);
        }
        targets.push(target);
    }
    Ok(targets)
}
