//! How one operation changes one attribute value: single-valued (whole or one
//! sub-attribute, complex values merging) and multi-valued (append without duplicates,
//! replace all, value filters, Entra's value-list removal, the single-primary rule).

use serde_json::{Map, Value};

use super::{OpKind, Spot};
use crate::defect::{Defect, quirk};
use crate::error::ScimError;
use crate::filter::Filter;
use crate::resource::{contains_equivalent, normalize_single, normalize_value};
use crate::schema::{AttrDef, Mutability};

/// The operation's value (present for add/replace, checked by `parse_operation`).
fn value_of<'a>(spot: &Spot<'a>) -> &'a Value {
    spot.value.unwrap_or(&Value::Null)
}

/// Single-valued attribute (simple or complex), optionally one sub-attribute of it.
pub(super) fn single(
    spot: &Spot<'_>,
    current: Option<Value>,
    name: &str,
) -> Result<Option<Value>, ScimError> {
    let Some(sub) = spot.sub else {
        if spot.op == OpKind::Remove {
            return Ok(None);
        }
        let new = normalize_value(spot.attr, value_of(spot), name, spot.p)?;
        return Ok(match (new, current) {
            // Complex values merge: the given sub-attributes replace, the others stay.
            (Some(Value::Object(new)), Some(Value::Object(mut cur))) => {
                cur.extend(new);
                Some(Value::Object(cur))
            }
            (Some(new), _) => Some(new),
            (None, _) if spot.op == OpKind::Replace => None,
            (None, current) => current,
        });
    };
    let mut obj = match current {
        Some(Value::Object(o)) => o,
        _ => Map::new(),
    };
    if spot.op == OpKind::Remove {
        obj.remove(sub.name);
    } else {
        match normalize_value(sub, value_of(spot), name, spot.p)? {
            Some(v) => {
                obj.insert(sub.name.to_owned(), v);
            }
            None if spot.op == OpKind::Replace => {
                obj.remove(sub.name);
            }
            None => {}
        }
    }
    Ok((!obj.is_empty()).then_some(Value::Object(obj)))
}

