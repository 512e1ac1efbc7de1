//! Templates as the rules see them: parsed JSON, with references followed across stacks.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

/// The paths given to `check` are the user's to fix.
impl corestack_fault::Blamed for LoadError {
    fn blame(&self) -> corestack_fault::Blame {
        corestack_fault::Blame::Input
    }
}

/// What can be wrong with the input of a check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A file could not be read.
    #[error("cannot read {}: {reason}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: std::io::Error,
    },
    /// A file refused before or while parsing: not a regular file, over CloudFormation's size
    /// limit, nested or aliased beyond reason, or outside the assembly.
    #[error("{}: refused: {reason}\n    fix: check only templates and assemblies you mean to; corestack reads regular files of at most 1 MB inside an assembly", path.display())]
    Refused {
        /// The file.
        path: PathBuf,
        /// What was refused and why.
        reason: String,
    },
    /// A file is not a JSON or YAML template.
    #[error("{}: not a CloudFormation template: {reason}\n    fix: pass a JSON or YAML template with a Resources section, or a directory with a corestack manifest.json", path.display())]
    NotATemplate {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// One template.
#[derive(Clone, Debug)]
pub struct Doc {
    /// The stack name (from the manifest, or the file name).
    pub stack: String,
    /// Where it came from, for reports.
    pub source: String,
    /// The template.
    pub template: Value,
}

/// All templates of one check, with their exports.
#[derive(Clone, Debug)]
pub struct Model {
    /// The templates.
    pub docs: Vec<Doc>,
    /// Whether the environment is marked production (stricter image pinning).
    pub production: bool,
    exports: BTreeMap<String, (usize, Value)>,
}

/// What a value refers to.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved {
    /// A resource, or one of its attributes.
    Resource {
        /// The template index.
        doc: usize,
        /// The logical ID.
        id: String,
        /// The attribute, for `Fn::GetAtt`.
        attr: Option<String>,
    },
    /// A literal value (a parameter's default counts).
    Literal(Value),
    /// Something only known at deploy time.
    Unknown,
}

impl Model {
    /// A model of in-memory templates: (stack name, template).
    pub fn new(templates: Vec<(String, Value)>, production: bool) -> Model {
        let docs =
            templates.into_iter().map(|(stack, template)| Doc { source: stack.clone(), stack, template }).collect();
        Model::from_docs(docs, production)
    }

    pub(crate) fn from_docs(docs: Vec<Doc>, production: bool) -> Model {
        let mut exports = BTreeMap::new();
        for (i, d) in docs.iter().enumerate() {
            let Some(outputs) = d.template.get("Outputs").and_then(Value::as_object) else { continue };
            for o in outputs.values() {
                let name = o.get("Export").and_then(|e| e.get("Name"));
                if let Some(name) = name.and_then(|n| export_name(n, &d.stack)) {
                    exports.insert(name, (i, o.get("Value").cloned().unwrap_or(Value::Null)));
                }
            }
        }
        Model { docs, production, exports }
    }

