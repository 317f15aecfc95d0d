//! IdP profiles as data: a `_profile.yaml` in a scenario directory says how that identity
//! provider talks (headers, which default headers it omits, how it encodes queries), and
//! every scenario below that directory is sent in that dialect.
//!
//! ```yaml
//! # scenarios/idp/entra/_profile.yaml
//! name: entra
//! description: Microsoft Entra ID provisioning, default (legacy) PATCH dialect
//! source: learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups
//! omit_headers: [Accept]          # Entra's GETs carry no Accept
//! body_headers: { Content-Type: "application/scim+json; charset=utf-8" }
//! query_encoding: plus            # filter=userName+eq+%22…%22
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::diagnostic::{Diagnostic, SourceFile};
use super::yaml::{self, YamlKind};

/// How an identity provider sends requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "scim-harness IdP profile")]
pub struct Profile {
    /// Profile name used by `--idp` (e.g. `okta-oin`, `entra`).
    pub name: String,
    /// Short title for verdict tables (e.g. `Okta (OIN apps)`); the name when absent.
    #[serde(default)]
    pub title: Option<String>,
    /// `idp` (default): replays of what the IdP sends in production; `validator`: replays of
    /// the IdP vendor's own certification test suite.
    #[serde(default)]
    pub kind: ProfileKind,
    /// Which client this is, in a sentence.
    #[serde(default)]
    pub description: Option<String>,
    /// Where the dialect is documented or observed.
    #[serde(default)]
    pub source: Option<String>,
    /// Headers sent on every request (replacing the harness defaults of the same name).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Headers sent on requests that have a body (e.g. `Content-Type` with a charset).
    #[serde(default)]
    pub body_headers: BTreeMap<String, String>,
    /// Headers sent on requests without a body (a client whose GETs and POSTs carry
    /// different header sets, such as Okta's SPEC Test).
    #[serde(default)]
    pub bodyless_headers: BTreeMap<String, String>,
    /// Harness default headers this client does not send (`Accept`, `Content-Type`, `User-Agent`).
    #[serde(default)]
    pub omit_headers: Vec<String>,
    /// Milliseconds this client waits for an answer before it gives up on the request
    /// (Okta: 60000). A step that takes longer errors, naming this limit: for this IdP it is
    /// a blocker. The run's `--timeout` still applies when it is shorter.
    #[serde(default)]
    pub socket_timeout_ms: Option<u64>,
    /// How query values are encoded.
    #[serde(default)]
    pub query_encoding: QueryEncoding,
}

/// What an IdP profile replays.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProfileKind {
    /// What the identity provider sends in production.
    #[default]
    Idp,
    /// The IdP vendor's own validator or certification test suite.
    Validator,
}

/// Query string encoding of spaces and reserved characters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueryEncoding {
    /// RFC 3986 percent-encoding: a space is `%20` (Okta).
    #[default]
    Percent,
    /// Form encoding: a space is `+` (Entra's `filter=userName+eq+%22…%22`).
    Plus,
}

/// Reads `_profile.yaml` from `dir`, if there is one.
pub fn load_profile(dir: &Path) -> Result<Option<Profile>, Box<Diagnostic>> {
    let path = dir.join("_profile.yaml");
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(None);
    }
    let text = super::load::read_capped(&path)
        .map_err(|e| Box::new(Diagnostic::file_level(&path.display().to_string(), e)))?;
    let file = SourceFile {
        path: path.display().to_string(),
        text: text.into(),
    };
    parse_profile(&file).map(Some)
}

/// Parses a `_profile.yaml` already read.
pub fn parse_profile(file: &SourceFile) -> Result<Profile, Box<Diagnostic>> {
    yaml::parse::<Profile>(file, &PROFILE_YAML)
}

/// What a profile holds, for the hints of its diagnostics.
const PROFILE_YAML: YamlKind = YamlKind {
    schema: Some("schemas/profile.schema.json"),
    shape: "a profile has name, description, source, headers, body_headers, bodyless_headers, \
            omit_headers, socket_timeout_ms, query_encoding",
};

/// The profile that applies to a scenario file: the nearest `_profile.yaml` in its
/// directory or a parent directory below `root`.
pub fn profile_for(root: &Path, file: &Path) -> Result<Option<Profile>, Box<Diagnostic>> {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if let Some(p) = load_profile(d)? {
            return Ok(Some(p));
        }
        if d == root {
            break;
        }
        dir = d.parent();
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_profile_applies_and_unknown_fields_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let idp = dir.path().join("idp/entra/users");
        std::fs::create_dir_all(&idp).unwrap();
        std::fs::write(
            dir.path().join("idp/entra/_profile.yaml"),
            "name: entra\nomit_headers: [Accept]\nquery_encoding: plus\nbody_headers: { Content-Type: \"application/scim+json; charset=utf-8\" }\n",
        )
        .unwrap();
        let p = profile_for(dir.path(), &idp.join("create.yaml"))
            .unwrap()
            .unwrap();
        assert_eq!(p.name, "entra");
        assert_eq!(p.query_encoding, QueryEncoding::Plus);
        assert_eq!(p.omit_headers, vec!["Accept"]);
        assert!(
            profile_for(dir.path(), &dir.path().join("core/x.yaml"))
                .unwrap()
                .is_none()
        );

        std::fs::write(
            dir.path().join("idp/entra/_profile.yaml"),
            "name: entra\nquery_encodng: plus\n",
        )
        .unwrap();
        let err = profile_for(dir.path(), &idp.join("create.yaml")).unwrap_err();
        assert!(err.message.contains("query_encodng"), "{}", err.message);
        assert_eq!(err.location.line, 2);
    }
}
