//! The `oxyfield` binary: parse the command line, run the command, print the error chain
//! and exit with 2 for bad input, 1 for other failures.

mod cli;

use clap::Parser;
use cli::{dispatch, logging, Cli};

fn main() {
    let cli = Cli::parse();
    logging::init(cli.quiet, cli.verbose);
    oxyfield::config::plausibility::set_quiet(cli.quiet);
    let result = dispatch(cli);
    logging::finish();
    if let Err(e) = result {
        let mut printed = e.to_string();
        eprintln!("error: {printed}");
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            // An I/O error's text is already the end of the message above: say it once.
            let text = s.to_string();
            if !printed.ends_with(&text) {
                eprintln!("  caused by: {text}");
            }
            printed = text;
            source = s.source();
        }
        std::process::exit(e.exit_code());
    }
}
