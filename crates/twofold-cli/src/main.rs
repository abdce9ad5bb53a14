//! `twofold`: the command-line authenticator. Parses arguments, runs one command over the vault,
//! and turns every failure into a one-line error and a non-zero exit.

mod args;
mod backup;
mod clock;
mod commands;
mod export;
mod import;
mod output;
mod push;
mod session;
mod sync;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let msg = format!("{e:#}").replace('\n', " ");
            eprintln!("twofold: error: {msg}");
            ExitCode::FAILURE
        }
    }
}
