//! Model identifiers as Bedrock accepts them: bare foundation-model ids, cross-region
//! inference-profile ids (`us.`, `eu.`, `global.`, ...) and the ARNs of both.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The geography of a cross-region inference profile: the prefix of its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Geography {
    /// `us.`: United States regions.
    #[serde(rename = "us")]
    Us,
    /// `us-gov.`: AWS GovCloud (US).
    #[serde(rename = "us-gov")]
    UsGov,
    /// `eu.`: European Union regions.
    #[serde(rename = "eu")]
    Eu,
    /// `apac.`: Asia Pacific regions.
    #[serde(rename = "apac")]
    Apac,
    /// `jp.`: Japan regions.
    #[serde(rename = "jp")]
    Jp,
    /// `au.`: Australia regions.
    #[serde(rename = "au")]
    Au,
    /// `ca.`: Canada regions.
    #[serde(rename = "ca")]
    Ca,
    /// `global.`: any commercial region.
    #[serde(rename = "global")]
    Global,
}

impl Geography {
    /// Every geography, in the order the catalog lists them.
    pub const ALL: [Geography; 8] = [
        Geography::Us,
        Geography::UsGov,
        Geography::Eu,
        Geography::Apac,
        Geography::Jp,
        Geography::Au,
        Geography::Ca,
        Geography::Global,
    ];

    /// The id prefix without its dot (`us`, `global`, ...).
    ///
    /// ```
    /// assert_eq!(bedrock_catalog::Geography::UsGov.prefix(), "us-gov");
    /// ```
    pub fn prefix(self) -> &'static str {
        match self {
            Geography::Us => "us",
            Geography::UsGov => "us-gov",
            Geography::Eu => "eu",
            Geography::Apac => "apac",
            Geography::Jp => "jp",
            Geography::Au => "au",
            Geography::Ca => "ca",
            Geography::Global => "global",
        }
    }

    /// The geography whose prefix this is.
    pub fn from_prefix(prefix: &str) -> Option<Geography> {
        Geography::ALL.into_iter().find(|g| g.prefix() == prefix)
    }

    /// The geographies whose profiles serve callers in `region`, most specific first (`global`
    /// is not listed: it serves every commercial region and is the caller's last resort).
    ///
    /// ```
    /// use bedrock_catalog::Geography;
    /// assert_eq!(Geography::for_region("us-west-2"), vec![Geography::Us]);
    /// assert_eq!(Geography::for_region("ap-northeast-1"), vec![Geography::Jp, Geography::Apac]);
    /// assert_eq!(Geography::for_region("sa-east-1"), vec![]);
    /// ```
    pub fn for_region(region: &str) -> Vec<Geography> {
        // Tokyo and Osaka are served by `jp.` profiles, Sydney and Melbourne by `au.`, and all
        // four by `apac.` as well; a model that has the narrower profile keeps data in-country.
        const JAPAN: &[&str] = &["ap-northeast-1", "ap-northeast-3"];
        const AUSTRALIA: &[&str] = &["ap-southeast-2", "ap-southeast-4"];
        if region.starts_with("us-gov-") {
            vec![Geography::UsGov]
        } else if region.starts_with("us-") {
            vec![Geography::Us]
        } else if region.starts_with("eu-") {
            vec![Geography::Eu]
        } else if region.starts_with("ca-") {
            vec![Geography::Ca]
        } else if JAPAN.contains(&region) {
            vec![Geography::Jp, Geography::Apac]
        } else if AUSTRALIA.contains(&region) {
            vec![Geography::Au, Geography::Apac]
        } else if region.starts_with("ap-") {
            vec![Geography::Apac]
        } else {
            Vec::new()
        }
    }
}

