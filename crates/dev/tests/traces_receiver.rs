//! The `--traces console` receiver under hostile input (issue 27, 13): bodies that decode to many
//! times their size are read to a cap and decoded one at a time, and out of file descriptors it
//! waits instead of spinning. One test, so that the process's peak memory, CPU time and
//! descriptor limit are its own.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use corestack_dev::traces::{MAX_EXPORT_BYTES, start_console};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;

fn status_line(name: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(name)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap()
}

/// CPU seconds this process has used (user and system), read from `/proc/self/stat` opened
/// before (no descriptor is free to open it when it matters).
fn cpu_seconds(file: &mut std::fs::File) -> f64 {
    use std::io::{Read, Seek};
    let mut stat = String::new();
    file.rewind().unwrap();
    file.read_to_string(&mut stat).unwrap();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap().split_whitespace().collect();
    (fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap()) / 100.0
}

/// An export whose one span has `n` empty attributes: two bytes of wire each, a whole
/// `KeyValue` decoded.
fn tiny_attributes(n: usize) -> Bytes {
    let span = Span { name: "hostile".into(), attributes: vec![KeyValue::default(); n], ..Default::default() };
    let scope = ScopeSpans { spans: vec![span], ..Default::default() };
    let export = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans { scope_spans: vec![scope], ..Default::default() }],
    };
    Bytes::from(export.encode_to_vec())
}

async fn post(url: &str, body: Bytes) -> u16 {
    let addr = url.trim_start_matches("http://");
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let request = hyper::Request::post("/v1/traces")
        .header("host", addr)
        .header("content-type", "application/x-protobuf")
        .body(Full::new(body))
        .unwrap();
    match sender.send_request(request).await {
        Ok(r) => {
            let status = r.status().as_u16();
            let _ = r.into_body().collect().await;
            status
        }
        Err(_) => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receiver_bounds_memory_and_waits_when_out_of_descriptors() {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let url = start_console(Arc::new(move |l: &str| sink.lock().unwrap().push(l.to_string()))).await.unwrap();

    // Eight at once, each just under the cap: about 35 times their size each when decoded
    // together (290 MB on two worker threads, more with more); one at a time, one body's worth
    // (about 150 MB).
    let body = tiny_attributes((MAX_EXPORT_BYTES - 64) / 2);
    assert!(body.len() <= MAX_EXPORT_BYTES);
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let sends: Vec<_> = (0..8).map(|_| tokio::spawn(post_owned(url.clone(), body.clone()))).collect();
    for send in sends {
        assert_eq!(send.await.unwrap(), 200);
    }
    let peak = status_line("VmHWM") / 1024;
    println!("peak with eight 4 MiB exports of tiny attributes at once: {peak} MB");
    assert!(peak < 200, "peaked at {peak} MB");
    assert_eq!(lines.lock().unwrap().iter().filter(|l| l.contains("span hostile")).count(), 8);

    // Past the cap: refused unread, and said. The client sees the 413, or, still sending, the
    // connection closed under it (0).
    let refused = post(&url, tiny_attributes(MAX_EXPORT_BYTES)).await;
    assert!(refused == 413 || refused == 0, "answered {refused}");
    assert!(lines.lock().unwrap().iter().any(|l| l.contains("a span export over 4 MiB was refused")));

    // Out of descriptors: the accept loop waits instead of spinning, and serves again after.
    let mut stat = std::fs::File::open("/proc/self/stat").unwrap();
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let soft = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap()
        .split_whitespace()
        .nth(3)
        .unwrap()
        .to_string();
    let me = std::process::id().to_string();
    let open = std::fs::read_dir("/proc/self/fd").unwrap().count();
    let limit = (open + 8).to_string();
    assert!(
        std::process::Command::new("prlimit")
            .args(["--pid", &me, &format!("--nofile={limit}:")])
            .status()
            .unwrap()
            .success()
    );
    let addr = url.trim_start_matches("http://").to_string();
    let held: Vec<std::net::TcpStream> = (0..40).filter_map(|_| std::net::TcpStream::connect(&addr).ok()).collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = cpu_seconds(&mut stat);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let used = cpu_seconds(&mut stat) - before;
    println!("CPU while out of descriptors: {used} s in 1 s");
    drop(held);
    assert!(
        std::process::Command::new("prlimit")
            .args(["--pid", &me, &format!("--nofile={soft}:")])
            .status()
            .unwrap()
            .success()
    );
    assert!(used < 0.5, "the receiver used {used} s of CPU in 1 s while out of descriptors");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(post(&url, tiny_attributes(1)).await, 200, "it serves again");
}

async fn post_owned(url: String, body: Bytes) -> u16 {
    post(&url, body).await
}
