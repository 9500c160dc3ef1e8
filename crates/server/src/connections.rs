//! The API listener's accept loop: what `axum::serve` leaves unbounded. A cap on open
//! connections overall and per client address, hyper's header-read timeout (which also
//! ends idle kept-alive connections), and a graceful stop that lets requests finish.
//!
//! Without these one host holding ~20,000 unfinished requests exhausted the process's
//! file descriptors and every other client was refused until it let go.

use crate::client::Client;
use crate::error::types;
use crate::limits::Limits;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::Router;
use cadence_contract::problem::PROBLEM_CONTENT_TYPE;
use cadence_contract::Problem;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// How long a stopping server waits for in-flight requests before it exits anyway.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a connection is refused at accept.
#[derive(Clone, Copy, Debug)]
enum Refusal {
    /// The client address holds its maximum of open connections.
    ClientFull,
    /// The server holds its maximum of open connections.
    ServerFull,
}

impl Refusal {
    /// The answer, written at once without reading the request, before the connection is
    /// closed: a problem document (the contract's `Problem`, as every other answer) with
    /// `Retry-After`.
    fn bytes(self) -> Vec<u8> {
        let (status, kind, detail) = match self {
            Refusal::ClientFull => (
                StatusCode::TOO_MANY_REQUESTS,
                types::RATE_LIMITED,
                "Too many open connections from your address.",
            ),
            Refusal::ServerFull => (
                StatusCode::SERVICE_UNAVAILABLE,
                types::UNAVAILABLE,
                "The server holds its maximum of open connections.",
            ),
        };
        let problem = Problem {
            kind: kind.to_owned(),
            title: "Too many connections".to_owned(),
            status: status.as_u16(),
            detail: Some(detail.to_owned()),
            errors: Vec::new(),
            current: None,
        };
        let body = serde_json::to_string(&problem).unwrap_or_default();
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: {PROBLEM_CONTENT_TYPE}\r\nretry-after: 1\r\n\
             connection: close\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }
}

/// Open connections per client address, so one host cannot take the whole cap.
#[derive(Default)]
struct PerClient(Mutex<HashMap<IpAddr, usize>>);

impl PerClient {
    /// Counts a new connection from `client` unless it already holds `max`.
    fn try_open(self: &Arc<Self>, client: Client, max: usize) -> Option<ClientSlot> {
        let mut open = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(client.ip()).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(ClientSlot {
            table: self.clone(),
            ip: client.ip(),
        })
    }
}

/// One counted connection; uncounted when dropped (the connection task ends).
struct ClientSlot {
    table: Arc<PerClient>,
    ip: IpAddr,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.table.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// The cap on open connections: the configured one, kept below the process's file
/// descriptor limit (minus room for the database, logs and the shop listener), so
/// the process itself can never run out of descriptors.
pub fn connection_cap(configured: usize) -> usize {
    let headroom = 256;
    match fd_limit() {
        Some(limit) if limit > headroom => configured.min(limit - headroom),
        Some(_) => 64,
        None => configured,
    }
}

#[cfg(target_os = "linux")]
fn fd_limit() -> Option<usize> {
    // /proc/self/limits: "Max open files   <soft>   <hard>   files"
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[cfg(not(target_os = "linux"))]
fn fd_limit() -> Option<usize> {
    None
}

/// Serves `router` on `listener` until `stop` turns true, then drains.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Arc<Limits>,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let cap = connection_cap(limits.max_connections);
    let open = Arc::new(Semaphore::new(cap));
    let per_client = Arc::new(PerClient::default());
    let mut refused_since_log = 0u64;
    let mut last_refusal_log = std::time::Instant::now();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|stop| *stop) => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // EMFILE and friends: back off a moment instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let client = Client::from_ip(peer.ip());
        // Behind a trusted proxy every connection comes from the proxy: its own cap is
        // the overall one, and the per-client limits apply per request (X-Forwarded-For).
        let behind_proxy = limits.trusted_proxies.contains(&peer.ip());
        let slot = if behind_proxy {
            None
        } else {
            match per_client.try_open(client, limits.max_connections_per_client) {
                Some(slot) => Some(slot),
                None => {
                    refused_since_log += 1;
                    if last_refusal_log.elapsed() >= Duration::from_secs(10) {
                        tracing::warn!(
                            %client,
                            refused = refused_since_log,
                            "connections refused: over the per-client cap"
                        );
                        refused_since_log = 0;
                        last_refusal_log = std::time::Instant::now();
                    }
                    refuse(stream, Refusal::ClientFull);
                    continue;
                }
            }
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            tracing::warn!(
                %client,
                cap,
                "connection refused: the server holds its maximum of open connections"
            );
            refuse(stream, Refusal::ServerFull);
            continue;
        };
        let router = router.clone();
        let header_timeout = limits.header_read_timeout;
        let stop = stop.clone();
        tokio::spawn(async move {
            serve_connection(stream, peer, router, header_timeout, stop).await;
            drop(slot);
            drop(permit);
        });
    }
    // Stopped: no new connections; wait (bounded) until every open one has finished.
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, open.acquire_many(all)).await;
    Ok(())
}

/// Writes the refusal without waiting on the client (a full socket buffer just drops it).
fn refuse(stream: TcpStream, why: Refusal) {
    crate::prometheus::metrics().throttled(match why {
        Refusal::ClientFull => crate::prometheus::Throttled::ClientConnections,
        Refusal::ServerFull => crate::prometheus::Throttled::ServerConnections,
    });
    tokio::spawn(async move {
        let mut stream = stream;
        let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(&why.bytes())).await;
        let _ = stream.shutdown().await;
    });
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(request.map(axum::body::Body::new))
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        // Counted from accept and from the end of each answer: a client that sends
        // headers slowly, or keeps an idle connection, is cut off after it.
        .header_read_timeout(header_timeout)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let stopping = async move {
        // The guard `wait_for` returns is not Send: drop it before the next await.
        let _ = stop.wait_for(|stop| *stop).await.map(|_| ());
    };
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        () = stopping => {
            // Finish the request in flight, then close; idle connections close now.
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_client_slots_are_capped_and_released() {
        let table = Arc::new(PerClient::default());
        let a = Client::from_ip("192.0.2.1".parse().unwrap());
        let b = Client::from_ip("192.0.2.2".parse().unwrap());
        let first = table.try_open(a, 2).unwrap();
        let _second = table.try_open(a, 2).unwrap();
        assert!(table.try_open(a, 2).is_none(), "a third from one client");
        assert!(
            table.try_open(b, 2).is_some(),
            "another client is not affected"
        );
        drop(first);
        assert!(
            table.try_open(a, 2).is_some(),
            "a closed connection frees its slot"
        );
    }

    #[test]
    fn refusals_are_problem_documents() {
        for (why, status, kind) in [
            (Refusal::ClientFull, 429, types::RATE_LIMITED),
            (Refusal::ServerFull, 503, types::UNAVAILABLE),
        ] {
            let text = String::from_utf8(why.bytes()).unwrap();
            let (head, body) = text.split_once("\r\n\r\n").unwrap();
            assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{head}");
            assert!(head.contains("content-type: application/problem+json"));
            assert!(head.contains("retry-after: 1"));
            assert!(head.contains(&format!("content-length: {}", body.len())));
            let doc: Problem = serde_json::from_str(body).unwrap();
            assert_eq!((doc.status, doc.kind.as_str()), (status, kind));
        }
    }
}
