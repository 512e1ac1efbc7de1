//! Stacks: resources, parameters and outputs, with references resolved as they are added.

use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::Error;
use crate::expr::{Expr, STACK_MARK, Target};

mod link;
pub use link::link;

/// How a resource type takes tags, per its CloudFormation schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagForm {
    /// The type has no `Tags` property.
    None,
    /// `Tags` is a list of `{Key, Value}` objects.
    List,
    /// `Tags` is a map of key to value.
    Map,
}

/// A typed CloudFormation resource: its properties serialize with the CloudFormation names.
pub trait Resource: Serialize {
    /// The CloudFormation type name, for example `AWS::EC2::VPC`.
    const TYPE: &'static str;
    /// How this type takes tags.
    const TAGS: TagForm;
    /// The attributes `Fn::GetAtt` accepts.
    const ATTRIBUTES: &'static [&'static str];
}

/// A reference to a resource added to a stack; attribute accessors are defined per resource type.
#[derive(Debug)]
pub struct Handle<T> {
    target: Target,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        Handle { target: self.target.clone(), _type: PhantomData }
    }
}

impl<T> Handle<T> {
    /// `Ref` to the resource (from any stack: another stack gets an import).
    pub fn as_ref(&self) -> Expr {
        Expr::Ref(self.target.clone())
    }

    /// `Fn::GetAtt` of a named attribute. Resource modules wrap this in typed accessors, so that only
    /// attributes the type really has can be asked for.
    pub fn attr(&self, name: &str) -> Expr {
        Expr::GetAtt(self.target.clone(), name.to_string())
    }

    /// The logical ID of the resource.
    pub fn logical_id(&self) -> &str {
        &self.target.logical_id
    }

    /// The name of the stack that holds the resource.
    pub fn stack(&self) -> &str {
        &self.target.stack
    }
}

/// What a stack keeps of a resource once it is added.
#[derive(Clone, Debug)]
struct ResourceEntry {
    kind: &'static str,
    properties: Value,
    depends_on: BTreeSet<String>,
    retain: bool,
    condition: Option<String>,
}

/// A template parameter.
#[derive(Clone, Debug, Default)]
pub struct Parameter {
    /// The parameter type, for example `String`.
    pub kind: String,
    /// What the parameter is for.
    pub description: String,
    /// The default value.
    pub default: Option<String>,
    /// A regular expression the value must match.
    pub allowed_pattern: Option<String>,
    /// The message CloudFormation shows when the pattern does not match.
    pub constraint_description: Option<String>,
}

/// A template output.
#[derive(Clone, Debug)]
pub struct Output {
    /// The value.
    pub value: Expr,
    /// What the output is.
    pub description: String,
    /// The export name, when other stacks or tools import it by name.
    pub export_name: Option<String>,
}

/// A reference that a stack makes to something in another stack.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Import {
    target: Target,
    attribute: Option<String>,
}

impl Import {
    fn export_name(&self) -> String {
        format!("{}:{}", self.target.stack, self.output_id())
    }

    fn output_id(&self) -> String {
        format!("Export{}{}", self.target.logical_id, self.attribute.as_deref().unwrap_or("Ref").replace('.', ""))
    }
}

/// Limits CloudFormation puts on one template.
pub mod limits {
    /// Resources in one template.
    pub const RESOURCES: usize = 500;
    /// Outputs in one template.
    pub const OUTPUTS: usize = 200;
    /// Parameters in one template.
    pub const PARAMETERS: usize = 200;
    /// Template body size in bytes, when uploaded through S3.
    pub const BODY_BYTES: usize = 1_000_000;
}

