//! Prints the default config with N runtimes (default 100), for benchmarks and experiments:
//! `cargo run -p corestack-app --example write_fixture -- 100 > many.toml`

fn main() {
    let n = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    print!("{}", corestack_app::fixtures::many_runtimes(n));
}
