//! The `clinic-stock` binary: parse the command line and dispatch.

use clap::Parser;

fn main() {
    clinic_stock::logging::init();
    let cli = clinic_stock::config::Cli::parse();
    let code = clinic_stock::cli::run(cli);
    std::process::exit(code);
}
