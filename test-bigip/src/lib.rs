//! A local stand-in for a BIG-IP's iControl REST and AS3 API, built from F5's
//! documented request and response shapes: HTTPS on 127.0.0.1 with a
//! certificate (and its CA) generated per run, token login and expiry, AS3's
//! `info`, `declare` (GET per tenant, POST with `controls.dryRun` and
//! `traceResponse`, `?async=true` and its task), 503 while busy, 422 with AS3's
//! error list, and the `/mgmt/tm` collections with `$top`/`$skip` paging, derived
//! from the declarations it holds (as AS3 would have created the objects) plus
//! objects a test adds.
//!
//! Every declaration it receives is validated with F5's AS3 schema and formats
//! (when the reference folder is present) and recorded with the tenants it
//! replaced, so that tests can prove what survived. Nothing leaves loopback.
//!
//! `behaviour` keys (JSON): `user`, `password`, `as3` (installed, default true),
//! `busy` (how many declare POSTs answer 503 first), `reject` (a list of AS3
//! errors: the dry run answers 422), `task_fails` (a task result: the async task
//! ends with it, the box unchanged), `task_polls` (polls answered "in progress"),
//! `token` (the token every login hands out, for hostile tokens),
//! `token_uses` (requests a token is good for before it expires), `slow` (a path
//! prefix answered after `slow_ms` ms), `page_max` (the largest page the server
//! gives), `traces` (dry runs answer with `traces`, default true), `tenants` (the
//! declarations held at start, tenant name to tenant), `objects` (collection path
//! to extra items), `bigip_objects` (the objects `{"bigip": ...}` may name).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use manageout_test_support::as3::As3;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Map, Value, json};

/// One request as received (the login body's password replaced by `***`).
#[derive(Clone, Debug)]
pub struct Logged {
    /// `GET`, `POST`...
    pub method: String,
    /// Path and query.
    pub path: String,
    /// The `X-F5-Auth-Token` header, if any.
    pub token: Option<String>,
    /// The body as JSON (`Null` when empty or not JSON).
    pub body: Value,
}

/// A declaration the server received, with the tenants it held before.
#[derive(Clone, Debug)]
pub struct Received {
    /// The AS3 request.
    pub request: Value,
    /// Whether it was a dry run.
    pub dry_run: bool,
    /// The tenants held when it arrived.
    pub before: BTreeMap<String, Value>,
    /// Its schema problems (empty when valid, or when no schema was found).
    pub problems: Vec<String>,
}

/// What the server holds and has seen.
#[derive(Debug, Default)]
pub struct State {
    /// Tenant name to tenant, as AS3 holds them.
    pub tenants: BTreeMap<String, Value>,
    /// Every request, in order.
    pub log: Vec<Logged>,
    /// Every declaration POSTed.
    pub received: Vec<Received>,
    /// Tokens issued: token to the requests left (`None`: no limit).
    pub tokens: BTreeMap<String, Option<usize>>,
    /// Tokens deleted by the client.
    pub deleted_tokens: Vec<String>,
    /// Whether a config-sync ran.
    pub synced: bool,
    tasks: BTreeMap<String, Task>,
    busy_left: usize,
    serial: u64,
}

#[derive(Debug)]
struct Task {
    polls_left: usize,
    result: Value,
}

/// The server's knobs (see the crate documentation).
#[derive(Clone, Debug)]
pub struct Behaviour(pub Value);

impl Behaviour {
    fn str(&self, key: &str, default: &str) -> String {
        self.0[key].as_str().unwrap_or(default).to_owned()
    }
    fn num(&self, key: &str) -> Option<u64> {
        self.0[key].as_u64()
    }
    fn flag(&self, key: &str, default: bool) -> bool {
        self.0[key].as_bool().unwrap_or(default)
    }
}

