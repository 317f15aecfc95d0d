//! The target and its credentials as flags give them: URL checks, the token and its
//! source, a private CA, the name snapshots are filed under.

use crate::cli::{RunArgs, TargetArgs};
use crate::exec::redact::MIN_SECRET_LEN;
use crate::exit::Exit;
use crate::report::escape;

/// The target must be http(s), with no credentials, query or fragment in it: a password in
/// the URL would be copied into every report and would replace the bearer token with Basic
/// auth; a query or fragment would be glued before every request path (`/scim/v2?k=v/Users`)
/// and copied into every report. A rejected URL is echoed without its credentials.
pub(super) fn check_target_url(url: &str) -> Result<(), Exit> {
    let shown = escape::controls(&without_userinfo(url));
    let parsed = match reqwest::Url::parse(url) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("error: --target `{shown}` is not a valid URL: {e}");
            return Err(Exit::Usage);
        }
    };
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        eprintln!("error: --target must be an http:// or https:// URL with a host, got `{shown}`");
        return Err(Exit::Usage);
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        eprintln!(
            "error: --target must not carry credentials; pass the token with --token-env VAR instead"
        );
        return Err(Exit::Usage);
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        eprintln!(
            "error: --target must be the SCIM base URL without `?query` or `#fragment`: requests append paths such as /Users to it, so a query would send them to the wrong endpoint (and a credential in it would be copied into every report); pass the token with --token-env VAR"
        );
        return Err(Exit::Usage);
    }
    Ok(())
}

/// `url` with any `user:password@` replaced by `***@`, for messages.
pub(super) fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let rest = match rest[..authority_end].rfind('@') {
        Some(at) => format!("***{}", &rest[at..]),
        None => rest.to_string(),
    };
    match scheme {
        Some(scheme) => format!("{scheme}://{rest}"),
        None => rest,
    }
}

/// The target's name in snapshot paths: `--target-name`, `reference` for the embedded
/// server, else `host-port` of the URL.
pub(super) fn target_name(args: &RunArgs, base_url: &str) -> String {
    if let Some(name) = &args.target_name {
        return crate::validate::snapshot::slug(name);
    }
    if args.target.url.is_none() {
        return "reference".to_string();
    }
    let host = base_url
        .split("://")
        .nth(1)
        .unwrap_or(base_url)
        .split('/')
        .next()
        .unwrap_or("target");
    crate::validate::snapshot::slug(host)
}

/// Where the run's token came from, in words for messages (never the token itself).
pub(super) fn credentials_of(target: &crate::cli::TargetArgs) -> String {
    match (&target.url, &target.token_env, &target.token) {
        (None, _, _) => "the embedded server's token".into(),
        (Some(_), Some(var), _) => format!("the token from --token-env {var}"),
        (Some(_), None, Some(_)) => "the token from --token (or SCIM_HARNESS_TOKEN)".into(),
        (Some(_), None, None) => "a request without a token (pass one with --token-env VAR)".into(),
    }
}

/// Reads the token from `--token-env VAR`, or takes `--token` / `SCIM_HARNESS_TOKEN`.
pub(super) fn token_from(target: &TargetArgs) -> Result<Option<String>, Exit> {
    let token = if let Some(var) = &target.token_env {
        match std::env::var(var) {
            Ok(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
            _ => {
                eprintln!(
                    "error: --token-env {var}: that environment variable is not set or empty"
                );
                return Err(Exit::Usage);
            }
        }
    } else {
        target.token.clone().filter(|t| !t.is_empty())
    };
    // A token this short cannot be told apart from ordinary text in what the target
    // echoes, so it could not be kept out of the reports.
    if let Some(t) = &token
        && t.chars().count() < MIN_SECRET_LEN
    {
        eprintln!(
            "error: the bearer token is shorter than {MIN_SECRET_LEN} characters; the harness refuses it because it could not be redacted reliably from reports"
        );
        return Err(Exit::Usage);
    }
    Ok(token)
}

/// The PEM bundle of `--ca-cert`, read and checked before anything is sent.
pub(super) fn ca_cert_from(target: &TargetArgs) -> Result<Option<Vec<u8>>, Exit> {
    let Some(path) = &target.ca_cert else {
        return Ok(None);
    };
    let pem = std::fs::read(path).map_err(|e| {
        eprintln!("error: --ca-cert {}: {e}", path.display());
        Exit::Usage
    })?;
    if let Err(e) = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| e.to_string())
        .and_then(|c| {
            if c.is_empty() {
                Err("no PEM certificate in it".into())
            } else {
                Ok(())
            }
        })
    {
        eprintln!("error: --ca-cert {}: {e}", path.display());
        return Err(Exit::Usage);
    }
    Ok(Some(pem))
}
