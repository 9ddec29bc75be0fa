//! The `clinic-stock` binary: parse the command line and dispatch.

use clap::Parser;

fn main() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let cli = clinic_stock::config::Cli::parse();
    let code = clinic_stock::cli::run(cli);
    std::process::exit(code);
}
