//! Deploy a manageout farm to a BIG-IP and audit the running box, over iControl
//! REST. The only network code of manageout: `manageout` (core) renders and
//! audits text and data; this crate carries them to and from the box.
//!
//! - [`Session`]: `https://HOST[:PORT]` ([`Target`]), TLS verified against the
//!   system roots or a CA file (rustls with the ring provider), token
//!   authentication (`POST /mgmt/shared/authn/login`, the token deleted at the
//!   end), connect and read timeouts, 503 "busy" retried with backoff for a
//!   bounded time, no proxy and no redirect (the password goes to the BIG-IP only).
//! - [`deploy::prepare`] reads the tenant's declaration, replaces only
//!   manageout's application (in `/Common`: only manageout's objects of `Shared`,
//!   by their `remark`), dry-runs it and lists the changes object by object;
//!   [`deploy::Prepared::apply`] posts it with `?async=true` and polls the task.
//! - [`audit::audit`] reads `ltm virtual`, `ltm pool`, `ltm virtual-address`,
//!   `ltm node` and `net route` page by page and runs every rule of the file audit.
//!
//! ```no_run
//! use manageout_bigip::{Password, Session, Settings, Target, deploy};
//! let farm = manageout::Farm::from_file("farm.toml")?.into_valid_farm()?;
//! let target = Target::parse("https://bigip.example")?;
//! let password = Password::new(std::env::var("MANAGEOUT_BIGIP_PASSWORD")?);
//! let mut session = Session::login(&target, password, &Settings::default())?;
//! let prepared = deploy::prepare(&mut session, &farm)?;
//! for change in prepared.plan() {
//!     println!("{} {}", change.action.as_str(), change.path);
//! }
//! let applied = prepared.apply(&mut session, &mut |line| eprintln!("{line}"))?;
//! println!("{}", deploy::report_json(&[], Some(&applied)));
//! session.logout();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

pub mod audit;
mod client;
pub mod deploy;
mod error;

pub use client::{MAX_ANSWER, Password, Session, Settings, Target, Trust};
pub use error::Error;
