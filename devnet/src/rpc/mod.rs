//! The JSON-RPC server: Ethereum's JSON-RPC 2.0 over HTTP POST (single calls and batches) on
//! one path, each call run against the shared [`Chain`] under a lock.

mod convert;
mod methods;

use std::{
    future::Future,
    sync::{Arc, Mutex, PoisonError},
};

use axum::{Json, Router, extract::State, routing::post};
use revm::primitives::Bytes;
use serde_json::{Value, json};
use thiserror::Error;
use tokio::net::TcpListener;

use crate::chain::{Chain, ChainError};

/// Why a JSON-RPC call failed, with the code clients expect.
#[derive(Debug, Error)]
pub enum RpcError {
    /// The method is not one this chain answers.
    #[error("method {0} is not supported by px-devnet")]
    MethodNotFound(String),
    /// Missing or malformed parameters.
    #[error("invalid params: {0}")]
    InvalidParams(String),
    /// A call or estimate reverted (geth's code 3, revert data in `data`).
    #[error("execution reverted")]
    Reverted(Bytes),
    /// The chain refused (invalid transaction, halt, unknown snapshot).
    #[error("{0}")]
    Chain(ChainError),
    /// Something this chain deliberately does not do.
    #[error("{0}")]
    Unsupported(String),
}

impl From<ChainError> for RpcError {
    fn from(e: ChainError) -> Self {
        match e {
            ChainError::Reverted(data) => Self::Reverted(data),
            other => Self::Chain(other),
        }
    }
}

impl RpcError {
    fn code(&self) -> i64 {
        match self {
            Self::MethodNotFound(_) => -32_601,
            Self::InvalidParams(_) => -32_602,
            Self::Reverted(_) => 3,
            Self::Chain(_) | Self::Unsupported(_) => -32_000,
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Self::Reverted(data) => {
                let reason = alloy::sol_types::decode_revert_reason(data)
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                json!({ "code": self.code(), "message": format!("execution reverted{reason}"), "data": data })
            }
            _ => json!({ "code": self.code(), "message": self.to_string() }),
        }
    }
}

/// The chain the server shares between connections.
pub type SharedChain = Arc<Mutex<Chain>>;

/// The HTTP router: JSON-RPC on `/`.
pub fn router(chain: SharedChain) -> Router {
    Router::new().route("/", post(handle)).with_state(chain)
}

/// Serves `chain` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    chain: SharedChain,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(chain)).with_graceful_shutdown(shutdown).await
}

async fn handle(State(chain): State<SharedChain>, Json(body): Json<Value>) -> Json<Value> {
    let answer = tokio::task::spawn_blocking(move || match body {
        Value::Array(calls) => Value::Array(calls.iter().map(|c| one(&chain, c)).collect()),
        call => one(&chain, &call),
    })
    .await
    .unwrap_or_else(|e| {
        error_response(&Value::Null, &RpcError::Unsupported(format!("internal error: {e}")))
    });
    Json(answer)
}

fn error_response(id: &Value, e: &RpcError) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": e.to_json() })
}

fn one(chain: &SharedChain, call: &Value) -> Value {
    let id = call.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = call.get("method").and_then(Value::as_str) else {
        return error_response(&id, &RpcError::InvalidParams("no method".into()));
    };
    let params = match call.get("params") {
        Some(Value::Array(params)) => params.clone(),
        None | Some(Value::Null) => Vec::new(),
        Some(other) => vec![other.clone()],
    };
    let mut chain = chain.lock().unwrap_or_else(PoisonError::into_inner);
    match methods::dispatch(&mut chain, method, &params) {
        Ok(result) => {
            tracing::debug!(method, "ok");
            json!({ "jsonrpc": "2.0", "id": id, "result": result })
        }
        Err(e) => {
            tracing::debug!(method, error = %e, "error");
            error_response(&id, &e)
        }
    }
}
