//! Where a key path of a problem (`runtimes[0].local.command`) is written in the config file:
//! its line, found in the file's spans, so that a problem found after parsing is shown at its
//! `file:line` as a parse error is. A key the environment's section sets
//! (`environments.<env>.network.vpc_cidr`) is found there first, as it is the one that counts.

use toml::de::{DeTable, DeValue};

/// One step of a key path: a table key or an array index.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// `runtimes[0].local.command` as steps; `None` for a path that is not one (a flag, `--region`).
fn steps(at: &str) -> Option<Vec<Step<'_>>> {
    let mut steps = Vec::new();
    for part in at.split('.') {
        let (key, indexes) = part.split_once('[').map_or((part, ""), |(k, rest)| (k, rest));
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return None;
        }
        steps.push(Step::Key(key));
        for index in indexes.split('[').filter(|i| !i.is_empty()) {
            steps.push(Step::Index(index.strip_suffix(']')?.parse().ok()?));
        }
    }
    Some(steps)
}

/// The byte offset where `steps` lead in `table`, if they lead anywhere.
fn offset(table: &DeTable<'_>, steps: &[Step<'_>]) -> Option<usize> {
    let (Step::Key(key), rest) = steps.split_first()? else { return None };
    let (_, mut value) = table.iter().find(|(k, _)| k.get_ref() == key)?;
    let mut rest = rest;
    loop {
        match (rest.first(), value.get_ref()) {
            (None, _) => return Some(value.span().start),
            (Some(Step::Index(i)), DeValue::Array(items)) => {
                value = items.get(*i)?;
                rest = &rest[1..];
            }
            (Some(Step::Key(_)), DeValue::Table(inner)) => return offset(inner, rest),
            _ => return None,
        }
    }
}

/// The config file's text and its parsed spans, read once for all of its problems.
pub(crate) struct Locator<'a> {
    text: &'a str,
    table: Option<DeTable<'a>>,
}

impl<'a> Locator<'a> {
    /// The spans of `text` (none when it does not parse: then no line is known).
    pub(crate) fn new(text: &'a str) -> Locator<'a> {
        Locator { text, table: DeTable::parse(text).ok().map(|t| t.into_inner()) }
    }

    /// The 1-based line of key path `at`, looked for under `[environments.<env>]` first; `None`
    /// when the file does not write it (a default, or a path that is not a key).
    pub(crate) fn line_of(&self, at: &str, env: &str) -> Option<usize> {
        let table = self.table.as_ref()?;
        let in_env = format!("environments.{env}.{at}");
        let found = [in_env.as_str(), at].into_iter().find_map(|path| offset(table, &steps(path)?))?;
        Some(self.text[..found.min(self.text.len())].matches('\n').count() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(text: &str, at: &str, env: &str) -> Option<usize> {
        Locator::new(text).line_of(at, env)
    }

    const TEXT: &str = "[project]\nname = \"p\"\n\n[[runtimes]]\nname = \"a\"\n\n[[runtimes]]\nname = \"b\"\n[runtimes.local]\ncommand = \"\"\n\n[network]\nvpc_cidr = \"10.0.0.0/16\"\n\n[environments.dev.network]\nvpc_cidr = \"10.1.0.0/16\"\navailability_zone_ids = [\"a\",\n  \"b\"]\n";

    #[test]
    fn a_key_path_is_found_at_its_line_and_the_environments_value_first() {
        assert_eq!(line_of(TEXT, "project.name", "dev"), Some(2));
        assert_eq!(line_of(TEXT, "runtimes[1].name", "dev"), Some(8));
        assert_eq!(line_of(TEXT, "runtimes[1].local.command", "dev"), Some(10));
        assert_eq!(line_of(TEXT, "network.vpc_cidr", "dev"), Some(16), "the environment's value counts");
        assert_eq!(line_of(TEXT, "network.vpc_cidr", "prod"), Some(13));
        assert_eq!(line_of(TEXT, "network.availability_zone_ids[1]", "dev"), Some(18));
    }

    #[test]
    fn what_the_file_does_not_write_has_no_line() {
        for at in ["runtimes[5].name", "network.egress", "--region", "runtimes[x]", "", "project.name.more"] {
            assert_eq!(line_of(TEXT, at, "dev"), None, "{at}");
        }
        assert_eq!(line_of("not toml [", "project.name", "dev"), None);
    }
}
