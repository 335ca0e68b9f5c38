//! Bedrock Guardrails: a guardrail on a request (`guardrailConfig`), what it found in a reply's
//! trace, and a guardrail applied to any text on its own (ApplyGuardrail).
//!
//! ```
//! # fn main() -> bedrock_kit::Result<()> {
//! use bedrock_kit::{Bedrock, GuardrailSource, Request};
//! let bedrock = Bedrock::local()?;
//! let reply = bedrock.send("Amazon Nova Micro", &Request::new("Hello").guardrail("workshop-demo", "1"))?;
//! assert!(reply.guardrail.is_some());
//! let check = bedrock.apply_guardrail("workshop-demo", "1", GuardrailSource::Input, "Mail me at jo@example.com")?;
//! println!("{check}");
//! # Ok(()) }
//! ```

use std::fmt;

use aws_sdk_bedrockruntime::types::{
    GuardrailAssessment, GuardrailConfiguration, GuardrailStreamConfiguration,
    GuardrailStreamProcessingMode, GuardrailTrace as SdkTrace, GuardrailTraceAssessment,
};
use serde::{Deserialize, Serialize};

use crate::display::{MarkdownTable, cell, escape_html, markdown_to_html, print_evcxr_html};

/// How much of its assessment a guardrail reports with the reply (`trace`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum GuardrailTrace {
    /// What the guardrail detected (`enabled`).
    #[default]
    Enabled,
    /// Every policy it evaluated, detected or not (`enabled_full`).
    EnabledFull,
    /// Only the outcome: the stop reason and the blocked message (`disabled`).
    Disabled,
}

/// How ConverseStream applies a guardrail to the answer (`streamProcessingMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum StreamProcessing {
    /// Each chunk is checked before it is sent: nothing blocked is ever shown.
    #[default]
    Sync,
    /// Chunks are sent at once and checked meanwhile: faster, but a blocked answer may have been
    /// partly shown before the intervention arrives.
    Async,
}

/// A guardrail to apply to a request: its identifier, version and trace level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailUse {
    /// The guardrail's identifier or ARN.
    pub id: String,
    /// `DRAFT` or a version number.
    pub version: String,
    /// What the reply reports of the assessment.
    pub trace: GuardrailTrace,
    /// How a stream is checked.
    pub stream_processing: StreamProcessing,
}

impl GuardrailUse {
    pub(crate) fn converse_config(&self) -> GuardrailConfiguration {
        GuardrailConfiguration::builder()
            .guardrail_identifier(&self.id)
            .guardrail_version(&self.version)
            .trace(sdk_trace(self.trace))
            .build()
    }

    pub(crate) fn stream_config(&self) -> GuardrailStreamConfiguration {
        GuardrailStreamConfiguration::builder()
            .guardrail_identifier(&self.id)
            .guardrail_version(&self.version)
            .trace(sdk_trace(self.trace))
            .stream_processing_mode(match self.stream_processing {
                StreamProcessing::Sync => GuardrailStreamProcessingMode::Sync,
                StreamProcessing::Async => GuardrailStreamProcessingMode::Async,
            })
            .build()
    }
}

fn sdk_trace(trace: GuardrailTrace) -> SdkTrace {
    match trace {
        GuardrailTrace::Enabled => SdkTrace::Enabled,
        GuardrailTrace::EnabledFull => SdkTrace::EnabledFull,
        GuardrailTrace::Disabled => SdkTrace::Disabled,
    }
}

/// Completes a reply's guardrail report from the request: which guardrail, and whether it
/// intervened (known from the stop reason even with the trace off).
pub(crate) fn stamp_guardrail(reply: &mut crate::Reply, used: Option<&GuardrailUse>) {
    if let Some(used) = used {
        let mut report = reply.guardrail.take().unwrap_or_default();
        report.id = used.id.clone();
        report.intervened = reply.stop_reason == "guardrail_intervened";
        reply.guardrail = Some(report);
    }
}

/// Which side of the conversation a guardrail judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// The prompt, before the model saw it.
    Input,
    /// The model's answer.
    Output,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::Input => "input",
            Stage::Output => "output",
        }
    }
}

