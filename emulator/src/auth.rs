//! Authentication of every request: AWS Signature Version 4 (service `bedrock`) or a bearer token.
//!
//! The signature is recomputed here with `hmac` + `sha2` rather than with `aws-sigv4`: that crate
//! signs an outgoing request over the header set *it* chooses, while a server must verify over
//! exactly the headers the client listed in `SignedHeaders` (the Rust SDK and boto3 sign different
//! sets), so the canonical request is rebuilt from that list. The tests sign with `aws-sigv4` and
//! check that this verifier agrees.
//!
//! A signature may be made with the endpoint's own key or with a key of its credentials file;
//! a file key past its `Expiration` is refused with `ExpiredTokenException` before its signature
//! is checked, as AWS refuses expired temporary credentials.

use std::borrow::Cow;

use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

use crate::config::{Credentials, MAX_CLOCK_SKEW_SECONDS};
use crate::error::ApiError;
use crate::key_file::KeyFile;

/// The signing name Bedrock Runtime clients use.
pub const SIGNING_SERVICE: &str = "bedrock";

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const AMZ_DATE: &[FormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

/// Characters left as they are in a canonical URI: RFC 3986 unreserved characters and `/`.
const PATH_SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// Characters left as they are in a canonical query name or value.
const QUERY_SET: &percent_encoding::AsciiSet = &PATH_SET.add(b'/');

/// Who a verified request came from: the access key id it was signed with, or a digest of its
/// bearer token (never the token itself). Callers do not share a prompt cache.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Caller(pub String);

impl Caller {
    fn bearer(token: &str) -> Caller {
        Caller(format!(
            "bearer:{}",
            hex::encode(Sha256::digest(token.as_bytes()))
        ))
    }
}

/// Who may call the endpoint.
#[derive(Clone)]
pub struct Authenticator {
    credentials: Credentials,
    key_file: Option<KeyFile>,
    bearer_token: Option<String>,
}

/// The parts of a request a signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// Path as sent on the wire (still percent-encoded).
    pub path: &'a str,
    /// Query string without `?`, if any.
    pub query: Option<&'a str>,
    /// All request headers.
    pub headers: &'a HeaderMap,
    /// The body bytes.
    pub body: &'a [u8],
}

struct AuthorizationHeader<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

impl Authenticator {
    /// Accept signatures made with `credentials` or with a key of `key_file`, and
    /// `Authorization: Bearer <token>` if set.
    pub fn new(
        credentials: Credentials,
        bearer_token: Option<String>,
        key_file: Option<KeyFile>,
    ) -> Self {
        Authenticator {
            credentials,
            key_file,
            bearer_token,
        }
    }

