//! Reading templates as hostile input: only regular files, at most CloudFormation's own size
//! limit, nesting bounded before the parser sees it, and YAML alias expansion bounded by a budget
//! of nodes, so that no file of a few kilobytes can take gigabytes or minutes.

use std::cell::Cell;
use std::path::Path;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// The largest template CloudFormation takes (from S3; 51,200 bytes inline), as sent: compact
/// JSON, or the YAML text. AWS CloudFormation User Guide, "CloudFormation quotas": template body
/// size in an Amazon S3 object, 1 MB.
pub const MAX_TEMPLATE_BYTES: u64 = 1_000_000;

/// The largest file read as a template: pretty-printed JSON of a template CloudFormation takes is
/// about twice its compact size.
pub const MAX_FILE_BYTES: u64 = 4 * MAX_TEMPLATE_BYTES;

/// The deepest nesting of `[` and `{` a template may have: the one limit of every file corestack
/// reads (see `corestack_text::file`).
pub const MAX_NESTING: usize = corestack_text::file::MAX_NESTING;

/// The most values a YAML document may expand to (aliases included): a 1 MB template of real
/// resources has well under 100,000; 500,000 take about 50 MB to hold.
pub const MAX_YAML_NODES: usize = 500_000;

/// Reads a template file: a regular file (not a device, pipe or directory) of at most
/// [`MAX_FILE_BYTES`].
pub(crate) fn read_file(path: &Path) -> Result<String, String> {
    use corestack_text::file::{FileError, read_regular_file};
    read_regular_file(path, MAX_FILE_BYTES).map_err(|e| match e {
        FileError::TooLarge { bytes, .. } => too_large(bytes),
        FileError::NotRegular => "it is not a regular file (a device, pipe or directory is not a template)".into(),
        other => other.to_string(),
    })
}

fn too_large(bytes: u64) -> String {
    format!(
        "it has {bytes} bytes or more (as compact JSON, or as YAML text); CloudFormation takes templates of at most 1 MB (51,200 bytes inline), so it could not be deployed either"
    )
}

/// Why a template's text was not parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// It is not valid JSON or YAML.
    #[error("{0}")]
    Invalid(String),
    /// It would be too large or too deep to take: refused before it could exhaust memory.
    #[error("{0}")]
    Refused(String),
}

/// Parses JSON, or YAML with CloudFormation's short tags (`!Ref`, `!GetAtt`, `!Sub`, ...).
pub fn parse(text: &str) -> Result<Value, ParseError> {
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(ParseError::Refused(too_large(text.len() as u64)));
    }
    if corestack_text::file::nests_deeper_than(text, MAX_NESTING) {
        return Err(ParseError::Refused(format!(
            "it nests `[` or `{{` more than {MAX_NESTING} deep; no CloudFormation template needs that"
        )));
    }
    if text.trim_start().starts_with('{') {
        let value: Value = serde_json::from_str(text).map_err(|e| ParseError::Invalid(format!("invalid JSON: {e}")))?;
        // CloudFormation counts the body as sent; deploys send compact JSON.
        let compact = serde_json::to_string(&value).map(|s| s.len() as u64).unwrap_or(0);
        if compact > MAX_TEMPLATE_BYTES {
            return Err(ParseError::Refused(too_large(compact)));
        }
        return Ok(value);
    }
    if text.len() as u64 > MAX_TEMPLATE_BYTES {
        return Err(ParseError::Refused(too_large(text.len() as u64)));
    }
    NODES.with(|n| n.set(0));
    let tree = Node::deserialize(serde_yaml_ng::Deserializer::from_str(text)).map_err(|e| {
        let e = e.to_string();
        if e.contains(BUDGET_MESSAGE) {
            ParseError::Refused(format!(
                "its YAML aliases expand to more than {MAX_YAML_NODES} values; refused so that it cannot exhaust memory"
            ))
        } else {
            ParseError::Invalid(format!("invalid YAML: {e}"))
        }
    })?;
    Ok(tree.0)
}

thread_local! {
    /// Values built so far in the current YAML parse.
    static NODES: Cell<usize> = const { Cell::new(0) };
}

