//! What can go wrong talking to a BIG-IP, each with what to do about it and the
//! exit code (DESIGN §7) the command line maps it to.

/// A failure of `deploy` or of a live audit.
///
/// ```
/// let e = manageout_bigip::Error::As3Missing;
/// assert_eq!((e.code(), e.exit_code()), ("as3-missing", 3));
/// assert!(e.to_string().contains("install"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The `--bigip` argument is not `https://HOST[:PORT]`.
    #[error("`{url}` is not a BIG-IP address: {reason}; give https://HOST or https://HOST:PORT")]
    Url {
        /// The argument, escaped.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A local file (the CA bundle) cannot be used.
    #[error("{path}: {reason}")]
    LocalFile {
        /// The file.
        path: String,
        /// Why not.
        reason: String,
    },
    /// No password: neither `MANAGEOUT_BIGIP_PASSWORD` nor a terminal to ask on.
    #[error(
        "no BIG-IP password: set MANAGEOUT_BIGIP_PASSWORD, or run on a terminal to be asked for it"
    )]
    NoPassword,
    /// The connection could not be made (name, refused, reset).
    #[error(
        "cannot reach {host}: {reason}; check the address, the port and that the management interface is reachable from here"
    )]
    Connect {
        /// `HOST:PORT`.
        host: String,
        /// What the system said.
        reason: String,
    },
    /// The TLS handshake failed (certificate not trusted, wrong name...).
    #[error(
        "TLS with {host} failed: {reason}; give the BIG-IP's CA with --ca-file PEM (or, knowingly, --insecure)"
    )]
    Tls {
        /// `HOST:PORT`.
        host: String,
        /// What rustls said.
        reason: String,
    },
    /// The BIG-IP refused the credentials or the token.
    #[error(
        "the BIG-IP refused the login of `{user}` ({status}): check the user name and password, and that the user has the Administrator role (or Manager of the partition)"
    )]
    Auth {
        /// The user.
        user: String,
        /// The HTTP status.
        status: u16,
    },
    /// AS3 is not installed.
    #[error(
        "AS3 is not installed on the BIG-IP (404 on /mgmt/shared/appsvcs/info): install the f5-appsvcs RPM (iApps > Package Management LX > Import), then run deploy again"
    )]
    As3Missing,
    /// The BIG-IP did not answer in time (a read, a busy box, a task).
    #[error("timed out: {what}; the BIG-IP may be busy, try again later (or raise the timeout)")]
    Timeout {
        /// What took too long.
        what: String,
    },
    /// AS3 rejected the declaration (422, or a task result 422).
    #[error("the BIG-IP rejected the declaration: {}", summary(.problems))]
    Rejected {
        /// Each problem AS3 listed, mapped back to the farm where possible
        /// (`server DA1, prefix 2131:0:0:1000::/59: ...`).
        problems: Vec<String>,
        /// AS3's answer, as data.
        response: serde_json::Value,
    },
    /// The deploy task failed: the box holds whatever AS3 left.
    #[error(
        "the AS3 task failed ({message}): the BIG-IP holds what AS3 left (AS3 rolls a tenant back when it can); look at /mgmt/shared/appsvcs/task/{task} and the BIG-IP's restnoded log"
    )]
    TaskFailed {
        /// The task id.
        task: String,
        /// AS3's message.
        message: String,
        /// AS3's results, as data.
        results: serde_json::Value,
    },
    /// The tenant holds an object manageout would overwrite but did not create.
    #[error("{0}")]
    Conflict(String),
    /// The farm cannot be deployed (it has errors, or cannot be written as AS3).
    #[error("{0}")]
    Farm(String),
    /// The answer was not what iControl REST or AS3 documents.
    #[error("unexpected answer from {what}: {reason}")]
    Protocol {
        /// The request.
        what: String,
        /// What was wrong with the answer.
        reason: String,
    },
}

fn summary(problems: &[String]) -> String {
    match problems {
        [] => "no reason given".to_owned(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
    }
}

impl Error {
    /// An answer with an unexpected HTTP status: `HTTP 500: <AS3's message>` (the
    /// message cut to 300 characters and escaped).
    pub(crate) fn status(what: &str, status: u16, body: &serde_json::Value) -> Self {
        let message = body["message"].as_str().unwrap_or("");
        let message: String = message.chars().take(300).collect();
        Self::Protocol {
            what: what.to_owned(),
            reason: if message.is_empty() {
                format!("HTTP {status}")
            } else {
                format!("HTTP {status}: {}", message.escape_debug())
            },
        }
    }

    /// A stable code for the bindings' typed errors: `url`, `local-file`,
    /// `no-password`, `connect`, `tls`, `auth`, `as3-missing`, `timeout`,
    /// `rejected`, `task-failed`, `conflict`, `farm`, `protocol`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Url { .. } => "url",
            Self::LocalFile { .. } => "local-file",
            Self::NoPassword => "no-password",
            Self::Connect { .. } => "connect",
            Self::Tls { .. } => "tls",
            Self::Auth { .. } => "auth",
            Self::As3Missing => "as3-missing",
            Self::Timeout { .. } => "timeout",
            Self::Rejected { .. } => "rejected",
            Self::TaskFailed { .. } => "task-failed",
            Self::Conflict(_) => "conflict",
            Self::Farm(_) => "farm",
            Self::Protocol { .. } => "protocol",
        }
    }

    /// The exit code (DESIGN §7): 1 the farm has errors or the BIG-IP rejected
    /// the declaration (or it would overwrite another's object), 2 usage or local
    /// files, 3 the remote side failed.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Rejected { .. } | Self::Conflict(_) | Self::Farm(_) => 1,
            Self::Url { .. } | Self::LocalFile { .. } | Self::NoPassword => 2,
            Self::Connect { .. }
            | Self::Tls { .. }
            | Self::Auth { .. }
            | Self::As3Missing
            | Self::Timeout { .. }
            | Self::TaskFailed { .. }
            | Self::Protocol { .. } => 3,
        }
    }
}
