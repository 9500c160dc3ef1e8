//! One webhook call: a signed POST to an endpoint, over a connection this module opens
//! itself, to exactly the addresses it resolved and checked.
//!
//! Why not a general HTTP client: each of its conveniences is an SSRF hole here. It would
//! resolve the name again after our check (DNS rebinding), follow a redirect to wherever
//! the endpoint points (`169.254.169.254`), and honour `HTTP_PROXY` from the environment.
//! So: resolve once, [`check_resolved`] every address, connect to one of those addresses,
//! TLS with the URL's host name (SNI and certificate), hyper's HTTP/1 connection on top,
//! the status read, the connection dropped. Nothing is pooled: a new connection per
//! attempt is what makes "never re-resolved" trivially true, and costs a loopback receiver
//! well under a millisecond.

use cadence_webhooks::{check_resolved, EndpointHost, EndpointUrl, Policy, WebhookHeaders};
use hyper::header::{HeaderValue, CONTENT_TYPE, HOST, USER_AGENT};
use hyper_util::rt::TokioIo;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls;

/// The `User-Agent` of every call, so receivers can tell our traffic in their logs.
pub const USER_AGENT_VALUE: &str = concat!("Cadence-Webhooks/", env!("CARGO_PKG_VERSION"));

/// Why a call brought no status, in words for the delivery log.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("refused: {0}")]
    Refused(#[from] cadence_webhooks::Refusal),
    #[error("DNS lookup failed: {0}")]
    Dns(std::io::Error),
    #[error("could not connect to {addr}: {source}")]
    Connect {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("TLS handshake failed: {0}")]
    Tls(std::io::Error),
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    #[error("no answer within {0} s")]
    Timeout(u64),
    #[error("the request could not be built: {0}")]
    Request(String),
}

/// POSTs `payload` to `url` with the signature headers; the answer's status. Everything,
/// the DNS lookup included, must finish within `timeout`.
pub async fn post(
    url: &str,
    policy: Policy,
    headers: &WebhookHeaders,
    payload: String,
    timeout: Duration,
) -> Result<u16, CallError> {
    match tokio::time::timeout(timeout, call(url, policy, headers, payload)).await {
        Ok(answer) => answer,
        Err(_) => Err(CallError::Timeout(timeout.as_secs())),
    }
}

async fn call(
    url: &str,
    policy: Policy,
    headers: &WebhookHeaders,
    payload: String,
) -> Result<u16, CallError> {
    // Checked again at every attempt, not only when saved: the operator may have narrowed
    // the policy since.
    let url = EndpointUrl::parse(url, policy)?;
    let addrs = resolve(&url).await?;
    check_resolved(&url, &addrs, policy)?;
    let tcp = connect(&addrs, url.port()).await?;
    // Small requests, answered at once: Nagle's delay would only add latency.
    let _ = tcp.set_nodelay(true);
    if url.is_insecure() {
        exchange(tcp, &url, headers, payload).await
    } else {
        let name = match url.host() {
            EndpointHost::Domain(name) => rustls::pki_types::ServerName::try_from(name.to_owned())
                .map_err(|e| CallError::Request(e.to_string()))?,
            EndpointHost::Ip(ip) => rustls::pki_types::ServerName::IpAddress(ip.into()),
        };
        let tls = tls().connect(name, tcp).await.map_err(CallError::Tls)?;
        exchange(tls, &url, headers, payload).await
    }
}

/// Every address the host has (once: the connection goes to one of these, never to a
/// fresh lookup's answer).
async fn resolve(url: &EndpointUrl) -> Result<Vec<IpAddr>, CallError> {
    match url.host() {
        EndpointHost::Ip(ip) => Ok(vec![ip]),
        EndpointHost::Domain(name) => {
            let mut seen = std::collections::HashSet::new();
            Ok(tokio::net::lookup_host((name, url.port()))
                .await
                .map_err(CallError::Dns)?
                .map(|addr| addr.ip())
                // In the resolver's order (it sorts by preference), each address once.
                .filter(|ip| seen.insert(*ip))
                .collect())
        }
    }
}

/// The first of the checked addresses that accepts a connection.
async fn connect(addrs: &[IpAddr], port: u16) -> Result<TcpStream, CallError> {
    let mut last = None;
    for &ip in addrs {
        let addr = SocketAddr::new(ip, port);
        match TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(source) => last = Some(CallError::Connect { addr, source }),
        }
    }
    Err(last.unwrap_or(CallError::Refused(cadence_webhooks::Refusal::NoAddress)))
}

/// One request on a fresh HTTP/1.1 connection; the status (the body is not read: it says
/// nothing the status does not, and a receiver could make it endless).
async fn exchange<S>(
    stream: S,
    url: &EndpointUrl,
    headers: &WebhookHeaders,
    payload: String,
) -> Result<u16, CallError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    // The connection is driven beside the request and ends when both halves are dropped.
    let driver = tokio::spawn(connection);
    let mut request = hyper::Request::post(url.path_and_query())
        .header(HOST, url.authority())
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
    for (name, value) in headers.pairs() {
        request = request.header(name, value);
    }
    let request = request
        .body(payload)
        .map_err(|e| CallError::Request(e.to_string()))?;
    let answer = sender.send_request(request).await;
    driver.abort();
    Ok(answer?.status().as_u16())
}

/// TLS with Mozilla's roots (compiled in) and the ring provider; HTTP/1.1 by ALPN.
fn tls() -> tokio_rustls::TlsConnector {
    static CONNECTOR: OnceLock<tokio_rustls::TlsConnector> = OnceLock::new();
    CONNECTOR
        .get_or_init(|| {
            let roots: rustls::RootCertStore =
                webpki_roots::TLS_SERVER_ROOTS.iter().cloned().collect();
            let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .expect("ring supports TLS 1.2 and 1.3")
            .with_root_certificates(roots)
            .with_no_client_auth();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            tokio_rustls::TlsConnector::from(Arc::new(config))
        })
        .clone()
}
