//! The response cache through the handle: a repeat is answered without a call (the endpoint's
//! request count proves it), streams replay, errors and sampled requests never come from the
//! cache, a cache on disk outlives its handle, and the ledger counts answers from the cache at
//! no cost.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

mod common;

use std::time::Duration;

use bedrock_kit::{Bedrock, CacheOptions, Error, Request};

const MODEL: &str = "Amazon Nova Micro";

fn greedy(prompt: &str) -> Request {
    Request::new(prompt).temperature(0.0)
}

fn cached(options: CacheOptions) -> (bedrock_local::LocalEndpoint, Bedrock) {
    let (endpoint, bedrock) = common::endpoint_and_handle(common::config());
    (endpoint, bedrock.with_response_cache(options).unwrap())
}

#[test]
fn a_repeated_request_is_answered_without_a_call_and_costs_nothing() {
    let (endpoint, bedrock) = cached(CacheOptions::in_memory());
    let first = bedrock.send(MODEL, &greedy("What is Bedrock?")).unwrap();
    let again = bedrock.send(MODEL, &greedy("What is Bedrock?")).unwrap();
    assert_eq!(endpoint.stats().requests, 1, "the repeat made no call");
    assert!(!first.from_cache && again.from_cache);
    assert_eq!(
        (again.text.as_str(), again.usage),
        (first.text.as_str(), first.usage)
    );
    assert_eq!(again.cost.map(|c| c.total()), Some(0.0));
    assert!(again.summary().contains("from the response cache"));

    let stats = bedrock.cache_stats().unwrap();
    assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));
    assert_eq!(stats.tokens_saved, u64::from(first.usage.total));
    assert!(stats.seconds_saved > 0.0);
    let row = &bedrock.costs().rows[0];
    assert_eq!((row.calls, row.cached_answers), (1, 1));
}

#[test]
fn another_model_another_field_or_another_operation_misses() {
    let (endpoint, bedrock) = cached(CacheOptions::in_memory());
    bedrock.send(MODEL, &greedy("Hi")).unwrap();
    bedrock.send("Amazon Nova Lite", &greedy("Hi")).unwrap();
    bedrock.send(MODEL, &greedy("Hi").max_tokens(100)).unwrap();
    bedrock.stream(MODEL, &greedy("Hi")).unwrap();
    assert_eq!(endpoint.stats().requests, 4);
    assert_eq!(bedrock.cache_stats().unwrap().hits, 0);
}

#[test]
fn a_cached_stream_replays_as_a_stream_and_says_where_it_came_from() {
    let (endpoint, bedrock) = cached(CacheOptions::in_memory());
    let live = bedrock.stream(MODEL, &greedy("Tell me a story")).unwrap();
    let replayed = bedrock.stream(MODEL, &greedy("Tell me a story")).unwrap();
    assert_eq!(endpoint.stats().requests, 1);
    assert!(replayed.from_cache);
    assert_eq!(replayed.text, live.text);
    assert_eq!(replayed.content, live.content);
}

#[test]
fn sampled_requests_call_the_model_unless_asked_to_be_cached() {
    let (endpoint, bedrock) = cached(CacheOptions::in_memory());
    for _ in 0..2 {
        bedrock.send(MODEL, &Request::new("Hi")).unwrap(); // the model's default temperature
        bedrock
            .send(MODEL, &Request::new("Hi").temperature(0.7))
            .unwrap();
    }
    assert_eq!(endpoint.stats().requests, 4);
    assert_eq!(bedrock.cache_stats().unwrap().skipped, 4);

    let (endpoint, bedrock) = cached(CacheOptions::in_memory().cache_sampled(true));
    for _ in 0..2 {
        bedrock
            .send(MODEL, &Request::new("Hi").temperature(0.7))
            .unwrap();
    }
    assert_eq!(endpoint.stats().requests, 1);
}

#[test]
fn an_error_is_not_cached_and_the_next_call_tries_again() {
    let toml = r#"
[[rule]]
name = "refuse once"
match = { contains = "flaky" }
fault = { kind = "exception", code = "ValidationException", message = "scripted refusal", times = 1 }
reply = { text = "Answered the second time." }
"#;
    let bedrock = common::with_rules(toml)
        .with_response_cache(CacheOptions::in_memory())
        .unwrap();
    let failed = bedrock.send(MODEL, &greedy("a flaky question"));
    assert!(
        matches!(failed, Err(Error::Validation { .. })),
        "{failed:?}"
    );
    let answered = bedrock.send(MODEL, &greedy("a flaky question")).unwrap();
    assert!(!answered.from_cache);
    let stats = bedrock.cache_stats().unwrap();
    assert_eq!((stats.hits, stats.entries), (0, 1));
}

#[test]
fn a_cache_on_disk_outlives_its_handle_and_refuses_a_second_opener() {
    let dir = tempfile::tempdir().unwrap();
    let request = greedy("What survives a restart?");
    let first = {
        let (_endpoint, bedrock) = cached(CacheOptions::on_disk(dir.path()));
        let reply = bedrock.send(MODEL, &request).unwrap();
        let second_opener = common::local().with_response_cache(CacheOptions::on_disk(dir.path()));
        match second_opener {
            Err(error @ Error::ResponseCache { .. }) => {
                assert!(error.to_string().contains("another"), "{error}")
            }
            other => panic!("a second opener was let in: {other:?}"),
        }
        reply
    };
    let (endpoint, bedrock) = cached(CacheOptions::on_disk(dir.path()));
    let again = bedrock.send(MODEL, &request).unwrap();
    assert!(again.from_cache, "the entry did not survive");
    assert_eq!(again.text, first.text);
    assert_eq!(endpoint.stats().requests, 0);
}

#[test]
fn an_entry_older_than_its_ttl_is_asked_again() {
    let (endpoint, bedrock) = cached(CacheOptions::in_memory().ttl(Duration::from_millis(50)));
    bedrock.send(MODEL, &greedy("Hi")).unwrap();
    std::thread::sleep(Duration::from_millis(120));
    let again = bedrock.send(MODEL, &greedy("Hi")).unwrap();
    assert!(!again.from_cache);
    assert_eq!(endpoint.stats().requests, 2);
}

#[test]
fn two_threads_share_one_cache_through_clones() {
    let (endpoint, bedrock) = cached(CacheOptions::in_memory());
    let questions: Vec<String> = (0..20).map(|n| format!("question {n}")).collect();
    // Opposite orders, so the threads meet halfway and each then asks what the other stored.
    std::thread::scope(|scope| {
        for reversed in [false, true] {
            let bedrock = bedrock.clone();
            let mut mine = questions.clone();
            if reversed {
                mine.reverse();
            }
            scope.spawn(move || {
                for question in &mine {
                    bedrock.send(MODEL, &greedy(question)).unwrap();
                }
            });
        }
    });
    let stats = bedrock.cache_stats().unwrap();
    assert_eq!(stats.hits + stats.misses, 40);
    assert_eq!(stats.entries, 20);
    // A question both threads asked at once may miss twice; every other ask is a hit.
    assert_eq!(endpoint.stats().requests, stats.misses);
    assert!(stats.hits >= 10, "{stats:?}");
}
