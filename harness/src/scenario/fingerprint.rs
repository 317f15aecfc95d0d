//! The digest that names a selection of scenarios by content: the same files selected give
//! the same digest on every machine, whatever order they were loaded in. Shards of one
//! selection carry it (so `report merge` can refuse shards of different selections), and a
//! report bundle's manifest records it.

use crate::digest::Sha256;
use crate::scenario::load::LoadedScenario;

/// SHA-256 (hex) over the scenarios sorted by id: for each, its id, a newline, the length of
/// its file in bytes, a newline, and the file's content (the length keeps one file's end from
/// being read as the next one's start).
pub fn scenario_set_digest(scenarios: &[LoadedScenario]) -> String {
    let mut sorted: Vec<&LoadedScenario> = scenarios.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut d = Sha256::new();
    for s in sorted {
        let text = s.file.text.as_bytes();
        d.update(s.id.as_bytes());
        d.update(format!("\n{}\n", text.len()).as_bytes());
        d.update(text);
    }
    d.finish()
}
