//! Seed data: `ServerOptions::seed_users` users created at start, for benchmarks and
//! demos, and the other clients' users and groups of the `foreign-data` variant. They are built directly as normalised attributes and inserted while the tables
//! are still owned by the service under construction, so seeding takes no lock at all.

use serde_json::{Map, Value, json};

use crate::resource::Normalized;
use crate::schema::ResourceKind;
use crate::store::Tables;

/// The `userName` of seed user `n` (1-based): `seed-user-000001@example.test`.
pub fn seed_user_name(n: usize) -> String {
    format!("seed-user-{n:06}@example.test")
}

/// Creates `count` users `seed-user-000001@example.test`… with a name, a primary work
/// email and `active: true`.
pub(crate) fn seed_users(tables: &mut Tables, count: usize) {
    for n in 1..=count {
        let user_name = seed_user_name(n);
        let family = format!("User{n:06}");
        let mut attrs = Map::new();
        attrs.insert("userName".into(), Value::from(user_name.as_str()));
        attrs.insert(
            "name".into(),
            json!({
                "formatted": format!("Seed {family}"),
                "familyName": family,
                "givenName": "Seed",
            }),
        );
        attrs.insert("active".into(), Value::Bool(true));
        attrs.insert(
            "emails".into(),
            json!([{"value": user_name, "type": "work", "primary": true}]),
        );
        let input = Normalized {
            attrs,
            password: None,
        };
        // Seed names are unique by construction; a failure would be a bug in this loop.
        if let Err(e) = tables.create(ResourceKind::User, input) {
            debug_assert!(false, "seeding user {n} failed: {e}");
        }
    }
}

/// Users of the `foreign-data` variant.
pub(crate) const FOREIGN_USERS: usize = 25;
/// Groups of the `foreign-data` variant.
pub(crate) const FOREIGN_GROUPS: usize = 3;

/// `foreign-data`: another integration's users and groups (with members), created before
/// any client of the run connects. Names spread over the alphabet and in mixed case, with
/// `externalId`s, so they interleave with whatever a client creates.
pub(crate) fn seed_foreign(tables: &mut Tables) {
    const GIVEN: [&str; 5] = ["Ada", "bruno", "Chloé", "dmitri", "Zoë"];
    let mut ids = Vec::new();
    for n in 0..FOREIGN_USERS {
        let given = GIVEN[n % GIVEN.len()];
        let user_name = format!("{given}.Other{n:02}@partner.example");
        let mut attrs = Map::new();
        attrs.insert("userName".into(), Value::from(user_name.as_str()));
        attrs.insert("externalId".into(), Value::from(format!("hr-{n:04}")));
        attrs.insert(
            "name".into(),
            json!({"givenName": given, "familyName": format!("Other{n:02}")}),
        );
        attrs.insert("displayName".into(), Value::from(format!("{given} Other")));
        attrs.insert("active".into(), Value::Bool(n % 4 != 0));
        attrs.insert(
            "emails".into(),
            json!([
                {"value": format!("other{n:02}@partner.example"), "type": "work", "primary": true},
                {"value": format!("other{n:02}@home.example"), "type": "home"}
            ]),
        );
        let input = Normalized {
            attrs,
            password: None,
        };
        match tables.create(ResourceKind::User, input) {
            Ok(id) => ids.push(id),
            Err(e) => debug_assert!(false, "seeding foreign user {n} failed: {e}"),
        }
    }
    for g in 0..FOREIGN_GROUPS {
        let members: Vec<Value> = ids
            .iter()
            .skip(g)
            .step_by(FOREIGN_GROUPS)
            .map(|id| json!({"value": id.as_ref(), "type": "User"}))
            .collect();
        let mut attrs = Map::new();
        attrs.insert(
            "displayName".into(),
            Value::from(format!("Partner Team {g}")),
        );
        attrs.insert("externalId".into(), Value::from(format!("team-{g}")));
        attrs.insert("members".into(), Value::Array(members));
        let input = Normalized {
            attrs,
            password: None,
        };
        if let Err(e) = tables.create(ResourceKind::Group, input) {
            debug_assert!(false, "seeding foreign group {g} failed: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defect::Policy;
    use crate::resource::normalize_resource;
    use crate::schema::USER_URN;

    #[test]
    fn seed_users_are_valid_unique_and_indexed() {
        let mut t = Tables::new(Policy::default());
        seed_users(&mut t, 25);
        let users = t.table(ResourceKind::User);
        assert_eq!(users.len(), 25);
        let rec = users.by_unique("SEED-USER-000007@example.test").unwrap();
        assert_eq!(
            rec.str_attr("userName"),
            Some("seed-user-000007@example.test")
        );
        // What seeding builds is exactly what a POST of the same body would store.
        let mut body = rec.data.clone();
        body.insert("schemas".into(), json!([USER_URN]));
        let n = normalize_resource(ResourceKind::User, &Value::Object(body), Policy::default())
            .unwrap();
        assert_eq!(n.attrs, rec.data);
        assert_eq!(seed_user_name(1), "seed-user-000001@example.test");
    }

    #[test]
    fn foreign_data_has_users_and_groups_with_members() {
        let mut t = Tables::new(Policy::default());
        seed_foreign(&mut t);
        assert_eq!(t.table(ResourceKind::User).len(), FOREIGN_USERS);
        assert_eq!(t.table(ResourceKind::Group).len(), FOREIGN_GROUPS);
        for g in t.table(ResourceKind::Group).iter() {
            let members = g.data["members"].as_array().unwrap();
            assert!(members.len() >= 8, "{members:?}");
            for m in members {
                let id = m["value"].as_str().unwrap();
                assert!(t.get(ResourceKind::User, id).is_some(), "{id}");
            }
        }
    }
}
