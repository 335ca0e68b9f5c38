//! What the response cache saves, and what it costs to keep.
//!
//! ```text
//! cargo bench -p bedrock-kit --bench response_cache
//! ```
//! - `response_cache/local_call`: `Bedrock::send` to the in-process endpoint, no cache (the
//!   cheapest real call there is: plain HTTP on loopback, a scripted answer);
//! - `response_cache/memory_hit`: the same `send` answered by an in-memory cache: the whole hit
//!   path (prepare, canonical JSON, SHA-256, lookup, clone);
//! - `response_cache/disk_hit_10k`: a hit in a disk cache of 10,000 replies of ~1 KB, spread over
//!   the keys so most come from the file, not the 1,000-reply memory layer in front of it.
//!
//! Criterion reports medians; the timed loops after it print p50 and p99 of single calls, the
//! time to fill and reopen the 10,000-entry file, its size, and memory per 1,000 cached replies
//! (as the JSON bytes the cache counts, and as the RSS growth from /proc/self/statm).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a benchmark states expectations

use std::hint::black_box;
use std::time::{Duration, Instant};

use bedrock_kit::{Bedrock, CacheOptions, Request, Settings};
use bedrock_local::{Config, ScenarioSet};
use criterion::{Criterion, criterion_group, criterion_main};

const MODEL: &str = "Amazon Nova Micro";
const DISK_ENTRIES: usize = 10_000;
const LOOKUPS: usize = 10_000;

/// A scripted answer of about 1 KB, the size of a typical paragraph-long reply.
fn rules() -> String {
    let text = "Rivers carry water, sediment and nutrients from the land to the sea. ".repeat(15);
    format!(
        "[[rule]]\nname = \"paragraph\"\nmatch = {{ contains = \"paragraph\" }}\nreply = {{ text = \"{}\" }}\n",
        text.trim_end()
    )
}

fn handle() -> Bedrock {
    let scenarios = ScenarioSet::from_toml_str("bench.toml", &rules()).expect("rules");
    Bedrock::local_with(Config::default().scenarios(scenarios))
        .expect("endpoint")
        .with_settings(Settings::default().echo(false))
}

fn request(n: usize) -> Request {
    Request::new(format!("Write a paragraph about rivers, number {n}.")).temperature(0.0)
}

/// p50 and p99 of `runs` single runs of `call`.
fn percentiles(runs: usize, mut call: impl FnMut(usize)) -> (Duration, Duration) {
    let mut samples: Vec<Duration> = (0..runs)
        .map(|n| {
            let started = Instant::now();
            call(n);
            started.elapsed()
        })
        .collect();
    samples.sort_unstable();
    (samples[runs / 2], samples[runs * 99 / 100])
}

fn micros(duration: Duration) -> String {
    format!("{:.1} µs", duration.as_secs_f64() * 1e6)
}

/// Resident memory of this process, from /proc/self/statm (pages × 4 KiB).
fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// A spread of the disk cache's keys: a stride coprime with the entry count visits all of them.
fn spread(n: usize) -> usize {
    (n * 7919) % DISK_ENTRIES
}

