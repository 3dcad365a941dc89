//! The `oxyfield` binary: parse the command line, run the command, print the error chain
//! and exit with 2 for bad input, 1 for other failures.

use clap::Parser;
use oxyfield::cli::{dispatch, Cli};

fn main() {
    let cli = Cli::parse();
    let level = match (cli.quiet, cli.verbose) {
        (true, _) => "warn",
        (false, 0) => "info",
        (false, 1) => "debug",
        _ => "trace",
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(format!(
        "oxyfield={level},wgpu_core=warn,wgpu_hal=error,naga=warn"
    )))
    .format_timestamp(None)
    .init();
    oxyfield::config::plausibility::set_quiet(cli.quiet);
    if let Err(e) = dispatch(cli) {
        eprintln!("error: {e}");
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            eprintln!("  caused by: {s}");
            source = s.source();
        }
        std::process::exit(e.exit_code());
    }
}
