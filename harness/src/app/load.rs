//! `load`: an IdP's initial sync at scale, and its exit code.

use std::sync::Arc;

use scim_reference_server::ReferenceServer;

use crate::cli::LoadArgs;
use crate::exec::cancel::Cancel;
use crate::exec::http::ClientConfig;
use crate::exit::Exit;

use super::progress::LoadBar;
use super::run::{seconds, watch_signals};
use super::serve::server_options;
use super::target::{check_target_url, token_from};

pub(super) async fn load_mode(args: LoadArgs) -> Exit {
    use crate::load::{LoadSettings, write_reports};
    let users = args.users as usize;
    let groups = match args.groups {
        Some(g) => g as usize,
        None => (users / 100).max(1),
    };
    let shard_users = args.shard.range(users).len();
    let members = args
        .members_per_group
        .map_or(shard_users.min(10), |m| m as usize);
    let usage = |msg: String| {
        eprintln!("error: {msg}");
        Exit::Usage
    };
    if shard_users == 0 {
        return usage(format!(
            "--shard {} of {users} user(s) holds no user; use fewer shards",
            args.shard
        ));
    }
    if members > shard_users {
        return usage(format!(
            "--members-per-group {members} is more than the {shard_users} user(s) of this shard"
        ));
    }
    if !(args.incremental.is_finite() && (0.0..=1.0).contains(&args.incremental)) {
        return usage(format!(
            "--incremental must be a fraction between 0 and 1, got {}",
            args.incremental
        ));
    }
    let mut durations = Vec::new();
    for (flag, value) in [
        ("--timeout", args.timeout),
        ("--deadline", args.deadline),
        ("--max-retry-wait", args.max_retry_wait),
    ] {
        match seconds(flag, value) {
            Ok(d) => durations.push(d),
            Err(e) => return e,
        }
    }
    let (timeout, deadline, max_retry_wait) = (durations[0], durations[1], durations[2]);
    let token = match token_from(&args.target) {
        Ok(t) => t,
        Err(e) => return e,
    };
    if args.target.url.is_some()
        && (args.server.strict_server
            || !args.server.defects.is_empty()
            || args.server.seed_users > 0)
    {
        return usage(
            "--defect, --strict-server and --seed-users shape the embedded server; they do not apply with --target"
                .into(),
        );
    }
    let mut _server = None;
    let (base_url, token) = match &args.target.url {
        Some(url) => (url.trim_end_matches('/').to_string(), token),
        None => {
            let token = format!("harness-{}", uuid::Uuid::new_v4().simple());
            if args.server.seed_users > 0 {
                eprintln!(
                    "seeding the embedded server with {} user(s)…",
                    args.server.seed_users
                );
            }
            match ReferenceServer::start(server_options(&args.server, Some(token.clone()))).await {
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
    if let Err(e) = check_target_url(&base_url) {
        return e;
    }
    let concurrency = args.concurrency as usize;
    let wire = match crate::load::wire::Wire::new(
        ClientConfig {
            base_url: base_url.clone(),
            token,
            secrets: Vec::new(),
            request_timeout: timeout,
            body_limit: 1 << 20,
        },
        args.idp,
        concurrency,
        args.transport,
    ) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Internal;
        }
    };
    // Every output is redacted once more as it leaves the process.
    let redactor = wire.exec().redactor();
    if let (_, Err(e)) = crate::exec::preflight::preflight(wire.exec()).await {
        eprintln!("error: {e}");
        return match e {
            crate::exec::preflight::PreflightError::CredentialsRefused(_) => {
                Exit::CredentialsRefused
            }
            _ => Exit::TargetUnavailable,
        };
    }
    let target = wire.exec().redact(&base_url);
    let settings = LoadSettings {
        idp: args.idp,
        users,
        groups,
        members_per_group: members,
        concurrency,
        rate: args.rate.and_then(std::num::NonZeroU32::new),
        duration: args.duration,
        shard: args.shard,
        incremental: args.incremental,
        verify_sample: args.verify_sample,
        keep: args.keep,
        batch_size: args
            .batch_size
            .map_or(args.idp.default_member_batch(), |b| b as usize),
        keep_failures: args.record_failures,
        max_retry_wait,
        lookups_only: args.lookups_only,
        run_id: crate::exec::engine::new_run_id(),
    };
    eprintln!(
        "load: replaying {}'s initial sync of {} user(s) (shard {}: {}) and {} group(s) against {target}, concurrency {concurrency}{}",
        args.idp,
        users,
        args.shard,
        shard_users,
        groups,
        args.rate
            .map(|r| format!(", at most {r} req/s"))
            .unwrap_or_default()
    );
    let cancel = Cancel::default();
    let signals = watch_signals(cancel.clone(), Vec::new);
    let timer = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(deadline).await;
            eprintln!("\n--deadline reached: stopping and deleting what this run created");
            cancel.cancel(&format!(
                "--deadline of {} s reached",
                deadline.as_secs_f64()
            ));
        })
    };
    let progress = Arc::new(LoadBar::new(!args.no_progress));
    let report = match crate::load::run_on_own_runtime(
        settings,
        wire,
        target,
        cancel,
        progress.clone(),
        usize::from(args.client_threads),
    )
    .await
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Internal;
        }
    };
    timer.abort();
    signals.abort();
    progress.finish();
    let _ = std::io::Write::write_all(
        &mut std::io::stdout(),
        redactor
            .redact(&crate::load::markdown::render(&report))
            .as_bytes(),
    );
    match write_reports(&report, &args.report_dir, &redactor) {
        Ok(paths) => {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            out!("reports: {}", names.join(", "));
        }
        Err(e) => {
            eprintln!(
                "error: cannot write reports to {}: {e}",
                args.report_dir.display()
            );
            return Exit::Internal;
        }
    }
    load_exit(&report.verdict)
}

/// The exit code of a load verdict.
pub(super) fn load_exit(verdict: &str) -> Exit {
    match verdict {
        "passed" => Exit::Passed,
        "interrupted" => Exit::Interrupted,
        "unreachable" => Exit::TargetUnavailable,
        _ => Exit::Failures,
    }
}