/// Which kind of policy found something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Policy {
    /// A denied topic.
    Topic,
    /// A content filter (hate, insults, sexual, violence, misconduct, prompt attack).
    Content,
    /// A custom blocked word.
    Word,
    /// A word of a managed list (profanity).
    ManagedWords,
    /// A kind of personal information (EMAIL, PHONE, ...).
    SensitiveInformation,
    /// A custom regular expression.
    Regex,
}

impl Policy {
    fn as_str(self) -> &'static str {
        match self {
            Policy::Topic => "denied topic",
            Policy::Content => "content filter",
            Policy::Word => "blocked word",
            Policy::ManagedWords => "profanity list",
            Policy::SensitiveInformation => "sensitive information",
            Policy::Regex => "regex",
        }
    }
}

/// One thing a guardrail detected, and what it did about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Prompt or answer.
    pub stage: Stage,
    /// The kind of policy.
    pub policy: Policy,
    /// What matched: the topic's name, the word, the PII type, the filter category.
    pub what: String,
    /// The action taken (`BLOCKED`, `ANONYMIZED`, `NONE` for a policy that only detects).
    pub action: String,
}

/// What a guardrail made of one call: whether it intervened, and what it found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailReport {
    /// The guardrail's identifier.
    pub id: String,
    /// True when it blocked or changed something (`stopReason: guardrail_intervened`).
    pub intervened: bool,
    /// What it detected, from the trace (empty with the trace disabled).
    pub findings: Vec<Finding>,
    /// Why it acted, when Bedrock says.
    pub action_reason: Option<String>,
}

impl GuardrailReport {
    /// One line: intervened or not, and each finding.
    pub fn summary(&self) -> String {
        let verdict = if self.intervened {
            "intervened"
        } else {
            "let it through"
        };
        let mut line = format!("guardrail {} {verdict}", self.id);
        if !self.findings.is_empty() {
            let found: Vec<String> = self.findings.iter().map(Finding::describe).collect();
            line.push_str(&format!(": {}", found.join("; ")));
        }
        line
    }
}

impl Finding {
    fn describe(&self) -> String {
        format!(
            "{} {} {} ({})",
            self.policy.as_str(),
            self.what,
            self.action,
            self.stage.as_str()
        )
    }
}

/// The report a reply's trace gives; the id and the verdict come from the request
/// ([`stamp_guardrail`]).
pub(crate) fn report_from_trace(trace: &GuardrailTraceAssessment) -> GuardrailReport {
    GuardrailReport {
        findings: findings_from_trace(trace),
        action_reason: trace.action_reason.clone(),
        ..GuardrailReport::default()
    }
}

/// The findings of a trace: the input's assessments, then every output's.
fn findings_from_trace(trace: &GuardrailTraceAssessment) -> Vec<Finding> {
    let mut findings = Vec::new();
    for assessment in trace.input_assessment.iter().flat_map(|map| map.values()) {
        findings.extend(findings_in(Stage::Input, assessment));
    }
    for assessments in trace.output_assessments.iter().flat_map(|map| map.values()) {
        for assessment in assessments {
            findings.extend(findings_in(Stage::Output, assessment));
        }
    }
    findings
}

