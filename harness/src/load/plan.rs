//! What a load run sends: the generated directory (users, groups, memberships) of this
//! shard, computed from indexes on demand so nothing per user is held in memory, and the
//! IdP's initial-sync sequence over it (lookup, create, group lookup, group create,
//! membership updates in the IdP's batch size), then an incremental cycle (updates and
//! deactivations) for a fraction of the users.
//!
//! Request shapes come from [`crate::simulate::dialect`], which mirrors the profiles in
//! `scenarios/idp/<profile>/_profile.yaml` (a test keeps the two in step).

use std::ops::Range;

use crate::simulate::{DirUser, Idp};

/// This runner's part of a sync split over several: `k` of `n` (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which part, from 1.
    pub k: usize,
    /// How many parts.
    pub n: usize,
}

impl Default for Shard {
    fn default() -> Self {
        Shard { k: 1, n: 1 }
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("--shard must be K/N with 1 <= K <= N <= 1000, got `{s}`");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if k == 0 || n == 0 || k > n || n > 1000 {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

impl Shard {
    /// The part of `0..total` this shard owns: contiguous, disjoint from the other shards',
    /// and together they cover everything.
    pub fn range(self, total: usize) -> Range<usize> {
        (total * (self.k - 1) / self.n)..(total * self.k / self.n)
    }
}

/// The generated directory and sequence parameters of one run (this shard's part).
#[derive(Debug, Clone)]
pub struct Plan {
    /// The IdP whose sequence and dialect are replayed.
    pub idp: Idp,
    /// Run-scoped prefix of every generated name.
    pub run_id: String,
    /// Global indexes of this shard's users.
    pub users: Range<usize>,
    /// Global indexes of this shard's groups.
    pub groups: Range<usize>,
    /// Members per group (drawn from this shard's users).
    pub members_per_group: usize,
    /// Members per membership request.
    pub batch: usize,
    /// Every `incremental_every`-th user gets an update in the incremental cycle (0: none).
    pub incremental_every: usize,
    /// Only the pre-create lookups (a read-only workload for benchmarks).
    pub lookups_only: bool,
}

impl Plan {
    /// The `userName` of global user `i`.
    pub fn user_name(&self, i: usize) -> String {
        format!("load-{}-u{:06}@example.test", self.run_id, i + 1)
    }

    /// The `displayName` of global group `g`.
    pub fn group_name(&self, g: usize) -> String {
        format!("load-{}-g{:05}", self.run_id, g + 1)
    }

    /// Global user `i` as the IdP holds it (`active` as given).
    pub fn user(&self, i: usize, active: bool) -> DirUser {
        const DEPARTMENTS: [&str; 4] = ["Engineering", "Sales", "Support", "Finance"];
        const TITLES: [&str; 3] = ["Engineer", "Manager", "Analyst"];
        DirUser {
            user_name: self.user_name(i),
            given_name: "Load".to_string(),
            family_name: format!("User{:06}", i + 1),
            email: None,
            active,
            external_id: None,
            department: Some(DEPARTMENTS[i % DEPARTMENTS.len()].to_string()),
            title: Some(TITLES[i % TITLES.len()].to_string()),
            manager: None,
            roles: Vec::new(),
        }
    }

    /// The user after the incremental cycle's profile update (a new title).
    pub fn updated_user(&self, i: usize, active: bool) -> DirUser {
        let mut u = self.user(i, active);
        u.title = Some(format!("Senior {}", u.title.unwrap_or_default()));
        u
    }

    /// Whether the incremental cycle touches user `i`.
    pub fn is_incremental(&self, i: usize) -> bool {
        self.incremental_every > 0 && (i - self.users.start).is_multiple_of(self.incremental_every)
    }

    /// Whether the incremental cycle deactivates user `i` (every other touched user).
    pub fn is_deactivated(&self, i: usize) -> bool {
        self.is_incremental(i) && ((i - self.users.start) / self.incremental_every) % 2 == 1
    }

    /// Users the incremental cycle touches.
    pub fn incremental_count(&self) -> usize {
        if self.incremental_every == 0 {
            0
        } else {
            self.users.len().div_ceil(self.incremental_every)
        }
    }

    /// Whether this IdP pushes groups at all (Google's Keeper connector does not).
    pub fn pushes_groups(&self) -> bool {
        self.idp != Idp::Google && !self.lookups_only
    }

    /// The global user indexes in group `g`: `members_per_group` distinct users of this
    /// shard, spread so that consecutive groups overlap little.
    pub fn members(&self, g: usize) -> impl Iterator<Item = usize> + '_ {
        let n = self.users.len();
        let local = g - self.groups.start;
        let count = self.members_per_group.min(n);
        (0..count).map(move |j| self.users.start + (local * count + j) % n)
    }

    /// Requests the sync is expected to send (for the progress bar; retries not counted).
    pub fn expected_requests(&self) -> u64 {
        let users = self.users.len() as u64;
        if self.lookups_only {
            return users;
        }
        let mut total = users * 2;
        if self.pushes_groups() {
            let groups = self.groups.len() as u64;
            let batches = self
                .members_per_group
                .min(self.users.len())
                .div_ceil(self.batch.max(1)) as u64;
            let per_batch = match self.idp {
                Idp::OktaOin | Idp::OktaAiw => 2,
                _ => 1,
            };
            total += groups * (2 + batches * per_batch);
        }
        let inc = self.incremental_count() as u64;
        // Update: read + write; deactivation of half of them: one or two more.
        total += inc * 2 + inc / 2 * 2;
        total
    }
}

impl Idp {
    /// Members per membership request when `--batch-size` is not given. Entra sends
    /// "several per op" (idp-behaviors.md §2.7 [DOC]); the number is reconstructed. Okta
    /// pushes a group's members in one PATCH (OIN) or one PUT with the full list (AIW);
    /// the cap of 100 per request is reconstructed.
    pub fn default_member_batch(self) -> usize {
        match self {
            Idp::Entra | Idp::EntraCompliant => 10,
            _ => 100,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(users: Range<usize>, groups: Range<usize>) -> Plan {
        Plan {
            idp: Idp::Entra,
            run_id: "r1".into(),
            users,
            groups,
            members_per_group: 3,
            batch: 2,
            incremental_every: 4,
            lookups_only: false,
        }
    }

    #[test]
    fn shards_are_disjoint_and_cover_everything() {
        let total = 1003;
        let mut seen = vec![0u8; total];
        for k in 1..=7 {
            for i in (Shard { k, n: 7 }).range(total) {
                seen[i] += 1;
            }
        }
        assert!(seen.iter().all(|&c| c == 1));
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { k: 2, n: 3 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn members_stay_inside_the_shard_and_are_distinct() {
        let p = plan(10..20, 2..4);
        for g in p.groups.clone() {
            let m: Vec<usize> = p.members(g).collect();
            assert_eq!(m.len(), 3);
            assert!(m.iter().all(|i| p.users.contains(i)), "{m:?}");
            let mut d = m.clone();
            d.dedup();
            assert_eq!(d.len(), 3);
        }
        assert_eq!(p.user_name(0), "load-r1-u000001@example.test");
        assert_eq!(p.group_name(4), "load-r1-g00005");
    }

    #[test]
    fn incremental_cycle_touches_every_nth_user_and_deactivates_half() {
        let p = plan(10..30, 0..1);
        let touched: Vec<usize> = p.users.clone().filter(|&i| p.is_incremental(i)).collect();
        assert_eq!(touched, vec![10, 14, 18, 22, 26]);
        assert_eq!(p.incremental_count(), 5);
        let off: Vec<usize> = p.users.clone().filter(|&i| p.is_deactivated(i)).collect();
        assert_eq!(off, vec![14, 22]);
        assert_eq!(
            p.updated_user(10, true).title.as_deref(),
            Some("Senior Manager")
        );
    }
}
