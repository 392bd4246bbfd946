//! Validates an AS3 declaration the way AS3 reads it.
//!
//! A plain JSON Schema validator ignores AS3's own formats and never follows its
//! pointers, so a declaration it accepts may still be refused by the BIG-IP. This
//! validator adds, as facts taken from F5's AS3 source (`src/lib/adcParserFormats.js`,
//! `src/lib/tag/pointerTag.js`):
//!
//! - the formats `f5ip`, `f5ipv4`, `f5ipv6` (an address with optional `%RD` and
//!   `/masklen`), `f5bigip` (an absolute path without control characters,
//!   `"#'*<>?[\]{|}` or DEL) and `f5pointer`;
//! - pointer resolution: a service's `pool` (a name in its application, or
//!   `{"use": ...}`) must name a `Pool` of the declaration, every other
//!   `{"use": ...}` must name an object of the declaration, and every
//!   `{"bigip": ...}` must name an object the BIG-IP is said to have.
//!
//! The schema itself (F5's `as3-schema.json`, third-party) comes from the
//! reference folder ([`crate::reference`]).

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use serde_json::Value;

/// A compiled validator for one schema.
pub struct As3 {
    validator: jsonschema::Validator,
}

impl As3 {
    /// Compiles the AS3 schema at `path` with F5's formats.
    pub fn from_file(path: &Path) -> Self {
        let text = std::fs::read_to_string(path).expect("read the AS3 schema");
        let schema: Value = serde_json::from_str(&text).expect("the AS3 schema is JSON");
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .with_format("f5ip", |s: &str| s.is_empty() || is_ip(s, None))
            .with_format("f5ipv4", |s: &str| s.is_empty() || is_ip(s, Some(4)))
            .with_format("f5ipv6", |s: &str| s.is_empty() || is_ip(s, Some(6)))
            .with_format("f5bigip", is_bigip_path)
            .with_format("f5pointer", is_pointer)
            .build(&schema)
            .expect("the AS3 schema compiles");
        Self { validator }
    }

    /// Every problem of `request` (an AS3 request, `{"class": "AS3", "declaration": ...}`,
    /// or a bare ADC declaration): schema and format errors, then unresolved
    /// pointers. `existing` lists the BIG-IP objects (`/Common/internal`) that
    /// `bigip` references may name.
    pub fn problems(&self, request: &Value, existing: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = self
            .validator
            .iter_errors(request)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        let declaration = request.get("declaration").unwrap_or(request);
        pointers(declaration, existing, &mut out);
        out
    }
}

/// `f5ip`: an IPv4 or IPv6 address with an optional `%RD` and `/masklen`.
pub fn is_ip(s: &str, family: Option<u8>) -> bool {
    let (rest, len) = match s.rsplit_once('/') {
        Some((a, l)) if !l.is_empty() && l.len() <= 3 && l.bytes().all(|b| b.is_ascii_digit()) => {
            match l.parse::<u8>() {
                Ok(l) => (a, Some(l)),
                Err(_) => return false,
            }
        }
        Some(_) => return false,
        None => (s, None),
    };
    let addr = match rest.split_once('%') {
        Some((a, rd)) if !rd.is_empty() && rd.bytes().all(|b| b.is_ascii_digit()) => a,
        Some(_) => return false,
        None => rest,
    };
    let v4 = addr.parse::<Ipv4Addr>().is_ok() && len.is_none_or(|l| l <= 32);
    let v6 = addr.parse::<Ipv6Addr>().is_ok() && len.is_none_or(|l| l <= 128);
    match family {
        Some(4) => v4,
        Some(6) => v6,
        _ => v4 || v6,
    }
}

/// `f5bigip`: `^\x2f[^\x00-\x19\x22#'*<>?\x5b-\x5d\x7b-\x7d\x7f]+$`.
pub fn is_bigip_path(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('/') else {
        return false;
    };
    !rest.is_empty()
        && rest
            .chars()
            .all(|c| !(('\u{0}'..='\u{19}').contains(&c) || "\"#'*<>?[\\]{|}\u{7f}".contains(c)))
}

