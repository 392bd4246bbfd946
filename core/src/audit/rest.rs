//! The second reader of a running configuration: objects read over iControl REST
//! (`/mgmt/tm/ltm/virtual`, `.../pool`, ...), turned into the same stanzas the
//! bigip.conf reader produces, so that one model and one set of rules serve both.
//! No network here: the `manageout-bigip` crate fetches the collections.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::AuditReport;
use super::model::Located;
use super::parse::Stanza;
use crate::Source;
use crate::check::ValidFarm;

/// A collection `audit --bigip` reads over iControl REST.
///
/// ```
/// use manageout::audit::Collection;
/// assert_eq!(Collection::Virtual.path(), "ltm/virtual");
/// assert!(Collection::ALL.iter().any(|c| c.path() == "net/route"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Collection {
    /// `ltm virtual`, with its profiles (`expandSubcollections=true`).
    Virtual,
    /// `ltm pool`, with its members.
    Pool,
    /// `ltm virtual-address`.
    VirtualAddress,
    /// `ltm node`.
    Node,
    /// `net route`.
    Route,
}

impl Collection {
    /// Every collection an audit reads.
    pub const ALL: [Self; 5] = [
        Self::Virtual,
        Self::Pool,
        Self::VirtualAddress,
        Self::Node,
        Self::Route,
    ];

    /// The collection's path under `/mgmt/tm/`.
    pub const fn path(self) -> &'static str {
        match self {
            Self::Virtual => "ltm/virtual",
            Self::Pool => "ltm/pool",
            Self::VirtualAddress => "ltm/virtual-address",
            Self::Node => "ltm/node",
            Self::Route => "net/route",
        }
    }

    /// Whether the collection is read with `expandSubcollections=true` (the
    /// virtuals' profiles, the pools' members).
    pub const fn expands(self) -> bool {
        matches!(self, Self::Virtual | Self::Pool)
    }

    /// The module and kind words of the equivalent bigip.conf stanza.
    const fn words(self) -> [&'static str; 2] {
        match self {
            Self::Virtual => ["ltm", "virtual"],
            Self::Pool => ["ltm", "pool"],
            Self::VirtualAddress => ["ltm", "virtual-address"],
            Self::Node => ["ltm", "node"],
            Self::Route => ["net", "route"],
        }
    }
}

/// One object of a collection, as iControl REST returned it (an element of the
/// collection's `items`).
#[derive(Clone, Debug, PartialEq)]
pub struct RestObject {
    /// The collection it was read from.
    pub collection: Collection,
    /// The object's JSON.
    pub item: Value,
}

/// The object's full path (`fullPath`, else `/partition/name`, else `/Common/name`),
/// or why it has none.
fn full_path(item: &Map<String, Value>) -> Result<String, String> {
    if let Some(p) = item.get("fullPath").and_then(Value::as_str) {
        return Ok(if p.starts_with('/') {
            p.to_owned()
        } else {
            format!("/Common/{p}")
        });
    }
    let name = item
        .get("name")
        .and_then(Value::as_str)
        .ok_or("an object has neither `fullPath` nor `name`")?;
    let partition = item
        .get("partition")
        .and_then(Value::as_str)
        .unwrap_or("Common");
    Ok(format!("/{partition}/{name}"))
}

/// The URL of an object: `BASE/mgmt/tm/ltm/virtual/~Common~NAME`, every byte
/// outside letters, digits and `-._:%` percent-encoded (`~` stands for `/`).
///
/// ```
/// use manageout::audit::{Collection, object_url};
/// assert_eq!(
///     object_url("https://bigip.example", Collection::Virtual, "/Common/a b"),
///     "https://bigip.example/mgmt/tm/ltm/virtual/~Common~a%20b"
/// );
/// ```
pub fn object_url(base: &str, collection: Collection, full_path: &str) -> String {
    let mut url = format!(
        "{}/mgmt/tm/{}/",
        base.trim_end_matches('/'),
        collection.path()
    );
    for b in full_path.bytes() {
        match b {
            b'/' => url.push('~'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b':' => {
                url.push(char::from(b));
            }
            _ => {
                let _ = write!(url, "%{b:02X}");
            }
        }
    }
    url
}

fn word(s: impl Into<String>) -> Stanza {
    Stanza {
        words: vec![s.into()],
        span: 0..0,
        children: Vec::new(),
    }
}

fn pair(key: &str, value: impl Into<String>) -> Stanza {
    Stanza {
        words: vec![key.to_owned(), value.into()],
        span: 0..0,
        children: Vec::new(),
    }
}

fn block(key: &str, children: Vec<Stanza>) -> Stanza {
    Stanza {
        words: vec![key.to_owned()],
        span: 0..0,
        children,
    }
}

/// The items of a subcollection reference (`profilesReference`,
/// `membersReference`) when it was expanded.
fn subcollection<'v>(item: &'v Map<String, Value>, key: &str) -> Option<&'v [Value]> {
    item.get(key)?.get("items")?.as_array().map(Vec::as_slice)
}

/// The string properties copied one to one (REST name → bigip.conf keyword).
fn copy_strings(item: &Map<String, Value>, keys: &[(&str, &str)], out: &mut Vec<Stanza>) {
    for (rest, conf) in keys {
        if let Some(v) = item.get(*rest).and_then(Value::as_str) {
            out.push(pair(conf, v));
        }
    }
}