    /// The secret of `access_key_id` if the caller may use it at `now`: the endpoint's own key,
    /// or a key of the credentials file that has not expired and whose session token, if it has
    /// one, the request carries.
    fn secret_for(
        &self,
        access_key_id: &str,
        headers: &HeaderMap,
        now: OffsetDateTime,
    ) -> Result<Cow<'_, str>, ApiError> {
        if access_key_id == self.credentials.access_key_id {
            return Ok(Cow::Borrowed(&self.credentials.secret_access_key));
        }
        let Some(key) = self.key_file.as_ref().and_then(|f| f.find(access_key_id)) else {
            return Err(ApiError::unrecognized_client());
        };
        if key.expiration.is_some_and(|expiry| now >= expiry) {
            return Err(ApiError::expired_token());
        }
        if let Some(expected) = &key.session_token {
            let sent = header_str(headers, "x-amz-security-token").unwrap_or_default();
            if !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
                return Err(ApiError::unrecognized_client());
            }
        }
        Ok(Cow::Owned(key.secret_access_key))
    }

    /// Check the request's credentials against the clock `now`; `Ok` names the known caller.
    pub fn verify(
        &self,
        request: &SignedRequest<'_>,
        now: OffsetDateTime,
    ) -> Result<Caller, ApiError> {
        let Some(value) = request.headers.get(http::header::AUTHORIZATION) else {
            return Err(ApiError::missing_authentication());
        };
        let value = value
            .to_str()
            .map_err(|_| incomplete("Authorization header is not valid ASCII."))?
            .trim();
        if let Some(token) = value.strip_prefix("Bearer ") {
            return match &self.bearer_token {
                Some(expected)
                    if constant_time_eq(token.trim().as_bytes(), expected.as_bytes()) =>
                {
                    Ok(Caller::bearer(expected))
                }
                _ => Err(ApiError::unrecognized_client()),
            };
        }
        let Some(rest) = value.strip_prefix(ALGORITHM) else {
            return Err(incomplete(
                "Authorization header must use AWS4-HMAC-SHA256 or Bearer.",
            ));
        };
        let header = parse_authorization(rest)?;
        let secret = self.secret_for(header.access_key_id, request.headers, now)?;
        if header.service != SIGNING_SERVICE {
            return Err(ApiError::invalid_signature(format!(
                "Credential should be scoped to correct service: '{SIGNING_SERVICE}'."
            )));
        }
        let amz_date = header_str(request.headers, "x-amz-date")
            .ok_or_else(|| incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."))?;
        let signed_at = time::PrimitiveDateTime::parse(amz_date, AMZ_DATE)
            .map(time::PrimitiveDateTime::assume_utc)
            .map_err(|_| {
                incomplete(
                    "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".",
                )
            })?;
        check_clock(amz_date, signed_at, now)?;
        if !amz_date.starts_with(header.date) {
            return Err(ApiError::invalid_signature(format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}'",
                header.date,
                amz_date.get(..8).unwrap_or(amz_date)
            )));
        }
        if !header.signed_headers.contains(&"host") {
            return Err(incomplete(
                "'Host' must be a 'SignedHeader' in the AWS Authorization.",
            ));
        }
        let canonical = canonical_request(request, &header.signed_headers)?;
        let scope = format!(
            "{}/{}/{}/aws4_request",
            header.date, header.region, header.service
        );
        let string_to_sign = format!(
            "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let key = signing_key(&secret, header.date, header.region, header.service);
        let expected = hex::encode(hmac(&key, string_to_sign.as_bytes()));
        if constant_time_eq(expected.as_bytes(), header.signature.as_bytes()) {
            Ok(Caller(header.access_key_id.to_string()))
        } else {
            Err(ApiError::invalid_signature(
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            ))
        }
    }
}

fn incomplete(message: &str) -> ApiError {
    ApiError::new(403, "IncompleteSignatureException", message)
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn parse_authorization(rest: &str) -> Result<AuthorizationHeader<'_>, ApiError> {
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v.trim()),
            Some(("SignedHeaders", v)) => signed_headers = Some(v.trim()),
            Some(("Signature", v)) => signature = Some(v.trim()),
            _ => {}
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return Err(incomplete(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.",
        ));
    };
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, "aws4_request"] = scope.as_slice() else {
        return Err(incomplete(
            "Credential must have the form <access key id>/<date>/<region>/<service>/aws4_request.",
        ));
    };
    Ok(AuthorizationHeader {
        access_key_id,
        date,
        region,
        service,
        signed_headers: signed_headers.split(';').collect(),
        signature,
    })
}

fn check_clock(
    amz_date: &str,
    signed_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    let skew = time::Duration::seconds(MAX_CLOCK_SKEW_SECONDS);
    let fmt = |t: OffsetDateTime| t.format(AMZ_DATE).unwrap_or_default();
    if signed_at < now - skew {
        return Err(ApiError::invalid_signature(format!(
            "Signature expired: {amz_date} is now earlier than {} ({} - 5 min.)",
            fmt(now - skew),
            fmt(now)
        )));
    }
    if signed_at > now + skew {
        return Err(ApiError::invalid_signature(format!(
            "Signature not yet current: {amz_date} is still later than {} ({} + 5 min.)",
            fmt(now + skew),
            fmt(now)
        )));
    }
    Ok(())
}