/// `f5pointer`: an AS3 pointer (`@`, a relative `N/` prefix, `/`-separated names of
/// up to 64 characters starting with a letter, an optional `#`).
pub fn is_pointer(s: &str) -> bool {
    let s = s.strip_suffix('#').unwrap_or(s);
    if s.is_empty() || s == "@" || s.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    let name = |p: &str| {
        p == "@"
            || (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            || (p.len() <= 64
                && p.starts_with(|c: char| c.is_ascii_alphabetic())
                && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    };
    let parts: Vec<&str> = s.split('/').collect();
    let (first, rest) = parts.split_first().expect("split yields one part");
    // an optional leading `N/` (relative), or `/` (absolute: the first part is empty)
    let first_ok = first.is_empty() || first.bytes().all(|b| b.is_ascii_digit()) || name(first);
    first_ok && rest.iter().all(|p| name(p))
}

/// Resolves every pointer of the declaration.
fn pointers(declaration: &Value, existing: &[&str], out: &mut Vec<String>) {
    let Some(adc) = declaration.as_object() else {
        return;
    };
    for (tenant, t) in adc {
        let Some(t) = t
            .as_object()
            .filter(|t| t.get("class") == Some(&Value::from("Tenant")))
        else {
            continue;
        };
        for (app, a) in t {
            let Some(a) = a
                .as_object()
                .filter(|a| a.get("class") == Some(&Value::from("Application")))
            else {
                continue;
            };
            for (name, object) in a {
                let here = format!("/{tenant}/{app}/{name}");
                walk(object, &here, declaration, tenant, app, existing, None, out);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn walk(
    v: &Value,
    here: &str,
    declaration: &Value,
    tenant: &str,
    app: &str,
    existing: &[&str],
    key: Option<&str>,
    out: &mut Vec<String>,
) {
    match v {
        Value::Object(o) => {
            if let (1, Some(Value::String(target))) = (o.len(), o.get("use")) {
                check_target(target, here, declaration, tenant, app, key, out);
                return;
            }
            if let (1, Some(Value::String(path))) = (o.len(), o.get("bigip")) {
                if !existing.contains(&path.as_str()) {
                    out.push(format!(
                        "{here}: bigip reference {path} names no object the BIG-IP has"
                    ));
                }
                return;
            }
            for (k, child) in o {
                if let ("pool", Value::String(target)) = (k.as_str(), child) {
                    check_target(target, here, declaration, tenant, app, Some("pool"), out);
                    continue;
                }
                walk(
                    child,
                    &format!("{here}/{k}"),
                    declaration,
                    tenant,
                    app,
                    existing,
                    Some(k),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(
                    child,
                    &format!("{here}/{i}"),
                    declaration,
                    tenant,
                    app,
                    existing,
                    key,
                    out,
                );
            }
        }
        _ => {}
    }
}

fn check_target(
    target: &str,
    here: &str,
    declaration: &Value,
    tenant: &str,
    app: &str,
    key: Option<&str>,
    out: &mut Vec<String>,
) {
    let path: Vec<&str> = match target.strip_prefix('/') {
        Some(abs) => abs.split('/').collect(),
        None if !target.contains('/') => vec![tenant, app, target],
        None => target.split('/').collect(),
    };
    let mut node = declaration;
    for p in &path {
        match node.get(p) {
            Some(n) => node = n,
            None => {
                out.push(format!("{here}: pointer {target} resolves to nothing"));
                return;
            }
        }
    }
    let class = node.get("class").and_then(Value::as_str).unwrap_or("");
    let wanted = match key {
        Some("pool") => Some("Pool"),
        _ => None,
    };
    if let Some(w) = wanted.filter(|w| *w != class) {
        out.push(format!(
            "{here}: pointer {target} names a {class:?}, not a {w}"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f5ip_takes_route_domains_and_masks() {
        for ok in [
            "2131:0:0:1000::/59",
            "2131::101%2",
            "10.0.0.1",
            "2131::%3/64",
            "::",
        ] {
            assert!(is_ip(ok, None), "{ok}");
        }
        for bad in [
            "2131::g",
            "2131::/129",
            "10.0.0.1/33",
            "2131::%x",
            "2131::/",
            "2131::/059x",
        ] {
            assert!(!is_ip(bad, None), "{bad}");
        }
        assert!(!is_ip("10.0.0.1", Some(6)));
    }

    #[test]
    fn f5bigip_demands_an_absolute_path_without_troublesome_characters() {
        assert!(is_bigip_path("/Common/internal"));
        for bad in [
            "internal",
            "/",
            "/Common/a{b}",
            "/Common/\"x\"",
            "/Common/a#b",
            "/Common/a\u{1}",
        ] {
            assert!(!is_bigip_path(bad), "{bad}");
        }
    }

    #[test]
    fn f5pointer_is_names_separated_by_slashes() {
        for ok in ["article_DA1_pool", "/Common/Shared/p", "1/x", "@", "a#"] {
            assert!(is_pointer(ok), "{ok}");
        }
        for bad in ["a-b", "1x", "a/b-c"] {
            assert!(!is_pointer(bad), "{bad}");
        }
    }
}
