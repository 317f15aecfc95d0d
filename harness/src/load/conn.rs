//! Plain-HTTP/1.1 connections for load runs against an `http://` target: one keep-alive
//! connection per request in flight, taken from and given back to a small pool.
//!
//! A load run's client must cost far less than the server it measures. reqwest's general
//! pool (URL parsing, per-request timers, connection lookup by host) costs more per request
//! than hyper's connection API, which does only HTTP/1.1 on a stream; for `https://` targets
//! the load mode keeps using reqwest (see `wire.rs`).

use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HOST, HeaderMap, HeaderValue};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// What went wrong with one request.
#[derive(Debug)]
pub struct ConnError {
    /// No connection could be made, or the request timed out.
    pub unreachable: bool,
    /// What happened.
    pub detail: String,
}

/// The answer to one request.
pub struct RawReply {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body, cut at the body limit.
    pub body: Vec<u8>,
}

/// Idle keep-alive connections to one `host:port`.
pub struct Pool {
    authority: String,
    host: HeaderValue,
    timeout: Duration,
    body_limit: usize,
    idle: Mutex<Vec<SendRequest<Full<Bytes>>>>,
}

impl Pool {
    /// A pool for `authority` (`host:port`, as in the URL).
    pub fn new(authority: &str, timeout: Duration, body_limit: usize) -> Result<Pool, String> {
        let host = HeaderValue::from_str(authority)
            .map_err(|e| format!("`{authority}` is not a valid Host header: {e}"))?;
        Ok(Pool {
            authority: authority.to_string(),
            host,
            timeout,
            body_limit,
            idle: Mutex::new(Vec::new()),
        })
    }

    fn take_idle(&self) -> Option<SendRequest<Full<Bytes>>> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(sender) = idle.pop() {
            if !sender.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    fn give_back(&self, sender: SendRequest<Full<Bytes>>) {
        if !sender.is_closed() {
            self.idle
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(sender);
        }
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, ConnError> {
        let refused = |e: &dyn std::fmt::Display| ConnError {
            unreachable: true,
            detail: format!("cannot connect to {}: {e}", self.authority),
        };
        let stream = TcpStream::connect(&self.authority)
            .await
            .map_err(|e| refused(&e))?;
        stream.set_nodelay(true).map_err(|e| refused(&e))?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| refused(&e))?;
        // The connection ends when the sender is dropped or the server closes it; either
        // way there is nobody to tell.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// Sends one request: `path_and_query` in origin form, `headers` without `Host`.
    pub async fn send(
        &self,
        method: hyper::Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: Option<&[u8]>,
    ) -> Result<RawReply, ConnError> {
        match tokio::time::timeout(
            self.timeout,
            self.send_untimed(method, path_and_query, headers, body),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(ConnError {
                unreachable: true,
                detail: format!("no answer within {} s", self.timeout.as_secs_f64()),
            }),
        }
    }

    async fn send_untimed(
        &self,
        method: hyper::Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: Option<&[u8]>,
    ) -> Result<RawReply, ConnError> {
        let broken = |e: &dyn std::fmt::Display| ConnError {
            unreachable: false,
            detail: e.to_string(),
        };
        let (mut sender, mut pooled) = match self.take_idle() {
            Some(sender) => (sender, true),
            None => (self.connect().await?, false),
        };
        // A pooled connection the server has just closed fails here; one fresh try.
        if sender.ready().await.is_err() {
            sender = self.connect().await?;
            pooled = false;
            sender.ready().await.map_err(|e| broken(&e))?;
        }
        let mut request = hyper::Request::new(Full::new(
            body.map(Bytes::copy_from_slice).unwrap_or_default(),
        ));
        *request.method_mut() = method;
        *request.uri_mut() = path_and_query.parse().map_err(|e| broken(&e))?;
        let out = request.headers_mut();
        out.reserve(headers.len() + 1);
        out.insert(HOST, self.host.clone());
        for (name, value) in headers {
            out.append(name.clone(), value.clone());
        }
        let response = match sender.try_send_request(request).await {
            Ok(response) => response,
            // The server closed a kept-alive connection before the request went out (hyper
            // hands the unsent request back): send it once on a new connection, as any
            // HTTP client does. A request that was written is never sent twice.
            Err(mut e) if pooled && e.message().is_some() => {
                let request = e.take_message().ok_or_else(|| broken(&e.error()))?;
                sender = self.connect().await?;
                sender.ready().await.map_err(|e| broken(&e))?;
                sender.send_request(request).await.map_err(|e| broken(&e))?
            }
            Err(e) => return Err(broken(&e.into_error())),
        };
        let (parts, mut incoming) = response.into_parts();
        let mut body = Vec::new();
        let mut complete = true;
        while let Some(frame) = incoming.frame().await {
            let frame = frame.map_err(|e| broken(&e))?;
            if let Some(chunk) = frame.data_ref() {
                let room = self.body_limit.saturating_sub(body.len());
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if chunk.len() > room {
                    complete = false;
                    break;
                }
            }
        }
        // A connection whose answer was not read to the end cannot carry another request.
        if complete {
            self.give_back(sender);
        }
        Ok(RawReply {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refused_connection_is_unreachable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        drop(listener);
        let pool = Pool::new(&addr.to_string(), Duration::from_secs(5), 1024).expect("pool");
        let err = pool
            .send(hyper::Method::GET, "/x", &HeaderMap::new(), None)
            .await
            .err()
            .expect("nothing listens");
        assert!(err.unreachable, "{}", err.detail);
        assert!(err.detail.contains("cannot connect"), "{}", err.detail);
    }

    /// A server that answers one request per connection and then closes it, without
    /// `Connection: close`: kept-alive connections the client pools go dead under it.
    async fn one_answer_per_connection() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>)
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = served.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let count = count.clone();
                tokio::spawn(async move {
                    let mut seen = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                    }
                    count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let _ = socket
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                        .await;
                });
            }
        });
        (addr, served)
    }

    #[tokio::test]
    async fn requests_go_through_when_the_server_closes_every_connection() {
        let (addr, served) = one_answer_per_connection().await;
        let pool = Pool::new(&addr, Duration::from_secs(10), 1024).expect("pool");
        for i in 0..5 {
            let reply = pool
                .send(hyper::Method::GET, "/x", &HeaderMap::new(), None)
                .await
                .unwrap_or_else(|e| panic!("request {i}: {}", e.detail));
            assert_eq!(reply.status, 200);
            assert_eq!(reply.body, b"ok");
        }
        // Each request reached the server once: none was sent twice.
        assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 5);
    }
}
