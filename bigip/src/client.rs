//! The iControl REST session: an `https://HOST[:PORT]` address, TLS verified
//! against the system roots or a CA file, token authentication, bounded waits
//! and answers, and retries while the box says it is busy (503).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use zeroize::Zeroizing;

use crate::Error;

/// The largest answer read from the BIG-IP: 32 MiB (a page of a collection, a
/// declaration).
pub const MAX_ANSWER: u64 = 32 * 1024 * 1024;

/// A BIG-IP's management address: `https://HOST[:PORT]`, nothing else.
///
/// ```
/// let t = manageout_bigip::Target::parse("https://bigip.example:8443/")?;
/// assert_eq!(t.base(), "https://bigip.example:8443");
/// assert!(manageout_bigip::Target::parse("http://bigip").is_err());
/// assert!(manageout_bigip::Target::parse("https://admin:pw@bigip").is_err());
/// # Ok::<(), manageout_bigip::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    base: String,
    authority: String,
}

impl Target {
    /// Reads `https://HOST`, `https://HOST:PORT` (a trailing `/` allowed); HOST a
    /// DNS name, an IPv4 address or a bracketed IPv6 address.
    pub fn parse(url: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::Url {
            url: url.escape_debug().to_string(),
            reason: reason.to_owned(),
        };
        let rest = url
            .strip_prefix("https://")
            .ok_or_else(|| bad("only https:// is allowed (the password travels in it)"))?;
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() {
            return Err(bad("it has no host"));
        }
        if authority.contains(['/', '?', '#']) {
            return Err(bad("it has a path or query; give the address only"));
        }
        if authority.contains('@') {
            return Err(bad(
                "it holds credentials; use --user and MANAGEOUT_BIGIP_PASSWORD",
            ));
        }
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (addr, after) = v6
                    .split_once(']')
                    .ok_or_else(|| bad("an IPv6 address must be closed by `]`"))?;
                addr.parse::<std::net::Ipv6Addr>()
                    .map_err(|_| bad("the bracketed host is not an IPv6 address"))?;
                (format!("[{addr}]"), after.strip_prefix(':'))
            }
            None => match authority.split_once(':') {
                Some((h, p)) => (h.to_owned(), Some(p)),
                None => (authority.to_owned(), None),
            },
        };
        let host_ok = host.starts_with('[')
            || (!host.is_empty()
                && host.len() <= 253
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'));
        if !host_ok {
            return Err(bad("the host is not a DNS name or an IP address"));
        }
        let authority = match port {
            Some(p) => {
                let port: u16 = p
                    .parse()
                    .ok()
                    .filter(|&p| p > 0)
                    .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?;
                format!("{host}:{port}")
            }
            None => host,
        };
        Ok(Self {
            base: format!("https://{authority}"),
            authority,
        })
    }

    /// `https://HOST[:PORT]`, the prefix of every request (and of the URLs that
    /// name objects in findings).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `HOST[:PORT]`, for messages.
    pub fn authority(&self) -> &str {
        &self.authority
    }
}

/// Whom the TLS certificate of the BIG-IP must be signed by.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Trust {
    /// The system's root certificates.
    #[default]
    System,
    /// The certificates of a PEM file (the BIG-IP's own, or its CA).
    CaFile(PathBuf),
    /// No verification at all (`--insecure`): anyone on the path can read the
    /// password. Warned on every run.
    Insecure,
}

/// How to talk to the BIG-IP: user, trust, and every bound on waiting.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Settings {
    /// The user name (default `admin`).
    pub user: String,
    /// Whom to trust.
    pub trust: Trust,
    /// The login provider (default `tmos`; `radius`, `tacacs`... for remote users).
    pub login_provider: String,
    /// Connecting (TCP and TLS): default 10 s.
    pub connect_timeout: Duration,
    /// Waiting for one answer: default 60 s (AS3 dry runs of large tenants are slow).
    pub read_timeout: Duration,
    /// How long to keep retrying while the BIG-IP answers 503 (busy): default 120 s.
    pub busy_for: Duration,
    /// The first pause between retries (doubled each time, at most 10 s): default 1 s.
    pub retry_pause: Duration,
    /// How long an AS3 task may run: default 10 min.
    pub task_timeout: Duration,
    /// Pause between polls of a task: default 1 s.
    pub poll_interval: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            user: "admin".to_owned(),
            trust: Trust::System,
            login_provider: "tmos".to_owned(),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            busy_for: Duration::from_secs(120),
            retry_pause: Duration::from_secs(1),
            task_timeout: Duration::from_secs(600),
            poll_interval: Duration::from_secs(1),
        }
    }
}

