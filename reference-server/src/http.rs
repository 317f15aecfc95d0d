//! The axum adapter and [`ReferenceServer`], a running HTTP server around a
//! [`ScimService`].
//!
//! Every request goes to one fallback handler that converts it into a transport-neutral
//! [`Request`] (path relative to the base path, percent-decoded; body read as bytes and
//! capped at 1 MiB), derives the base URL from the `Host` header
//! (`http://{host}{base_path}`) so the same core works behind a proxy or mock, calls
//! [`ScimService::handle`], and converts the [`Response`] back.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::discovery::MAX_PAYLOAD_BYTES;
use crate::error::ScimError;
use crate::message::{Request, Response};
use crate::options::ServerOptions;
use crate::service::ScimService;

/// An axum router serving `service` under its base path (every other path answers a SCIM
/// 404). Useful to mount the reference server inside another axum application.
pub fn router(service: Arc<ScimService>) -> Router {
    Router::new().fallback(serve).with_state(service)
}

async fn serve(
    State(service): State<Arc<ScimService>>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let base_path = service.options().normalized_base_path();
    let (parts, body) = req.into_parts();
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(ToString::to_string))
        .unwrap_or_else(|| "localhost".to_owned());
    let base_url = format!("http://{host}{base_path}");
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let Some(mut request) = Request::from_target(parts.method.as_str(), target, &base_path) else {
        let err = ScimError::not_found(format!("no SCIM endpoint at '{}'", parts.uri.path()));
        return to_axum(Response::with_json(404, &err.to_json()));
    };
    request.headers = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let too_large = || {
        let err = ScimError::new(
            413,
            None,
            format!("the request body exceeds maxPayloadSize ({MAX_PAYLOAD_BYTES} bytes)"),
        );
        to_axum(Response::with_json(413, &err.to_json()))
    };
    let declared = request
        .header("content-length")
        .and_then(|l| l.trim().parse::<u64>().ok());
    if declared.is_some_and(|l| l > MAX_PAYLOAD_BYTES as u64) {
        return too_large();
    }
    match axum::body::to_bytes(body, MAX_PAYLOAD_BYTES).await {
        Ok(bytes) => request.body = bytes.to_vec(),
        Err(e) if is_length_limit(&e) => return too_large(),
        Err(e) => {
            let err = ScimError::invalid_syntax(format!("could not read the request body: {e}"));
            return to_axum(Response::with_json(400, &err.to_json()));
        }
    }
    to_axum(service.handle(&request, &base_url))
}

fn is_length_limit(err: &axum::Error) -> bool {
    let mut current: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = current {
        if e.to_string().contains("length limit") {
            return true;
        }
        current = e.source();
    }
    false
}

fn to_axum(resp: Response) -> axum::response::Response {
    let mut out = axum::response::Response::new(Body::from(resp.body));
    *out.status_mut() =
        StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in resp.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            out.headers_mut().append(name, value);
        }
    }
    out
}

/// A running reference server on `127.0.0.1`. Shuts down when dropped or via
/// [`ReferenceServer::shutdown`].
#[derive(Debug)]
pub struct ReferenceServer {
    addr: SocketAddr,
    base_url: String,
    service: Arc<ScimService>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl ReferenceServer {
    /// Binds `127.0.0.1:{options.port}` and serves on the current tokio runtime.
    pub async fn start(options: ServerOptions) -> std::io::Result<ReferenceServer> {
        let listener = TcpListener::bind(("127.0.0.1", options.port)).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}{}", options.normalized_base_path());
        let service = Arc::new(ScimService::new(options));
        service.set_default_base_url(base_url.clone());
        let app = router(Arc::clone(&service));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            // Serving only ends on shutdown or a listener failure; neither needs reporting.
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await;
        });
        Ok(ReferenceServer {
            addr,
            base_url,
            service,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT` plus the base path, without trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The service behind the server (e.g. to [`ScimService::insert`] fixtures).
    pub fn service(&self) -> Arc<ScimService> {
        Arc::clone(&self.service)
    }

    /// Stops accepting connections and waits (up to 5 s) for open ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
