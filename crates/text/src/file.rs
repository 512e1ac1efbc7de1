//! Reading a file someone names (a config, a template, a tool schema) as hostile input: a regular
//! file only (a device such as `/dev/zero`, a pipe or a directory is refused before it is read,
//! links followed to what they name), at most a given size, and nesting measured before a parser
//! can recurse into it.

use std::io::Read;
use std::path::Path;

/// The deepest nesting of `[` and `{` a document may have, the same for every file corestack
/// reads and for the templates it writes: generated templates stay under 20.
pub const MAX_NESTING: usize = 64;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// It is a device, a pipe, a socket or a directory.
    #[error("it is not a regular file (a device, pipe or directory is not read)")]
    NotRegular,
    /// It is larger than its kind of file may be.
    #[error("it has {bytes} bytes or more, past the {max} this kind of file may have")]
    TooLarge {
        /// Its size, or the bytes read before stopping.
        bytes: u64,
        /// The most allowed.
        max: u64,
    },
    /// The system refused to read it.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The text of the regular file at `path`, of at most `max` bytes. The size is looked at
/// before reading and bounded while reading (it can change in between, or lie, as in `/proc`).
pub fn read_regular_file(path: &Path, max: u64) -> Result<String, FileError> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(FileError::NotRegular);
    }
    if meta.len() > max {
        return Err(FileError::TooLarge { bytes: meta.len(), max });
    }
    let file = std::fs::File::open(path)?;
    // What was opened is what is read: a file swapped for a pipe after the look is refused here.
    if !file.metadata()?.is_file() {
        return Err(FileError::NotRegular);
    }
    let mut text = String::new();
    file.take(max + 1).read_to_string(&mut text)?;
    if text.len() as u64 > max {
        return Err(FileError::TooLarge { bytes: text.len() as u64, max });
    }
    Ok(text)
}

/// Whether `text` nests `[`/`{` deeper than `limit` outside strings and `#` comments (JSON, and
/// YAML's flow style); it stops at the first level past the limit.
pub fn nests_deeper_than(text: &str, limit: usize) -> bool {
    let (mut depth, mut quote, mut comment, mut escaped) = (0usize, None::<char>, false, false);
    let mut previous = '\n';
    for c in text.chars() {
        if comment {
            comment = c != '\n';
        } else if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if q == '"' && c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
        } else {
            match c {
                '"' | '\'' => quote = Some(c),
                '#' if previous.is_whitespace() => comment = true,
                '[' | '{' => {
                    depth += 1;
                    if depth > limit {
                        return true;
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        previous = c;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_of_bounded_size_are_read() {
        assert!(matches!(read_regular_file(Path::new("/dev/zero"), 10), Err(FileError::NotRegular)));
        assert!(matches!(read_regular_file(Path::new("/"), 10), Err(FileError::NotRegular)));
        let dir = std::env::temp_dir().join(format!("corestack-text-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("f");
        std::fs::write(&file, "hello").unwrap();
        assert_eq!(read_regular_file(&file, 5).unwrap(), "hello");
        assert!(matches!(read_regular_file(&file, 4), Err(FileError::TooLarge { bytes: 5, max: 4 })));
        std::os::unix::fs::symlink("/dev/zero", dir.join("link")).unwrap();
        assert!(matches!(read_regular_file(&dir.join("link"), 10), Err(FileError::NotRegular)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn nesting_is_counted_outside_strings_and_comments() {
        assert!(!nests_deeper_than(r#"{"a": "[[[[", "b": [1]}"#, 2));
        assert!(nests_deeper_than("[[[", 2));
        assert!(!nests_deeper_than("a: 1 # [[[\n", 0));
    }
}