fn hit_vs_call(c: &mut Criterion) {
    let plain = handle();
    let cached = plain
        .clone()
        .with_response_cache(CacheOptions::in_memory())
        .expect("memory cache");
    let hello = request(0);
    assert!(!cached.send(MODEL, &hello).expect("first call").from_cache);
    assert!(cached.send(MODEL, &hello).expect("hit").from_cache);

    let dir = tempfile::tempdir().expect("tempdir");
    let disk = plain
        .clone()
        .with_response_cache(CacheOptions::on_disk(dir.path()))
        .expect("disk cache");
    let started = Instant::now();
    for n in 0..DISK_ENTRIES {
        disk.send(MODEL, &request(n)).expect("fill");
    }
    let fill = started.elapsed();

    let mut group = c.benchmark_group("response_cache");
    group.bench_function("local_call", |b| {
        b.iter(|| black_box(plain.send(MODEL, &hello).expect("call")))
    });
    group.bench_function("memory_hit", |b| {
        b.iter(|| black_box(cached.send(MODEL, &hello).expect("hit")))
    });
    let mut n = 0;
    group.bench_function("disk_hit_10k", |b| {
        b.iter(|| {
            n += 1;
            black_box(disk.send(MODEL, &request(spread(n))).expect("hit"))
        })
    });
    group.finish();

    let (call_p50, call_p99) = percentiles(2_000, |_| {
        black_box(plain.send(MODEL, &hello).expect("call"));
    });
    let (hit_p50, hit_p99) = percentiles(LOOKUPS, |_| {
        black_box(cached.send(MODEL, &hello).expect("hit"));
    });
    let requests: Vec<Request> = (0..LOOKUPS).map(|n| request(spread(n + 1))).collect();
    let (disk_p50, disk_p99) = percentiles(LOOKUPS, |n| {
        let reply = disk.send(MODEL, &requests[n]).expect("hit");
        assert!(reply.from_cache);
    });
    let stats = disk.cache_stats().expect("stats");
    assert_eq!(stats.entries, DISK_ENTRIES);
    let file = dir.path().join("responses.redb");
    let file_size = std::fs::metadata(&file).expect("file").len();
    drop(disk);
    let started = Instant::now();
    let reopened = plain
        .clone()
        .with_response_cache(CacheOptions::on_disk(dir.path()))
        .expect("reopen");
    let reopen = started.elapsed();
    let reopened_size = std::fs::metadata(&file).expect("file").len();
    let (cold_p50, cold_p99) = percentiles(LOOKUPS, |n| {
        assert!(reopened.send(MODEL, &requests[n]).expect("hit").from_cache);
    });

    println!("\nresponse cache, single calls (p50 / p99):");
    println!(
        "  local endpoint call       {} / {}",
        micros(call_p50),
        micros(call_p99)
    );
    println!(
        "  memory hit                {} / {}  ({:.0}× faster at p50)",
        micros(hit_p50),
        micros(hit_p99),
        call_p50.as_secs_f64() / hit_p50.as_secs_f64()
    );
    println!(
        "  disk hit, 10,000 entries  {} / {}",
        micros(disk_p50),
        micros(disk_p99)
    );
    println!(
        "  disk hit after reopening  {} / {}",
        micros(cold_p50),
        micros(cold_p99)
    );
    println!(
        "disk cache: {DISK_ENTRIES} replies of {} B each as JSON ({:.1} MiB stored), file {:.1} MiB, \
         filled in {:.1} s ({:.0} µs a call+store), reopened in {:.0} ms, then {:.1} MiB",
        stats.bytes / DISK_ENTRIES as u64,
        stats.bytes as f64 / 1048576.0,
        file_size as f64 / 1048576.0,
        fill.as_secs_f64(),
        fill.as_secs_f64() * 1e6 / DISK_ENTRIES as f64,
        reopen.as_secs_f64() * 1e3,
        reopened_size as f64 / 1048576.0
    );
}

fn memory_per_thousand(_: &mut Criterion) {
    const REPLIES: usize = 1_000;
    let plain = handle();
    // The same calls without a cache first, so the endpoint's and allocator's own growth is paid
    // before the measured run.
    for n in 0..REPLIES {
        plain.send(MODEL, &request(n)).expect("warm-up call");
    }
    let cached = plain
        .clone()
        .with_response_cache(CacheOptions::in_memory())
        .expect("memory cache");
    let before = rss_bytes();
    for n in 0..REPLIES {
        cached.send(MODEL, &request(n + REPLIES)).expect("call");
    }
    let after = rss_bytes();
    let stats = cached.cache_stats().expect("stats");
    assert_eq!(stats.entries, REPLIES);
    println!(
        "memory per {REPLIES} cached replies: {:.2} MiB as serialised JSON (what the cache counts \
         and bounds); RSS grew {} over the same calls",
        stats.bytes as f64 / 1048576.0,
        match (before, after) {
            (Some(before), Some(after)) =>
                format!("{:.2} MiB", after.saturating_sub(before) as f64 / 1048576.0),
            _ => "(no /proc/self/statm here)".to_string(),
        }
    );
}

// Memory first: the other runs free memory the allocator would reuse for the cached replies.
criterion_group!(benches, memory_per_thousand, hit_vs_call);
criterion_main!(benches);