/// What one assessment detected (`enabled_full` also lists what it did not: those are left out).
pub(crate) fn findings_in(stage: Stage, assessment: &GuardrailAssessment) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut push = |policy, what: &str, action: &str, detected: Option<bool>| {
        if detected != Some(false) {
            found.push(Finding {
                stage,
                policy,
                what: what.to_string(),
                action: action.to_string(),
            });
        }
    };
    if let Some(topics) = &assessment.topic_policy {
        for topic in &topics.topics {
            push(
                Policy::Topic,
                &topic.name,
                topic.action.as_str(),
                topic.detected,
            );
        }
    }
    if let Some(content) = &assessment.content_policy {
        for filter in &content.filters {
            push(
                Policy::Content,
                filter.r#type.as_str(),
                filter.action.as_str(),
                filter.detected,
            );
        }
    }
    if let Some(words) = &assessment.word_policy {
        for word in &words.custom_words {
            push(
                Policy::Word,
                &word.r#match,
                word.action.as_str(),
                word.detected,
            );
        }
        for word in &words.managed_word_lists {
            push(
                Policy::ManagedWords,
                &word.r#match,
                word.action.as_str(),
                word.detected,
            );
        }
    }
    if let Some(sensitive) = &assessment.sensitive_information_policy {
        for entity in &sensitive.pii_entities {
            push(
                Policy::SensitiveInformation,
                entity.r#type.as_str(),
                entity.action.as_str(),
                entity.detected,
            );
        }
        for regex in &sensitive.regexes {
            let name = regex.name.as_deref().unwrap_or("regex");
            push(Policy::Regex, name, regex.action.as_str(), regex.detected);
        }
    }
    found
}

/// Where a text to check with [`Bedrock::apply_guardrail`](crate::Bedrock::apply_guardrail)
/// comes from: a user's prompt or a model's answer (policies may differ between the two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardrailSource {
    /// A prompt.
    Input,
    /// An answer.
    Output,
}

impl crate::Bedrock {
    /// Checks one text with a guardrail, without calling a model (ApplyGuardrail): the action,
    /// the text as the guardrail lets it out (masked or replaced by its blocked message), and
    /// what it found.
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// use bedrock_kit::{Bedrock, GuardrailSource};
    /// let bedrock = Bedrock::local()?;
    /// let check = bedrock.apply_guardrail("workshop-demo", "1", GuardrailSource::Output, "Call 555-0100.")?;
    /// assert!(check.intervened);
    /// # Ok(()) }
    /// ```
    pub fn apply_guardrail(
        &self,
        id: &str,
        version: &str,
        source: GuardrailSource,
        text: &str,
    ) -> crate::Result<GuardrailCheck> {
        crate::session::wait(self.apply_guardrail_async(id, version, source, text))
    }

    /// [`apply_guardrail`](Self::apply_guardrail) for async code.
    pub async fn apply_guardrail_async(
        &self,
        id: &str,
        version: &str,
        source: GuardrailSource,
        text: &str,
    ) -> crate::Result<GuardrailCheck> {
        let check = crate::session::GuardrailRequest {
            id: id.to_string(),
            version: version.to_string(),
            source,
            text: text.to_string(),
        };
        self.session
            .apply_guardrail(self.settings.clone(), check)
            .await
    }
}

/// What ApplyGuardrail made of a text: the action, the text as the guardrail lets it out
/// (masked, or replaced by the blocked message), and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailCheck {
    /// The guardrail's identifier.
    pub id: String,
    /// True when it blocked or masked something (`GUARDRAIL_INTERVENED`).
    pub intervened: bool,
    /// The texts it returns: the masked text, or its blocked message.
    pub outputs: Vec<String>,
    /// What it detected.
    pub findings: Vec<Finding>,
    /// Why it acted, when Bedrock says.
    pub action_reason: Option<String>,
}

impl GuardrailCheck {
    /// The check as GFM Markdown: the verdict, the text it lets out, then a table of findings.
    pub fn to_markdown(&self) -> String {
        let verdict = if self.intervened {
            "🛡 intervened"
        } else {
            "✅ no intervention"
        };
        let mut out = format!("**guardrail {}: {verdict}**\n\n", cell(&self.id));
        for text in &self.outputs {
            out.push_str(&format!("> {}\n\n", text.replace('\n', "\n> ")));
        }
        out.push_str(&findings_table(&self.findings));
        out
    }

    /// The check as HTML.
    pub fn to_html(&self) -> String {
        markdown_to_html(&self.to_markdown())
    }

    /// Shows the check in a notebook.
    pub fn evcxr_display(&self) {
        print_evcxr_html(&self.to_html());
    }
}

impl fmt::Display for GuardrailCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_markdown())
    }
}

