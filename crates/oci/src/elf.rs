//! What a binary must be to start in an image with nothing else in it: an ELF executable for the
//! image's platform, static (no program interpreter: the image has no dynamic loader and no libc).
//! A binary that is not fails at start on the service with little to say why; here it is refused
//! before any image is written.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::{OciError, Platform};

/// `e_machine` of AArch64 and of x86-64 (the ELF specification's processor supplements).
const EM_AARCH64: u16 = 183;
const EM_X86_64: u16 = 62;
/// A program header that names the dynamic loader.
const PT_INTERP: u32 = 3;

fn machine(platform: Platform) -> u16 {
    match platform {
        Platform::LinuxArm64 => EM_AARCH64,
        Platform::LinuxAmd64 => EM_X86_64,
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

/// Why `binary` cannot be the entry point of a `platform` image, or `Ok` when it can.
pub fn check_runs_alone(binary: &Path, platform: Platform) -> Result<(), OciError> {
    let refused = |why: String| OciError::NotRunnable { binary: binary.to_path_buf(), why };
    let mut file = std::fs::File::open(binary).map_err(crate::io("cannot read", binary))?;
    let mut head = [0u8; 64];
    file.read_exact(&mut head).map_err(|_| refused("it is too short to be an executable".into()))?;
    if &head[..4] != b"\x7fELF" || head[4] != 2 || head[5] != 1 {
        return Err(refused("it is not a 64-bit little-endian ELF executable".into()));
    }
    let found = u16_at(&head, 18);
    if found != machine(platform) {
        let what = match found {
            EM_AARCH64 => "arm64".to_string(),
            EM_X86_64 => "amd64".to_string(),
            other => format!("ELF machine {other}"),
        };
        return Err(refused(format!("it is built for {what}, not for the image's platform")));
    }
    let phoff = u64::from_le_bytes(head[32..40].try_into().expect("8 bytes"));
    let (size, count) = (u16_at(&head, 54) as usize, u16_at(&head, 56) as usize);
    let mut headers = vec![0u8; size * count];
    file.seek(SeekFrom::Start(phoff))
        .and_then(|_| file.read_exact(&mut headers))
        .map_err(|_| refused("its program headers cannot be read".into()))?;
    let interp =
        headers.chunks(size.max(4)).any(|h| u32::from_le_bytes(h[..4].try_into().expect("4 bytes")) == PT_INTERP);
    if interp {
        return Err(refused("it is linked dynamically, and the image has no dynamic loader or libc".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 64-bit little-endian ELF head for `machine` with one program header of type `kind`.
    fn elf(machine: u16, kind: u32) -> Vec<u8> {
        let mut b = vec![0u8; 64 + 56];
        b[..4].copy_from_slice(b"\x7fELF");
        (b[4], b[5]) = (2, 1);
        b[18..20].copy_from_slice(&machine.to_le_bytes());
        b[32..40].copy_from_slice(&64u64.to_le_bytes());
        b[54..56].copy_from_slice(&56u16.to_le_bytes());
        b[56..58].copy_from_slice(&1u16.to_le_bytes());
        b[64..68].copy_from_slice(&kind.to_le_bytes());
        b
    }

    fn check(bytes: &[u8], platform: Platform) -> Result<(), String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bin");
        std::fs::write(&path, bytes).unwrap();
        check_runs_alone(&path, platform).map_err(|e| e.to_string())
    }

    #[test]
    fn a_static_binary_of_the_platform_runs_alone_and_nothing_else_does() {
        const PT_LOAD: u32 = 1;
        assert_eq!(check(&elf(EM_AARCH64, PT_LOAD), Platform::LinuxArm64), Ok(()));
        assert_eq!(check(&elf(EM_X86_64, PT_LOAD), Platform::LinuxAmd64), Ok(()));
        let wrong = check(&elf(EM_X86_64, PT_LOAD), Platform::LinuxArm64).unwrap_err();
        assert!(wrong.contains("built for amd64, not for the image's platform"), "{wrong}");
        let dynamic = check(&elf(EM_AARCH64, PT_INTERP), Platform::LinuxArm64).unwrap_err();
        assert!(dynamic.contains("linked dynamically"), "{dynamic}");
        assert!(check(b"#!/bin/sh\necho hi\n", Platform::LinuxArm64).unwrap_err().contains("too short"));
        assert!(check(&[b'x'; 80], Platform::LinuxArm64).unwrap_err().contains("not a 64-bit"));
    }

    /// This machine's own tools are dynamic x86-64 executables: refused for what they are.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn a_dynamically_linked_system_binary_is_refused() {
        let ls = Path::new("/bin/ls");
        let e = check_runs_alone(ls, Platform::LinuxAmd64).unwrap_err().to_string();
        assert!(e.contains("linked dynamically") && e.contains("fix:"), "{e}");
        let e = check_runs_alone(ls, Platform::LinuxArm64).unwrap_err().to_string();
        assert!(e.contains("built for amd64"), "{e}");
    }
}