/// A running test BIG-IP.
pub struct Server {
    url: String,
    ca_file: PathBuf,
    state: Arc<Mutex<State>>,
    _dir: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Server {
    /// Starts a server on 127.0.0.1 (a free port) with these knobs.
    pub fn start(behaviour: Value) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "manageout test CA");
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA cert");
        let leaf_key = rcgen::KeyPair::generate().expect("key");
        let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()])
            .expect("params")
            .signed_by(&leaf_key, &ca)
            .expect("leaf");
        let dir = std::env::temp_dir().join(format!(
            "manageout-test-bigip-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).expect("write CA");
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(leaf.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )
            .expect("TLS config");
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("port").port();
        let behaviour = Behaviour(behaviour);
        let mut state = State {
            busy_left: behaviour.num("busy").unwrap_or(0) as usize,
            ..State::default()
        };
        if let Some(t) = behaviour.0["tenants"].as_object() {
            state.tenants = t.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        }
        let state = Arc::new(Mutex::new(state));
        let schema = manageout_test_support::reference::dir()
            .map(|d| d.join("as3-schema.json"))
            .filter(|p| p.exists())
            .map(|p| Arc::new(As3::from_file(&p)));
        let shared = Arc::new(Shared {
            behaviour,
            state: Arc::clone(&state),
            schema,
        });
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let config = Arc::clone(&config);
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, config, &shared));
            }
        });
        Self {
            url: format!("https://127.0.0.1:{port}"),
            ca_file,
            state,
            _dir: TempDir(dir),
        }
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The PEM file of the CA that signed the server's certificate.
    pub fn ca_file(&self) -> &std::path::Path {
        &self.ca_file
    }

    /// What the server holds and has seen.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

struct Shared {
    behaviour: Behaviour,
    state: Arc<Mutex<State>>,
    schema: Option<Arc<As3>>,
}

