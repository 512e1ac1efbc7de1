//! Writing a set of new files into a directory, all or nothing, never through a link: what `init`
//! needs so that a hostile or unlucky directory (a dangling `corestack.toml` link, a `src` that
//! is a link elsewhere or a plain file) can neither redirect a write outside the project nor
//! leave half a project behind.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// Why a set of files could not be written. Nothing of the set is left behind in any case.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NewFilesError {
    /// Entries (files, links, even dangling ones) are already where new files would go.
    #[error("{} already exist(s)", .0.join(", "))]
    Taken(Vec<String>),
    /// A folder on a file's path is a link or not a folder.
    #[error("{path} is {what}, not a folder of the project; nothing is written through it")]
    NotAFolder {
        /// The entry.
        path: String,
        /// What it is instead (`a symbolic link`, `a file`).
        what: &'static str,
    },
    /// A path given was absolute or climbed out (`..`); a bug of the caller, stated anyway.
    #[error("{0} is not a path inside the project")]
    Outside(String),
    /// The file system refused.
    #[error("cannot write {path}: {reason}")]
    Io {
        /// The file or folder.
        path: String,
        /// Why.
        reason: std::io::Error,
    },
}

/// Writes each `(relative path, text)` under `root`. Every check runs before the first write; a
/// file is created with create-new (which never follows a link, dangling or not); folders are
/// made one at a time and must be real folders. On any error, the files and folders this call
/// made are removed again.
pub fn write_all(root: &Path, files: &[(PathBuf, String)]) -> Result<(), NewFilesError> {
    check(root, files)?;
    let mut made = Made::default();
    for (relative, text) in files {
        if let Err(e) = made.write(root, relative, text) {
            made.undo();
            return Err(e);
        }
    }
    Ok(())
}

/// Every refusal that can be known before writing: taken names, links and files on the way.
fn check(root: &Path, files: &[(PathBuf, String)]) -> Result<(), NewFilesError> {
    let mut taken = Vec::new();
    for (relative, _) in files {
        if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(NewFilesError::Outside(relative.display().to_string()));
        }
        let mut folder = root.to_path_buf();
        let parents: Vec<_> = relative.parent().map(|p| p.components().collect()).unwrap_or_default();
        for part in parents {
            folder.push(part);
            folder_or_absent(&folder)?;
        }
        let path = root.join(relative);
        if path.symlink_metadata().is_ok() {
            taken.push(path.display().to_string());
        }
    }
    if taken.is_empty() { Ok(()) } else { Err(NewFilesError::Taken(taken)) }
}

/// Ok when `path` is a real folder (not a link to one) or nothing at all.
fn folder_or_absent(path: &Path) -> Result<(), NewFilesError> {
    let what = match path.symlink_metadata() {
        Err(_) => return Ok(()),
        Ok(m) if m.file_type().is_symlink() => "a symbolic link",
        Ok(m) if m.is_dir() => return Ok(()),
        Ok(_) => "a file",
    };
    Err(NewFilesError::NotAFolder { path: path.display().to_string(), what })
}

/// What one call made, newest last, to take back on failure.
#[derive(Default)]
struct Made(Vec<(PathBuf, bool)>);

impl Made {
    fn write(&mut self, root: &Path, relative: &Path, text: &str) -> Result<(), NewFilesError> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |reason| NewFilesError::Io { path, reason }
        };
        if !root.exists() {
            std::fs::create_dir_all(root).map_err(io(root))?;
            self.0.push((root.to_path_buf(), true));
        }
        let mut folder = root.to_path_buf();
        for part in relative.parent().into_iter().flat_map(Path::components) {
            folder.push(part);
            folder_or_absent(&folder)?;
            if folder.symlink_metadata().is_err() {
                std::fs::create_dir(&folder).map_err(io(&folder))?;
                self.0.push((folder.clone(), true));
            }
        }
        let path = root.join(relative);
        let mut file = OpenOptions::new().write(true).create_new(true).open(&path).map_err(io(&path))?;
        self.0.push((path.clone(), false));
        file.write_all(text.as_bytes()).map_err(io(&path))
    }

    /// Removes what was made, files before the folders that hold them.
    fn undo(self) {
        for (path, is_folder) in self.0.into_iter().rev() {
            let _ = if is_folder { std::fs::remove_dir(&path) } else { std::fs::remove_file(&path) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> Vec<(PathBuf, String)> {
        vec![
            (PathBuf::from("corestack.toml"), "a".into()),
            (PathBuf::from("src/main.rs"), "b".into()),
            (PathBuf::from("Dockerfile"), "c".into()),
        ]
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn writes_every_file_into_new_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("p");
        write_all(&root, &set()).unwrap();
        assert_eq!(std::fs::read_to_string(root.join("src/main.rs")).unwrap(), "b");
        assert_eq!(entries(&root), ["Dockerfile", "corestack.toml", "src"]);
    }

    #[test]
    fn a_dangling_link_is_taken_and_nothing_is_written_through_it() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.toml");
        let root = dir.path().join("p");
        std::fs::create_dir(&root).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("corestack.toml")).unwrap();
        let e = write_all(&root, &set()).unwrap_err();
        assert!(matches!(e, NewFilesError::Taken(ref t) if t.len() == 1), "{e}");
        assert!(!outside.exists());
        assert_eq!(entries(&root), ["corestack.toml"]);
    }

    #[test]
    fn a_linked_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let root = dir.path().join("p");
        std::fs::create_dir(&root).unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("src")).unwrap();
        let e = write_all(&root, &set()).unwrap_err().to_string();
        assert!(e.contains("src is a symbolic link"), "{e}");
        assert!(entries(&elsewhere).is_empty());
        assert_eq!(entries(&root), ["src"]);
    }

    #[test]
    fn a_file_where_a_folder_goes_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("p");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(root.join("src"), "mine").unwrap();
        let e = write_all(&root, &set()).unwrap_err().to_string();
        assert!(e.contains("src is a file"), "{e}");
        assert_eq!(entries(&root), ["src"]);
        assert_eq!(std::fs::read_to_string(root.join("src")).unwrap(), "mine");
    }

    #[test]
    fn a_failure_halfway_takes_back_what_was_made() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("p");
        // The second file's name is a folder made after the check: create-new fails on it.
        let mut files = set();
        files.insert(1, (PathBuf::from("late/x"), "x".into()));
        files.push((PathBuf::from("late"), "clash".into()));
        assert!(write_all(&root, &files).is_err());
        assert!(!root.exists(), "{:?}", entries(&root));
    }

    #[test]
    fn paths_out_of_the_root_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["../x", "/etc/x", "a/../../x"] {
            let e = write_all(dir.path(), &[(PathBuf::from(bad), String::new())]).unwrap_err();
            assert!(matches!(e, NewFilesError::Outside(_)), "{bad}: {e}");
        }
    }
}