/// The BIG-IP password: wiped from memory when dropped, never shown by `Debug`.
///
/// ```
/// let p = manageout_bigip::Password::new("s3cret".to_owned());
/// assert_eq!(format!("{p:?}"), "Password(***)");
/// ```
pub struct Password(Zeroizing<String>);

impl Password {
    /// Takes ownership of the password (the caller's copy moves in).
    pub fn new(password: String) -> Self {
        Self(Zeroizing::new(password))
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// An answer: the status and the body (JSON; `Null` when empty).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

/// A logged-in iControl REST session. The token is deleted on the BIG-IP when the
/// session ends ([`Session::logout`], or drop); the password is kept only to log
/// in again when the token expires, and wiped with the session.
pub struct Session {
    agent: ureq::Agent,
    target: Target,
    settings: Settings,
    password: Password,
    token: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("target", &self.target)
            .field("user", &self.settings.user)
            .finish_non_exhaustive()
    }
}

fn roots(trust: &Trust) -> Result<Option<RootCerts>, Error> {
    let certs: Vec<Certificate<'static>> = match trust {
        Trust::Insecure => return Ok(None),
        Trust::System => {
            let found = rustls_native_certs::load_native_certs();
            found
                .certs
                .iter()
                .map(|c| Certificate::from_der(c.as_ref()).to_owned())
                .collect()
        }
        Trust::CaFile(path) => {
            let local = |reason: String| Error::LocalFile {
                path: path.display().to_string(),
                reason,
            };
            let meta = std::fs::metadata(path).map_err(|e| local(e.to_string()))?;
            if !meta.is_file() || meta.len() > 4 * 1024 * 1024 {
                return Err(local(
                    "not a regular file of at most 4 MiB; give a PEM file of certificates".into(),
                ));
            }
            let pem = std::fs::read(path).map_err(|e| local(e.to_string()))?;
            let mut certs = Vec::new();
            for item in ureq::tls::parse_pem(&pem) {
                if let PemItem::Certificate(c) = item.map_err(|e| local(format!("not PEM: {e}")))? {
                    certs.push(c);
                }
            }
            if certs.is_empty() {
                return Err(local(
                    "holds no certificate (`-----BEGIN CERTIFICATE-----`)".into(),
                ));
            }
            certs
        }
    };
    Ok(Some(RootCerts::Specific(Arc::new(certs))))
}

fn agent(settings: &Settings) -> Result<ureq::Agent, Error> {
    let tls = match roots(&settings.trust)? {
        Some(roots) => TlsConfig::builder().root_certs(roots).build(),
        None => TlsConfig::builder().disable_verification(true).build(),
    };
    let config = ureq::Agent::config_builder()
        .tls_config(tls)
        // the password and token go to the BIG-IP only: no proxy, no redirect
        .proxy(None)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .http_status_as_error(false)
        .user_agent(concat!("manageout/", env!("CARGO_PKG_VERSION")))
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_send_request(Some(settings.read_timeout))
        .timeout_send_body(Some(settings.read_timeout))
        .timeout_recv_response(Some(settings.read_timeout))
        .timeout_recv_body(Some(settings.read_timeout))
        .build();
    Ok(config.into())
}

/// Whether an I/O error is (or wraps) a TLS failure.
fn tls_reason(e: &ureq::Error) -> Option<String> {
    match e {
        ureq::Error::Rustls(r) => Some(r.to_string()),
        ureq::Error::Tls(r) => Some((*r).to_owned()),
        ureq::Error::Pem(r) => Some(format!("{r:?}")),
        ureq::Error::Io(io) => {
            let inner = io.get_ref()?;
            let text = inner.to_string();
            let tlsish = text.contains("certificate")
                || text.contains("handshake")
                || text.contains("TLS")
                || text.contains("alert")
                || text.contains("received corrupt message");
            tlsish.then_some(text)
        }
        _ => None,
    }
}

impl Session {
    /// Logs in (`POST /mgmt/shared/authn/login`) and asks for a token that lasts
    /// the session.
    pub fn login(target: &Target, password: Password, settings: &Settings) -> Result<Self, Error> {
        let mut session = Self {
            agent: agent(settings)?,
            target: target.clone(),
            settings: settings.clone(),
            password,
            token: None,
        };
        session.authenticate()?;
        Ok(session)
    }

    /// The BIG-IP's address.
    pub fn target(&self) -> &Target {
        &self.target
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.settings
    }

