//! Signatures of reasoning blocks: what the endpoint sends with each reasoning text and checks
//! when the text comes back.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use bedrock_catalog::{Model, Thinking};

type HmacSha256 = Hmac<Sha256>;

/// Signs reasoning text with a random secret made when the endpoint starts (never derived from
/// credentials, never shown): only this endpoint's own blocks verify, and only unchanged.
#[derive(Clone)]
pub struct Signer {
    key: [u8; 32],
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer { key: <hidden> }")
    }
}

impl Default for Signer {
    fn default() -> Self {
        Signer::new()
    }
}

impl Signer {
    /// A signer with a fresh random secret.
    pub fn new() -> Signer {
        Signer {
            key: rand::random(),
        }
    }

    fn mac(&self, model_id: &str, text: &str) -> HmacSha256 {
        // HMAC takes a key of any length, so `new_from_slice` cannot fail; the fallback keeps
        // the code panic-free all the same.
        let mut mac = HmacSha256::new_from_slice(&self.key)
            .unwrap_or_else(|_| <HmacSha256 as Mac>::new(&Default::default()));
        mac.update(model_id.as_bytes());
        mac.update(&[0]);
        mac.update(text.as_bytes());
        mac
    }

    /// The signature of `text` produced by the model `model_id` (base64).
    pub fn sign(&self, model_id: &str, text: &str) -> String {
        BASE64.encode(self.mac(model_id, text).finalize().into_bytes())
    }

    /// Whether `signature` is this endpoint's signature of exactly `text` for `model_id`
    /// (compared in constant time).
    pub fn verify(&self, model_id: &str, text: &str, signature: &str) -> bool {
        let Ok(bytes) = BASE64.decode(signature) else {
            return false;
        };
        self.mac(model_id, text).verify_slice(&bytes).is_ok()
    }
}

/// What one answer's reasoning blocks are signed with: Claude signs its reasoning, DeepSeek-R1
/// sends none (aws-samples/bedrock-chat#851: its reasoning blocks carry no signature).
#[derive(Debug, Clone, Copy)]
pub struct Signatures<'a> {
    signer: Option<(&'a Signer, &'a str)>,
}

impl<'a> Signatures<'a> {
    /// No signatures (native bodies, models that do not sign).
    pub fn none() -> Signatures<'static> {
        Signatures { signer: None }
    }

    /// Signatures for `model`'s answers: only models with a thinking budget sign.
    pub fn for_model(signer: &'a Signer, model: &'a Model) -> Signatures<'a> {
        let signs = matches!(model.thinking, Some(Thinking::Budget { .. }));
        Signatures {
            signer: signs.then_some((signer, model.id.as_str())),
        }
    }

    /// The signature to send with `text`, when the model signs.
    pub fn of(&self, text: &str) -> Option<String> {
        self.signer.map(|(signer, model)| signer.sign(model, text))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    const MODEL: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";

    #[test]
    fn a_signature_verifies_its_text_and_nothing_else() {
        let signer = Signer::new();
        let signature = signer.sign(MODEL, "Six times seven is forty-two.");
        assert!(signer.verify(MODEL, "Six times seven is forty-two.", &signature));
        assert!(!signer.verify(MODEL, "Six times seven is forty-three.", &signature));
        assert!(!signer.verify(
            "anthropic.claude-haiku-4-5-20251001-v1:0",
            "Six times seven is forty-two.",
            &signature
        ));
        let mut changed = signature.clone().into_bytes();
        changed[0] = if changed[0] == b'A' { b'B' } else { b'A' };
        assert!(!signer.verify(
            MODEL,
            "Six times seven is forty-two.",
            &String::from_utf8(changed).unwrap()
        ));
        assert!(!signer.verify(MODEL, "Six times seven is forty-two.", "not base64!"));
    }

    #[test]
    fn another_endpoints_signature_does_not_verify() {
        let signature = Signer::new().sign(MODEL, "text");
        assert!(!Signer::new().verify(MODEL, "text", &signature));
    }

    #[test]
    fn claude_signs_and_deepseek_does_not() {
        let signer = Signer::new();
        let sonnet = bedrock_catalog::find("Claude Sonnet 4.5").unwrap();
        let r1 = bedrock_catalog::find("DeepSeek-R1").unwrap();
        let signed = Signatures::for_model(&signer, sonnet).of("why").unwrap();
        assert!(signer.verify(&sonnet.id, "why", &signed));
        assert_eq!(Signatures::for_model(&signer, r1).of("why"), None);
        assert_eq!(Signatures::none().of("why"), None);
        assert_eq!(format!("{signer:?}"), "Signer { key: <hidden> }");
    }
}