fn is_true(item: &Map<String, Value>, key: &str) -> bool {
    item.get(key) == Some(&Value::Bool(true))
}

/// The bigip.conf stanza equivalent to one REST object.
fn stanza(collection: Collection, item: &Map<String, Value>, path: String) -> Stanza {
    let [module, kind] = collection.words();
    let mut children = Vec::new();
    match collection {
        Collection::Virtual => {
            copy_strings(
                item,
                &[
                    ("destination", "destination"),
                    ("mask", "mask"),
                    ("pool", "pool"),
                    ("translateAddress", "translate-address"),
                    ("description", "description"),
                ],
                &mut children,
            );
            for flag in [
                ("ipForward", "ip-forward"),
                ("disabled", "disabled"),
                ("vlansEnabled", "vlans-enabled"),
            ] {
                if is_true(item, flag.0) {
                    children.push(word(flag.1));
                }
            }
            if let Some(snat) = item
                .get("sourceAddressTranslation")
                .and_then(Value::as_object)
            {
                let mut sat = Vec::new();
                copy_strings(snat, &[("type", "type"), ("pool", "pool")], &mut sat);
                children.push(block("source-address-translation", sat));
            }
            if let Some(vlans) = item.get("vlans").and_then(Value::as_array) {
                let names = vlans.iter().filter_map(Value::as_str).map(word).collect();
                children.push(block("vlans", names));
            }
            if let Some(profiles) = subcollection(item, "profilesReference") {
                let names = profiles
                    .iter()
                    .filter_map(Value::as_object)
                    .filter_map(|p| full_path(p).ok())
                    .map(word)
                    .collect();
                children.push(block("profiles", names));
            }
        }
        Collection::Pool => {
            copy_strings(item, &[("description", "description")], &mut children);
            let members = subcollection(item, "membersReference")
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_object)
                .filter_map(|m| {
                    let mut props = Vec::new();
                    copy_strings(m, &[("address", "address")], &mut props);
                    let name = full_path(m).ok()?;
                    Some(Stanza {
                        words: vec![name],
                        span: 0..0,
                        children: props,
                    })
                })
                .collect();
            children.push(block("members", members));
        }
        Collection::VirtualAddress | Collection::Node => {
            copy_strings(item, &[("address", "address")], &mut children);
        }
        Collection::Route => {
            copy_strings(
                item,
                &[
                    ("network", "network"),
                    ("gw", "gw"),
                    ("description", "description"),
                ],
                &mut children,
            );
        }
    }
    Stanza {
        words: vec![module.to_owned(), kind.to_owned(), path],
        span: 0..0,
        children,
    }
}

/// Audits objects read over iControl REST against a checked farm: every rule of
/// [`audit`](super::audit) runs on them. A finding's location is the object's URL
/// under `base` (`https://HOST/mgmt/tm/ltm/virtual/~Common~NAME`) with no line or
/// column, and its message names the object's full path.
///
/// An object that is not a JSON object, or has no name, makes the whole answer
/// unusable: the error says which collection.
///
/// ```
/// use manageout::audit::{Collection, RestObject, audit_rest};
/// use serde_json::json;
/// let farm = manageout::Farm::from_file("../examples/seed-fixed.toml")?.into_valid_farm()?;
/// let disabled = RestObject {
///     collection: Collection::Virtual,
///     item: json!({"fullPath": "/Common/article_DA1_client", "destination": "/Common/2131:0:0:1000::.0",
///                  "mask": "ffff:ffff:ffff:ffe0::", "pool": "/Common/article_DA1_pool", "disabled": true}),
/// };
/// let report = audit_rest(&farm, "https://bigip", &[disabled])?;
/// let d = report.diagnostics.iter().find(|d| d.code == "MO108").unwrap();
/// let at = d.location.as_ref().unwrap();
/// assert_eq!(at.file, "https://bigip/mgmt/tm/ltm/virtual/~Common~article_DA1_client");
/// assert_eq!(at.position(), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn audit_rest(
    farm: &ValidFarm,
    base: &str,
    objects: &[RestObject],
) -> Result<AuditReport, String> {
    let mut files = Vec::with_capacity(objects.len());
    let mut sources = Vec::with_capacity(objects.len());
    for o in objects {
        let item = o.item.as_object().ok_or_else(|| {
            format!(
                "an item of /mgmt/tm/{} is not a JSON object",
                o.collection.path()
            )
        })?;
        let path =
            full_path(item).map_err(|e| format!("{e} in /mgmt/tm/{}", o.collection.path()))?;
        sources.push(Source {
            name: object_url(base, o.collection, &path),
            text: String::new(),
        });
        files.push(stanza(o.collection, item, path));
    }
    let files: Vec<(Vec<Stanza>, &Source)> =
        files.into_iter().map(|s| vec![s]).zip(&sources).collect();
    let located = Located {
        files: &files,
        lines: Vec::new(),
        objects: true,
    };
    let mut report = AuditReport::new(sources.clone()).check(farm, &located);
    // no text to show: the findings name their object's URL
    report.sources.clear();
    Ok(report)
}