/// Findings as a Markdown table (empty text when there are none).
pub(crate) fn findings_table(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return String::new();
    }
    let mut table = MarkdownTable::new(&["stage", "policy", "what", "action"]);
    for finding in findings {
        table.row(vec![
            finding.stage.as_str().into(),
            finding.policy.as_str().into(),
            cell(&finding.what),
            cell(&finding.action),
        ]);
    }
    table.render()
}

/// The report as an HTML paragraph and table, for a reply's display.
pub(crate) fn report_html(report: &GuardrailReport) -> String {
    let verdict = if report.intervened {
        "🛡 intervened"
    } else {
        "🛡 let it through"
    };
    format!(
        "<p><strong>guardrail {}: {verdict}</strong></p>{}",
        escape_html(&report.id),
        markdown_to_html(&findings_table(&report.findings))
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;
    use aws_sdk_bedrockruntime::types::{
        GuardrailPiiEntityFilter, GuardrailPiiEntityType,
        GuardrailSensitiveInformationPolicyAction, GuardrailSensitiveInformationPolicyAssessment,
        GuardrailTopic, GuardrailTopicPolicyAction, GuardrailTopicPolicyAssessment,
        GuardrailTopicType,
    };

    fn assessment() -> GuardrailAssessment {
        GuardrailAssessment::builder()
            .topic_policy(
                GuardrailTopicPolicyAssessment::builder()
                    .topics(
                        GuardrailTopic::builder()
                            .name("Investment advice")
                            .r#type(GuardrailTopicType::Deny)
                            .action(GuardrailTopicPolicyAction::Blocked)
                            .detected(true)
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .sensitive_information_policy(
                GuardrailSensitiveInformationPolicyAssessment::builder()
                    .pii_entities(
                        GuardrailPiiEntityFilter::builder()
                            .r#match("jo@example.com")
                            .r#type(GuardrailPiiEntityType::Email)
                            .action(GuardrailSensitiveInformationPolicyAction::Anonymized)
                            .detected(true)
                            .build()
                            .unwrap(),
                    )
                    .pii_entities(
                        GuardrailPiiEntityFilter::builder()
                            .r#match("")
                            .r#type(GuardrailPiiEntityType::Phone)
                            .action(GuardrailSensitiveInformationPolicyAction::None)
                            .detected(false)
                            .build()
                            .unwrap(),
                    )
                    .set_regexes(Some(vec![]))
                    .build()
                    .unwrap(),
            )
            .build()
    }

    #[test]
    fn detected_findings_are_kept_and_undetected_ones_of_a_full_trace_left_out() {
        let findings = findings_in(Stage::Input, &assessment());
        assert_eq!(
            findings,
            vec![
                Finding {
                    stage: Stage::Input,
                    policy: Policy::Topic,
                    what: "Investment advice".into(),
                    action: "BLOCKED".into(),
                },
                Finding {
                    stage: Stage::Input,
                    policy: Policy::SensitiveInformation,
                    what: "EMAIL".into(),
                    action: "ANONYMIZED".into(),
                },
            ]
        );
    }

    #[test]
    fn a_report_names_each_finding_with_its_policy_and_stage() {
        let report = GuardrailReport {
            id: "workshop-demo".into(),
            intervened: true,
            findings: findings_in(Stage::Output, &assessment()),
            action_reason: None,
        };
        assert_eq!(
            report.summary(),
            "guardrail workshop-demo intervened: denied topic Investment advice BLOCKED (output); \
             sensitive information EMAIL ANONYMIZED (output)"
        );
        assert!(report_html(&report).contains("<table>"));
    }

    #[test]
    fn a_check_shows_the_text_it_lets_out_and_its_findings() {
        let check = GuardrailCheck {
            id: "workshop-demo".into(),
            intervened: true,
            outputs: vec!["Mail me at {EMAIL}".into()],
            findings: findings_in(Stage::Input, &assessment()),
            action_reason: None,
        };
        let text = check.to_string();
        assert!(text.contains("> Mail me at {EMAIL}"), "{text}");
        assert!(
            text.contains("| input | sensitive information | EMAIL | ANONYMIZED |"),
            "{text}"
        );
    }
}