impl fmt::Display for Geography {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

/// A model identifier taken apart: what a caller put in `modelId`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelId<'a> {
    /// A bare foundation-model id (`anthropic.claude-haiku-4-5-20251001-v1:0`).
    Foundation(&'a str),
    /// A cross-region inference-profile id (`us.anthropic...`).
    Profile {
        /// Its geography.
        geography: Geography,
        /// The foundation model it serves.
        base: &'a str,
    },
    /// `arn:aws:bedrock:<region>::foundation-model/<id>`
    FoundationArn {
        /// The region in the ARN.
        region: &'a str,
        /// The foundation-model id.
        base: &'a str,
    },
    /// `arn:aws:bedrock:<region>:<account>:inference-profile/<geo>.<id>`
    ProfileArn {
        /// The region in the ARN.
        region: &'a str,
        /// The account in the ARN.
        account: &'a str,
        /// The profile's geography.
        geography: Geography,
        /// The foundation model it serves.
        base: &'a str,
    },
}

/// Why a string is not a model identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    /// Empty, or with characters no model id has.
    Malformed,
    /// An ARN that is not a Bedrock foundation-model or inference-profile ARN (provisioned
    /// throughput, application profiles and prompts are not served by this catalog).
    UnsupportedArn,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Malformed => f.write_str("not a model id, inference-profile id or ARN"),
            IdError::UnsupportedArn => f.write_str(
                "an ARN that names neither a foundation model nor a cross-region inference profile",
            ),
        }
    }
}

impl std::error::Error for IdError {}

impl<'a> ModelId<'a> {
    /// Takes a model identifier apart.
    ///
    /// ```
    /// use bedrock_catalog::{Geography, ModelId};
    /// let id = ModelId::parse("global.anthropic.claude-haiku-4-5-20251001-v1:0")?;
    /// assert_eq!(id.geography(), Some(Geography::Global));
    /// assert_eq!(id.base(), "anthropic.claude-haiku-4-5-20251001-v1:0");
    /// let arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0";
    /// assert_eq!(ModelId::parse(arn)?.base(), "amazon.nova-pro-v1:0");
    /// # Ok::<(), bedrock_catalog::IdError>(())
    /// ```
    pub fn parse(id: &'a str) -> Result<ModelId<'a>, IdError> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_graphic()) {
            return Err(IdError::Malformed);
        }
        let Some(rest) = id.strip_prefix("arn:") else {
            return Ok(Self::parse_plain(id));
        };
        // arn:<partition>:bedrock:<region>:<account>:<resource-type>/<id>
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        let [_partition, service, region, account, resource] = parts.as_slice() else {
            return Err(IdError::Malformed);
        };
        if *service != "bedrock" {
            return Err(IdError::UnsupportedArn);
        }
        let (kind, inner) = resource.split_once('/').ok_or(IdError::Malformed)?;
        match (kind, Self::parse_plain(inner)) {
            ("foundation-model", ModelId::Foundation(base)) => {
                Ok(ModelId::FoundationArn { region, base })
            }
            ("inference-profile", ModelId::Profile { geography, base }) => {
                Ok(ModelId::ProfileArn {
                    region,
                    account,
                    geography,
                    base,
                })
            }
            _ => Err(IdError::UnsupportedArn),
        }
    }

    fn parse_plain(id: &'a str) -> ModelId<'a> {
        match id.split_once('.') {
            Some((prefix, base)) if !base.is_empty() => match Geography::from_prefix(prefix) {
                Some(geography) => ModelId::Profile { geography, base },
                None => ModelId::Foundation(id),
            },
            _ => ModelId::Foundation(id),
        }
    }

    /// The foundation-model id this identifier serves.
    pub fn base(&self) -> &'a str {
        match *self {
            ModelId::Foundation(base)
            | ModelId::Profile { base, .. }
            | ModelId::FoundationArn { base, .. }
            | ModelId::ProfileArn { base, .. } => base,
        }
    }

    /// The profile's geography; `None` for foundation-model ids and ARNs.
    pub fn geography(&self) -> Option<Geography> {
        match *self {
            ModelId::Profile { geography, .. } | ModelId::ProfileArn { geography, .. } => {
                Some(geography)
            }
            ModelId::Foundation(_) | ModelId::FoundationArn { .. } => None,
        }
    }

    /// Whether this names an inference profile rather than the foundation model itself.
    pub fn is_profile(&self) -> bool {
        self.geography().is_some()
    }
}