/// One CloudFormation stack under construction.
///
/// # Example
/// ```
/// use corestack_cfn::{Stack, resources::s3::Bucket};
/// let mut stack = Stack::new("demo-Storage", "Demo bucket");
/// stack.set_tags([("Project", "demo")]);
/// let bucket = stack.add("Data", Bucket::default())?;
/// let json = stack.to_json()?;
/// assert!(json.contains("\"Type\": \"AWS::S3::Bucket\""));
/// assert_eq!(bucket.logical_id(), "Data");
/// # Ok::<(), corestack_cfn::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Stack {
    name: String,
    description: String,
    tags: BTreeMap<String, String>,
    parameters: BTreeMap<String, Parameter>,
    conditions: BTreeMap<String, Value>,
    resources: BTreeMap<String, ResourceEntry>,
    outputs: BTreeMap<String, Value>,
    imports: BTreeSet<Import>,
    dependencies: BTreeSet<String>,
}

impl Stack {
    /// A new empty stack; `name` is the CloudFormation stack name.
    pub fn new(name: &str, description: &str) -> Stack {
        Stack {
            name: name.to_string(),
            description: description.to_string(),
            tags: BTreeMap::new(),
            parameters: BTreeMap::new(),
            conditions: BTreeMap::new(),
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
            imports: BTreeSet::new(),
            dependencies: BTreeSet::new(),
        }
    }

    /// The stack name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Tags applied to every taggable resource added from now on, in the form its type takes.
    pub fn set_tags<K: Into<String>, V: Into<String>>(&mut self, tags: impl IntoIterator<Item = (K, V)>) {
        self.tags = tags.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
    }

    /// Names of the stacks this one depends on (it imports from them or was told to wait for them).
    pub fn dependencies(&self) -> impl Iterator<Item = &str> {
        self.dependencies.iter().map(String::as_str)
    }

    /// Number of resources.
    pub fn resource_count(&self) -> usize {
        self.resources.len()
    }

    /// Number of outputs.
    pub fn output_count(&self) -> usize {
        self.outputs.len()
    }

    /// Names and defaults of the parameters.
    pub fn parameter_defaults(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.parameters.iter().map(|(k, p)| (k.as_str(), p.default.as_deref()))
    }

