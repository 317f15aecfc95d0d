//! Splitting a selection of scenarios into disjoint shards for CI runners (`run --partition`),
//! as cargo-nextest does: `hash:K/N` puts a scenario in shard K when a stable hash of its id
//! says so (adding a scenario never moves the others), `count:K/N` deals the selection, sorted
//! by id, round-robin (shards differ in size by at most one).
//!
//! Both are deterministic: every runner computes the same split from the same selection, the
//! shards are disjoint, and together they are the selection.

use std::fmt;
use std::str::FromStr;

/// How the selection is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionKind {
    /// By a stable hash of the scenario id.
    Hash,
    /// Round-robin over the selection sorted by id.
    Count,
}

/// One shard of a split: the K-th of N (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// How the selection is split.
    pub kind: PartitionKind,
    /// This shard, 1 to `total`.
    pub shard: u32,
    /// How many shards.
    pub total: u32,
}

impl Partition {
    /// Whether the scenario `id`, at `index` in the selection sorted by id, belongs to
    /// this shard.
    fn holds(&self, id: &str, index: usize) -> bool {
        let slot = match self.kind {
            PartitionKind::Hash => stable_hash(id) % u64::from(self.total),
            PartitionKind::Count => index as u64 % u64::from(self.total),
        };
        slot + 1 == u64::from(self.shard)
    }

    /// This shard's part of `items` (whose ids `id_of` gives), in their original order.
    pub fn select<T>(&self, items: Vec<T>, id_of: impl Fn(&T) -> &str) -> Vec<T> {
        // `count` deals by position in the id order, whatever order the items come in.
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by(|&a, &b| id_of(&items[a]).cmp(id_of(&items[b])));
        let mut rank = vec![0; items.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i] = r;
        }
        items
            .into_iter()
            .enumerate()
            .filter(|(i, item)| self.holds(id_of(item), rank[*i]))
            .map(|(_, item)| item)
            .collect()
    }
}

/// FNV-1a (64 bit): fixed, platform-independent and stable across releases, unlike std's
/// `DefaultHasher`, so every runner and every version splits the same way.
fn stable_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let kind = match self.kind {
            PartitionKind::Hash => "hash",
            PartitionKind::Count => "count",
        };
        write!(f, "{kind}:{}/{}", self.shard, self.total)
    }
}

impl FromStr for Partition {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let usage =
            || format!("`{text}` is not a partition; use hash:K/N or count:K/N (e.g. hash:1/3)");
        let (kind, shard) = text.trim().split_once(':').ok_or_else(usage)?;
        let kind = match kind.trim() {
            "hash" => PartitionKind::Hash,
            "count" => PartitionKind::Count,
            other => {
                return Err(format!(
                    "unknown partition kind `{other}` in `{text}`; use hash:K/N or count:K/N"
                ));
            }
        };
        let (k, n) = shard.split_once('/').ok_or_else(usage)?;
        let k: u32 = k.trim().parse().map_err(|_| usage())?;
        let n: u32 = n.trim().parse().map_err(|_| usage())?;
        if n == 0 || k == 0 || k > n {
            return Err(format!(
                "partition `{text}`: the shard K must be between 1 and N (and N at least 1)"
            ));
        }
        Ok(Partition {
            kind,
            shard: k,
            total: n,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn ids(n: usize) -> Vec<String> {
        // Not in id order, as a loader might give them.
        (0..n)
            .rev()
            .map(|i| format!("core/scenario-{i:03}"))
            .collect()
    }

    fn shards(kind: PartitionKind, total: u32, items: &[String]) -> Vec<Vec<String>> {
        (1..=total)
            .map(|shard| Partition { kind, shard, total }.select(items.to_vec(), |s| s.as_str()))
            .collect()
    }

    #[test]
    fn shards_are_disjoint_and_cover_the_selection() {
        for kind in [PartitionKind::Hash, PartitionKind::Count] {
            for n in [1, 2, 3, 7, 40] {
                let items = ids(37);
                let parts = shards(kind, n, &items);
                let mut seen = BTreeSet::new();
                for part in &parts {
                    for id in part {
                        assert!(
                            seen.insert(id.clone()),
                            "{id} in two shards ({kind:?}, {n})"
                        );
                    }
                }
                let all: BTreeSet<String> = items.iter().cloned().collect();
                assert_eq!(seen, all, "{kind:?} {n}: the union is the selection");
            }
        }
    }

    #[test]
    fn shards_keep_the_selection_order() {
        let items = ids(20);
        for part in shards(PartitionKind::Hash, 3, &items) {
            let positions: Vec<usize> = part
                .iter()
                .map(|id| items.iter().position(|x| x == id).unwrap())
                .collect();
            assert!(positions.windows(2).all(|w| w[0] < w[1]), "{part:?}");
        }
    }

    #[test]
    fn count_deals_round_robin_over_sorted_ids() {
        let items = ids(10);
        let parts = shards(PartitionKind::Count, 3, &items);
        let sizes: Vec<usize> = parts.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![4, 3, 3]);
        // Shard 1 holds the 1st, 4th, 7th and 10th ids in sorted order (listed in the
        // selection's own, reversed, order).
        assert_eq!(
            parts[0],
            vec![
                "core/scenario-009",
                "core/scenario-006",
                "core/scenario-003",
                "core/scenario-000"
            ]
        );
    }

    #[test]
    fn hash_is_stable_and_does_not_move_scenarios_when_others_are_added() {
        // Pinned values: a change of hash would silently reshuffle everyone's CI shards.
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
        let small = ids(12);
        let mut big = small.clone();
        big.extend(["rfc/zz-new-1".to_string(), "idp/aa-new-2".to_string()]);
        let before = shards(PartitionKind::Hash, 4, &small);
        let after = shards(PartitionKind::Hash, 4, &big);
        for (b, a) in before.iter().zip(&after) {
            assert!(b.iter().all(|id| a.contains(id)), "{b:?} -> {a:?}");
        }
        // And it actually spreads: no shard holds everything.
        let big_parts = shards(PartitionKind::Hash, 3, &ids(60));
        assert!(
            big_parts.iter().all(|p| !p.is_empty() && p.len() < 60),
            "{big_parts:?}"
        );
    }

    #[test]
    fn specs_parse_and_invalid_ones_are_refused() {
        let p: Partition = "hash:2/3".parse().unwrap();
        assert_eq!(
            p,
            Partition {
                kind: PartitionKind::Hash,
                shard: 2,
                total: 3
            }
        );
        assert_eq!(p.to_string(), "hash:2/3");
        assert_eq!(
            "count:1/1".parse::<Partition>().unwrap().to_string(),
            "count:1/1"
        );
        for bad in [
            "0/3",
            "hash:0/3",
            "hash:4/3",
            "count:1/0",
            "junk",
            "hash:",
            "hash:1",
            "hash:a/b",
            "slice:1/2",
            "hash:-1/3",
            "hash:1/3/4",
            "",
        ] {
            let err = bad.parse::<Partition>().unwrap_err();
            assert!(
                err.contains("partition") || err.contains("shard"),
                "{bad}: {err}"
            );
        }
    }
}
