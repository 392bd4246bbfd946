//! `deploy`: the farm's AS3 declaration, merged into what the tenant holds
//! (manageout replaces only its own application, or in `/Common` only its own
//! objects of `Shared`), always dry-run first, then applied asynchronously.

use std::collections::BTreeMap;
use std::time::Instant;

use manageout::ValidFarm;
use manageout::render::{self, As3Layout};
use serde_json::{Map, Value, json};

use crate::Error;
use crate::client::{Reply, Session};

/// What a change does to one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Action {
    /// The object does not exist yet.
    Create,
    /// The object exists and changes.
    Modify,
    /// The object exists and goes.
    Delete,
}

impl Action {
    /// `create`, `modify` or `delete`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Modify => "modify",
            Self::Delete => "delete",
        }
    }
}

/// One object the declaration creates, changes or deletes, in the farm's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// What happens to it.
    pub action: Action,
    /// Its full path on the BIG-IP (`/Common/Shared/article_DA1_pool`).
    pub path: String,
    /// Its AS3 class (`Pool`, `Service_L4`), or the tmsh kind AS3 reported.
    pub class: String,
    /// The farm server (or node) it belongs to, when known.
    pub server: Option<String>,
    /// The prefix a virtual forwards.
    pub prefix: Option<String>,
}

impl Change {
    /// `{"action","path","class","server","prefix"}`, every key present.
    pub fn to_json(&self) -> Value {
        json!({
            "action": self.action.as_str(),
            "path": self.path,
            "class": self.class,
            "server": self.server,
            "prefix": self.prefix,
        })
    }
}

/// A declaration ready to apply, with the changes the BIG-IP's dry run reported.
#[derive(Debug)]
pub struct Prepared {
    request: Value,
    plan: Vec<Change>,
    as3_version: String,
    layout: As3Layout,
    sync_group: Option<String>,
}

/// What applying did.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    /// AS3's result per tenant (`code`, `message`, `tenant`, ...), as it sent them.
    pub results: Vec<Value>,
    /// The config-sync: `None` when the farm names no `sync_group`.
    pub sync: Option<Sync>,
}

/// Whether the change was synced to the HA peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sync {
    /// The device group (`/Common/failover-group`).
    pub group: String,
    /// Whether AS3 ran the config-sync (it does when the declaration changed
    /// something).
    pub ran: bool,
    /// The box's sync status afterwards (`In Sync`, `Changes Pending`...), when
    /// it could be read.
    pub status: Option<String>,
}

impl Sync {
    /// `{"group","ran","status"}`.
    pub fn to_json(&self) -> Value {
        json!({"group": self.group, "ran": self.ran, "status": self.status})
    }
}

/// The JSON `deploy --format json` prints:
/// `{"plan":[...],"applied":bool,"results":[...],"sync":null|{...}}`, every key
/// always present.
pub fn report_json(plan: &[Change], applied: Option<&Applied>) -> Value {
    json!({
        "plan": plan.iter().map(Change::to_json).collect::<Vec<_>>(),
        "applied": applied.is_some(),
        "results": applied.map_or_else(Vec::new, |a| a.results.clone()),
        "sync": applied.and_then(|a| a.sync.as_ref()).map(Sync::to_json),
    })
}

