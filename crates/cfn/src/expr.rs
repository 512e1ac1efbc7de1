//! CloudFormation values and intrinsic functions.

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// Key of the private marker that tags a `Ref`/`Fn::GetAtt` with the stack that owns the target.
///
/// It exists only between serializing a resource's properties and [`crate::Stack`] resolving them:
/// `Stack::add` removes every marker, turning references into other stacks into `Fn::ImportValue`.
pub(crate) const STACK_MARK: &str = "corestack:stack";

/// Where a reference points: a logical ID in a named stack.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    /// Name of the stack that declares the resource or parameter.
    pub stack: String,
    /// Logical ID inside that stack.
    pub logical_id: String,
}

/// The pseudo parameters CloudFormation provides in every template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pseudo {
    /// `AWS::AccountId`
    AccountId,
    /// `AWS::Region`
    Region,
    /// `AWS::Partition`
    Partition,
    /// `AWS::URLSuffix`
    UrlSuffix,
    /// `AWS::StackName`
    StackName,
    /// `AWS::StackId`
    StackId,
}

impl Pseudo {
    /// The name used with `Ref` and inside `Fn::Sub`.
    pub fn name(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::Region => "AWS::Region",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::StackId => "AWS::StackId",
        }
    }
}

/// A CloudFormation value: a literal, a list or map of values, or an intrinsic function.
///
/// # Example
/// ```
/// use corestack_cfn::{Expr, Pseudo};
/// let arn = Expr::sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*", []);
/// assert_eq!(
///     serde_json::to_value(&arn).unwrap(),
///     serde_json::json!({"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"})
/// );
/// assert_eq!(serde_json::to_value(Expr::from(Pseudo::Region)).unwrap(), serde_json::json!({"Ref": "AWS::Region"}));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A string literal.
    Str(String),
    /// An integer literal.
    Int(i64),
    /// A boolean literal.
    Bool(bool),
    /// A list of values.
    List(Vec<Expr>),
    /// A map of values with sorted keys.
    Map(BTreeMap<String, Expr>),
    /// `Ref` to a resource or parameter.
    Ref(Target),
    /// `Fn::GetAtt` on a resource.
    GetAtt(Target, String),
    /// `Ref` to a pseudo parameter.
    Pseudo(Pseudo),
    /// `Fn::Sub` with a variable map (empty map: the short form).
    Sub(String, BTreeMap<String, Expr>),
    /// `Fn::Join` with a delimiter.
    Join(String, Vec<Expr>),
    /// `Fn::Select` of an index from a list value.
    Select(u32, Box<Expr>),
    /// `Fn::Split` of a value by a delimiter.
    Split(String, Box<Expr>),
    /// `Fn::ImportValue` of an export name.
    ImportValue(Box<Expr>),
    /// `Fn::Equals` of two values (in a template's `Conditions`).
    Equals(Box<Expr>, Box<Expr>),
}

