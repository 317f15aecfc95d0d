//! `simulate`: act as an IdP against the target, print the transcript, verify the end state.

use scim_reference_server::ReferenceServer;

use crate::cli::{ServerArgs, SimulateArgs};
use crate::exec::cancel::Cancel;
use crate::exec::http::{ClientConfig, HttpClient};
use crate::exit::Exit;
use crate::report::escape;

use super::run::{seconds, watch_signals};
use super::scenarios::print_diagnostics;
use super::serve::server_options;
use super::target::{ca_cert_from, check_target_url, token_from};

pub(super) async fn simulate(args: SimulateArgs) -> Exit {
    use crate::simulate as sim;
    let run = crate::exec::engine::new_run_id();
    let directory = match (&args.directory, args.users) {
        (_, Some(n)) => sim::DirectoryInput::Generated(sim::generate_directory(n, &run)),
        (Some(path), None) => sim::DirectoryInput::File(path),
        (None, None) => return Exit::Usage,
    };
    let (directory, changes) = match sim::load_input(directory, args.changes.as_deref()) {
        Ok(input) => input,
        Err(diagnostics) => {
            print_diagnostics(&diagnostics);
            return Exit::InvalidScenarios;
        }
    };
    let token = match token_from(&args.target) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let ca = match ca_cert_from(&args.target) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let mut _server = None;
    let (base_url, token) = match &args.target.url {
        Some(url) => (url.trim_end_matches('/').to_string(), token),
        None => {
            let token = format!("harness-{}", uuid::Uuid::new_v4().simple());
            match ReferenceServer::start(server_options(
                &ServerArgs::default(),
                Some(token.clone()),
            ))
            .await
            {
                Ok(server) => {
                    let url = server.base_url();
                    _server = Some(server);
                    (url, Some(token))
                }
                Err(e) => {
                    eprintln!("error: cannot start the embedded reference server: {e}");
                    return Exit::Internal;
                }
            }
        }
    };
    let timeout = match seconds("--timeout", args.timeout) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let cleanup_budget = match seconds("--cleanup-timeout", args.cleanup_timeout) {
        Ok(t) => t,
        Err(e) => return e,
    };
    if let Err(e) = check_target_url(&base_url) {
        return e;
    }
    let client = match HttpClient::trusting(
        ClientConfig {
            base_url: base_url.clone(),
            token,
            secrets: Vec::new(),
            request_timeout: timeout,
            body_limit: 4 << 20,
        },
        ca.as_deref(),
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Internal;
        }
    };
    if let (_, Err(e)) = crate::exec::preflight::preflight(&client).await {
        eprintln!(
            "error: {}",
            escape::controls(&client.redact(&e.to_string()))
        );
        return match e {
            crate::exec::preflight::PreflightError::CredentialsRefused(_) => {
                Exit::CredentialsRefused
            }
            _ => Exit::TargetUnavailable,
        };
    }
    eprintln!(
        "simulating {} against {}: {} user(s), {} group(s), {} change(s)",
        args.idp,
        client.redact(&base_url),
        directory.users.len(),
        directory.groups.len(),
        changes.len()
    );
    let registry = crate::exec::cleanup::Registry::new();
    let cancel = Cancel::default();
    let signals = watch_signals(cancel.clone(), {
        let registry = registry.clone();
        let client = client.clone();
        move || {
            registry
                .pending()
                .iter()
                .map(|u| client.redact(u))
                .collect()
        }
    });
    let report = sim::simulate_until(
        &client,
        args.idp,
        &directory,
        &changes,
        &run,
        (
            args.link_existing,
            sim::Quirks {
                entra_adscim_group_urn: args.entra_adscim_group_urn,
            },
            &registry,
        ),
        &cancel,
    )
    .await;
    let interrupted = cancel.reason();
    let _ = std::io::Write::write_all(
        &mut std::io::stdout(),
        escape::controls(&client.redact(&sim::render_transcript(&report))).as_bytes(),
    );
    if let Some(reason) = &interrupted {
        eprintln!("{reason}: deleting what the simulation created");
    }
    // Everything created was registered as the target answered, so an interrupted
    // simulation is cleaned up too (--keep only applies to a finished one). A second
    // signal during cleanup quits at once, listing what is left.
    if !args.keep || interrupted.is_some() {
        let until = cancel.cleanup_until(cleanup_budget);
        let records = registry.clean_until(&client, until).await;
        let left: Vec<_> = records.iter().filter(|r| !r.deleted).collect();
        out!(
            "cleanup: deleted {} of {} resource(s) the simulation created{}",
            records.len() - left.len(),
            records.len(),
            if left.is_empty() {
                String::new()
            } else {
                format!("; {} left", left.len())
            }
        );
        for r in left {
            out!(
                "LEAK  {} — {}",
                escape::controls(&r.url),
                escape::controls(
                    &client.redact(
                        &r.error
                            .clone()
                            .unwrap_or_else(|| format!("DELETE answered {:?}", r.status))
                    )
                )
            );
        }
    }
    signals.abort();
    if cancel.reason().is_some() {
        Exit::Interrupted
    } else if report.passed() {
        Exit::Passed
    } else {
        Exit::Failures
    }
}