    /// Every resource of a type: (template index, logical ID, resource).
    pub fn resources_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (usize, &'a str, &'a Value)> + 'a {
        self.all_resources().filter(move |(_, _, r)| r["Type"] == kind)
    }

    /// Every resource.
    pub fn all_resources(&self) -> impl Iterator<Item = (usize, &str, &Value)> {
        self.docs.iter().enumerate().flat_map(|(i, d)| {
            d.template
                .get("Resources")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(move |(id, r)| (i, id.as_str(), r))
        })
    }

    /// A resource by template and logical ID.
    pub fn resource(&self, doc: usize, id: &str) -> Option<&Value> {
        self.docs.get(doc)?.template.get("Resources")?.get(id)
    }

    /// Follows `Ref`, `Fn::GetAtt` and `Fn::ImportValue` (across templates) to what a value means.
    pub fn resolve(&self, doc: usize, v: &Value) -> Resolved {
        self.resolve_depth(doc, v, 0)
    }

    fn resolve_depth(&self, doc: usize, v: &Value, depth: u8) -> Resolved {
        if depth > 8 {
            return Resolved::Unknown;
        }
        let Some(m) = v.as_object() else { return Resolved::Literal(v.clone()) };
        if m.len() != 1 {
            return Resolved::Literal(v.clone());
        }
        let (key, arg) = m.iter().next().expect("one entry");
        match key.as_str() {
            "Ref" => {
                let Some(id) = arg.as_str() else { return Resolved::Unknown };
                if self.resource(doc, id).is_some() {
                    return Resolved::Resource { doc, id: id.to_string(), attr: None };
                }
                match self.docs[doc].template.get("Parameters").and_then(|p| p.get(id)).and_then(|p| p.get("Default")) {
                    Some(d) => Resolved::Literal(d.clone()),
                    None => Resolved::Unknown,
                }
            }
            "Fn::GetAtt" => {
                let (id, attr) = match arg {
                    Value::Array(a) if a.len() == 2 => (a[0].as_str(), a[1].as_str().map(str::to_string)),
                    Value::String(s) => match s.split_once('.') {
                        Some((id, attr)) => (Some(id), Some(attr.to_string())),
                        None => (None, None),
                    },
                    _ => (None, None),
                };
                match id {
                    Some(id) if self.resource(doc, id).is_some() => {
                        Resolved::Resource { doc, id: id.to_string(), attr }
                    }
                    _ => Resolved::Unknown,
                }
            }
            "Fn::ImportValue" => {
                let Some(name) = export_name(arg, &self.docs[doc].stack) else { return Resolved::Unknown };
                match self.exports.get(&name) {
                    Some((d, value)) => self.resolve_depth(*d, value, depth + 1),
                    None => Resolved::Unknown,
                }
            }
            _ => Resolved::Unknown,
        }
    }

    /// The resource a value refers to, if it is one in the model.
    pub fn target(&self, doc: usize, v: &Value) -> Option<(usize, String)> {
        match self.resolve(doc, v) {
            Resolved::Resource { doc, id, .. } => Some((doc, id)),
            _ => None,
        }
    }

    /// A string view of a value: literals as they are, `Fn::Sub` templates with their `${...}`, and
    /// `Fn::Join` of such parts (other parts become `${?}`). For matching names and URIs.
    pub fn text(&self, doc: usize, v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(m) if m.len() == 1 => {
                let (key, arg) = m.iter().next().expect("one entry");
                match key.as_str() {
                    "Fn::Sub" => match arg {
                        Value::String(s) => Some(s.clone()),
                        Value::Array(a) => a.first().and_then(Value::as_str).map(str::to_string),
                        _ => None,
                    },
                    "Fn::Join" => {
                        let a = arg.as_array()?;
                        let sep = a.first()?.as_str()?;
                        let parts = a.get(1)?.as_array()?;
                        Some(
                            parts
                                .iter()
                                .map(|p| self.text(doc, p).unwrap_or_else(|| self.literal_text(doc, p)))
                                .collect::<Vec<_>>()
                                .join(sep),
                        )
                    }
                    _ => match self.resolve(doc, v) {
                        Resolved::Literal(Value::String(s)) => Some(s),
                        _ => None,
                    },
                }
            }
            _ => None,
        }
    }

    fn literal_text(&self, doc: usize, v: &Value) -> String {
        match self.resolve(doc, v) {
            Resolved::Literal(Value::String(s)) => s,
            _ => "${?}".to_string(),
        }
    }
}

/// An export name, from a literal or a `Fn::Sub` using `${AWS::StackName}`.
fn export_name(v: &Value, stack: &str) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => m.get("Fn::Sub").and_then(Value::as_str).map(|s| s.replace("${AWS::StackName}", stack)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn references_are_followed_across_stacks() {
        let producer = json!({"Resources": {"Vpc": {"Type": "AWS::EC2::VPC"}},
            "Outputs": {"O": {"Value": {"Ref": "Vpc"}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}:Vpc"}}}}});
        let consumer = json!({"Parameters": {"P": {"Type": "String", "Default": ":v1"}},
            "Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"VpcId": {"Fn::ImportValue": "net:Vpc"}}}}});
        let m = Model::new(vec![("net".into(), producer), ("sec".into(), consumer)], false);
        assert_eq!(
            m.resolve(1, &json!({"Fn::ImportValue": "net:Vpc"})),
            Resolved::Resource { doc: 0, id: "Vpc".into(), attr: None }
        );
        assert_eq!(m.resolve(1, &json!({"Ref": "P"})), Resolved::Literal(json!(":v1")));
        assert_eq!(m.resolve(1, &json!({"Ref": "AWS::Region"})), Resolved::Unknown);
        assert_eq!(m.resolve(1, &json!({"Fn::ImportValue": "missing"})), Resolved::Unknown);
        assert_eq!(
            m.text(1, &json!({"Fn::Join": ["", [{"Fn::ImportValue": "x"}, {"Ref": "P"}]]})).as_deref(),
            Some("${?}:v1")
        );
    }
}
