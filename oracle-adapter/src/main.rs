//! `px-oracle-adapter`: reads the configuration, sets up logging, serves until SIGTERM or
//! ctrl-c. Everything else lives in the library.

use clap::Parser;
use px_oracle_adapter::{Config, config::LogFormat, server::Server};
use tracing_subscriber::EnvFilter;

fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if config.worker_threads > 0 {
        runtime.worker_threads(config.worker_threads);
    }
    runtime.enable_all().build()?.block_on(run(config))
}

async fn run(config: Config) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&config.log_level)?;
    match config.log_format {
        LogFormat::Json => tracing_subscriber::fmt().json().with_env_filter(filter).init(),
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
    }
    let server = Server::bind(&config).await?;
    tracing::info!(
        api = %server.api_addr()?,
        metrics = ?server.metrics_addr(),
        storage_node = %config.btfs_api_url,
        prefix = %config.btfs_api_prefix,
        "px-oracle-adapter listening"
    );
    server.run(shutdown_signal()).await
}

/// SIGTERM (what orchestrators send) or ctrl-c.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM; ctrl-c only");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