    fn check_new_id(&self, id: &str) -> Result<(), Error> {
        if id.is_empty() || id.len() > 255 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::InvalidLogicalId { stack: self.name.clone(), id: id.to_string() });
        }
        if self.resources.contains_key(id) || self.parameters.contains_key(id) {
            return Err(Error::DuplicateLogicalId { stack: self.name.clone(), id: id.to_string() });
        }
        Ok(())
    }

    /// Adds a resource under a logical ID (ASCII letters and digits) and returns its handle.
    pub fn add<T: Resource>(&mut self, id: &str, resource: T) -> Result<Handle<T>, Error> {
        self.check_new_id(id)?;
        let mut properties = self.resolve(&resource)?;
        if !self.tags.is_empty() {
            apply_tags(&mut properties, T::TAGS, &self.tags);
        }
        self.resources.insert(
            id.to_string(),
            ResourceEntry { kind: T::TYPE, properties, depends_on: BTreeSet::new(), retain: false, condition: None },
        );
        Ok(Handle { target: Target { stack: self.name.clone(), logical_id: id.to_string() }, _type: PhantomData })
    }

    /// Makes `dependent` wait for `on`. Within the stack this is `DependsOn`; on another stack it
    /// becomes a dependency between the stacks.
    pub fn add_dependency<A, B>(&mut self, dependent: &Handle<A>, on: &Handle<B>) {
        if on.stack() != self.name {
            self.dependencies.insert(on.stack().to_string());
            return;
        }
        if let Some(entry) = self.resources.get_mut(dependent.logical_id()) {
            entry.depends_on.insert(on.logical_id().to_string());
        }
    }

    /// Keeps the resource when it is removed from the stack or replaced (`DeletionPolicy` and
    /// `UpdateReplacePolicy` set to `Retain`).
    pub fn retain<T>(&mut self, handle: &Handle<T>) {
        if let Some(entry) = self.resources.get_mut(handle.logical_id()) {
            entry.retain = true;
        }
    }

    /// Adds a condition (the template's `Conditions`), such as an [`Expr::Equals`] on a parameter.
    pub fn add_condition(&mut self, id: &str, condition: Expr) -> Result<(), Error> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) || self.conditions.contains_key(id) {
            return Err(Error::InvalidLogicalId { stack: self.name.clone(), id: id.to_string() });
        }
        let value = self.resolve(&condition)?;
        self.conditions.insert(id.to_string(), value);
        Ok(())
    }

    /// Creates the resource only when the condition `id` holds.
    pub fn set_condition<T>(&mut self, handle: &Handle<T>, id: &str) {
        if let Some(entry) = self.resources.get_mut(handle.logical_id()) {
            entry.condition = Some(id.to_string());
        }
    }

    /// Adds a parameter and returns a `Ref` to it.
    pub fn add_parameter(&mut self, id: &str, parameter: Parameter) -> Result<Expr, Error> {
        self.check_new_id(id)?;
        self.parameters.insert(id.to_string(), parameter);
        Ok(Expr::Ref(Target { stack: self.name.clone(), logical_id: id.to_string() }))
    }

    /// Adds an output. Values from other stacks are imported.
    pub fn add_output(&mut self, id: &str, output: Output) -> Result<(), Error> {
        if id.is_empty() || id.len() > 255 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::InvalidLogicalId { stack: self.name.clone(), id: id.to_string() });
        }
        if self.outputs.contains_key(id) {
            return Err(Error::DuplicateLogicalId { stack: self.name.clone(), id: id.to_string() });
        }
        let mut out = Map::new();
        out.insert("Description".into(), Value::String(output.description));
        out.insert("Value".into(), self.resolve(&output.value)?);
        if let Some(name) = output.export_name {
            out.insert("Export".into(), json!({ "Name": name }));
        }
        self.outputs.insert(id.to_string(), Value::Object(out));
        Ok(())
    }

    fn resolve<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<Value, Error> {
        let mut v = serde_json::to_value(value).map_err(|e| Error::Serialize(e.to_string()))?;
        let mut imports = Vec::new();
        resolve_refs(&mut v, &self.name, &mut imports);
        for import in imports {
            self.dependencies.insert(import.target.stack.clone());
            self.imports.insert(import);
        }
        Ok(v)
    }

    /// The template as a JSON value: sorted keys, no timestamps, so the same stack gives the same bytes.
    pub fn template(&self) -> Value {
        let mut t = Map::new();
        t.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
        t.insert("Description".into(), json!(self.description));
        if !self.parameters.is_empty() {
            let params: Map<String, Value> = self
                .parameters
                .iter()
                .map(|(id, p)| {
                    let mut m = Map::new();
                    m.insert("Type".into(), json!(p.kind));
                    m.insert("Description".into(), json!(p.description));
                    if let Some(d) = &p.default {
                        m.insert("Default".into(), json!(d));
                    }
                    if let Some(a) = &p.allowed_pattern {
                        m.insert("AllowedPattern".into(), json!(a));
                    }
                    if let Some(c) = &p.constraint_description {
                        m.insert("ConstraintDescription".into(), json!(c));
                    }
                    (id.clone(), Value::Object(m))
                })
                .collect();
            t.insert("Parameters".into(), Value::Object(params));
        }
        if !self.conditions.is_empty() {
            t.insert("Conditions".into(), Value::Object(self.conditions.clone().into_iter().collect()));
        }
        let resources: Map<String, Value> = self
            .resources
            .iter()
            .map(|(id, r)| {
                let mut m = Map::new();
                m.insert("Type".into(), json!(r.kind));
                if r.properties.as_object().is_some_and(|p| !p.is_empty()) {
                    m.insert("Properties".into(), r.properties.clone());
                }
                if !r.depends_on.is_empty() {
                    m.insert("DependsOn".into(), json!(r.depends_on));
                }
                if r.retain {
                    // Kept by every stack operation but the rollback of the create that made it,
                    // so a failed first create leaves nothing behind to collide with the retry
                    // (CloudFormation User Guide, "DeletionPolicy attribute":
                    // RetainExceptOnCreate; What's New, 2023-07-31).
                    m.insert("DeletionPolicy".into(), json!("RetainExceptOnCreate"));
                    m.insert("UpdateReplacePolicy".into(), json!("Retain"));
                }
                if let Some(c) = &r.condition {
                    m.insert("Condition".into(), json!(c));
                }
                (id.clone(), Value::Object(m))
            })
            .collect();
        t.insert("Resources".into(), Value::Object(resources));
        if !self.outputs.is_empty() {
            let outputs: Map<String, Value> = self.outputs.clone().into_iter().collect();
            t.insert("Outputs".into(), Value::Object(outputs));
        }
        Value::Object(t)
    }

    /// The template as pretty-printed JSON with a final newline, checked against CloudFormation's
    /// limits. The size limit applies to the body as deploy sends it, compact JSON.
    pub fn to_json(&self) -> Result<String, Error> {
        let template = self.template();
        let compact = serde_json::to_string(&template).map_err(|e| Error::Serialize(e.to_string()))?;
        self.check_limits(compact.len())?;
        let mut body = serde_json::to_string_pretty(&template).map_err(|e| Error::Serialize(e.to_string()))?;
        body.push('\n');
        Ok(body)
    }

    fn check_limits(&self, body_bytes: usize) -> Result<(), Error> {
        let checks = [
            ("resources", self.resources.len(), limits::RESOURCES),
            ("outputs", self.outputs.len(), limits::OUTPUTS),
            ("parameters", self.parameters.len(), limits::PARAMETERS),
            ("template bytes", body_bytes, limits::BODY_BYTES),
        ];
        for (what, count, max) in checks {
            if count > max {
                return Err(Error::Limit { stack: self.name.clone(), what, count, max });
            }
        }
        Ok(())
    }
}

