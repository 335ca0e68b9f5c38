//! Building the SDK client for one call from the handle's plain data.

use aws_sdk_bedrockruntime::config::{
    BehaviorVersion, Credentials, Region, Token, retry::RetryConfig, timeout::TimeoutConfig,
};
use aws_smithy_types::retry::RetryMode as SdkRetryMode;

use crate::backend::{Auth, Bedrock};
use crate::settings::RetryMode;

impl Bedrock {
    /// A fresh SDK client: static credentials, the handle's endpoint, retries and timeouts.
    ///
    /// Built per call (cheap: no file or network access) so no client outlives its runtime.
    pub(crate) fn sdk_client(&self) -> aws_sdk_bedrockruntime::Client {
        let settings = &self.settings;
        let mode = match settings.retry_mode {
            RetryMode::Standard => SdkRetryMode::Standard,
            RetryMode::Adaptive => SdkRetryMode::Adaptive,
        };
        let retry = RetryConfig::standard()
            .with_retry_mode(mode)
            .with_max_attempts(settings.max_attempts)
            .with_initial_backoff(settings.initial_backoff);
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(settings.connect_timeout)
            .operation_timeout(settings.operation_timeout)
            .build();
        let mut builder = aws_sdk_bedrockruntime::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(self.region.clone()))
            .retry_config(retry)
            .timeout_config(timeouts);
        if let Some(endpoint) = &self.endpoint {
            builder = builder.endpoint_url(endpoint.clone());
        }
        builder = match &self.auth {
            Auth::Keys {
                access_key_id,
                secret_access_key,
                session_token,
            } => builder.credentials_provider(Credentials::new(
                access_key_id.clone(),
                secret_access_key.clone(),
                session_token.clone(),
                None,
                "bedrock-kit",
            )),
            Auth::Bearer(token) => builder
                .bearer_token(Token::new(token.clone(), None))
                .auth_scheme_preference([
                    aws_smithy_runtime_api::client::auth::http::HTTP_BEARER_AUTH_SCHEME_ID,
                ]),
        };
        aws_sdk_bedrockruntime::Client::from_conf(builder.build())
    }
}
