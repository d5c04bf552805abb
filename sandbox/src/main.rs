//! `sandbox`: serves the four provider APIs on one local port.

use sandbox::Config;

fn main() {
    let config = match Config::from_args(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(message) => {
            let help = message.starts_with("sandbox:");
            eprintln!("{message}");
            std::process::exit(if help { 0 } else { 2 });
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sandbox: starting the runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(message) = runtime.block_on(sandbox::run(config)) {
        eprintln!("sandbox: {message}");
        std::process::exit(1);
    }
}