/// The values an add/replace/remove value denotes for a multi-valued attribute.
fn value_list(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Multi-valued attribute: whole, one sub-attribute of every value, or filtered values.
pub(super) fn multi(
    spot: &Spot<'_>,
    current: Option<Value>,
    name: &str,
) -> Result<Option<Value>, ScimError> {
    let mut items = match current {
        Some(Value::Array(items)) => items,
        Some(other) => vec![other],
        None => Vec::new(),
    };
    // Indices written by this operation, for the single-primary rule.
    let mut touched: Vec<usize> = Vec::new();
    let attr = spot.attr;
    let pol = spot.p;
    let is_members = attr.name == "members";
    match (spot.filter, spot.sub, spot.op) {
        (None, None, OpKind::Remove) => match spot.value {
            Some(_) if is_members && pol.has(Defect::MemberRemoveWipesAll) => items.clear(),
            // Entra: `remove` `members` with a `value` list removes just those values.
            Some(value) if !value.is_null() => {
                if pol.strict {
                    return Err(ScimError::invalid_value(quirk(
                        &format!("'remove' of '{name}' with a 'value' list"),
                        &format!(
                            "name the values in the path, e.g. \"{name}[value eq \\\"...\\\"]\""
                        ),
                        "Entra's default mode removes members this way",
                    )));
                }
                let mut patterns = Vec::new();
                for given in value_list(value) {
                    if let Some(Value::Object(p)) = normalize_single(attr, given, name, pol)? {
                        patterns.push(p);
                    }
                }
                items.retain(|item| !patterns.iter().any(|p| is_subset(p, item)));
            }
            _ => items.clear(),
        },
        (None, None, OpKind::Add) => {
            if pol.has(Defect::AddMemberReplaces) {
                // The handler assigns the list instead of appending to it.
                items.clear();
            }
            for given in value_list(value_of(spot)) {
                if let Some(v) = normalize_single(attr, given, name, pol)?
                    && !contains_equivalent(attr, &items, &v)
                {
                    items.push(v);
                    touched.push(items.len() - 1);
                }
            }
        }
        (None, None, OpKind::Replace) => {
            let given = Value::Array(value_list(value_of(spot)).into_iter().cloned().collect());
            items = match normalize_value(attr, &given, name, pol)? {
                Some(Value::Array(new)) => new,
                _ => Vec::new(),
            };
        }
        (None, Some(sub), op) => {
            if op == OpKind::Add && sub.mutability == Mutability::Immutable && !items.is_empty() {
                return Err(ScimError::mutability(format!("'{name}' is immutable")));
            }
            if op != OpKind::Remove && items.is_empty() {
                if op == OpKind::Replace {
                    return Err(ScimError::no_target(format!(
                        "'{}' has no values",
                        attr.name
                    )));
                }
                items.push(Value::Object(Map::new()));
            }
            let indices: Vec<usize> = (0..items.len()).collect();
            set_sub(spot, sub, &mut items, &indices, name)?;
            touched = indices;
        }
        (Some(filter), sub, op) => {
            let mut matched: Vec<usize> = items
                .iter()
                .enumerate()
                .filter(|(_, v)| filter.matches_element(Some(attr), v))
                .map(|(i, _)| i)
                .collect();
            if op == OpKind::Replace && pol.has(Defect::FilteredReplaceFirstOnly) {
                matched.truncate(1);
            }
            match (op, sub) {
                (OpKind::Remove, None) if is_members && pol.has(Defect::MemberRemoveWipesAll) => {
                    items.clear();
                }
                (OpKind::Remove, None)
                    if is_members && pol.has(Defect::MemberRemoveByFilterIgnored) => {}
                (OpKind::Remove, None) => {
                    let mut i = 0;
                    items.retain(|_| {
                        i += 1;
                        !matched.contains(&(i - 1))
                    });
                }
                (OpKind::Remove, Some(sub)) => set_sub(spot, sub, &mut items, &matched, name)?,
                (_, _) if matched.is_empty() => {
                    if op == OpKind::Replace && pol.strict {
                        return Err(ScimError::no_target(format!(
                            "no value of '{}' matches the filter (RFC 7644 §3.5.2.3: noTarget; \
                             Entra expects a filtered replace to create the value; start the \
                             server without --strict to accept it)",
                            attr.name
                        )));
                    }
                    let created = new_value_from_filter(spot, filter, name)?;
                    if op == OpKind::Replace && !uses_canonical_values(attr, &created) {
                        return Err(ScimError::no_target(format!(
                            "no value of '{}' matches the filter",
                            attr.name
                        )));
                    }
                    items.push(created);
                    touched.push(items.len() - 1);
                }
                (_, Some(sub)) => {
                    if sub.mutability == Mutability::Immutable {
                        return Err(ScimError::mutability(format!("'{name}' is immutable")));
                    }
                    set_sub(spot, sub, &mut items, &matched, name)?;
                    touched = matched;
                }
                (op, None) => {
                    let new = normalize_single(attr, value_of(spot), name, pol)?;
                    for &i in matched.iter().rev() {
                        match (&new, op, &mut items[i]) {
                            (Some(Value::Object(n)), OpKind::Add, Value::Object(cur)) => {
                                cur.extend(n.clone());
                            }
                            (Some(n), _, slot) => *slot = n.clone(),
                            (None, _, _) => {
                                items.remove(i);
                            }
                        }
                    }
                    if new.is_some() {
                        touched = matched;
                    }
                }
            }
        }
    }
    items.retain(|v| !matches!(v, Value::Object(o) if o.is_empty()) && !v.is_null());
    touched.retain(|&i| i < items.len());
    if !pol.has(Defect::PrimaryNotCleared) {
        fix_primary(&mut items, &touched, name)?;
    }
    Ok((!items.is_empty()).then_some(Value::Array(items)))
}

/// Sets (add/replace) or removes (remove) sub-attribute `sub` of the values at `indices`.
fn set_sub(
    spot: &Spot<'_>,
    sub: &'static AttrDef,
    items: &mut [Value],
    indices: &[usize],
    name: &str,
) -> Result<(), ScimError> {
    let new = if spot.op == OpKind::Remove {
        None
    } else {
        normalize_value(sub, value_of(spot), name, spot.p)?
    };
    for &i in indices {
        if let Some(Value::Object(obj)) = items.get_mut(i) {
            match &new {
                Some(v) => {
                    obj.insert(sub.name.to_owned(), v.clone());
                }
                None => {
                    obj.remove(sub.name);
                }
            }
        }
    }
    Ok(())
}

/// A filtered `add` that matched nothing creates the value the filter describes
/// (`emails[type eq "work"].value` → `{"type": "work", "value": …}`), as Entra expects.
fn new_value_from_filter(spot: &Spot<'_>, filter: &Filter, name: &str) -> Result<Value, ScimError> {
    let no_target = || {
        ScimError::no_target(format!(
            "no value of '{}' matches the filter, and the filter does not describe a new value",
            spot.attr.name
        ))
    };
    let pairs = filter.eq_conjunction().ok_or_else(no_target)?;
    let mut obj = Map::new();
    for (key, v) in pairs {
        let def = spot.attr.sub_attribute(key).ok_or_else(no_target)?;
        obj.insert(def.name.to_owned(), v.clone());
    }
    match spot.sub {
        Some(sub) => {
            if let Some(v) = normalize_value(sub, value_of(spot), name, spot.p)? {
                obj.insert(sub.name.to_owned(), v);
            }
        }
        None => {
            if let Some(Value::Object(given)) =
                normalize_single(spot.attr, value_of(spot), name, spot.p)?
            {
                obj.extend(given);
            }
        }
    }
    Ok(Value::Object(obj))
}

/// Whether a value built from a filter is keyed by a canonical value (`type`): a filtered
/// `replace` creates `emails[type eq "work"]` the way Entra expects, but
/// `emails[type eq "none"]` or `emails[value eq "x"]` stay `noTarget` (RFC 7644 §3.5.2.3).
fn uses_canonical_values(attr: &AttrDef, value: &Value) -> bool {
    let Value::Object(obj) = value else {
        return false;
    };
    let mut keyed = false;
    for (key, v) in obj {
        let canonical = attr
            .sub_attribute(key)
            .map(|d| d.canonical_values)
            .unwrap_or_default();
        if canonical.is_empty() {
            continue;
        }
        match v {
            Value::String(s) if canonical.iter().any(|c| c.eq_ignore_ascii_case(s)) => {
                keyed = true;
            }
            _ => return false,
        }
    }
    keyed
}

/// Whether every key of `pattern` has an equal value in `item`.
fn is_subset(pattern: &Map<String, Value>, item: &Value) -> bool {
    !pattern.is_empty() && pattern.iter().all(|(k, v)| item.get(k) == Some(v))
}

/// Setting `primary: true` on one value clears it on the others (RFC 7644 §3.5.2).
fn fix_primary(items: &mut [Value], touched: &[usize], name: &str) -> Result<(), ScimError> {
    let is_primary = |v: &Value| v.get("primary") == Some(&Value::Bool(true));
    let new_primaries: Vec<usize> = touched
        .iter()
        .copied()
        .filter(|&i| items.get(i).is_some_and(is_primary))
        .collect();
    match new_primaries.as_slice() {
        [] => Ok(()),
        [keep] => {
            for (i, item) in items.iter_mut().enumerate() {
                if i != *keep
                    && is_primary(item)
                    && let Value::Object(obj) = item
                {
                    obj.insert("primary".into(), Value::Bool(false));
                }
            }
            Ok(())
        }
        _ => Err(ScimError::invalid_value(format!(
            "at most one value of '{name}' may have \"primary\": true"
        ))),
    }
}
