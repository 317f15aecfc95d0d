//! A standalone reference server for benchmarks, demos and defect runs, with the same
//! flags as `scim-harness serve`:
//!
//! ```text
//! cargo run --release -p scim-reference-server --example serve -- \
//!     [--port 18080] [--token T] [--base-path /scim/v2] [--seed-users N] \
//!     [--strict] [--tenant T2]... [--defect NAME]... [--list-defects]
//! ```
//!
//! Listens on `127.0.0.1:PORT` until Ctrl-C or SIGTERM; prints the base URL once ready.

use scim_reference_server::{Defect, ReferenceServer, ServerOptions};

fn usage(problem: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!(
            "{problem}\nusage: serve [--port P] [--token T] [--base-path /scim/v2] [--seed-users N] \
             [--strict] [--tenant T2]... [--defect NAME]... [--list-defects]"
        ),
    )
}

fn parse_args() -> std::io::Result<Option<ServerOptions>> {
    let mut options = ServerOptions {
        token: Some("bench".into()),
        base_path: "/scim/v2".into(),
        port: 18080,
        ..ServerOptions::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--port" => options.port = value()?.parse().map_err(|_| usage("bad --port"))?,
            "--token" => options.token = Some(value()?),
            "--no-token" => options.token = None,
            "--base-path" => options.base_path = value()?,
            "--seed-users" => {
                options.seed_users = value()?.parse().map_err(|_| usage("bad --seed-users"))?;
            }
            "--strict" => options.strict = true,
            "--tenant" => options.tenants.push(value()?),
            "--defect" => {
                let name = value()?;
                let defect = Defect::from_name(&name)
                    .ok_or_else(|| usage(&format!("unknown defect '{name}'")))?;
                options.defects.push(defect);
            }
            "--list-defects" => {
                for d in Defect::ALL {
                    println!(
                        "{:<36} {}  [{}]",
                        d.name(),
                        d.description(),
                        d.breaks().join(", ")
                    );
                }
                return Ok(None);
            }
            other => return Err(usage(&format!("unknown argument '{other}'"))),
        }
    }
    Ok(Some(options))
}

fn main() -> std::io::Result<()> {
    let Some(options) = parse_args()? else {
        return Ok(());
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let server = ReferenceServer::start(options).await?;
        println!("SCIM reference server listening at {}", server.base_url());
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        server.shutdown().await;
        Ok(())
    })
}
