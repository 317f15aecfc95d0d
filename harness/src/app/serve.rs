//! `serve`: the embedded reference server on its own, and its options from the flags.

use scim_reference_server::{Defect, ReferenceServer, ServerOptions, Variant};

use crate::cli::{ServeArgs, ServerArgs};
use crate::exit::Exit;

/// The reference server's options from the command line.
pub(super) fn server_options(server: &ServerArgs, token: Option<String>) -> ServerOptions {
    ServerOptions {
        token,
        strict: server.strict_server,
        tenants: server.tenants.clone(),
        seed_users: server.seed_users,
        defects: server.defects.clone(),
        variants: server.variants.clone(),
        ..ServerOptions::default()
    }
}

pub(super) async fn serve(args: ServeArgs) -> Exit {
    if args.list_defects {
        for d in Defect::ALL {
            out!(
                "{:<36} {} [{}]",
                d.name(),
                d.description(),
                d.breaks().join(", ")
            );
        }
        return Exit::Passed;
    }
    if args.list_variants {
        for v in Variant::ALL {
            out!("{:<20} {} [{}]", v.name(), v.description(), v.basis());
        }
        return Exit::Passed;
    }
    let base_path = if args.base_path == "/" {
        String::new()
    } else {
        args.base_path.trim_end_matches('/').to_string()
    };
    let options = ServerOptions {
        base_path,
        port: args.port,
        ..server_options(&args.server, args.token.clone())
    };
    let server = match ReferenceServer::start(options).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return Exit::Internal;
        }
    };
    out!("SCIM reference server listening at {}", server.base_url());
    for d in &args.server.defects {
        out!("defect on: {} — {}", d.name(), d.description());
    }
    for v in &args.server.variants {
        out!("variant on: {} — {}", v.name(), v.description());
    }
    if args.server.strict_server {
        out!("strict: non-RFC forms (capitalised ops, string booleans, …) are refused");
    }
    if args.token.is_some() {
        out!("clients must send: Authorization: Bearer <the token you gave>");
    } else {
        out!("no token required (pass --token to require one)");
    }
    out!("Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    Exit::Passed
}
