//! Loading what `check` is given: an assembly directory (its manifest lists the templates) or
//! template files, as hostile input. Besides each file's own limits (see `input`), the whole
//! check is bounded: at most [`MAX_STACKS`] templates and [`MAX_CHECK_BYTES`] of template text,
//! and no template read twice, so that a manifest naming one large template many times cannot
//! take gigabytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::input::ParseError;
use crate::model::{Doc, LoadError, Model};

/// The most templates one check reads: a corestack assembly has about ten.
pub const MAX_STACKS: usize = 100;

/// The most template text one check reads, in bytes: eight full-size templates (a corestack
/// assembly is about 100 KB).
pub const MAX_CHECK_BYTES: usize = 8 * crate::input::MAX_TEMPLATE_BYTES as usize;

/// What a check has read so far.
#[derive(Debug, Default)]
struct Budget {
    bytes: usize,
    /// Each template read, by its real path, with the stack that named it first.
    read: BTreeMap<PathBuf, String>,
}

impl Model {
    /// Loads a corestack assembly directory (its manifest lists the templates) or template files.
    pub fn load(paths: &[PathBuf], production: bool) -> Result<Model, LoadError> {
        let mut docs = Vec::new();
        let mut production = production;
        let mut budget = Budget::default();
        for path in paths {
            if path.is_dir() {
                let manifest_path = path.join("manifest.json");
                let manifest: Value = read_json_or_yaml(&manifest_path, &mut Budget::default())?;
                production |= manifest["environment"]["production"].as_bool().unwrap_or(false);
                for s in manifest["stacks"].as_array().into_iter().flatten() {
                    let (Some(name), Some(file)) = (s["name"].as_str(), s["template"].as_str()) else { continue };
                    let file = template_in(path, file)?;
                    let template = budget.read_template(&file, name, docs.len(), &manifest_path)?;
                    docs.push(Doc { stack: name.to_string(), source: file.display().to_string(), template });
                }
            } else {
                let stem = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let stack =
                    stem.split(".template").next().unwrap_or(&stem).split('.').next().unwrap_or(&stem).to_string();
                let template = budget.read_template(path, &stack, docs.len(), path)?;
                docs.push(Doc { stack, source: path.display().to_string(), template });
            }
        }
        Ok(Model::from_docs(docs, production))
    }
}

impl Budget {
    /// Reads the template of `stack`, the `count`th of the check, which `named_by` lists; refused
    /// when it would pass the check's limits or was read already.
    fn read_template(&mut self, path: &Path, stack: &str, count: usize, named_by: &Path) -> Result<Value, LoadError> {
        let refuse = |reason: String| LoadError::Refused { path: named_by.into(), reason };
        if count >= MAX_STACKS {
            return Err(refuse(format!(
                "it makes the check read more than {MAX_STACKS} templates; a corestack assembly has about ten"
            )));
        }
        let real = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if let Some(first) = self.read.get(&real) {
            return Err(refuse(format!(
                "it names the template {} for stack `{stack}`, read already for stack `{first}`; each stack has a template of its own",
                path.display()
            )));
        }
        self.read.insert(real, stack.to_string());
        let v = read_json_or_yaml(path, self)?;
        if !v.get("Resources").is_some_and(Value::is_object) {
            return Err(LoadError::NotATemplate { path: path.into(), reason: "it has no Resources section".into() });
        }
        Ok(v)
    }
}

fn read_json_or_yaml(path: &Path, budget: &mut Budget) -> Result<Value, LoadError> {
    if !path.exists() {
        let reason = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        return Err(LoadError::Read { path: path.into(), reason });
    }
    let text = crate::input::read_file(path).map_err(|reason| LoadError::Refused { path: path.into(), reason })?;
    budget.bytes += text.len();
    if budget.bytes > MAX_CHECK_BYTES {
        let reason = format!(
            "with it the check reads {} bytes of templates, more than {MAX_CHECK_BYTES} (eight full-size templates); check fewer at a time",
            budget.bytes
        );
        return Err(LoadError::Refused { path: path.into(), reason });
    }
    crate::input::parse(&text).map_err(|e| match e {
        ParseError::Invalid(reason) => LoadError::NotATemplate { path: path.into(), reason },
        ParseError::Refused(reason) => LoadError::Refused { path: path.into(), reason },
    })
}

/// A template path a manifest names, checked: relative, inside the assembly directory (no `..`,
/// no link out of it), and a regular file.
fn template_in(dir: &Path, file: &str) -> Result<PathBuf, LoadError> {
    let manifest = dir.join("manifest.json");
    let refuse = |reason: String| LoadError::Refused { path: manifest.clone(), reason };
    let relative = Path::new(file);
    if relative.is_absolute()
        || relative.components().any(|c| !matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir))
    {
        return Err(refuse(format!(
            "it names the template `{file}`, outside the assembly; a manifest names its templates by file name inside its own directory"
        )));
    }
    let path = dir.join(relative);
    if let (Ok(real), Ok(base)) = (path.canonicalize(), dir.canonicalize())
        && !real.starts_with(&base)
    {
        return Err(refuse(format!("its template `{file}` is a link to {}, outside the assembly", real.display())));
    }
    Ok(path)
}
