//! Raw HTTP/1.1 over TCP from a chosen loopback address: what a slow or hostile client does
//! (a request head cut short, a body that stops), which an HTTP client library will not.

use std::{net::SocketAddr, time::Duration};

use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
};

/// The node's address in its URL (`http://127.0.0.1:port`).
pub fn addr(url: &str) -> SocketAddr {
    url.trim_start_matches("http://").parse().unwrap()
}

/// A connection to `node` from `127.0.0.<last_octet>` (every 127/8 address is loopback on
/// Linux, so each octet is its own client to the node).
pub async fn connect_from(last_octet: u8, node: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from(([127, 0, 0, last_octet], 0))).unwrap();
    socket.connect(node).await.unwrap()
}

/// Writes `bytes`; false when the node has closed the connection.
pub async fn send(stream: &mut (impl AsyncWrite + Unpin), bytes: &[u8]) -> bool {
    stream.write_all(bytes).await.is_ok() && stream.flush().await.is_ok()
}

/// A request head for `method path` with `headers` (`Name: value` lines).
pub fn head(method: &str, path: &str, headers: &[String]) -> Vec<u8> {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: px.test\r\n");
    for h in headers {
        text.push_str(h);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text.into_bytes()
}

/// What came back on a connection within a wait.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// A response: its status and body.
    Response(u16, String),
    /// The node closed the connection without a response.
    Closed,
    /// Nothing within the wait (the connection is still open).
    Nothing,
}

/// Reads one response (head and `Content-Length` body) within `wait`.
pub async fn answer(stream: &mut (impl AsyncRead + Unpin), wait: Duration) -> Answer {
    let mut buf = Vec::new();
    let read = async {
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_string();
                let len = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length").then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0usize);
                if buf.len() >= end + 4 + len {
                    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
                    let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).to_string();
                    return Answer::Response(status, body);
                }
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return Answer::Closed,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(wait, read).await.unwrap_or(Answer::Nothing)
}
