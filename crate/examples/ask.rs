//! Ask one model one question and stream the answer.
//!
//! ```text
//! cargo run --example ask -- "What is Amazon Bedrock?"
//! cargo run --example ask -- --model "Claude Haiku 4.5" "Explain inference profiles"
//! BEDROCK_BACKEND=aws cargo run --example ask -- "Hello"
//! ```

use std::process::ExitCode;

use bedrock_kit::{Bedrock, Request};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), bedrock_kit::Error> {
    let (model, prompt) = parse_args(std::env::args().skip(1).collect())?;
    let bedrock = Bedrock::connect()?;
    let reply = bedrock.stream(&model, &Request::new(prompt))?;
    println!("\n[{} · {}]", reply.model_id, reply.summary());
    if let Some(hint) = bedrock.real_answers_hint() {
        println!("\n{hint}");
    }
    Ok(())
}

/// `--model NAME` (optional) and the prompt (the remaining words).
fn parse_args(args: Vec<String>) -> Result<(String, String), bedrock_kit::Error> {
    let mut model = bedrock_kit::default_model().to_string();
    let mut words = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--model" | "-m" => model = args.next().unwrap_or(model),
            _ => words.push(arg),
        }
    }
    if words.is_empty() {
        return Err(bedrock_kit::Error::InvalidRequest {
            message: "usage: ask [--model NAME] PROMPT...".into(),
        });
    }
    Ok((model, words.join(" ")))
}
