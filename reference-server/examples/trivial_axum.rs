//! The baseline of `bench/load-vs-wrk.sh`: the cheapest useful axum server — one handler
//! answering every request with a small fixed SCIM ListResponse — on the same runtime and
//! axum features as the reference server, so "reference server ÷ trivial handler" measures
//! what the SCIM work costs, not the machine.
//!
//! ```text
//! cargo run --release -p scim-reference-server --example trivial_axum -- [PORT]
//! ```

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;

const BODY: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}"#;

async fn answer() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/scim+json")], BODY)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(18081);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("trivial axum handler at http://{}", listener.local_addr()?);
    axum::serve(listener, Router::new().fallback(answer)).await
}