/// Replaces every marked reference: a reference into `stack` loses its marker; a reference into
/// another stack becomes `Fn::ImportValue` of a generated export name, recorded in `imports`.
fn resolve_refs(v: &mut Value, stack: &str, imports: &mut Vec<Import>) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| resolve_refs(i, stack, imports)),
        Value::Object(m) => {
            if let Some(Value::String(owner)) = m.remove(STACK_MARK) {
                if owner != stack {
                    let import = marked_import(m, owner);
                    *v = json!({ "Fn::ImportValue": import.export_name() });
                    imports.push(import);
                }
                return;
            }
            m.values_mut().for_each(|i| resolve_refs(i, stack, imports));
        }
        _ => {}
    }
}

fn marked_import(m: &Map<String, Value>, owner: String) -> Import {
    let (logical_id, attribute) = match (m.get("Ref"), m.get("Fn::GetAtt")) {
        (Some(Value::String(id)), _) => (id.clone(), None),
        (_, Some(Value::Array(pair))) => {
            (pair[0].as_str().unwrap_or_default().to_string(), pair[1].as_str().map(str::to_string))
        }
        // Expr's Serialize writes the marker only beside `Ref` or `Fn::GetAtt`.
        _ => unreachable!("a stack marker without a reference"),
    };
    Import { target: Target { stack: owner, logical_id }, attribute }
}

fn apply_tags(properties: &mut Value, form: TagForm, tags: &BTreeMap<String, String>) {
    let Some(props) = properties.as_object_mut() else { return };
    match form {
        TagForm::None => {}
        TagForm::List => {
            let mut all: BTreeMap<String, Value> = tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            if let Some(Value::Array(own)) = props.get("Tags") {
                for t in own {
                    if let (Some(k), Some(v)) = (t.get("Key").and_then(Value::as_str), t.get("Value")) {
                        all.insert(k.to_string(), v.clone());
                    }
                }
            }
            let list: Vec<Value> = all.into_iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect();
            props.insert("Tags".into(), Value::Array(list));
        }
        TagForm::Map => {
            let mut all: Map<String, Value> = tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            if let Some(Value::Object(own)) = props.get("Tags") {
                all.extend(own.clone());
            }
            props.insert("Tags".into(), Value::Object(all));
        }
    }
}

#[cfg(test)]
#[path = "stack_tests.rs"]
mod tests;
