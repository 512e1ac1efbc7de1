//! Writes the OCI image layout of one static binary, and prints its digest and layer size:
//! `cargo run -p corestack-oci --example write_layout -- BINARY NAME PLATFORM PORT OUT_DIR`
//! (PLATFORM `linux/arm64` or `linux/amd64`). Then, e.g., `skopeo copy oci:OUT_DIR docker://...`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [binary, name, platform, port, out] = args.as_slice() else {
        eprintln!("usage: write_layout BINARY NAME PLATFORM PORT OUT_DIR");
        std::process::exit(2);
    };
    let spec = corestack_oci::ImageSpec {
        binary: binary.into(),
        name: name.clone(),
        platform: corestack_oci::Platform::parse(platform).expect("linux/arm64 or linux/amd64"),
        port: port.parse().expect("a port"),
        env: Vec::new(),
        ca_certificates: Some("/etc/ssl/certs/ca-certificates.crt".into()),
    };
    match corestack_oci::write_layout(&spec, std::path::Path::new(out)) {
        Ok(w) => println!("{} {} bytes compressed", w.manifest_digest, w.layer_bytes),
        Err(e) => {
            eprintln!("write_layout: {e}");
            std::process::exit(1);
        }
    }
}