fn canonical_request(request: &SignedRequest<'_>, signed: &[&str]) -> Result<String, ApiError> {
    let path = if request.path.is_empty() {
        "/"
    } else {
        request.path
    };
    // The path on the wire is already percent-encoded once (`%3A`); SigV4 for every service but
    // S3 encodes it again (`%253A`), which is what both the Rust SDK and botocore sign.
    let uri = percent_encoding::utf8_percent_encode(path, PATH_SET).to_string();
    let mut lines = vec![
        request.method.to_string(),
        uri,
        canonical_query(request.query),
    ];
    for name in signed {
        let values: Vec<String> = request
            .headers
            .get_all(*name)
            .iter()
            .map(|v| normalize_header_value(&String::from_utf8_lossy(v.as_bytes())))
            .collect();
        if values.is_empty() {
            return Err(ApiError::invalid_signature(format!(
                "The request signature we calculated does not match the signature you provided. \
                 Signed header '{name}' is missing from the request."
            )));
        }
        lines.push(format!("{name}:{}", values.join(",")));
    }
    lines.push(String::new());
    lines.push(signed.join(";"));
    let computed = hex::encode(Sha256::digest(request.body));
    let payload_hash = match header_str(request.headers, "x-amz-content-sha256") {
        // A declared hash is what the client signed; it must still describe this body, or the
        // body could be swapped under a valid signature. `UNSIGNED-PAYLOAD` and the streaming
        // markers are taken as declared.
        Some(declared)
            if declared.len() == 64 && declared.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            if !declared.eq_ignore_ascii_case(&computed) {
                return Err(ApiError::invalid_signature(
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                ));
            }
            declared.to_string()
        }
        Some(declared) => declared.to_string(),
        None => computed,
    };
    lines.push(payload_hash);
    Ok(lines.join("\n"))
}

fn canonical_query(query: Option<&str>) -> String {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return String::new();
    };
    let encode = |s: &str| {
        let decoded = percent_encoding::percent_decode_str(s).decode_utf8_lossy();
        percent_encoding::utf8_percent_encode(&decoded, QUERY_SET).to_string()
    };
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encode(k), encode(v))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn normalize_header_value(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests state expectations
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_file_key_is_refused_as_expired_from_its_expiration_on_by_the_clock_passed_in() {
        let mut file = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
        std::io::Write::write_all(
            &mut file,
            br#"{"credentials": [{"AccessKeyId": "AKIAFILE", "SecretAccessKey": "s",
                "Expiration": "2026-12-02T18:00:00Z"}]}"#,
        )
        .unwrap();
        let auth = Authenticator::new(
            Credentials::new("AKIAOWN", "own"),
            None,
            Some(KeyFile::open(file.path()).unwrap()),
        );
        let headers = HeaderMap::new();
        let before = auth.secret_for("AKIAFILE", &headers, datetime!(2026-12-02 17:59:59 UTC));
        assert_eq!(before.unwrap(), "s");
        for at in [
            datetime!(2026-12-02 18:00:00 UTC),
            datetime!(2026-12-02 19:00:00 +01:00) + time::Duration::seconds(1),
        ] {
            let after = auth.secret_for("AKIAFILE", &headers, at).unwrap_err();
            assert_eq!(after, ApiError::expired_token());
            assert_eq!(
                (after.status, after.code.as_str(), after.message.as_str()),
                (
                    403,
                    "ExpiredTokenException",
                    "The security token included in the request is expired"
                )
            );
        }
        // The endpoint's own key never expires; an unknown one is unrecognized.
        let far = datetime!(2999-01-01 00:00:00 UTC);
        assert_eq!(auth.secret_for("AKIAOWN", &headers, far).unwrap(), "own");
        assert_eq!(
            auth.secret_for("AKIANONE", &headers, far).unwrap_err(),
            ApiError::unrecognized_client()
        );
    }
}
