//! Send one prompt to several models at once and print a comparison table.
//!
//! ```text
//! cargo run --example compare -- "Summarise the water cycle in two sentences."
//! cargo run --example compare -- --models "Amazon Nova Pro,Claude Haiku 4.5" "Hello"
//! ```
//! Without `--models`, the upstream workshop's current models are compared.

use std::process::ExitCode;

use bedrock_kit::{Bedrock, Error, Request};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let mut models: Vec<String> = bedrock_kit::workshop_model_names()
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut words = Vec::new();
    while let Some(arg) = args.next() {
        if arg == "--models" {
            if let Some(list) = args.next() {
                models = list.split(',').map(|m| m.trim().to_string()).collect();
            }
        } else {
            words.push(arg);
        }
    }
    if words.is_empty() {
        return Err(Error::InvalidRequest {
            message: "usage: compare [--models \"A,B,...\"] PROMPT...".into(),
        });
    }
    let bedrock = Bedrock::connect()?;
    let names: Vec<&str> = models.iter().map(String::as_str).collect();
    let comparison = bedrock.compare(
        &names,
        &Request::new(words.join(" "))
            .temperature(0.4)
            .max_tokens(500),
    );
    println!("{comparison}");
    if let Some(hint) = bedrock.real_answers_hint() {
        println!("\n{hint}");
    }
    Ok(())
}
