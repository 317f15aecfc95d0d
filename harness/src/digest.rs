//! SHA-256 digests, in lowercase hex, for what a report names by content: the scenario set,
//! the requirement catalog, and the files of a report bundle.

use aws_lc_rs::digest::{Context, SHA256};

/// SHA-256 of `bytes`, as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut d = Sha256::new();
    d.update(bytes);
    d.finish()
}

/// An incremental SHA-256.
pub struct Sha256(Context);

impl Sha256 {
    /// An empty digest.
    pub fn new() -> Self {
        Sha256(Context::new(&SHA256))
    }

    /// Feeds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The digest, as 64 lowercase hex digits.
    pub fn finish(self) -> String {
        self.0
            .finish()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let mut d = Sha256::new();
        d.update(b"a");
        d.update(b"bc");
        assert_eq!(
            d.finish(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
