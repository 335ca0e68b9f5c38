//! Authentication: SigV4 over exactly the signed headers, bearer tokens, and the 403 codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::Request;
use common::*;
use sha2::Digest;

fn body() -> Vec<u8> {
    converse_body("hello there").to_string().into_bytes()
}

/// A Nova Converse request signed with this key pair at `time`.
fn converse_signed(access_key: &str, secret: &str, time: SystemTime) -> Request<Body> {
    signed_at(
        &path(NOVA, "converse"),
        &body(),
        &[],
        access_key,
        secret,
        time,
    )
}

/// A Nova Converse request that authenticates with a bearer token.
fn converse_with_bearer(token: &str) -> Request<Body> {
    Request::post(path(NOVA, "converse"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(body()))
        .unwrap()
}

#[tokio::test]
async fn request_without_authorization_is_missing_authentication_token() {
    let request = Request::post(path(NOVA, "converse"))
        .header("content-type", "application/json")
        .body(Body::from(body()))
        .unwrap();
    let reply = send(router(), request).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error_code(), "MissingAuthenticationTokenException");
}

#[tokio::test]
async fn unknown_access_key_is_unrecognized_client() {
    let request = converse_signed("AKIAUNKNOWN000000000", SECRET_KEY, SystemTime::now());
    let reply = send(router(), request).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error_code(), "UnrecognizedClientException");
}

#[tokio::test]
async fn wrong_secret_is_invalid_signature() {
    let request = converse_signed(ACCESS_KEY, "not-the-secret", SystemTime::now());
    let reply = send(router(), request).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error_code(), "InvalidSignatureException");
    assert!(
        reply
            .message()
            .starts_with("The request signature we calculated does not match")
    );
}

#[tokio::test]
async fn body_changed_after_signing_is_invalid_signature() {
    let mut request = signed(&path(NOVA, "converse"), &body());
    *request.body_mut() = Body::from(converse_body("hello there!").to_string());
    let reply = send(router(), request).await;
    assert_eq!(reply.error_code(), "InvalidSignatureException");
}

#[tokio::test]
async fn signed_header_changed_after_signing_is_invalid_signature() {
    let mut request = signed(&path(NOVA, "converse"), &body());
    request
        .headers_mut()
        .insert("content-type", "application/x-other".parse().unwrap());
    let reply = send(router(), request).await;
    assert_eq!(reply.error_code(), "InvalidSignatureException");
}

#[tokio::test]
async fn unsigned_header_added_after_signing_is_ignored() {
    let mut request = signed(&path(NOVA, "converse"), &body());
    request
        .headers_mut()
        .insert("user-agent", "changed/1.0".parse().unwrap());
    request
        .headers_mut()
        .insert("amz-sdk-request", "attempt=2; max=3".parse().unwrap());
    assert_eq!(send(router(), request).await.status, 200);
}

#[tokio::test]
async fn clock_skew_beyond_five_minutes_is_refused_both_ways() {
    let past = SystemTime::now() - Duration::from_secs(6 * 60);
    let reply = send(router(), converse_signed(ACCESS_KEY, SECRET_KEY, past)).await;
    assert_eq!(reply.error_code(), "InvalidSignatureException");
    assert!(
        reply.message().starts_with("Signature expired"),
        "{}",
        reply.message()
    );
    let future = SystemTime::now() + Duration::from_secs(6 * 60);
    let reply = send(router(), converse_signed(ACCESS_KEY, SECRET_KEY, future)).await;
    assert_eq!(reply.error_code(), "InvalidSignatureException");
    assert!(
        reply.message().starts_with("Signature not yet current"),
        "{}",
        reply.message()
    );
}

#[tokio::test]
async fn clock_skew_within_five_minutes_is_accepted() {
    let past = SystemTime::now() - Duration::from_secs(4 * 60);
    let reply = send(router(), converse_signed(ACCESS_KEY, SECRET_KEY, past)).await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn boto3_style_header_set_with_content_sha256_verifies() {
    let payload = body();
    let hash = hex::encode(sha2::Sha256::digest(&payload));
    let extra = [
        (
            "amz-sdk-invocation-id",
            "5f0e1c2a-0000-4000-8000-000000000000",
        ),
        ("amz-sdk-request", "attempt=1"),
        ("x-amz-content-sha256", hash.as_str()),
        (
            "x-amz-security-token-ignored",
            "ignored  value   with spaces",
        ),
    ];
    let request = signed_at(
        &path(HAIKU, "converse"),
        &payload,
        &extra,
        ACCESS_KEY,
        SECRET_KEY,
        SystemTime::now(),
    );
    let signed_headers = request.headers()["authorization"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        signed_headers.contains("amz-sdk-invocation-id"),
        "{signed_headers}"
    );
    assert_eq!(send(router(), request).await.status, 200);
}

#[tokio::test]
async fn signature_scoped_to_another_service_is_refused() {
    let request = signed_for_service(
        "s3",
        &path(NOVA, "converse"),
        &body(),
        &[],
        ACCESS_KEY,
        SECRET_KEY,
        SystemTime::now(),
    );
    let reply = send(router(), request).await;
    assert_eq!(reply.error_code(), "InvalidSignatureException");
}

#[tokio::test]
async fn configured_bearer_token_is_accepted_and_another_is_not() {
    assert_eq!(
        send(router(), converse_with_bearer(BEARER)).await.status,
        200
    );
    let reply = send(router(), converse_with_bearer("something-else")).await;
    assert_eq!(
        (reply.status.as_u16(), reply.error_code().as_str()),
        (403, "UnrecognizedClientException")
    );
}

#[tokio::test]
async fn authentication_is_checked_before_any_model_work() {
    let request = signed_at(
        &path("acme.unknown-v1:0", "converse"),
        b"not json",
        &[],
        ACCESS_KEY,
        "bad",
        SystemTime::now(),
    );
    let reply = send(router(), request).await;
    assert_eq!(reply.status, 403);
}

#[test]
fn credentials_debug_and_display_never_show_the_secret() {
    let creds = bedrock_local::Credentials::random();
    assert_eq!(creds.access_key_id.len(), 20);
    assert_eq!(creds.secret_access_key.len(), 40);
    for shown in [
        format!("{creds:?}"),
        creds.to_string(),
        format!(
            "{:?}",
            bedrock_local::Config::default().credentials(creds.clone())
        ),
    ] {
        assert!(!shown.contains(&creds.secret_access_key), "{shown}");
    }
}

#[tokio::test]
async fn declared_content_sha256_must_match_the_body() {
    let wrong = "0".repeat(64);
    let request = signed_at(
        &path(NOVA, "converse"),
        &body(),
        &[("x-amz-content-sha256", wrong.as_str())],
        ACCESS_KEY,
        SECRET_KEY,
        SystemTime::now(),
    );
    let reply = send(router(), request).await;
    assert_eq!(reply.error_code(), "InvalidSignatureException");
    assert!(reply.message().contains("x-amz-content-sha256"));
}
