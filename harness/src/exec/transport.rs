//! Why no response arrived: the transport errors of a request, with TLS certificate
//! problems put in words a user can act on.

/// Why no response arrived.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TransportError {
    /// TCP connect failed (refused, unreachable, DNS).
    #[error("could not connect to {url}: {detail}")]
    Connect {
        /// URL tried.
        url: String,
        /// Cause.
        detail: String,
    },
    /// No complete answer within the request timeout.
    #[error("no complete answer from {url} within {timeout_ms} ms")]
    Timeout {
        /// URL tried.
        url: String,
        /// The limit.
        timeout_ms: u128,
    },
    /// The TLS handshake failed: the server's certificate is not trusted (or TLS broke).
    #[error(
        "TLS connection to {url} failed: {detail}; if the server uses a private CA, trust it with --ca-cert FILE (PEM) or SSL_CERT_FILE"
    )]
    Tls {
        /// URL tried.
        url: String,
        /// Why, in words.
        detail: String,
    },
    /// Anything else (malformed HTTP, reset connection, bad URL).
    #[error("request to {url} failed: {detail}")]
    Other {
        /// URL tried.
        url: String,
        /// Cause.
        detail: String,
    },
}

impl TransportError {
    /// True when the target could not be reached at all.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            TransportError::Connect { .. }
                | TransportError::Timeout { .. }
                | TransportError::Tls { .. }
        )
    }
}

/// A TLS failure in words, if that is what `e` is: rustls reports certificate problems as
/// debug-formatted enums (`InvalidCertificate(UnknownIssuer)`), which mean nothing to a user.
pub(super) fn tls_problem(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    // The causes only: the top-level error's debug text holds the URL.
    let mut chain = String::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = e.source();
    while let Some(err) = cur {
        chain.push_str(&format!("{err} {err:?} "));
        cur = err.source();
    }
    let why = [
        (
            "UnknownIssuer",
            "it is signed by an authority this machine does not trust",
        ),
        (
            "CaUsedAsEndEntity",
            "it is a CA certificate used as the server's own",
        ),
        ("SelfSigned", "it is self-signed"),
        ("Expired", "it has expired"),
        ("NotValidYet", "it is not valid yet"),
        ("NotValidForName", "it is not valid for this host name"),
        ("Revoked", "it is revoked"),
        ("BadSignature", "its signature does not verify"),
        (
            "UnsupportedSignatureAlgorithm",
            "its signature algorithm is not supported",
        ),
    ]
    .iter()
    .find(|(needle, _)| chain.contains(needle))
    .map(|(_, why)| format!("the certificate is not trusted: {why}"));
    if why.is_some() {
        return why;
    }
    let lower = chain.to_ascii_lowercase();
    if lower.contains("invalidcertificate") || lower.contains("certificate") {
        Some("the certificate is not trusted".into())
    } else if lower.contains("tls") || lower.contains("handshake") || lower.contains("alert") {
        Some(format!(
            "the TLS handshake failed ({})",
            root_cause(e).chars().take(200).collect::<String>()
        ))
    } else {
        None
    }
}

pub(super) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