impl Expr {
    /// `Fn::Sub` with the given variables; pass `[]` when the string only uses pseudo parameters.
    pub fn sub<const N: usize>(template: &str, vars: [(&str, Expr); N]) -> Expr {
        Expr::Sub(template.to_string(), vars.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    /// `Fn::Join` of the parts with the delimiter.
    pub fn join(delimiter: &str, parts: impl IntoIterator<Item = Expr>) -> Expr {
        Expr::Join(delimiter.to_string(), parts.into_iter().collect())
    }

    /// A list of values.
    pub fn list(items: impl IntoIterator<Item = impl Into<Expr>>) -> Expr {
        Expr::List(items.into_iter().map(Into::into).collect())
    }

    /// A map of values.
    pub fn map<K: Into<String>, V: Into<Expr>>(entries: impl IntoIterator<Item = (K, V)>) -> Expr {
        Expr::Map(entries.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }

    /// The literal string, when this value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expr::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for Expr {
    fn from(s: &str) -> Self {
        Expr::Str(s.to_string())
    }
}
impl From<String> for Expr {
    fn from(s: String) -> Self {
        Expr::Str(s)
    }
}
impl From<&String> for Expr {
    fn from(s: &String) -> Self {
        Expr::Str(s.clone())
    }
}
impl From<i64> for Expr {
    fn from(v: i64) -> Self {
        Expr::Int(v)
    }
}
impl From<u32> for Expr {
    fn from(v: u32) -> Self {
        Expr::Int(i64::from(v))
    }
}
impl From<bool> for Expr {
    fn from(v: bool) -> Self {
        Expr::Bool(v)
    }
}
impl From<Pseudo> for Expr {
    fn from(p: Pseudo) -> Self {
        Expr::Pseudo(p)
    }
}
impl From<&Expr> for Expr {
    fn from(e: &Expr) -> Self {
        e.clone()
    }
}

fn single<S: Serializer, V: Serialize + ?Sized>(s: S, key: &str, value: &V) -> Result<S::Ok, S::Error> {
    let mut m = s.serialize_map(Some(1))?;
    m.serialize_entry(key, value)?;
    m.end()
}

struct Pair<'a, A: ?Sized, B: ?Sized>(&'a A, &'a B);
impl<A: Serialize + ?Sized, B: Serialize + ?Sized> Serialize for Pair<'_, A, B> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element(self.0)?;
        seq.serialize_element(self.1)?;
        seq.end()
    }
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Expr::Str(v) => s.serialize_str(v),
            Expr::Int(v) => s.serialize_i64(*v),
            Expr::Bool(v) => s.serialize_bool(*v),
            Expr::List(v) => v.serialize(s),
            Expr::Map(v) => v.serialize(s),
            Expr::Ref(t) => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("Ref", &t.logical_id)?;
                m.serialize_entry(STACK_MARK, &t.stack)?;
                m.end()
            }
            Expr::GetAtt(t, attr) => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("Fn::GetAtt", &Pair(&t.logical_id, attr))?;
                m.serialize_entry(STACK_MARK, &t.stack)?;
                m.end()
            }
            Expr::Pseudo(p) => single(s, "Ref", p.name()),
            Expr::Sub(template, vars) if vars.is_empty() => single(s, "Fn::Sub", template),
            Expr::Sub(template, vars) => single(s, "Fn::Sub", &Pair(template, vars)),
            Expr::Join(delim, parts) => single(s, "Fn::Join", &Pair(delim, parts)),
            Expr::Select(index, list) => single(s, "Fn::Select", &Pair(index, list)),
            Expr::Split(delim, value) => single(s, "Fn::Split", &Pair(delim, value)),
            Expr::ImportValue(name) => single(s, "Fn::ImportValue", name),
            Expr::Equals(a, b) => single(s, "Fn::Equals", &Pair(a, b)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn intrinsics_serialize_in_long_form() {
        let t = Target { stack: "S".into(), logical_id: "Rt".into() };
        let cases = [
            (Expr::Join(",".into(), vec!["a".into(), "b".into()]), json!({"Fn::Join": [",", ["a", "b"]]})),
            (Expr::Select(1, Box::new(Expr::list(["x", "y"]))), json!({"Fn::Select": [1, ["x", "y"]]})),
            (Expr::Split("/".into(), Box::new("a/b".into())), json!({"Fn::Split": ["/", "a/b"]})),
            (Expr::ImportValue(Box::new("X".into())), json!({"Fn::ImportValue": "X"})),
            (Expr::Equals(Box::new("a".into()), Box::new("b".into())), json!({"Fn::Equals": ["a", "b"]})),
            (
                Expr::sub("${Id}-x", [("Id", Expr::GetAtt(t.clone(), "AgentRuntimeId".into()))]),
                json!({"Fn::Sub": ["${Id}-x", {"Id": {"Fn::GetAtt": ["Rt", "AgentRuntimeId"], STACK_MARK: "S"}}]}),
            ),
            (Expr::Ref(t), json!({"Ref": "Rt", STACK_MARK: "S"})),
        ];
        for (expr, want) in cases {
            assert_eq!(serde_json::to_value(&expr).unwrap(), want);
        }
    }
}
