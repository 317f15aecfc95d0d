//! Unit tests of the filter parser and evaluator.

use super::*;
use serde_json::json;

fn user() -> Map<String, Value> {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "AbC-xY",
        "userName": "Bjensen@Example.com",
        "name": {"familyName": "O'Malley", "givenName": "Barbara"},
        "title": "Tour Guide",
        "active": true,
        "emails": [
            {"value": "bjensen@x.test", "type": "work", "primary": true},
            {"value": "babs@y.test", "type": "home"}
        ],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "manager": {"value": "mgr-1"}
        },
        "meta": {
            "resourceType": "User",
            "created": "2024-01-01T10:00:00.000Z",
            "lastModified": "2024-03-01T10:00:00.000Z",
            "version": "W/\"3\""
        }
    })
    .as_object()
    .cloned()
    .unwrap()
}

fn check(filter: &str) -> bool {
    Filter::parse_for(ResourceKind::User, filter)
        .unwrap_or_else(|e| panic!("{filter}: {e}"))
        .matches(ResourceKind::User, &user())
}

fn err(filter: &str) -> FilterError {
    match Filter::parse_for(ResourceKind::User, filter) {
        Ok(f) => panic!("{filter} parsed as {f}"),
        Err(e) => e,
    }
}

#[test]
fn attr_paths() {
    let p = AttrPath::parse("urn:ietf:params:scim:schemas:core:2.0:User:name.familyName").unwrap();
    assert_eq!(
        p.urn.as_deref(),
        Some("urn:ietf:params:scim:schemas:core:2.0:User")
    );
    assert_eq!(
        (p.name.as_str(), p.sub.as_deref()),
        ("name", Some("familyName"))
    );
    assert_eq!(
        p.to_string(),
        "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName"
    );
    assert!(AttrPath::parse("members.$ref").is_ok());
    for bad in [
        "", "na..me", "a.b.c", "1abc", "urn:", "name.", "a b", "abcé", "urné:x", "é",
    ] {
        assert!(AttrPath::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn precedence_not_and_or() {
    let f = Filter::parse("a eq 1 or b eq 2 and not (c eq 3)").unwrap();
    assert_eq!(f.to_string(), "(a eq 1 or (b eq 2 and not (c eq 3)))");
    let f = Filter::parse("(a eq 1 or b eq 2) and c eq 3").unwrap();
    assert_eq!(f.to_string(), "((a eq 1 or b eq 2) and c eq 3)");
    let f = Filter::parse("a pr and b pr and c pr or d pr").unwrap();
    assert_eq!(f.to_string(), "((a pr and b pr and c pr) or d pr)");
    // `not(` without the space parses the same way as `not (`.
    assert_eq!(
        Filter::parse("not(a pr)").unwrap(),
        Filter::parse("NOT (a pr)").unwrap()
    );
}

#[test]
fn precedence_changes_results() {
    // title eq "x" (false) or userName pr (true) and active eq false (false)
    assert!(!check(r#"title eq "x" or userName pr and active eq false"#));
    assert!(check(r#"userName pr or title eq "x" and active eq false"#));
    assert!(!check(
        r#"(userName pr or title eq "x") and active eq false"#
    ));
}

#[test]
fn keywords_and_attribute_names_are_case_insensitive() {
    assert!(check(r#"USERNAME Eq "bjensen@example.com""#));
    assert!(check(r#"userName EQ "BJENSEN@EXAMPLE.COM""#));
    assert!(check(r#"NAME.FAMILYNAME sw "o'm" AnD title PR"#));
    assert!(check(r#"active eq TRUE"#));
}

#[test]
fn string_operators() {
    assert!(check(r#"userName co "jensen@""#));
    assert!(check(r#"userName sw "BJEN""#));
    assert!(check(r#"userName ew ".COM""#));
    assert!(check(r#"userName sw "bjensen@example.com""#));
    assert!(check(r#"userName ne "other""#));
    assert!(!check(r#"userName ne "bjensen@example.com""#));
    assert!(check(r#"userName gt "a" and userName lt "c""#));
    assert!(check(r#"title ge "Tour Guide" and title le "tour guide""#));
    assert!(check(r#"name.familyName co "O'Malley""#));
}

#[test]
fn case_exact_attributes() {
    assert!(check(r#"externalId eq "AbC-xY""#));
    assert!(!check(r#"externalId eq "abc-xy""#));
    assert!(!check(r#"id eq "2819C223-7F76-453A-919D-413861904646""#));
    assert!(check(r#"id sw "2819c223""#));
    assert!(!check(r#"meta.version eq "w/\"3\"""#));
    assert!(check(r#"meta.version eq "W/\"3\"""#));
}

#[test]
fn presence() {
    assert!(check("title pr"));
    assert!(!check("nickName pr"));
    assert!(check("name pr"));
    assert!(check("emails pr"));
    assert!(!check("phoneNumbers pr"));
    assert!(check("nickName eq null"));
    assert!(check("title ne null"));
}

#[test]
fn multi_valued_and_value_paths() {
    assert!(check(r#"emails.value eq "babs@y.test""#));
    assert!(check(r#"emails co "@y.test""#));
    assert!(check(r#"emails[type eq "work" and value co "@x.test"]"#));
    assert!(!check(r#"emails[type eq "work" and value ew "@y.test"]"#));
    assert!(check(
        r#"emails.type eq "work" and emails.value ew "@y.test""#
    ));
    assert!(check(r#"emails[TYPE eq "WORK"]"#));
    assert!(check(r#"emails[primary eq "True"]"#));
    assert!(!check(
        r#"emails[not (primary pr)] and emails[type eq "work"] and title eq "x""#
    ));
}

#[test]
fn urn_qualified_paths() {
    assert!(check(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen@example.com""#
    ));
    assert!(check(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "barbara""#
    ));
    assert!(check(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#
    ));
    assert!(check(
        r#"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:manager.value eq "mgr-1""#
    ));
    assert!(check(r#"employeeNumber eq "701984""#));
    assert!(!check(r#"urn:example:unknown:employeeNumber eq "701984""#));
}

#[test]
fn datetimes_compare_chronologically() {
    assert!(check(r#"meta.lastModified gt "2024-02-01T00:00:00Z""#));
    assert!(check(r#"meta.created ge "2024-01-01T10:00:00Z""#));
    assert!(check(r#"meta.created le "2024-01-01T12:00:00+02:00""#));
    assert!(!check(r#"meta.created lt "2024-01-01T11:00:00+01:00""#));
}

#[test]
fn numbers_booleans_and_escapes() {
    let mut u = user();
    u.insert("count".into(), json!(5));
    let f = Filter::parse("count gt 4.5 and count lt 1e1 and count eq 5").unwrap();
    assert!(f.matches(ResourceKind::User, &u));
    assert!(check("active eq true and not (active eq false)"));
    let f = Filter::parse(r#"title eq "a \"quoted\" \u00e9 value""#).unwrap();
    let Filter::Compare { value, .. } = f else {
        panic!()
    };
    assert_eq!(value, json!("a \"quoted\" é value"));
}

#[test]
fn unknown_attributes_have_no_value() {
    assert!(!check(r#"nosuch eq "x""#));
    assert!(check(r#"nosuch ne "x""#));
    assert!(check(
        r#"schemas eq "urn:ietf:params:scim:schemas:core:2.0:User""#
    ));
}

#[test]
fn errors_name_the_problem_and_column() {
    let e = err("userName eq");
    assert_eq!(e.column, 12);
    assert!(e.message.contains("expected a value"), "{e}");
    let e = err(r#"(userName eq "a""#);
    assert!(e.message.contains("expected ')'"), "{e}");
    let e = err(r#"userName "a""#);
    assert_eq!(e.column, 10);
    let e = err(r#"userName regex "a""#);
    assert!(e.message.contains("unknown operator 'regex'"), "{e}");
    assert_eq!(e.column, 10);
    let e = err(r#"userName eq "a" extra"#);
    assert_eq!(e.column, 17);
    let e = err(r#"userName eq "unterminated"#);
    assert!(e.message.contains("unterminated"), "{e}");
    let e = err(r#"é eq "x""#);
    assert_eq!(e.column, 1);
    let e = err(r#"title eq "é" or # "x""#);
    assert_eq!(e.column, 17);
    assert!(err("").message.contains("empty"));
    assert!(err("not title pr").message.contains("'(' after 'not'"));
    // `emails[…].value eq` is Entra's form, accepted when lenient (see
    // entra_sub_attribute_after_a_value_filter_is_lenient_only); a detached '.' is not.
    assert!(
        err(r#"emails[type eq "work"] .value eq "x""#)
            .message
            .contains("unexpected")
    );
    assert!(
        err(r#"emails[members[value eq "x"]]"#)
            .message
            .contains("nested")
    );
    assert!(err("a eq 1.2.3").message.contains("invalid number"));
    assert!(err(r#"title eq "\q""#).message.contains("invalid string"));
    assert_eq!(err("").to_string(), "empty filter at column 1");
}

#[test]
fn ordering_on_booleans_is_rejected() {
    let e = err("active gt true");
    assert_eq!(e.column, 8);
    assert!(
        err(r#"x509Certificates.value gt "AAA""#)
            .message
            .contains("binary")
    );
    assert!(
        err(r#"emails[primary lt false]"#)
            .message
            .contains("boolean")
    );
    assert!(Filter::parse_for(ResourceKind::User, "active eq true").is_ok());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}a pr{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(err(&deep).message.contains("nested"));
    let nots = "not (".repeat(5_000);
    assert!(err(&nots).message.contains("nested"));
    let long = vec!["a pr"; 20_000].join(" and ");
    assert!(Filter::parse(&long).is_ok());
}

#[test]
fn hints_and_conjunctions() {
    let f = Filter::parse(r#"active eq true and userName eq "X""#).unwrap();
    let (path, value) = f.eq_hint().unwrap();
    assert_eq!((path.name.as_str(), value), ("userName", "X"));
    assert!(
        Filter::parse(r#"a eq "x" or b eq "y""#)
            .unwrap()
            .eq_hint()
            .is_none()
    );
    let f = Filter::parse_value_filter(r#"type eq "work" and primary eq true"#).unwrap();
    assert_eq!(
        f.eq_conjunction().unwrap(),
        vec![("type", &json!("work")), ("primary", &json!(true))]
    );
    assert!(
        Filter::parse("type co \"w\"")
            .unwrap()
            .eq_conjunction()
            .is_none()
    );
    let mut seen = Vec::new();
    Filter::parse(r#"members[display eq "x"] or meta.location pr"#)
        .unwrap()
        .visit_paths(&mut |p, sub| seen.push(format!("{}/{}", p.name, sub.unwrap_or("-"))));
    assert_eq!(seen, ["members/display", "meta/location"]);
}

#[test]
fn scalar_elements_use_value() {
    let f = Filter::parse_value_filter(r#"value eq "urn:ietf:params:scim:schemas:core:2.0:user""#)
        .unwrap();
    assert!(f.matches_element(None, &json!("urn:ietf:params:scim:schemas:core:2.0:User")));
}

#[test]
fn syntax_variants() {
    let strict = Syntax {
        strict: true,
        ..Syntax::default()
    };
    let lower = Syntax {
        lowercase_operators_only: true,
        ..Syntax::default()
    };
    let kinds = [ResourceKind::User];
    assert!(Filter::parse_with(&kinds, r#"active eq "True""#, Syntax::default()).is_ok());
    let e = Filter::parse_with(&kinds, r#"active eq "True""#, strict).unwrap_err();
    assert!(e.message.contains("JSON literal true"), "{e}");
    assert!(Filter::parse_with(&kinds, "active eq true", strict).is_ok());
    assert!(Filter::parse_with(&kinds, r#"userName Eq "a" AND title pr"#, lower).is_err());
    assert!(Filter::parse_with(&kinds, r#"userName eq "a" and title pr"#, lower).is_ok());
    // Root queries validate against every type.
    let both = [ResourceKind::User, ResourceKind::Group];
    assert!(Filter::parse_with(&both, "active gt true", Syntax::default()).is_err());
    assert!(Filter::parse_with(&both, r#"displayName eq "x""#, Syntax::default()).is_ok());
}

#[test]
fn matching_overrides_case_rules() {
    let f = Filter::parse(r#"userName eq "bjensen@example.com""#).unwrap();
    assert!(f.matches(ResourceKind::User, &user()));
    let exact = Matching {
        case_exact_user_name: true,
        ..Matching::default()
    };
    assert!(!f.matches_with(ResourceKind::User, &user(), exact));
    let f = Filter::parse(r#"externalId eq "abc-xy""#).unwrap();
    assert!(!f.matches(ResourceKind::User, &user()));
    let folded = Matching {
        case_insensitive_external_id: true,
        ..Matching::default()
    };
    assert!(f.matches_with(ResourceKind::User, &user(), folded));
}

/// A small deterministic generator (xorshift64*), so failures reproduce from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// Random upper/lower casing of ASCII letters.
    fn recase(&mut self, s: &str) -> String {
        s.chars()
            .map(|c| {
                if self.below(3) == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect()
    }
}

const PATHS: &[&str] = &[
    "userName",
    "title",
    "active",
    "externalId",
    "id",
    "name.familyName",
    "name.givenName",
    "emails",
    "emails.value",
    "emails.type",
    "emails.primary",
    "meta.created",
    "meta.lastModified",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "unknownAttribute",
    "schemas",
];
const OPS: &[&str] = &["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"];
const VALUES: &[&str] = &[
    r#""bjensen@example.com""#,
    r#""O'Malley""#,
    r#""work""#,
    r#""""#,
    r#""a \"quoted\" \\ value""#,
    r#""Zoë 测试 𝄞""#,
    r#""2024-02-01T00:00:00Z""#,
    r#""701984""#,
    "true",
    "false",
    "null",
    "42",
    "-1.5e3",
];

/// A random well-formed filter of bounded depth.
fn gen_filter(rng: &mut Rng, depth: usize) -> String {
    let choice = if depth == 0 { 0 } else { rng.below(6) };
    match choice {
        0 | 1 => {
            let path = rng.pick(PATHS);
            if rng.below(8) == 0 {
                format!("{path} {}", rng.recase("pr"))
            } else {
                let op = rng.pick(OPS);
                format!("{path} {} {}", rng.recase(op), rng.pick(VALUES))
            }
        }
        2 => format!(
            "{} {} {}",
            gen_filter(rng, depth - 1),
            rng.recase("and"),
            gen_filter(rng, depth - 1)
        ),
        3 => format!(
            "{} {} {}",
            gen_filter(rng, depth - 1),
            rng.recase("or"),
            gen_filter(rng, depth - 1)
        ),
        4 => {
            let space = if rng.below(2) == 0 { " " } else { "" };
            format!(
                "{}{space}({})",
                rng.recase("not"),
                gen_filter(rng, depth - 1)
            )
        }
        _ => {
            let attr = rng.pick(&["emails", "addresses", "members", "name"]);
            let sub = rng.pick(&["value", "type", "primary", "display"]);
            let op = rng.pick(OPS);
            format!("{attr}[{sub} {op} {}]", rng.pick(VALUES))
        }
    }
}

/// `input` with a few random characters deleted, duplicated or replaced by syntax noise.
fn mutate(rng: &mut Rng, input: &str) -> String {
    const NOISE: &[&str] = &[
        "(", ")", "[", "]", "\"", "\\", " ", ".", ":", "$", "é", "𝄞", "\u{0}", "-", "e", "9",
    ];
    let mut chars: Vec<String> = input.chars().map(String::from).collect();
    for _ in 0..=rng.below(4) {
        if chars.is_empty() {
            chars.push(rng.pick(NOISE).to_owned());
            continue;
        }
        let at = rng.below(chars.len());
        match rng.below(3) {
            0 => {
                chars.remove(at);
            }
            1 => chars.insert(at, rng.pick(NOISE).to_owned()),
            _ => chars[at] = rng.pick(NOISE).to_owned(),
        }
    }
    chars.concat()
}

fn samples() -> Vec<Map<String, Value>> {
    let mut second = user();
    second.insert("userName".into(), json!("other"));
    second.remove("emails");
    second.insert("active".into(), json!(false));
    vec![user(), second, Map::new()]
}

/// Property test: generated and mutated inputs never panic the parser, validator or
/// evaluator; whatever parses prints back to text that parses to the same filter and
/// evaluates identically; `not`, `and` and `or` compose as boolean logic.
#[test]
fn generated_filters_never_panic_and_round_trip() {
    let mut rng = Rng(0x5C1A_F11E_2026);
    let resources = samples();
    let mut parsed = 0;
    for round in 0..3000 {
        let valid = gen_filter(&mut rng, 3);
        let input = if round % 2 == 0 {
            valid.clone()
        } else {
            mutate(&mut rng, &valid)
        };
        let _ = Filter::parse_value_filter(&input);
        let _ = crate::path::PatchPath::parse(&format!("emails[{input}].value"));
        let Ok(filter) = Filter::parse(&input) else {
            assert!(round % 2 == 1, "generated filter did not parse: {input}");
            continue;
        };
        parsed += 1;
        let _ = Filter::parse_for(ResourceKind::User, &input);
        let _ = Filter::parse_for(ResourceKind::Group, &input);
        let printed = filter.to_string();
        let again = Filter::parse(&printed)
            .unwrap_or_else(|e| panic!("{input} printed as {printed}, which fails: {e}"));
        assert_eq!(again.to_string(), printed, "{input}");
        let negated = Filter::parse(&format!("not ({printed})")).unwrap();
        let doubled = Filter::parse(&format!("({printed}) and ({printed})")).unwrap();
        let excluded = Filter::parse(&format!("({printed}) or not ({printed})")).unwrap();
        for (kind, resource) in [ResourceKind::User, ResourceKind::Group]
            .into_iter()
            .flat_map(|k| resources.iter().map(move |r| (k, r)))
        {
            let result = filter.matches(kind, resource);
            assert_eq!(again.matches(kind, resource), result, "{input}");
            assert_eq!(negated.matches(kind, resource), !result, "{input}");
            assert_eq!(doubled.matches(kind, resource), result, "{input}");
            assert!(excluded.matches(kind, resource), "{input}");
        }
    }
    assert!(parsed > 1500, "only {parsed} inputs parsed");
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0xDEAD_BEEF_CAFE);
    const ALPHABET: &[&str] = &[
        "a", "Z", "0", " ", "(", ")", "[", "]", "\"", "\\", ".", ":", "-", "é", "\u{7f}", "eq",
        "and", "not", "pr", "urn:", "$ref", "1e999", "-",
    ];
    for _ in 0..5000 {
        let input: String = (0..rng.below(24)).map(|_| rng.pick(ALPHABET)).collect();
        if let Ok(f) = Filter::parse(&input) {
            for r in samples() {
                let _ = f.matches(ResourceKind::User, &r);
            }
            assert!(Filter::parse(&f.to_string()).is_ok(), "{input}");
        }
        let _ = crate::path::PatchPath::parse(&input);
        let _ = AttrPath::parse(&input);
    }
}

#[test]
fn entra_sub_attribute_after_a_value_filter_is_lenient_only() {
    // Entra's matching query: `emails[type eq "work"].value eq "…"` means the work email.
    assert!(check(r#"emails[type eq "work"].value eq "bjensen@x.test""#));
    assert!(!check(
        r#"emails[type eq "home"].value eq "bjensen@x.test""#
    ));
    assert!(check(
        r#"emails[type eq "work"].value eq "bjensen@x.test" and userName pr"#
    ));
    // A '.' anywhere else is still an error, and strict mode names the quirk.
    assert!(
        err(r#"emails[type eq "work"] .value eq "x""#)
            .message
            .contains("'.'")
    );
    let strict = Filter::parse_with(
        &[ResourceKind::User],
        r#"emails[type eq "work"].value eq "x""#,
        Syntax {
            strict: true,
            ..Syntax::default()
        },
    )
    .unwrap_err();
    assert!(
        strict.message.contains("not an RFC 7644 form") && strict.message.contains("--strict"),
        "{}",
        strict.message
    );
}