/// The largest request body read: 64 MiB.
const MAX_BODY: usize = 64 * 1024 * 1024;

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    if length > MAX_BODY {
        return None;
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

fn serve(stream: TcpStream, config: Arc<rustls::ServerConfig>, shared: &Shared) {
    let Ok(conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let tls = rustls::StreamOwned::new(conn, stream);
    let mut reader = BufReader::new(tls);
    while let Some(request) = read_request(&mut reader) {
        let (status, body) = shared.answer(&request);
        if let Some(ms) = shared.behaviour.num("slow_ms")
            && request
                .path
                .starts_with(&shared.behaviour.str("slow", "\u{0}"))
        {
            std::thread::sleep(Duration::from_millis(ms));
        }
        let text = if status == 204 {
            String::new()
        } else {
            body.to_string()
        };
        let reason = match status {
            200 => "OK",
            202 => "Accepted",
            204 => "No Content",
            401 => "Unauthorized",
            404 => "Not Found",
            422 => "Unprocessable Entity",
            503 => "Service Unavailable",
            _ => "Status",
        };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=UTF-8\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n",
            text.len()
        );
        let out = reader.get_mut();
        if out.write_all(head.as_bytes()).is_err()
            || out.write_all(text.as_bytes()).is_err()
            || out.flush().is_err()
        {
            return;
        }
    }
}

fn error(code: u16, message: &str) -> (u16, Value) {
    (
        code,
        json!({"code": code, "message": message, "errorStack": [], "apiError": 1}),
    )
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn answer(&self, r: &Request) -> (u16, Value) {
        let mut body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        let token = r.header("X-F5-Auth-Token").map(str::to_owned);
        {
            let mut logged = body.clone();
            if logged.get("password").is_some() {
                logged["password"] = json!("***");
            }
            self.lock().log.push(Logged {
                method: r.method.clone(),
                path: r.path.clone(),
                token: token.clone(),
                body: logged,
            });
        }
        let path = r.path.as_str();
        if path == "/__test__/state" {
            return (200, self.snapshot());
        }
        if r.method == "POST" && path == "/mgmt/shared/authn/login" {
            return self.login(&body);
        }
        // every other request needs a valid token
        {
            let mut state = self.lock();
            let valid =
                token
                    .as_ref()
                    .and_then(|t| state.tokens.get_mut(t))
                    .map(|left| match left {
                        None => true,
                        Some(0) => false,
                        Some(n) => {
                            *n -= 1;
                            true
                        }
                    });
            if valid != Some(true) {
                return error(401, "X-F5-Auth-Token does not exist.");
            }
        }
        if let Some(t) = path.strip_prefix("/mgmt/shared/authz/tokens/") {
            let mut state = self.lock();
            return match r.method.as_str() {
                "DELETE" => {
                    state.tokens.remove(t);
                    state.deleted_tokens.push(t.to_owned());
                    (200, json!({"token": t}))
                }
                "PATCH" => (200, json!({"token": t, "timeout": body["timeout"]})),
                _ => error(405, "method not allowed"),
            };
        }
        if path.starts_with("/mgmt/shared/appsvcs") {
            if !self.behaviour.flag("as3", true) {
                return error(404, "Public URI path not registered: /shared/appsvcs/info");
            }
            return self.appsvcs(&r.method, path, &mut body);
        }
        if let Some(rest) = path.strip_prefix("/mgmt/tm/") {
            if rest.starts_with("cm/sync-status") {
                return (
                    200,
                    json!({"kind": "tm:cm:sync-status:sync-statusstats", "entries": {
                    "https://localhost/mgmt/tm/cm/sync-status/0": {"nestedStats": {"entries": {
                        "color": {"description": "green"},
                        "status": {"description": if self.lock().synced { "In Sync" } else { "Changes Pending" }}
                    }}}}}),
                );
            }
            return self.collection(rest);
        }
        error(404, "not found")
    }

    fn snapshot(&self) -> Value {
        let state = self.lock();
        json!({
            "tenants": state.tenants,
            "log": state.log.iter().map(|l| json!({"method": l.method, "path": l.path, "token": l.token, "body": l.body})).collect::<Vec<_>>(),
            "received": state.received.iter().map(|r| json!({"request": r.request, "dry_run": r.dry_run, "before": r.before, "problems": r.problems})).collect::<Vec<_>>(),
            "deleted_tokens": state.deleted_tokens,
            "live_tokens": state.tokens.keys().collect::<Vec<_>>(),
            "synced": state.synced,
        })
    }

    fn login(&self, body: &Value) -> (u16, Value) {
        let user = self.behaviour.str("user", "admin");
        let password = self.behaviour.str("password", "admin-password");
        if body["username"] != json!(user) || body["password"] != json!(password) {
            return error(401, "Authentication failed.");
        }
        if body["loginProviderName"].as_str().is_none() {
            return error(400, "loginProviderName is required");
        }
        let mut state = self.lock();
        state.serial += 1;
        let token = self.behaviour.0["token"].as_str().map_or_else(
            || format!("TOKEN{:06}X{}", state.serial, std::process::id()),
            str::to_owned,
        );
        let uses = self.behaviour.num("token_uses").map(|n| n as usize);
        state.tokens.insert(token.clone(), uses);
        (
            200,
            json!({"username": user, "loginProviderName": body["loginProviderName"],
                   "token": {"token": token, "name": token, "userName": user, "timeout": 1200,
                             "startTime": "2026-12-02T04:00:00.000-08:00"}}),
        )
    }

    fn appsvcs(&self, method: &str, path: &str, body: &mut Value) -> (u16, Value) {
        let (route, query) = path.split_once('?').unwrap_or((path, ""));
        match (method, route) {
            ("GET", "/mgmt/shared/appsvcs/info") => (
                200,
                json!({"version": "3.50.0", "release": "5", "schemaCurrent": "3.50.0", "schemaMinimum": "3.0.0"}),
            ),
            ("GET", r) if r.starts_with("/mgmt/shared/appsvcs/declare/") => {
                let tenant = &r["/mgmt/shared/appsvcs/declare/".len()..];
                let state = self.lock();
                match state.tenants.get(tenant) {
                    Some(t) => (
                        200,
                        json!({"class": "ADC", "schemaVersion": "3.50.0", "id": "held",
                               "updateMode": "selective",
                               "controls": {"archiveTimestamp": "2026-12-01T10:00:00.000Z"},
                               tenant: t}),
                    ),
                    None => (204, Value::Null),
                }
            }
            ("GET", r) if r.starts_with("/mgmt/shared/appsvcs/task/") => {
                let id = &r["/mgmt/shared/appsvcs/task/".len()..];
                let mut state = self.lock();
                let Some(task) = state.tasks.get_mut(id) else {
                    return error(404, "task not found");
                };
                if task.polls_left > 0 {
                    task.polls_left -= 1;
                    return (
                        200,
                        json!({"id": id, "results": [{"message": "in progress", "code": 0}], "declaration": {}}),
                    );
                }
                (200, task.result.clone())
            }
            ("POST", "/mgmt/shared/appsvcs/declare") => {
                self.declare(body, query.contains("async=true"))
            }
            _ => error(404, "not found"),
        }
    }

    fn declare(&self, request: &mut Value, asynchronous: bool) -> (u16, Value) {
        {
            let mut state = self.lock();
            if state.busy_left > 0 {
                state.busy_left -= 1;
                return error(
                    503,
                    "Configuration operation in progress on device, please try again in 2 minutes",
                );
            }
        }
        let declaration = request.get("declaration").cloned().unwrap_or(Value::Null);
        let dry_run = declaration["controls"]["dryRun"] == json!(true);
        let trace = declaration["controls"]["traceResponse"] == json!(true);
        let existing: Vec<String> = self.behaviour.0["bigip_objects"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_else(|| {
                [
                    "/Common/internal",
                    "/Common/external",
                    "/Common/gateway_icmp",
                    "/Common/icmp",
                ]
                .map(str::to_owned)
                .to_vec()
            });
        let existing: Vec<&str> = existing.iter().map(String::as_str).collect();
        let mut problems = match &self.schema {
            Some(s) => s.problems(request, &existing),
            None => Vec::new(),
        };
        if request["class"] != "AS3" || declaration["class"] != "ADC" {
            problems.push("/: not an AS3 request around an ADC declaration".into());
        }
        let tenants: BTreeMap<String, Value> = declaration
            .as_object()
            .map(|d| {
                d.iter()
                    .filter(|(_, v)| v["class"] == "Tenant")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        {
            let mut state = self.lock();
            let before = state.tenants.clone();
            state.received.push(Received {
                request: request.clone(),
                dry_run,
                before,
                problems: problems.clone(),
            });
        }
        if !problems.is_empty() {
            return (
                422,
                json!({"code": 422, "errors": problems, "declarationFullId": "", "message": "declaration is invalid"}),
            );
        }
        if let Some(errors) = self.behaviour.0.get("reject") {
            return (
                422,
                json!({"code": 422, "errors": errors, "declarationFullId": "", "message": "declaration is invalid"}),
            );
        }
        let mut state = self.lock();
        let mut results = Vec::new();
        let mut traces = Map::new();
        for (name, tenant) in &tenants {
            let current = state.tenants.get(name).cloned().unwrap_or(Value::Null);
            let diff = diff(name, &current, tenant);
            results.push(json!({
                "code": 200,
                "message": if diff.is_empty() { "no change" } else { "success" },
                "lineCount": 27, "host": "localhost", "tenant": name, "runTime": 812,
                "dryRun": dry_run,
            }));
            if trace && self.behaviour.flag("traces", true) {
                traces.insert(format!("{name}Desired"), tenant.clone());
                traces.insert(format!("{name}Current"), current.clone());
                traces.insert(format!("{name}Diff"), Value::Array(diff));
            }
        }
        if dry_run {
            let mut answer = json!({"results": results, "declaration": declaration});
            if !traces.is_empty() {
                answer["traces"] = Value::Object(traces);
            }
            return (200, answer);
        }
        let failure = self.behaviour.0.get("task_fails").cloned();
        let changed = results.iter().any(|r| r["message"] == "success");
        if failure.is_none() {
            for (name, tenant) in tenants {
                state.tenants.insert(name, tenant);
            }
            if changed && request.get("syncToGroup").is_some() {
                state.synced = true;
            }
        }
        let results = match failure {
            Some(f) => vec![f],
            None => results,
        };
        state.serial += 1;
        let id = format!("task-{:04}-{}", state.serial, std::process::id());
        let done = json!({"id": id, "results": results, "declaration": declaration});
        if !asynchronous {
            return (200, done);
        }
        let polls = self.behaviour.num("task_polls").unwrap_or(1) as usize;
        state.tasks.insert(
            id.clone(),
            Task {
                polls_left: polls,
                result: done,
            },
        );
        (
            202,
            json!({"id": id, "results": [{"message": "Declaration successfully submitted", "code": 0}],
                   "declaration": {}, "selfLink": format!("https://localhost/mgmt/shared/appsvcs/task/{id}")}),
        )
    }

    /// A page of a `/mgmt/tm` collection.
    fn collection(&self, rest: &str) -> (u16, Value) {
        let (collection, query) = rest.split_once('?').unwrap_or((rest, ""));
        let param = |k: &str| {
            query
                .split('&')
                .find_map(|p| p.strip_prefix(k)?.strip_prefix('='))
                .and_then(|v| v.parse::<usize>().ok())
        };
        let all = {
            let state = self.lock();
            let mut items = derived(&state.tenants, collection);
            if let Some(extra) = self.behaviour.0["objects"][collection].as_array() {
                items.extend(extra.iter().cloned());
            }
            items
        };
        if ![
            "ltm/virtual",
            "ltm/pool",
            "ltm/virtual-address",
            "ltm/node",
            "net/route",
        ]
        .contains(&collection)
        {
            return error(404, "not found");
        }
        let page_max = self.behaviour.num("page_max").unwrap_or(1000) as usize;
        let top = param("$top").unwrap_or(page_max).min(page_max).max(1);
        let skip = param("$skip").unwrap_or(0);
        let page: Vec<Value> = all.iter().skip(skip).take(top).cloned().collect();
        let mut answer = json!({
            "kind": format!("tm:{}:{}collectionstate", collection.replace('/', ":"), collection.rsplit('/').next().unwrap_or("")),
            "selfLink": format!("https://localhost/mgmt/tm/{collection}?ver=16.1.3"),
            "currentItemCount": page.len(),
            "itemsPerPage": top,
            "pageIndex": skip / top + 1,
            "startIndex": skip + 1,
            "totalItems": all.len(),
            "totalPages": all.len().div_ceil(top),
            "items": page,
        });
        if skip + top < all.len() {
            answer["nextLink"] = json!(format!(
                "https://localhost/mgmt/tm/{collection}?$top={top}&$skip={}&ver=16.1.3",
                skip + top
            ));
        }
        (200, answer)
    }
}

/// AS3's trace diff of one tenant: one entry per object created, deleted or
/// changed (deep-diff kinds `N`, `D`, `E`), with its mcp path and tmsh command.
fn diff(tenant: &str, current: &Value, desired: &Value) -> Vec<Value> {
    let objects = |t: &Value| -> BTreeMap<String, (String, Value)> {
        let mut out = BTreeMap::new();
        for (app, a) in t.as_object().into_iter().flatten() {
            for (name, o) in a.as_object().into_iter().flatten() {
                let command = match o["class"].as_str() {
                    Some("Pool") => "ltm pool",
                    Some("Service_L4" | "Service_Forwarding" | "Service_TCP") => "ltm virtual",
                    _ => continue,
                };
                out.insert(
                    format!("/{tenant}/{app}/{name}"),
                    (command.to_owned(), o.clone()),
                );
            }
        }
        out
    };
    let (before, after) = (objects(current), objects(desired));
    let mut out = Vec::new();
    for (path, (command, o)) in &after {
        match before.get(path) {
            None => out.push(json!({"kind": "N", "path": [path], "rhs": {"command": command, "properties": o}, "tags": ["tmsh"], "command": command, "lhsCommand": "", "rhsCommand": command})),
            Some((_, old)) if old != o => out.push(json!({"kind": "E", "path": [path, "properties", "description"], "lhs": old["remark"], "rhs": o["remark"], "tags": ["tmsh"], "command": command, "lhsCommand": command, "rhsCommand": command})),
            Some(_) => {}
        }
    }
    for (path, (command, o)) in &before {
        if !after.contains_key(path) {
            out.push(json!({"kind": "D", "path": [path], "lhs": {"command": command, "properties": o}, "tags": ["tmsh"], "command": command, "lhsCommand": command, "rhsCommand": ""}));
        }
    }
    out
}

fn mask(len: u8) -> String {
    let bits = if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len))
    };
    std::net::Ipv6Addr::from(bits).to_string()
}

/// The `/mgmt/tm` objects AS3 would have created for the declarations held.
fn derived(tenants: &BTreeMap<String, Value>, collection: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for (tenant, t) in tenants {
        for (app, a) in t.as_object().into_iter().flatten() {
            for (name, o) in a.as_object().into_iter().flatten() {
                let folder = format!("/{tenant}/{app}");
                let base = |kind: &str, n: &str, f: &str| json!({"kind": kind, "name": n, "partition": tenant, "subPath": app, "fullPath": format!("{f}/{n}"), "generation": 1});
                match (o["class"].as_str(), collection) {
                    (Some("Pool"), "ltm/pool") => {
                        let mut p = base("tm:ltm:pool:poolstate", name, &folder);
                        p["description"] = o["remark"].clone();
                        let members: Vec<Value> = o["members"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .flat_map(|m| {
                                let port = m["servicePort"].as_u64().unwrap_or(0);
                                m["serverAddresses"].as_array().cloned().unwrap_or_default().into_iter().map(move |a| {
                                    let a = a.as_str().unwrap_or("").to_owned();
                                    json!({"kind": "tm:ltm:pool:members:membersstate", "name": format!("{a}.{port}"), "partition": "Common", "fullPath": format!("/Common/{a}.{port}"), "address": a})
                                })
                            })
                            .collect();
                        p["membersReference"] = json!({"link": "https://localhost/mgmt/tm/ltm/pool/members", "isSubcollection": true, "items": members});
                        out.push(p);
                    }
                    (Some("Pool"), "ltm/node") => {
                        for m in o["members"].as_array().into_iter().flatten() {
                            for a in m["serverAddresses"].as_array().into_iter().flatten() {
                                let a = a.as_str().unwrap_or("");
                                let mut n = base("tm:ltm:node:nodestate", a, "/Common");
                                n["address"] = json!(a);
                                n["partition"] = json!("Common");
                                out.push(n);
                            }
                        }
                    }
                    (Some("Service_L4"), "ltm/virtual" | "ltm/virtual-address") => {
                        let Some(dest) = o["virtualAddresses"][0].as_str() else {
                            continue;
                        };
                        let (addr, len) = dest.split_once('/').unwrap_or((dest, "128"));
                        let len: u8 = len.parse().unwrap_or(128);
                        if collection == "ltm/virtual-address" {
                            let mut va =
                                base("tm:ltm:virtual-address:virtual-addressstate", addr, &folder);
                            va["address"] = json!(addr);
                            va["mask"] = json!(mask(len));
                            va["arp"] = json!("enabled");
                            out.push(va);
                            continue;
                        }
                        let mut v = base("tm:ltm:virtual:virtualstate", name, &folder);
                        v["description"] = o["remark"].clone();
                        v["destination"] = json!(format!(
                            "{folder}/{addr}.{}",
                            o["virtualPort"].as_u64().unwrap_or(0)
                        ));
                        v["mask"] = json!(mask(len));
                        v["ipProtocol"] = json!("any");
                        v["enabled"] = json!(true);
                        if let Some(pool) = o["pool"].as_str() {
                            v["pool"] = json!(format!("{folder}/{pool}"));
                        }
                        v["translateAddress"] =
                            json!(if o["translateServerAddress"] == json!(false) {
                                "disabled"
                            } else {
                                "enabled"
                            });
                        v["translatePort"] = json!(if o["translateServerPort"] == json!(false) {
                            "disabled"
                        } else {
                            "enabled"
                        });
                        v["sourceAddressTranslation"] =
                            json!({"type": if o["snat"] == "none" { "none" } else { "automap" }});
                        let vlans: Vec<Value> = o["allowVlans"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|x| x["bigip"].as_str().map(|s| json!(s)))
                            .collect();
                        if vlans.is_empty() {
                            v["vlansDisabled"] = json!(true);
                        } else {
                            v["vlans"] = Value::Array(vlans);
                            v["vlansEnabled"] = json!(true);
                        }
                        let profile = if o["profileL4"] == "basic" || o["profileL4"].is_null() {
                            "/Common/fastL4"
                        } else {
                            "/Common/tcp"
                        };
                        v["profilesReference"] = json!({"link": "https://localhost/mgmt/tm/ltm/virtual/profiles", "isSubcollection": true,
                            "items": [{"kind": "tm:ltm:virtual:profiles:profilesstate", "name": profile.rsplit('/').next(), "partition": "Common", "fullPath": profile, "context": "all"}]});
                        out.push(v);
                    }
                    _ => {}
                }
            }
        }
    }
    out
}
