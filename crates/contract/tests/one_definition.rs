//! Each contract constant has one definition, here: no other source of the workspace spells a
//! header name, a contract path or a protocol port out again (comments and tests aside).

use std::path::{Path, PathBuf};

/// The literals only this crate may write, as they would appear in Rust source.
const LITERALS: &[&str] = &[
    "\"x-amzn-bedrock-agentcore-runtime-session-id\"",
    "\"x-amzn-bedrock-agentcore-runtime-request-id\"",
    "\"mcp-session-id\"",
    "\"workloadaccesstoken\"",
    "\"/.well-known/agent-card.json\"",
    "\"/invocations\"",
    "\"/ping\"",
    "\"/mcp\"",
    "\"/ws\"",
    "u16 = 8080",
    "u16 = 8000",
    "u16 = 9000",
    "=> 8080",
    "=> 8000",
    "=> 9000",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source of a file without its comments and its `#[cfg(test)]` module (tests may spell
/// the contract out, to check it).
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or(text);
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

#[test]
fn no_other_source_spells_out_the_contract() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for group in ["crates", "agents"] {
        for member in std::fs::read_dir(workspace.join(group)).unwrap() {
            let member = member.unwrap().path();
            if !member.ends_with("contract") && member.join("src").is_dir() {
                sources(&member.join("src"), &mut files);
            }
        }
    }
    assert!(files.len() > 100, "found {} source files", files.len());
    let mut strays = Vec::new();
    for file in &files {
        let code = code(&std::fs::read_to_string(file).unwrap());
        for literal in LITERALS.iter().filter(|l| code.contains(*l)) {
            strays.push(format!("{}: {literal}", file.strip_prefix(&workspace).unwrap_or(file).display()));
        }
    }
    assert!(strays.is_empty(), "spell these with corestack_contract instead:\n{}", strays.join("\n"));
}