/// Object names a task id or tenant may hold in a URL path.
fn url_safe(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// The AS3 version installed: `GET /mgmt/shared/appsvcs/info`.
pub fn as3_version(session: &mut Session) -> Result<String, Error> {
    let reply = session.get("/mgmt/shared/appsvcs/info")?;
    match reply.status {
        200 => Ok(reply.body["version"].as_str().map_or_else(
            || "unknown".to_owned(),
            |v| {
                v.chars()
                    .take(40)
                    .collect::<String>()
                    .escape_debug()
                    .to_string()
            },
        )),
        404 => Err(Error::As3Missing),
        s => Err(Error::status(
            "GET /mgmt/shared/appsvcs/info",
            s,
            &reply.body,
        )),
    }
}

/// The objects of an application: its entries that are objects with a `class`.
fn objects(app: &Map<String, Value>) -> impl Iterator<Item = (&String, &Value)> {
    app.iter().filter(|(_, v)| v.get("class").is_some())
}

/// The tenant as AS3 holds it now (`GET /mgmt/shared/appsvcs/declare/<tenant>`);
/// `None` when AS3 has no declaration for it.
fn current_tenant(
    session: &mut Session,
    tenant: &str,
) -> Result<Option<Map<String, Value>>, Error> {
    let path = format!("/mgmt/shared/appsvcs/declare/{tenant}");
    let reply = session.get(&path)?;
    match reply.status {
        200 => {
            // the answer is the declaration (an ADC), or an AS3 request around it
            let decl = if reply.body["class"] == "AS3" {
                &reply.body["declaration"]
            } else {
                &reply.body
            };
            match decl.get(tenant) {
                Some(Value::Object(t)) => Ok(Some(t.clone())),
                None | Some(Value::Null) => Ok(None),
                Some(_) => Err(Error::Protocol {
                    what: format!("GET {path}"),
                    reason: format!("the tenant `{tenant}` is not an object"),
                }),
            }
        }
        204 | 404 => Ok(None),
        s => Err(Error::status(&format!("GET {path}"), s, &reply.body)),
    }
}

/// Merges manageout's application into the tenant: replaces only what manageout
/// created (its application; in `Common`, its objects of `Shared`), keeps every
/// other application and object as it was. Also returns manageout's objects
/// before and after.
#[allow(clippy::type_complexity)]
fn merge(
    current: Option<Map<String, Value>>,
    layout: &As3Layout,
    ours: &Map<String, Value>,
) -> Result<
    (
        Map<String, Value>,
        BTreeMap<String, Value>,
        BTreeMap<String, Value>,
    ),
    Error,
> {
    let mut tenant = current.unwrap_or_else(|| {
        let mut t = Map::new();
        t.insert("class".into(), json!("Tenant"));
        t
    });
    let desired: BTreeMap<String, Value> =
        objects(ours).map(|(k, v)| (k.clone(), v.clone())).collect();
    let is_ours = |v: &Value| v["remark"] == Value::String(layout.marker.clone());
    let before: BTreeMap<String, Value>;
    if layout.tenant == "Common" {
        let mut shared = match tenant.remove(&layout.application) {
            Some(Value::Object(app)) => app,
            Some(_) => {
                return Err(Error::Protocol {
                    what: "the current declaration".into(),
                    reason: "/Common/Shared is not an object".into(),
                });
            }
            None => ours
                .iter()
                .filter(|(_, v)| v.get("class").is_none())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        };
        before = objects(&shared)
            .filter(|(_, v)| is_ours(v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for name in before.keys() {
            shared.remove(name);
        }
        for (name, object) in &desired {
            if shared.contains_key(name) {
                return Err(Error::Conflict(format!(
                    "/Common/Shared/{name} exists and was not created by manageout (its remark is not `{}`): rename or remove it, or give the farm another name",
                    layout.marker
                )));
            }
            shared.insert(name.clone(), object.clone());
        }
        tenant.insert(layout.application.clone(), Value::Object(shared));
    } else {
        before = match tenant.get(&layout.application) {
            Some(app) if !is_ours(app) => {
                return Err(Error::Conflict(format!(
                    "/{}/{} exists and was not created by manageout (its remark is not `{}`): rename or remove it, or give the farm another name",
                    layout.tenant, layout.application, layout.marker
                )));
            }
            Some(Value::Object(app)) => objects(app).map(|(k, v)| (k.clone(), v.clone())).collect(),
            _ => BTreeMap::new(),
        };
        tenant.insert(layout.application.clone(), Value::Object(ours.clone()));
    }
    Ok((tenant, before, desired))
}

/// The changes from manageout's objects before to after.
fn local_plan(
    layout: &As3Layout,
    before: &BTreeMap<String, Value>,
    after: &BTreeMap<String, Value>,
) -> Vec<Change> {
    let mut plan = Vec::new();
    for (name, object) in after {
        let action = match before.get(name) {
            None => Action::Create,
            Some(old) if old != object => Action::Modify,
            Some(_) => continue,
        };
        plan.push(change(layout, action, name, object));
    }
    for (name, object) in before {
        if !after.contains_key(name) {
            plan.push(change(layout, Action::Delete, name, object));
        }
    }
    plan
}

fn change(layout: &As3Layout, action: Action, name: &str, object: &Value) -> Change {
    let known = layout.objects.iter().find(|o| o.name == name);
    let prefix = known
        .and_then(|o| o.prefix.map(|p| p.to_string()))
        .or_else(|| {
            // an object of a server no longer in the farm: its address, as declared
            object["virtualAddresses"][0].as_str().map(str::to_owned)
        });
    Change {
        action,
        path: format!("/{}/{}/{name}", layout.tenant, layout.application),
        class: object["class"]
            .as_str()
            .map_or_else(|| "unknown".to_owned(), str::to_owned),
        server: known.map(|o| o.server.clone()),
        prefix,
    }
}

/// The changes AS3's dry run traced (`traces.<tenant>Diff`), object by object;
/// `None` when the answer holds no trace.
fn traced_plan(layout: &As3Layout, body: &Value) -> Option<Vec<Change>> {
    let diff = body["traces"]
        .get(format!("{}Diff", layout.tenant))?
        .as_array()?;
    // mcp path -> (kinds seen, tmsh command)
    let mut seen: BTreeMap<String, (Vec<String>, String)> = BTreeMap::new();
    for entry in diff.iter().take(100_000) {
        let Some(path) = entry["path"][0].as_str() else {
            continue;
        };
        let kind = entry["kind"].as_str().unwrap_or("E").to_owned();
        let command = entry["command"]
            .as_str()
            .or_else(|| entry["rhsCommand"].as_str())
            .or_else(|| entry["lhsCommand"].as_str())
            .unwrap_or("")
            .to_owned();
        let whole = entry["path"].as_array().is_some_and(|p| p.len() == 1);
        let e = seen
            .entry(path.to_owned())
            .or_insert_with(|| (Vec::new(), command));
        e.0.push(if whole { kind } else { "E".to_owned() });
    }
    let mut plan = Vec::new();
    let mut implied = Vec::new();
    for (path, (kinds, command)) in &seen {
        let action = if kinds.iter().all(|k| k == "N") {
            Action::Create
        } else if kinds.iter().all(|k| k == "D") {
            Action::Delete
        } else {
            Action::Modify
        };
        let name = path.rsplit('/').next().unwrap_or(path);
        let known = layout
            .objects
            .iter()
            .find(|o| o.name == name && path.ends_with(&format!("/{}/{name}", layout.application)));
        let class = match command.as_str() {
            "ltm pool" => "Pool".to_owned(),
            "ltm virtual" => "Service_L4".to_owned(),
            other => other.to_owned(),
        };
        let c = Change {
            action,
            path: path.clone(),
            class,
            server: known.map(|o| o.server.clone()),
            prefix: known.and_then(|o| o.prefix.map(|p| p.to_string())),
        };
        // virtual addresses and nodes follow their virtual and pool
        if matches!(command.as_str(), "ltm virtual-address" | "ltm node") {
            implied.push(c);
        } else {
            plan.push(c);
        }
    }
    if plan.is_empty() {
        plan = implied;
    }
    Some(plan)
}

/// AS3's per-tenant results of an answer.
fn results(body: &Value) -> Vec<Value> {
    body["results"]
        .as_array()
        .map(|r| r.iter().take(1000).cloned().collect())
        .unwrap_or_default()
}

/// Whether `text` names the object `/APP/NAME` (not merely a longer name that
/// starts the same).
fn names_object(text: &str, application: &str, name: &str) -> bool {
    let needle = format!("/{application}/{name}");
    text.match_indices(&needle).any(|(at, _)| {
        text[at + needle.len()..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
    })
}

/// Maps AS3's complaints back to the farm: a problem that names one of
/// manageout's objects is prefixed with its server and prefix.
fn farm_terms(layout: &As3Layout, problems: Vec<String>) -> Vec<String> {
    problems
        .into_iter()
        .take(100)
        .map(|p| {
            let p = p
                .chars()
                .take(500)
                .collect::<String>()
                .escape_debug()
                .to_string();
            let hit = layout
                .objects
                .iter()
                .find(|o| names_object(&p, &layout.application, &o.name));
            match hit {
                Some(o) => match o.prefix {
                    Some(prefix) => {
                        format!(
                            "server {}, prefix {prefix} (virtual {}): {p}",
                            o.server, o.name
                        )
                    }
                    None => format!("server {} (pool {}): {p}", o.server, o.name),
                },
                None => p,
            }
        })
        .collect()
}

/// The problems of a rejected answer: a 422's `errors`, or failed results'
/// `response`/`message`.
fn rejection(layout: &As3Layout, body: &Value) -> Error {
    let mut problems: Vec<String> = body["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for r in results(body) {
        if r["code"].as_u64().is_some_and(|c| c >= 400) {
            let text = r["response"]
                .as_str()
                .or_else(|| r["message"].as_str())
                .unwrap_or("declaration failed");
            problems.push(text.to_owned());
        }
    }
    if problems.is_empty()
        && let Some(m) = body["message"].as_str()
    {
        problems.push(m.to_owned());
    }
    Error::Rejected {
        problems: farm_terms(layout, problems),
        response: body.clone(),
    }
}

fn failed_code(body: &Value) -> Option<u64> {
    results(body)
        .iter()
        .filter_map(|r| r["code"].as_u64())
        .find(|&c| c >= 400)
}

/// Reads the tenant, merges manageout's application in and dry-runs the result
/// (`controls.dryRun` with `traceResponse`): nothing on the box changes.
pub fn prepare(session: &mut Session, farm: &ValidFarm) -> Result<Prepared, Error> {
    let as3_version = as3_version(session)?;
    let request = render::as3(farm).map_err(|e| Error::Farm(e.to_string()))?;
    let layout = render::as3_layout(farm);
    if !url_safe(&layout.tenant) {
        return Err(Error::Farm(format!(
            "the partition `{}` cannot be named in an AS3 URL",
            layout.tenant.escape_debug()
        )));
    }
    let ours = request["declaration"][&layout.tenant][&layout.application]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let current = current_tenant(session, &layout.tenant)?;
    let (tenant, before, after) = merge(current, &layout, &ours)?;
    let mut apply = request.clone();
    apply["declaration"][&layout.tenant] = Value::Object(tenant);
    let mut dry = apply.clone();
    dry["declaration"]["controls"] =
        json!({"class": "Controls", "dryRun": true, "traceResponse": true});
    let reply = session.post("/mgmt/shared/appsvcs/declare", &dry)?;
    check_declare(&layout, "the dry run", &reply)?;
    let no_change = {
        let r = results(&reply.body);
        !r.is_empty() && r.iter().all(|x| x["message"] == "no change")
    };
    let plan = if no_change {
        Vec::new()
    } else {
        traced_plan(&layout, &reply.body).unwrap_or_else(|| local_plan(&layout, &before, &after))
    };
    Ok(Prepared {
        request: apply,
        plan,
        as3_version,
        sync_group: request["syncToGroup"].as_str().map(str::to_owned),
        layout,
    })
}

/// The status of a declare answer: 200 fine, 422/400 or a failed result rejected,
/// 404 AS3 missing, anything else the remote side failing.
fn check_declare(layout: &As3Layout, what: &str, reply: &Reply) -> Result<(), Error> {
    match reply.status {
        200 | 202 => match failed_code(&reply.body) {
            Some(422 | 400) => Err(rejection(layout, &reply.body)),
            Some(code) => Err(Error::TaskFailed {
                task: "(synchronous)".into(),
                message: format!("{what}: code {code}"),
                results: Value::Array(results(&reply.body)),
            }),
            None => Ok(()),
        },
        400 | 422 => Err(rejection(layout, &reply.body)),
        404 => Err(Error::As3Missing),
        s => Err(Error::status(
            &format!("{what} (POST /mgmt/shared/appsvcs/declare)"),
            s,
            &reply.body,
        )),
    }
}

impl Prepared {
    /// The changes, object by object.
    pub fn plan(&self) -> &[Change] {
        &self.plan
    }

    /// The AS3 version found on the box.
    pub fn as3_version(&self) -> &str {
        &self.as3_version
    }

    /// The declaration that [`apply`](Self::apply) posts (the whole tenant).
    pub fn declaration(&self) -> &Value {
        &self.request
    }

    /// Posts the declaration (`?async=true`) and polls the task until AS3 is
    /// done, calling `progress` with a line on each poll.
    pub fn apply(
        self,
        session: &mut Session,
        progress: &mut dyn FnMut(&str),
    ) -> Result<Applied, Error> {
        let reply = session.post("/mgmt/shared/appsvcs/declare?async=true", &self.request)?;
        let done = match reply.status {
            202 => {
                let id = reply.body["id"]
                    .as_str()
                    .filter(|id| url_safe(id))
                    .ok_or_else(|| Error::Protocol {
                        what: "POST /mgmt/shared/appsvcs/declare?async=true".into(),
                        reason: "no usable task `id` in the 202 answer".into(),
                    })?
                    .to_owned();
                self.poll(session, &id, progress)?
            }
            _ => {
                check_declare(&self.layout, "the deploy", &reply)?;
                reply.body
            }
        };
        let results = results(&done);
        let changed = results.iter().any(|r| r["message"] == "success");
        let sync = self.sync_group.map(|group| Sync {
            ran: changed,
            status: changed.then(|| sync_status(session)).flatten(),
            group,
        });
        Ok(Applied { results, sync })
    }

    fn poll(
        &self,
        session: &mut Session,
        id: &str,
        progress: &mut dyn FnMut(&str),
    ) -> Result<Value, Error> {
        let started = Instant::now();
        let path = format!("/mgmt/shared/appsvcs/task/{id}");
        loop {
            let reply = session.get(&path)?;
            if reply.status != 200 {
                return Err(Error::status(
                    &format!("GET {path}"),
                    reply.status,
                    &reply.body,
                ));
            }
            let r = results(&reply.body);
            let running = r.is_empty()
                || r.iter().any(|x| {
                    x["message"] == "in progress" || x["code"] == 0 || x["message"] == "pending"
                });
            if !running {
                return match failed_code(&reply.body) {
                    Some(422 | 400) => Err(rejection(&self.layout, &reply.body)),
                    Some(_) => Err(Error::TaskFailed {
                        task: id.to_owned(),
                        message: r
                            .iter()
                            .find_map(|x| x["message"].as_str())
                            .unwrap_or("failed")
                            .chars()
                            .take(300)
                            .collect::<String>()
                            .escape_debug()
                            .to_string(),
                        results: Value::Array(r),
                    }),
                    None => Ok(reply.body),
                };
            }
            let waited = started.elapsed();
            if waited >= session.settings().task_timeout {
                return Err(Error::Timeout {
                    what: format!(
                        "AS3 task {id} still in progress after {} s (it may still finish: see {path})",
                        waited.as_secs()
                    ),
                });
            }
            progress(&format!(
                "waiting for AS3 task {id}: in progress ({} s)",
                waited.as_secs()
            ));
            std::thread::sleep(session.settings().poll_interval);
        }
    }
}

/// The config-sync status (`GET /mgmt/tm/cm/sync-status`), when readable.
fn sync_status(session: &mut Session) -> Option<String> {
    let reply = session.get("/mgmt/tm/cm/sync-status").ok()?;
    if reply.status != 200 {
        return None;
    }
    let entries = reply.body["entries"].as_object()?;
    entries.values().find_map(|e| {
        e["nestedStats"]["entries"]["status"]["description"]
            .as_str()
            .map(|s| {
                s.chars()
                    .take(80)
                    .collect::<String>()
                    .escape_debug()
                    .to_string()
            })
    })
}
