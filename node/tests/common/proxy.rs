//! A forwarding proxy in front of the storage node that can hold `name/publish` calls forever:
//! how the crash test stops a node between storing a file and publishing its head.

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    response::Response,
};
use futures::TryStreamExt;

#[derive(Clone)]
pub struct Proxy {
    pub url: String,
    pub hold_publish: Arc<AtomicBool>,
    pub publishes_held: Arc<AtomicUsize>,
}

struct Upstream {
    base: String,
    http: reqwest::Client,
    hold: Arc<AtomicBool>,
    held: Arc<AtomicUsize>,
}

async fn forward(State(up): State<Arc<Upstream>>, req: Request) -> Response {
    let path = req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    if path.contains("/name/publish") && up.hold.load(Ordering::SeqCst) {
        up.held.fetch_add(1, Ordering::SeqCst);
        std::future::pending::<()>().await;
    }
    let mut out = up.http.request(req.method().clone(), format!("{}{path}", up.base));
    for (k, v) in req.headers() {
        if k != "host" {
            out = out.header(k, v);
        }
    }
    let body = reqwest::Body::wrap_stream(req.into_body().into_data_stream());
    let res = out.body(body).send().await.unwrap();
    let mut builder = Response::builder().status(res.status().as_u16());
    for (k, v) in res.headers() {
        builder = builder.header(k.as_str(), v.as_bytes());
    }
    builder.body(Body::from_stream(res.bytes_stream().map_err(std::io::Error::other))).unwrap()
}

/// Starts a proxy to `upstream` on a free port (in the current runtime).
pub async fn start(upstream: &str) -> Proxy {
    let hold_flag = Arc::new(AtomicBool::new(false));
    let held_count = Arc::new(AtomicUsize::new(0));
    let state = Arc::new(Upstream {
        base: upstream.to_owned(),
        http: reqwest::Client::new(),
        hold: hold_flag.clone(),
        held: held_count.clone(),
    });
    let app = Router::new().fallback(forward).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Proxy { url, hold_publish: hold_flag, publishes_held: held_count }
}
