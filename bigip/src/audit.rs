//! `audit --bigip`: reads the collections the audit needs over iControl REST, page
//! by page, and runs the same rules as for a bigip.conf on them
//! ([`manageout::audit::audit_rest`]).

use std::collections::HashSet;

use manageout::ValidFarm;
use manageout::audit::{AuditReport, Collection, RestObject, audit_rest};
use serde_json::Value;

use crate::Error;
use crate::client::Session;

/// Objects asked for per page (`$top`).
pub const PAGE: usize = 100;

/// The most objects read from one collection: 200,000.
pub const MAX_OBJECTS: usize = 200_000;

/// Every object of one collection, across partitions, following `$top`/`$skip`
/// until a short page (or `totalItems`); an object listed twice (a server that
/// ignores `$skip`) is kept once.
pub fn collection(session: &mut Session, c: Collection) -> Result<Vec<Value>, Error> {
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    let expand = if c.expands() {
        "expandSubcollections=true&"
    } else {
        ""
    };
    let mut skip = 0;
    loop {
        let path = format!("/mgmt/tm/{}?{expand}$top={PAGE}&$skip={skip}", c.path());
        let reply = session.get(&path)?;
        if reply.status != 200 {
            return Err(Error::status(
                &format!("GET {path}"),
                reply.status,
                &reply.body,
            ));
        }
        let page = match reply.body.get("items") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(page)) => page.clone(),
            Some(_) => {
                return Err(Error::Protocol {
                    what: format!("GET {path}"),
                    reason: "`items` is not a list".into(),
                });
            }
        };
        let count = page.len();
        let mut new = 0;
        for item in page {
            let key = item
                .get("fullPath")
                .or_else(|| item.get("selfLink"))
                .map(Value::to_string)
                .unwrap_or_else(|| item.to_string());
            if seen.insert(key) {
                items.push(item);
                new += 1;
            }
        }
        if items.len() > MAX_OBJECTS {
            return Err(Error::Protocol {
                what: format!("GET /mgmt/tm/{}", c.path()),
                reason: format!("more than {MAX_OBJECTS} objects"),
            });
        }
        skip += count;
        // the server may give smaller pages than asked: follow `totalItems`, else
        // `nextLink`, else a short page
        let done = count == 0
            || new == 0
            || match reply.body["totalItems"].as_u64() {
                Some(total) => skip as u64 >= total,
                None => reply.body.get("nextLink").is_none() && count < PAGE,
            };
        if done {
            return Ok(items);
        }
    }
}

/// Reads every collection the audit needs and audits them against the farm.
pub fn audit(session: &mut Session, farm: &ValidFarm) -> Result<AuditReport, Error> {
    let mut objects = Vec::new();
    for c in Collection::ALL {
        for item in collection(session, c)? {
            objects.push(RestObject {
                collection: c,
                item,
            });
        }
    }
    let base = session.target().base().to_owned();
    audit_rest(farm, &base, &objects).map_err(|reason| Error::Protocol {
        what: "the configuration read over iControl REST".into(),
        reason,
    })
}
