//! The image's one layer, as a reproducible gzipped tar.

use std::io::Write as _;

use sha2::{Digest as _, Sha256};

use crate::{ImageSpec, NONROOT, OciError, io};

/// One entry of the layer.
enum Entry {
    Dir { path: &'static str, mode: u32, owner: u32 },
    File { path: String, mode: u32, bytes: Vec<u8> },
}

const PASSWD: &str = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n";
const GROUP: &str = "root:x:0:\nnonroot:x:65532:\n";

/// The gzipped layer and its diff ID (the digest of the uncompressed tar).
pub(crate) fn build(spec: &ImageSpec) -> Result<(Vec<u8>, String), OciError> {
    let name = &spec.name;
    // A file name at the root, and none of the layer's own directories.
    let reserved = name.bytes().all(|b| b == b'.') || matches!(name.as_str(), "etc" | "home" | "tmp");
    if reserved || !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) {
        return Err(OciError::Name(name.clone()));
    }
    let binary = std::fs::read(&spec.binary).map_err(io("cannot read the binary", &spec.binary))?;
    let mut entries = vec![
        Entry::Dir { path: "etc/", mode: 0o755, owner: 0 },
        Entry::File { path: "etc/group".into(), mode: 0o644, bytes: GROUP.into() },
        Entry::File { path: "etc/passwd".into(), mode: 0o644, bytes: PASSWD.into() },
        Entry::Dir { path: "home/", mode: 0o755, owner: 0 },
        Entry::Dir { path: "home/nonroot/", mode: 0o700, owner: NONROOT },
        Entry::Dir { path: "tmp/", mode: 0o1777, owner: 0 },
    ];
    if let Some(ca) = &spec.ca_certificates {
        let bytes = std::fs::read(ca).map_err(io("cannot read the CA certificates", ca))?;
        entries.insert(3, Entry::Dir { path: "etc/ssl/", mode: 0o755, owner: 0 });
        entries.insert(4, Entry::Dir { path: "etc/ssl/certs/", mode: 0o755, owner: 0 });
        entries.insert(5, Entry::File { path: "etc/ssl/certs/ca-certificates.crt".into(), mode: 0o644, bytes });
    }
    entries.insert(0, Entry::File { path: name.clone(), mode: 0o755, bytes: binary });

    let mut tar = tar::Builder::new(Vec::new());
    for e in &entries {
        let mut header = tar::Header::new_gnu();
        header.set_mtime(0);
        match e {
            Entry::Dir { path, mode, owner } => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(*mode);
                header.set_uid(u64::from(*owner));
                header.set_gid(u64::from(*owner));
                header.set_size(0);
                header.set_cksum();
                tar.append_data(&mut header, path, std::io::empty()).map_err(tar_error)?;
            }
            Entry::File { path, mode, bytes } => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(*mode);
                header.set_uid(0);
                header.set_gid(0);
                header.set_size(bytes.len() as u64);
                header.set_cksum();
                tar.append_data(&mut header, path, bytes.as_slice()).map_err(tar_error)?;
            }
        }
    }
    let tar = tar.into_inner().map_err(tar_error)?;
    let diff_id = format!("sha256:{:x}", Sha256::digest(&tar));
    // No file name and mtime 0 in the gzip header: the same tar always compresses the same.
    let mut gz = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::best());
    gz.write_all(&tar).map_err(tar_error)?;
    Ok((gz.finish().map_err(tar_error)?, diff_id))
}

fn tar_error(source: std::io::Error) -> OciError {
    OciError::Io { what: "cannot assemble the layer in", path: "memory".into(), source }
}