const BUDGET_MESSAGE: &str = "corestack: YAML node budget exceeded";

/// Counts one value against the budget.
fn count<E: de::Error>() -> Result<(), E> {
    NODES.with(|n| {
        let next = n.get() + 1;
        n.set(next);
        if next > MAX_YAML_NODES { Err(E::custom(BUDGET_MESSAGE)) } else { Ok(()) }
    })
}

/// A YAML value as JSON, with short tags turned into intrinsics, built under the node budget:
/// every value the parser produces, aliases replayed included, is counted as it is made.
struct Node(Value);

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor).map(Node)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        count()?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        count()?;
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        count()?;
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        count()?;
        Ok(serde_json::Number::from_f64(v).map(Value::Number).unwrap_or(Value::Null))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        count()?;
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        count()?;
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        count()?;
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Node::deserialize(d).map(|n| n.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        count()?;
        let mut out = Vec::new();
        while let Some(Node(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        count()?;
        let mut out = Map::new();
        while let Some((Node(k), Node(v))) = map.next_entry()? {
            let key = match k {
                Value::String(s) => s,
                other => other.to_string(),
            };
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
    /// A tagged value (`!Ref X`): serde_yaml_ng presents the tag as the variant.
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        use serde::de::VariantAccess;
        count()?;
        let (tag, variant): (String, _) = data.variant()?;
        let Node(inner) = variant.newtype_variant()?;
        Ok(intrinsic(tag.trim_start_matches('!'), inner))
    }
}

/// CloudFormation's short form as its long form: `!GetAtt A.B` is `{"Fn::GetAtt": ["A", "B"]}`,
/// `!Ref X` and `!Condition X` keep their names, every other `!Name` is `Fn::Name`.
fn intrinsic(name: &str, inner: Value) -> Value {
    match name {
        "Ref" | "Condition" => serde_json::json!({ name: inner }),
        "GetAtt" => {
            let inner = match inner {
                Value::String(s) => match s.split_once('.') {
                    Some((a, b)) => Value::Array(vec![Value::String(a.into()), Value::String(b.into())]),
                    None => Value::String(s),
                },
                other => other,
            };
            serde_json::json!({ "Fn::GetAtt": inner })
        }
        other => serde_json::json!({ format!("Fn::{other}"): inner }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn yaml_short_tags_become_intrinsics() {
        let v = parse("Resources:\n  A:\n    Type: X\n    Properties:\n      R: !Ref B\n      G: !GetAtt B.Arn\n      S: !Sub 'a-${B}'\n      I: !ImportValue shared\n      L: !Join ['', [a, !Ref B]]\n").unwrap();
        let p = &v["Resources"]["A"]["Properties"];
        assert_eq!(p["R"], json!({"Ref": "B"}));
        assert_eq!(p["G"], json!({"Fn::GetAtt": ["B", "Arn"]}));
        assert_eq!(p["S"], json!({"Fn::Sub": "a-${B}"}));
        assert_eq!(p["I"], json!({"Fn::ImportValue": "shared"}));
        assert_eq!(p["L"], json!({"Fn::Join": ["", ["a", {"Ref": "B"}]]}));
    }

    #[test]
    fn one_big_anchor_repeated_is_refused_quickly() {
        let anchor: String = (0..5_000).map(|i| format!("  k{i}: v\n")).collect();
        let aliases: String = (0..2_000).map(|i| format!("b{i}: *a\n")).collect();
        let text = format!("a: &a\n{anchor}{aliases}");
        assert!(text.len() < 100_000);
        let e = parse(&text).unwrap_err();
        assert!(matches!(e, ParseError::Refused(_)), "{e:?}");
        assert!(e.to_string().contains("aliases expand to more than"), "{e}");
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let e = parse(&"[".repeat(200_000)).unwrap_err();
        assert!(matches!(e, ParseError::Refused(_)), "{e:?}");
        assert!(e.to_string().contains("nests `[` or `{` more than 64 deep"), "{e}");
        // Brackets in strings and comments are not nesting.
        assert!(!corestack_text::file::nests_deeper_than(
            &format!("a: '{}'\n# {}\n", "[".repeat(100), "{".repeat(100)),
            64
        ));
    }
}
