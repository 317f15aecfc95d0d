//! The axum adapter and [`ReferenceServer`], a running HTTP server around a
//! [`ScimService`].
//!
//! Every request goes to one handler that reads it as the service reads a
//! [`Request`](crate::Request) (path relative to the base path, percent-decoded; body read
//! as bytes and capped at 1 MiB) but borrows from the received request instead of copying
//! it, derives the base URL from the `Host` header (`http://{host}{base_path}`) so the same
//! core works behind a proxy or mock, has [`ScimService`] handle it, and converts the
//! [`Response`] back. [`ReferenceServer`] serves
//! that handler on its own; [`router`] puts it behind an axum `Router` as the fallback, to
//! mount elsewhere.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::body::{Body, HttpBody};
use axum::extract::State;
use axum::handler::Handler;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::discovery::MAX_PAYLOAD_BYTES;
use crate::error::ScimError;
use crate::message::{QueryPairs, RequestView, Response, SCIM_MEDIA_TYPE, split_target};
use crate::options::ServerOptions;
use crate::service::ScimService;

/// An axum router serving `service` under its base path (every other path answers a SCIM
/// 404). Useful to mount the reference server inside another axum application.
pub fn router(service: Arc<ScimService>) -> Router {
    Router::new()
        .fallback(serve)
        .with_state(Mounted::new(service))
}

/// The handler's state: the service and its base path, normalised once.
#[derive(Clone)]
struct Mounted(Arc<(Arc<ScimService>, String)>);

impl Mounted {
    fn new(service: Arc<ScimService>) -> Self {
        let base_path = service.options().normalized_base_path();
        Mounted(Arc::new((service, base_path)))
    }
}

async fn serve(
    State(mounted): State<Mounted>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (service, base_path) = &*mounted.0;
    let base_path = base_path.as_str();
    let (parts, body) = req.into_parts();
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let Some((path, query)) = split_target(target, base_path) else {
        let err = ScimError::not_found(format!("no SCIM endpoint at '{}'", parts.uri.path()));
        return to_axum(Response::with_json(404, &err.to_json()));
    };
    let host = match parts.headers.get(header::HOST).map(HeaderValue::to_str) {
        Some(Ok(host)) => host,
        _ => parts.uri.authority().map_or("localhost", |a| a.as_str()),
    };
    let mut base_url = String::with_capacity(7 + host.len() + base_path.len());
    base_url.push_str("http://");
    base_url.push_str(host);
    base_url.push_str(base_path);
    let too_large = || {
        let err = ScimError::new(
            413,
            None,
            format!("the request body exceeds maxPayloadSize ({MAX_PAYLOAD_BYTES} bytes)"),
        );
        to_axum(Response::with_json(413, &err.to_json()))
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| l.trim().parse::<u64>().ok());
    if declared.is_some_and(|l| l > MAX_PAYLOAD_BYTES as u64) {
        return too_large();
    }
    // A request without a body (every GET and DELETE an IdP sends) skips the collecting.
    let body = if body.is_end_stream() {
        Bytes::new()
    } else {
        match axum::body::to_bytes(body, MAX_PAYLOAD_BYTES).await {
            Ok(bytes) => bytes,
            Err(e) if is_length_limit(&e) => return too_large(),
            Err(e) => {
                let err =
                    ScimError::invalid_syntax(format!("could not read the request body: {e}"));
                return to_axum(Response::with_json(400, &err.to_json()));
            }
        }
    };
    let received = Received {
        method: parts.method.as_str(),
        path,
        query,
        headers: &parts.headers,
        body,
    };
    to_axum(service.handle_view(&received, &base_url))
}

/// A received request as the service reads it, borrowing what hyper parsed instead of
/// copying it into a [`Request`](crate::Request) (the path and query values are decoded only where they
/// hold escapes).
struct Received<'a> {
    method: &'a str,
    path: Cow<'a, str>,
    query: QueryPairs<'a>,
    headers: &'a HeaderMap,
    body: Bytes,
}

impl RequestView for Received<'_> {
    fn method(&self) -> &str {
        self.method
    }

    fn path(&self) -> &str {
        &self.path
    }

    fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// A header whose value is not visible ASCII reads as absent.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn body(&self) -> &[u8] {
        &self.body
    }
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
    let headers = out.headers_mut();
    for (name, value) in resp.headers {
        // The names every response carries are matched without parsing.
        let name = match name.as_str() {
            "Content-Type" => header::CONTENT_TYPE,
            "ETag" => header::ETAG,
            "Location" => header::LOCATION,
            other => match HeaderName::from_bytes(other.as_bytes()) {
                Ok(name) => name,
                Err(_) => continue,
            },
        };
        let value = if value == SCIM_MEDIA_TYPE {
            Ok(HeaderValue::from_static(SCIM_MEDIA_TYPE))
        } else {
            HeaderValue::try_from(value)
        };
        if let Ok(value) = value {
            headers.append(name, value);
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
        // Every request goes to one handler, so the server runs it without a router in front.
        let app = serve
            .with_state(Mounted::new(Arc::clone(&service)))
            .into_make_service();
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
