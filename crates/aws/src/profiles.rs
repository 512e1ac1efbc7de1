//! The profile names of the AWS shared config and credentials files, to tell a user whose
//! `AWS_PROFILE` names none of them (the credential chain then reports an IMDS failure).
//! AWS SDKs and Tools Reference Guide, "Shared config and credentials files": the config file
//! names profiles `[profile NAME]` (and `[default]`), the credentials file `[NAME]`.

use std::path::Path;

/// A file's text, when it is a readable regular file of at most 1 MB.
pub fn read(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    (meta.is_file() && meta.len() <= 1_000_000).then(|| std::fs::read_to_string(path).ok()).flatten()
}

/// The profiles the two files define, sorted, each once.
pub fn names(config: Option<&str>, credentials: Option<&str>) -> Vec<String> {
    let sections = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix('[')?.strip_suffix(']').map(|s| s.trim().to_string()))
            .collect()
    };
    let from_config = config.map(sections).unwrap_or_default().into_iter().filter_map(|s| {
        if s == "default" {
            return Some(s);
        }
        s.strip_prefix("profile ").map(|p| p.trim().to_string())
    });
    let mut all: Vec<String> = from_config.chain(credentials.map(sections).unwrap_or_default()).collect();
    all.sort();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_come_from_both_files_in_their_own_forms() {
        let config = "[default]\nregion = us-east-1\n[profile dev]\n[sso-session corp]\n[services s]\n";
        let credentials = "[ci]\naws_access_key_id = x\n[dev]\n";
        assert_eq!(names(Some(config), Some(credentials)), ["ci", "default", "dev"]);
        assert!(names(None, None).is_empty());
    }
}
