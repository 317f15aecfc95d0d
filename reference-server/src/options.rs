//! Server configuration: authentication tokens and tenants, base path, port, response
//! choices, strict mode, seed data, injected defects and legal variants.

use crate::defect::Defect;
use crate::variant::Variant;

/// Configuration of a [`crate::ScimService`] and [`crate::ReferenceServer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerOptions {
    /// Bearer token every non-discovery request must carry; `None` disables authentication.
    pub token: Option<String>,
    /// Prefix under which the endpoints live: `""` (default) or e.g. `"/scim/v2"`.
    pub base_path: String,
    /// TCP port for [`crate::ReferenceServer`]; `0` picks an ephemeral port (default).
    pub port: u16,
    /// `true` (default): a successful PATCH answers 200 with the resource; `false`: 204.
    pub patch_returns_resource: bool,
    /// `false` (default): accept the non-RFC forms identity providers send (Entra's
    /// `"Replace"` ops and `"False"` strings, value-list member removal, dotted keys in
    /// path-less values, filtered `replace` that creates, bare-string references, the SCIM
    /// 1.0 core URN, `application/json` bodies, ...). `true`: refuse each of them with a
    /// 4xx whose `detail` names the quirk.
    pub strict: bool,
    /// Extra bearer tokens, each selecting its own isolated data set (the `token` is tenant
    /// 0). Ids, uniqueness and memberships never cross tenants.
    pub tenants: Vec<String>,
    /// Users to pre-create in tenant 0 at start (`seed-user-000001@example.test`, ...), for
    /// benchmarks and demos. Default 0.
    pub seed_users: usize,
    /// Bugs to inject on purpose (see [`Defect`]); empty (default) for a conformant server.
    pub defects: Vec<Defect>,
    /// Legal variations of correct behaviour to switch on (see [`Variant`]); empty (default)
    /// for this server's own choices.
    pub variants: Vec<Variant>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            token: None,
            base_path: String::new(),
            port: 0,
            patch_returns_resource: true,
            strict: false,
            tenants: Vec::new(),
            seed_users: 0,
            defects: Vec::new(),
            variants: Vec::new(),
        }
    }
}

impl ServerOptions {
    /// `base_path` with exactly one leading slash and no trailing slash (`""` stays `""`).
    pub fn normalized_base_path(&self) -> String {
        let trimmed = self.base_path.trim().trim_matches('/');
        if trimmed.is_empty() {
            String::new()
        } else {
            format!("/{trimmed}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let o = ServerOptions::default();
        assert_eq!(o.token, None);
        assert_eq!(o.base_path, "");
        assert_eq!(o.port, 0);
        assert!(o.patch_returns_resource);
        assert!(!o.strict);
        assert!(o.tenants.is_empty() && o.defects.is_empty() && o.variants.is_empty());
        assert_eq!(o.seed_users, 0);
    }

    #[test]
    fn base_path_is_normalized() {
        let mut o = ServerOptions::default();
        assert_eq!(o.normalized_base_path(), "");
        o.base_path = "/".into();
        assert_eq!(o.normalized_base_path(), "");
        o.base_path = "scim/v2/".into();
        assert_eq!(o.normalized_base_path(), "/scim/v2");
        o.base_path = "/scim/v2".into();
        assert_eq!(o.normalized_base_path(), "/scim/v2");
    }
}
