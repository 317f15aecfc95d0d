//! Seed data: `ServerOptions::seed_users` users created at start, for benchmarks and
//! demos. They are built directly as normalised attributes and inserted while the tables
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
}
