//! Server configuration: authentication token, base path, port and response choices.

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
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            token: None,
            base_path: String::new(),
            port: 0,
            patch_returns_resource: true,
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
