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

/// Output cut short by its reader (`twofold list | head -1`): `println!` panics on a pipe whose
/// reader has gone (Rust ignores SIGPIPE). That is no error of this program, so it ends quietly
/// with the status a shell gives a command stopped by SIGPIPE (141), as other Unix tools do.
fn quiet_when_the_reader_leaves() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let text = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.starts_with("failed printing to stdout") && text.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_when_the_reader_leaves();
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
