//! The baselines of `bench/load-vs-wrk.sh`: the cheapest useful axum server — one handler
//! answering every request with a small fixed SCIM ListResponse — on the same runtime and
//! axum features as the reference server, so "reference server ÷ trivial handler" measures
//! what the SCIM work costs, not the machine. Two forms:
//!
//! - `--router`: the handler as the fallback of an axum `Router`, the usual axum app;
//! - without: the handler served on its own, no router in front — the plumbing the
//!   reference server itself uses, so nothing but the SCIM work separates the two.
//!
//! ```text
//! cargo run --release -p scim-reference-server --example trivial_axum -- [PORT] [--router]
//! ```

use axum::Router;
use axum::handler::HandlerWithoutStateExt;
use axum::http::header;
use axum::response::IntoResponse;

/// The allocator `scim-harness serve` runs with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BODY: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}"#;

async fn answer() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/scim+json")], BODY)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port: u16 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(18081);
    let with_router = args.iter().any(|a| a == "--router");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let form = if with_router {
        "router"
    } else {
        "bare handler"
    };
    println!("trivial axum {form} at http://{}", listener.local_addr()?);
    if with_router {
        axum::serve(listener, Router::new().fallback(answer)).await
    } else {
        axum::serve(listener, answer.into_make_service()).await
    }
}
