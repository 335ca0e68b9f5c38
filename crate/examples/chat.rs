//! A multi-turn chat in the terminal: each line you type is a user turn, answers stream back.
//!
//! ```text
//! cargo run --example chat -- --model "Amazon Nova Pro"
//! ```
//! Commands: `/history` shows the conversation, `/reset` starts over, `/exit` (or Ctrl-D) quits.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use bedrock_kit::{Bedrock, Conversation, Error, Request};

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
    let mut model = bedrock_kit::default_model().to_string();
    while let Some(arg) = args.next() {
        if arg == "--model" || arg == "-m" {
            model = args.next().unwrap_or(model);
        }
    }
    let bedrock = Bedrock::connect()?;
    let fresh = || {
        Conversation::new()
            .model(&model)
            .system("You are a helpful, concise assistant.")
    };
    let mut conversation = fresh();
    println!("chatting with {model}; /history, /reset, /exit");
    if let Some(hint) = bedrock.real_answers_hint() {
        println!("{hint}");
    }
    let stdin = std::io::stdin();
    loop {
        print!("> ");
        std::io::stdout().flush().map_err(|e| io("stdout", e))?;
        let mut line = String::new();
        if stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| io("stdin", e))?
            == 0
        {
            break;
        }
        match line.trim() {
            "" => continue,
            "/exit" | "/quit" => break,
            "/history" => println!("{conversation}"),
            "/reset" => {
                conversation = fresh();
                println!("(new conversation)");
            }
            text => {
                conversation.push_user(text);
                match bedrock.stream(&model, &Request::from_conversation(&conversation)) {
                    Ok(reply) => {
                        conversation.push(reply.to_message());
                        println!("[{}]", reply.summary());
                    }
                    // One failed turn leaves the history as it was, so the user can retry.
                    Err(error) => {
                        conversation.messages.pop();
                        eprintln!("error: {error}");
                    }
                }
            }
        }
    }
    Ok(())
}

fn io(what: &str, source: std::io::Error) -> Error {
    Error::Io {
        what: format!("cannot use {what}"),
        source,
    }
}