/// The foundation-model id inside any identifier (`us.x` → `x`, a profile ARN → `x`); a string
/// that is not an identifier comes back unchanged.
///
/// ```
/// assert_eq!(bedrock_catalog::base_model_id("eu.amazon.nova-pro-v1:0"), "amazon.nova-pro-v1:0");
/// assert_eq!(bedrock_catalog::base_model_id("Amazon Nova Pro"), "Amazon Nova Pro");
/// ```
pub fn base_model_id(id: &str) -> &str {
    ModelId::parse(id).map(|parsed| parsed.base()).unwrap_or(id)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn every_geography_prefix_parses_as_a_profile() {
        for geography in Geography::ALL {
            let id = format!("{geography}.anthropic.claude-x-v1:0");
            assert_eq!(
                ModelId::parse(&id),
                Ok(ModelId::Profile {
                    geography,
                    base: "anthropic.claude-x-v1:0"
                }),
                "{id}"
            );
        }
    }

    #[test]
    fn bare_ids_with_dots_in_their_name_stay_foundation_ids() {
        assert_eq!(
            ModelId::parse("meta.llama3-1-70b-instruct-v1:0"),
            Ok(ModelId::Foundation("meta.llama3-1-70b-instruct-v1:0"))
        );
        assert_eq!(
            ModelId::parse("amazon.titan-text-express-v1").map(|id| id.is_profile()),
            Ok(false)
        );
    }

    #[test]
    fn arns_of_both_kinds_parse_and_others_are_refused() {
        assert_eq!(
            ModelId::parse("arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-pro-v1:0"),
            Ok(ModelId::FoundationArn {
                region: "us-west-2",
                base: "amazon.nova-pro-v1:0"
            })
        );
        assert_eq!(
            ModelId::parse(
                "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.amazon.nova-pro-v1:0"
            ),
            Ok(ModelId::ProfileArn {
                region: "eu-west-1",
                account: "123456789012",
                geography: Geography::Eu,
                base: "amazon.nova-pro-v1:0"
            })
        );
        for refused in [
            "arn:aws:bedrock:us-east-1:1:provisioned-model/abc",
            "arn:aws:s3:::bucket/key",
            "arn:aws:bedrock:us-east-1::foundation-model/us.amazon.nova-pro-v1:0",
            "arn:aws:bedrock:us-east-1:1:inference-profile/amazon.nova-pro-v1:0",
        ] {
            assert_eq!(
                ModelId::parse(refused),
                Err(IdError::UnsupportedArn),
                "{refused}"
            );
        }
        assert_eq!(ModelId::parse("arn:aws:bedrock"), Err(IdError::Malformed));
        assert_eq!(ModelId::parse(""), Err(IdError::Malformed));
        assert_eq!(ModelId::parse("has space.x"), Err(IdError::Malformed));
    }

    #[test]
    fn regions_map_to_their_geographies_most_specific_first() {
        assert_eq!(
            Geography::for_region("us-gov-west-1"),
            vec![Geography::UsGov]
        );
        assert_eq!(Geography::for_region("eu-central-1"), vec![Geography::Eu]);
        assert_eq!(
            Geography::for_region("ap-southeast-2"),
            vec![Geography::Au, Geography::Apac]
        );
        assert_eq!(Geography::for_region("ap-south-1"), vec![Geography::Apac]);
        assert_eq!(Geography::for_region("ca-central-1"), vec![Geography::Ca]);
        assert!(Geography::for_region("me-central-1").is_empty());
    }
}
