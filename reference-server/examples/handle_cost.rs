//! The in-process cost of [`ScimService::handle`], without HTTP: the requests of
//! `bench/load-vs-wrk.sh` step 4 (a `userName eq` lookup that finds a user among 100 000,
//! the same lookup finding none — all but rendering —, `GET /ServiceProviderConfig`,
//! `GET /Users/{id}`), each served in a loop on one thread,
//! printed as ns per request. A benchmark, not a test: numbers move with the machine.
//!
//! ```text
//! cargo run --release -p scim-reference-server --example handle_cost -- [SEED_USERS] [ITERATIONS] [ONLY]
//! ```

use std::hint::black_box;
use std::time::Instant;

use scim_reference_server::{Request, ScimService, ServerOptions};

/// The allocator `scim-harness serve` runs with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TOKEN: &str = "bench-token";
const BASE_URL: &str = "http://127.0.0.1:18090/scim/v2";

fn main() {
    let mut args = std::env::args().skip(1);
    let seed: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let iterations: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let only = args.next().unwrap_or_default();
    let service = ScimService::new(ServerOptions {
        token: Some(TOKEN.into()),
        base_path: "/scim/v2".into(),
        seed_users: seed,
        ..ServerOptions::default()
    });
    let target = |t: &str| {
        Request::from_target("GET", t, "/scim/v2")
            .expect("inside the base path")
            .with_header("Host", "127.0.0.1:18090")
            .with_bearer(TOKEN)
    };
    let name = format!("seed-user-{:06}@example.test", seed / 2 + 1);
    let lookup = target(&format!(
        "/scim/v2/Users?filter=userName%20eq%20%22{}%22",
        name.replace('@', "%40")
    ));
    let found = service.handle(&lookup, BASE_URL);
    let id = found
        .json()
        .and_then(|v| v["Resources"][0]["id"].as_str().map(str::to_owned))
        .expect("the lookup finds the seeded user");
    let missing = target("/scim/v2/Users?filter=userName%20eq%20%22nobody%40example.test%22");
    let cases = [
        ("filtered lookup", lookup),
        ("filtered lookup, no match", missing),
        (
            "/ServiceProviderConfig",
            target("/scim/v2/ServiceProviderConfig"),
        ),
        ("GET /Users/{id}", target(&format!("/scim/v2/Users/{id}"))),
    ];
    for (label, req) in cases
        .iter()
        .filter(|(label, _)| label.contains(only.as_str()))
    {
        for _ in 0..iterations / 10 {
            black_box(service.handle(req, BASE_URL));
        }
        let t = Instant::now();
        for _ in 0..iterations {
            black_box(service.handle(black_box(req), BASE_URL));
        }
        let ns = t.elapsed().as_nanos() as f64 / f64::from(iterations);
        println!("{label:<24} {ns:>8.0} ns/request");
    }
}