    fn authenticate(&mut self) -> Result<(), Error> {
        let body = Zeroizing::new(
            json!({
                "username": self.settings.user,
                "password": self.password.0.as_str(),
                "loginProviderName": self.settings.login_provider,
            })
            .to_string(),
        );
        let reply = self.send("POST", "/mgmt/shared/authn/login", Some(&body), false)?;
        match reply.status {
            200 => {}
            401 | 403 => {
                return Err(Error::Auth {
                    user: self.settings.user.escape_debug().to_string(),
                    status: reply.status,
                });
            }
            s => return Err(Error::status("the login", s, &reply.body)),
        }
        let token = reply.body["token"]["token"]
            .as_str()
            // it goes into URL paths and headers: letters, digits, `-` and `_` only
            .filter(|t| {
                !t.is_empty()
                    && t.len() <= 256
                    && t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
            .ok_or_else(|| Error::Protocol {
                what: "the login".into(),
                reason: "no usable `token.token` in the answer".into(),
            })?;
        self.token = Some(Zeroizing::new(token.to_owned()));
        // a token lasts 20 minutes by default; ask for an hour (a refusal is harmless:
        // an expired token is renewed by logging in again)
        let path = format!("/mgmt/shared/authz/tokens/{token}");
        let _ = self.send("PATCH", &path, Some(r#"{"timeout":3600}"#), true);
        Ok(())
    }

    /// One request, retried while the box is busy (503) for at most
    /// [`Settings::busy_for`].
    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        with_token: bool,
    ) -> Result<Reply, Error> {
        let url = format!("{}{path}", self.target.base);
        let started = std::time::Instant::now();
        let mut pause = self.settings.retry_pause;
        loop {
            let reply = self.once(method, &url, path, body, with_token)?;
            if reply.status != 503 {
                return Ok(reply);
            }
            if started.elapsed() + pause > self.settings.busy_for {
                return Err(Error::Timeout {
                    what: format!(
                        "{method} {path}: the BIG-IP stayed busy (503, configuration operation in progress) for {} s",
                        self.settings.busy_for.as_secs()
                    ),
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_secs(10));
        }
    }

    fn once(
        &self,
        method: &str,
        url: &str,
        path: &str,
        body: Option<&str>,
        with_token: bool,
    ) -> Result<Reply, Error> {
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(url)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json");
        if with_token && let Some(t) = &self.token {
            request = request.header("X-F5-Auth-Token", t.as_str());
        }
        let request = request
            .body(body.unwrap_or("").to_owned())
            .map_err(|e| Error::Protocol {
                what: format!("{method} {path}"),
                reason: e.to_string(),
            })?;
        let response = self
            .agent
            .run(request)
            .map_err(|e| self.transport(&e, method, path))?;
        let status = response.status().as_u16();
        let text = response
            .into_body()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_string()
            .map_err(|e| self.transport(&e, method, path))?;
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        Ok(Reply { status, body })
    }

    fn transport(&self, e: &ureq::Error, method: &str, path: &str) -> Error {
        let host = self.target.authority.clone();
        if let Some(reason) = tls_reason(e) {
            return Error::Tls { host, reason };
        }
        match e {
            ureq::Error::Timeout(t) => Error::Timeout {
                what: format!("{method} {path} ({t})"),
            },
            ureq::Error::BodyExceedsLimit(n) => Error::Protocol {
                what: format!("{method} {path}"),
                reason: format!("the answer is larger than {n} bytes"),
            },
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => Error::Timeout {
                what: format!("{method} {path}"),
            },
            _ => Error::Connect {
                host,
                reason: e.to_string(),
            },
        }
    }

    /// A request with the token; a 401 (the token expired) logs in again once.
    pub(crate) fn request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, Error> {
        let text = body.map(Value::to_string);
        let reply = self.send(method, path, text.as_deref(), true)?;
        if reply.status != 401 {
            return Ok(reply);
        }
        self.authenticate()?;
        let reply = self.send(method, path, text.as_deref(), true)?;
        if reply.status == 401 {
            return Err(Error::Auth {
                user: self.settings.user.escape_debug().to_string(),
                status: 401,
            });
        }
        Ok(reply)
    }

    /// `GET` with the token.
    pub(crate) fn get(&mut self, path: &str) -> Result<Reply, Error> {
        self.request("GET", path, None)
    }

    /// `POST` with the token.
    pub(crate) fn post(&mut self, path: &str, body: &Value) -> Result<Reply, Error> {
        self.request("POST", path, Some(body))
    }

    /// Deletes the token on the BIG-IP and wipes it and the password.
    pub fn logout(mut self) {
        self.end();
    }

    fn end(&mut self) {
        if let Some(token) = &self.token {
            let path = format!("/mgmt/shared/authz/tokens/{}", token.as_str());
            let url = format!("{}{path}", self.target.base);
            let _ = self.once("DELETE", &url, &path, None, true);
        }
        self.token = None;
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.end();
    }
}
