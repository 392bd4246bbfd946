//! Node.js bindings (`manageout` on npm, built with napi-rs): conversion and error
//! mapping only; every rule and lookup lives in the core crate.
//!
//! Errors thrown to JavaScript carry a stable `code` (listed by the private `Code`); an invalid farm
//! throws an `Error` whose `code` is `MO_INVALID_FARM` and whose `diagnostics` hold
//! every finding. No Rust panic crosses into Node: napi-rs catches them at each export
//! and this crate does not index or unwrap on input it did not check.
// hand-written unsafe only in `fast` (the per-address hot path, measured); `deny`
// rather than `forbid` so that module and napi's generated glue can allow it
#![deny(unsafe_code)]
#![deny(clippy::all)]

mod fast;

use std::net::Ipv6Addr;
use std::sync::Arc;

use ipnet::Ipv6Net;
use manageout::render::{Options, Target};
use manageout::{Diagnostic as CoreDiagnostic, FarmReport, PrefixMap as CorePrefixMap};
use napi::bindgen_prelude::*;
use napi::{Env, ValueType};
use napi_derive::napi;

/// The stable `code` of every error this module throws.
#[derive(Clone, Copy)]
enum Code {
    /// TypeError: an address is neither an IPv6 string nor 16 bytes.
    InvalidAddress,
    /// TypeError: a prefix is not `address/length`, or has host bits set.
    InvalidPrefix,
    /// RangeError: a PrefixMap value outside 0..2**31-1, or too many prefixes.
    InvalidValue,
    /// RangeError: a packed address buffer whose length is not a multiple of 16.
    InvalidLength,
    /// TypeError: an unknown render target, or netsh without an interface.
    InvalidTarget,
    /// Error: the farm has error diagnostics (`.diagnostics` lists them).
    InvalidFarm,
    /// Error: a file could not be read.
    Io,
    /// Error: PowerShell output that is not Get-DAServer / Get-RemoteAccess output.
    Import,
}

impl Code {
    fn as_str(self) -> &'static str {
        match self {
            Self::InvalidAddress => "MO_INVALID_ADDRESS",
            Self::InvalidPrefix => "MO_INVALID_PREFIX",
            Self::InvalidValue => "MO_INVALID_VALUE",
            Self::InvalidLength => "MO_INVALID_LENGTH",
            Self::InvalidTarget => "MO_INVALID_TARGET",
            Self::InvalidFarm => "MO_INVALID_FARM",
            Self::Io => "MO_IO",
            Self::Import => "MO_IMPORT",
        }
    }
}

/// An error to throw: its JS class follows from the code.
struct Fail {
    code: Code,
    message: String,
}

impl Fail {
    fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Throws the error into `env` and returns the napi error that says so.
    fn throw(self, env: &Env) -> Error {
        let code = Some(self.code.as_str());
        // messages quote user input with `{:?}`, so they hold no NUL byte
        let thrown = match self.code {
            Code::InvalidAddress | Code::InvalidPrefix | Code::InvalidTarget => {
                env.throw_type_error(&self.message, code)
            }
            Code::InvalidValue | Code::InvalidLength => env.throw_range_error(&self.message, code),
            Code::InvalidFarm | Code::Io | Code::Import => env.throw_error(&self.message, code),
        };
        match thrown {
            Ok(()) => Error::new(Status::PendingException, self.message),
            Err(e) => e,
        }
    }
}

type Checked<T> = std::result::Result<T, Fail>;

/// The address bits of a JS string or 16-byte Uint8Array/Buffer.
fn address_bits(value: Unknown<'_>) -> Checked<u128> {
    let bad_type = |t: &str| {
        Fail::new(
            Code::InvalidAddress,
            format!("expected an IPv6 address as a string or a 16-byte Buffer/Uint8Array, not {t}"),
        )
    };
    match value.get_type() {
        Ok(ValueType::String) => {
            let text = String::from_unknown(value).map_err(|_| bad_type("a string"))?;
            manageout::net::parse_ipv6(text.trim()).ok_or_else(|| {
                Fail::new(
                    Code::InvalidAddress,
                    format!("{text:?} is not an IPv6 address"),
                )
            })
        }
        Ok(ValueType::Object) => {
            let bytes = <&[u8]>::from_unknown(value).map_err(|_| bad_type("this object"))?;
            let array: [u8; 16] = bytes.try_into().map_err(|_| {
                Fail::new(
                    Code::InvalidAddress,
                    format!(
                        "an address as bytes must be 16 bytes long, not {}",
                        bytes.len()
                    ),
                )
            })?;
            Ok(u128::from_be_bytes(array))
        }
        Ok(t) => Err(bad_type(&format!("{t}").to_lowercase())),
        Err(_) => Err(bad_type("an unreadable value")),
    }
}

/// Packed 16-byte addresses, checked for length.
fn packed(bytes: &[u8]) -> Checked<&[[u8; 16]]> {
    match bytes.as_chunks::<16>() {
        (keys, []) => Ok(keys),
        _ => Err(Fail::new(
            Code::InvalidLength,
            format!(
                "a packed address buffer must be a multiple of 16 bytes long, not {}",
                bytes.len()
            ),
        )),
    }
}

/// `Int32Array` answers for packed 16-byte addresses, filled by a core batch lookup
/// (`batch(keys, out)`, whose slices have the same length).
fn lookup_packed(
    env: &Env,
    addresses: &[u8],
    batch: impl FnOnce(&[[u8; 16]], &mut [i32]) -> std::result::Result<(), manageout::Error>,
) -> Result<Int32Array> {
    let keys = packed(addresses).map_err(|f| f.throw(env))?;
    let mut out = vec![-1i32; keys.len()];
    batch(keys, &mut out).map_err(|e| Fail::new(Code::InvalidLength, e.to_string()).throw(env))?;
    Ok(Int32Array::new(out))
}

/// One finding about a farm.
#[napi(object)]
pub struct Diagnostic {
    /// `"error"` or `"warning"`.
    #[napi(ts_type = "'error' | 'warning'")]
    pub severity: String,
    /// Stable rule code, e.g. `MO012`.
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// The server it concerns, by name.
    pub server: Option<String>,
    /// The field it concerns, e.g. `client_prefix`.
    pub field: Option<String>,
    /// The farm file.
    pub file: Option<String>,
    /// 1-based line in the farm file.
    pub line: Option<u32>,
    /// 1-based column in the farm file.
    pub column: Option<u32>,
    /// How to fix it.
    pub help: Option<String>,
    /// The diagnostic rendered like a compiler message (no colour).
    pub rendered: String,
}

fn diagnostic(d: &CoreDiagnostic, source: Option<&str>) -> Diagnostic {
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Diagnostic {
        severity: d.severity.as_str().to_owned(),
        code: d.code.as_str().to_owned(),
        message: d.message.clone(),
        server: d.server.clone(),
        field: d.field.clone(),
        file: d.location.as_ref().map(|l| l.file.clone()),
        line: d.location.as_ref().map(|l| clamp(l.line)),
        column: d.location.as_ref().map(|l| clamp(l.column)),
        help: d.help.clone(),
        rendered: d.render(source),
    }
}

/// A DirectAccess farm read from a file, text or object, with its diagnostics.
#[napi]
pub struct Farm {
    report: FarmReport,
}

impl Farm {
    fn source(&self) -> Option<&str> {
        self.report.source.as_ref().map(|s| s.text.as_str())
    }

    fn diagnostics(&self) -> Vec<Diagnostic> {
        let source = self.source();
        self.report
            .diagnostics
            .iter()
            .map(|d| diagnostic(d, source))
            .collect()
    }

    /// Throws `Error { code: 'MO_INVALID_FARM', diagnostics }`.
    fn invalid(&self, env: &Env) -> Error {
        let message = manageout::Error::invalid_farm_message(&self.report.diagnostics);
        let build = || -> Result<Object<'_>> {
            let mut error =
                env.create_error(Error::new(Status::GenericFailure, message.clone()))?;
            error.set_named_property("code", Code::InvalidFarm.as_str())?;
            error.set_named_property("diagnostics", self.diagnostics())?;
            Ok(error)
        };
        match build().and_then(|error| env.throw(error)) {
            Ok(()) => Error::new(Status::PendingException, message),
            Err(e) => e,
        }
    }

    fn audit_report(
        &self,
        env: &Env,
        config: String,
        name: Option<String>,
    ) -> Result<(manageout::audit::AuditReport, manageout::Source)> {
        let farm = self.valid_farm(env)?;
        let source = manageout::Source {
            name: name.unwrap_or_else(|| "bigip.conf".to_owned()),
            text: config,
        };
        Ok((
            manageout::audit::audit(farm, std::slice::from_ref(&source)),
            source,
        ))
    }

    fn valid_farm(&self, env: &Env) -> Result<&manageout::Farm> {
        match &self.report.farm {
            Some(f) if !self.report.has_errors() => Ok(f),
            _ => Err(self.invalid(env)),
        }
    }
}

/// Options of `Farm.render`.
#[napi(object)]
#[derive(Default)]
pub struct RenderOptions {
    /// The router interface that leads to the DA servers (required by netsh).
    pub interface: Option<String>,
}

#[napi]
impl Farm {
    /// Reads and checks a farm file (TOML, or JSON by extension or content).
    /// Throws `MO_IO` when the file cannot be read; problems in the farm are
    /// diagnostics, not exceptions.
    #[napi(factory)]
    pub fn from_file(env: Env, path: String) -> Result<Self> {
        manageout::Farm::from_file(&path)
            .map(|report| Self { report })
            .map_err(|e| Fail::new(Code::Io, e.to_string()).throw(&env))
    }

    /// Checks farm text in TOML; `name` is the file name used in diagnostics.
    #[napi(factory)]
    pub fn from_toml(text: String, name: Option<String>) -> Self {
        Self {
            report: manageout::Farm::from_toml_str(&text, name.as_deref().unwrap_or("<string>")),
        }
    }

    /// Checks farm text in JSON; `name` is the file name used in diagnostics.
    #[napi(factory)]
    pub fn from_json(text: String, name: Option<String>) -> Self {
        Self {
            report: manageout::Farm::from_json_str(&text, name.as_deref().unwrap_or("<string>")),
        }
    }

    /// Checks a farm given as a plain object of the farm file's shape; its
    /// diagnostics carry no line numbers.
    #[napi(factory, ts_args_type = "farm: FarmObject")]
    pub fn from_object(farm: serde_json::Value) -> Self {
        Self {
            report: manageout::Farm::from_json_value(&farm),
        }
    }

    /// Every diagnostic (errors and warnings), in file order.
    #[napi]
    pub fn check(&self) -> Vec<Diagnostic> {
        self.diagnostics()
    }

    /// True when no diagnostic is an error.
    #[napi(getter)]
    pub fn is_valid(&self) -> bool {
        self.report.farm.is_some() && !self.report.has_errors()
    }

    /// The servers' names, in file order (empty when values could not be read).
    #[napi(getter)]
    pub fn server_names(&self) -> Vec<String> {
        self.report
            .farm
            .as_ref()
            .map(|f| f.servers.iter().map(|s| s.name.clone()).collect())
            .unwrap_or_default()
    }

    /// The lookup table. Throws an `Error` with `code` `MO_INVALID_FARM` and
    /// `diagnostics` when the farm has errors.
    #[napi(ts_return_type = "Table")]
    pub fn table<'env>(&self, env: &'env Env) -> Result<ClassInstance<'env, Table>> {
        let farm = self.valid_farm(env)?;
        let table = manageout::Table::new(farm).map_err(|_| self.invalid(env))?;
        Table::create(env, table)
    }

    /// The configuration for one target: `tmsh`, `bigip-conf`, `tmsh-remove`,
    /// `as3`, `linux` or `netsh` (netsh needs `options.interface`).
    #[napi(ts_args_type = "target: RenderTarget, options?: RenderOptions")]
    pub fn render(
        &self,
        env: Env,
        target: String,
        options: Option<RenderOptions>,
    ) -> Result<String> {
        let farm = self.valid_farm(&env)?;
        let target: Target = target.parse().map_err(|e: manageout::Error| {
            Fail::new(Code::InvalidTarget, e.to_string()).throw(&env)
        })?;
        let options = Options {
            interface: options.unwrap_or_default().interface,
        };
        manageout::render::render(farm, target, &options)
            .map(|r| r.text)
            .map_err(|e| Fail::new(Code::InvalidTarget, e.to_string()).throw(&env))
    }

    /// Audits BIG-IP configuration text (bigip.conf or `tmsh list` output) against
    /// the farm: diagnostics MO100-MO113 with their line in the text, which
    /// `name` (default `bigip.conf`) names. Throws `MO_INVALID_FARM` when the
    /// farm has errors.
    #[napi]
    pub fn audit(&self, env: Env, config: String, name: Option<String>) -> Result<Vec<Diagnostic>> {
        let (report, source) = self.audit_report(&env, config, name)?;
        Ok(report
            .diagnostics
            .iter()
            .map(|d| {
                let located = d.location.as_ref().is_some_and(|l| l.file == source.name);
                diagnostic(d, located.then_some(source.text.as_str()))
            })
            .collect())
    }

    /// The tmsh commands that fix what `audit` finds (`""` when nothing is wrong).
    #[napi]
    pub fn audit_fix(&self, env: Env, config: String, name: Option<String>) -> Result<String> {
        let farm = self.valid_farm(&env)?;
        Ok(self.audit_report(&env, config, name)?.0.fix(farm))
    }

    /// The AS3 declaration as an object (what `render('as3')` prints).
    #[napi(ts_return_type = "Record<string, unknown>")]
    pub fn as3(&self, env: Env) -> Result<serde_json::Value> {
        let farm = self.valid_farm(&env)?;
        manageout::render::as3(farm)
            .map_err(|e| Fail::new(Code::InvalidTarget, e.to_string()).throw(&env))
    }
}

/// One DA server of a table.
#[napi(object)]
#[derive(Clone)]
pub struct Server {
    /// Position in `table.servers`; what `lookupMany` returns.
    pub index: u32,
    /// The server's name.
    pub name: String,
    /// Its corporate-facing IPv6 address (the pool member).
    pub address: String,
    /// Its IP-HTTPS client prefix.
    pub client_prefix: String,
    /// Its entry point, in a multisite farm.
    pub entry_point: Option<String>,
    /// Its VPN client prefix, when routed.
    pub vpn_prefix: Option<String>,
    /// Its Teredo prefix, when Teredo is enabled.
    pub teredo_prefix: Option<String>,
}

/// A validated farm's lookup table.
#[napi]
pub struct Table {
    table: Arc<manageout::Table>,
}

/// The non-enumerable property of a Table instance holding its frozen array of
/// frozen Server objects: `lookup` hands out these objects instead of building
/// one per call (so `table.lookup(a) === table.servers[i]`).
const SERVERS_KEY: &str = "__manageoutServers";

impl Table {
    fn create(env: &Env, table: manageout::Table) -> Result<ClassInstance<'_, Self>> {
        let servers: Vec<Server> = table
            .servers()
            .iter()
            .enumerate()
            .map(|(i, s)| Server {
                index: u32::try_from(i).unwrap_or(u32::MAX),
                name: s.name.clone(),
                address: s.address.to_string(),
                client_prefix: s.client_prefix.to_string(),
                entry_point: s.entry_point.clone(),
                vpn_prefix: s.vpn_prefix.map(|p| p.to_string()),
                teredo_prefix: s
                    .teredo
                    .then(|| s.effective_teredo_prefix())
                    .flatten()
                    .map(|p| p.to_string()),
            })
            .collect();
        let count = u32::try_from(servers.len()).unwrap_or(u32::MAX);
        let mut array = Array::from_vec(env, servers)?;
        let mut objects = Vec::new();
        for i in 0..count {
            if let Some(mut server) = array.get::<Object<'_>>(i)? {
                server.freeze()?;
                objects.push(server.raw());
            }
        }
        array.freeze()?;
        let table = Arc::new(table);
        let instance = Self {
            table: Arc::clone(&table),
        }
        .into_instance(env)?;
        let mut object = instance.as_object(env);
        object.define_properties(&[Property::new()
            .with_utf8_name(SERVERS_KEY)?
            .with_value(&array)
            .with_property_attributes(PropertyAttributes::Default)])?;
        fast::install(env, object.raw(), &table, &objects)?;
        Ok(instance)
    }

    fn server<'env>(this: &This<'env>, index: Option<usize>) -> Result<Option<Object<'env>>> {
        let Some(i) = index.and_then(|i| u32::try_from(i).ok()) else {
            return Ok(None);
        };
        this.get_named_property_unchecked::<Array<'env>>(SERVERS_KEY)?
            .get::<Object<'env>>(i)
    }
}

#[napi]
impl Table {
    /// The server owning an address (string, or 16-byte Buffer/Uint8Array), or
    /// null; the same (frozen) object as in `servers`.
    #[napi(
        ts_args_type = "address: string | Uint8Array",
        ts_return_type = "Readonly<Server> | null"
    )]
    pub fn lookup<'env>(
        &self,
        this: This<'env>,
        env: Env,
        address: Unknown<'_>,
    ) -> Result<Option<Object<'env>>> {
        let bits = address_bits(address).map_err(|f| f.throw(&env))?;
        Self::server(&this, self.table.lookup(bits).map(|id| id.index()))
    }

    /// The index in `servers` of the server owning an address, or -1.
    #[napi(ts_args_type = "address: string | Uint8Array")]
    pub fn lookup_index(&self, env: Env, address: Unknown<'_>) -> Result<i32> {
        let bits = address_bits(address).map_err(|f| f.throw(&env))?;
        Ok(self.table.lookup(bits).map_or(-1, |id| id.index() as i32))
    }

    /// Server indexes (-1 for none) for packed 16-byte addresses.
    #[napi]
    pub fn lookup_many(&self, env: Env, addresses: &[u8]) -> Result<Int32Array> {
        lookup_packed(&env, addresses, |keys, out| {
            self.table
                .lookup_batch_map(keys, out, |id| id.map_or(-1, |id| id.index() as i32))
        })
    }

    /// The servers (frozen); a server's position is the index `lookupMany` returns.
    #[napi(getter, ts_return_type = "ReadonlyArray<Readonly<Server>>")]
    pub fn servers<'env>(&self, this: This<'env>) -> Result<Array<'env>> {
        this.get_named_property_unchecked(SERVERS_KEY)
    }

    /// The number of routes (client, VPN and Teredo prefixes) in the table.
    #[napi(getter)]
    pub fn route_count(&self) -> u32 {
        u32::try_from(self.table.route_count()).unwrap_or(u32::MAX)
    }
}

/// A generic IPv6 prefix -> integer map with longest-prefix match.
#[napi]
pub struct PrefixMap {
    map: Arc<CorePrefixMap<i32>>,
    /// The entries' values in entry order: `lookupMany` reads 4 bytes here per
    /// answer instead of a whole entry, which stays in cache on a large table.
    values: Box<[i32]>,
}

#[napi]
impl PrefixMap {
    /// Builds the map from `[prefix, value]` pairs; the last value wins for a
    /// repeated prefix. Throws for host bits set (`MO_INVALID_PREFIX`) or values
    /// outside 0..2**31-1 (`MO_INVALID_VALUE`).
    #[napi(constructor, ts_args_type = "entries: Iterable<[string, number]>")]
    pub fn new(env: Env, this: This<'_>, entries: Vec<Unknown<'_>>) -> Result<Self> {
        let map = Self::build(entries).map_err(|f| f.throw(&env))?;
        fast::install_map(&env, this.raw(), &map.map)?;
        Ok(map)
    }

    fn build(entries: Vec<Unknown<'_>>) -> Checked<Self> {
        let mut pairs = Vec::with_capacity(entries.len());
        for (i, entry) in entries.into_iter().enumerate() {
            let (prefix, value) = <(String, f64)>::from_unknown(entry).map_err(|_| {
                Fail::new(
                    Code::InvalidPrefix,
                    format!("entry {i} is not a [prefix: string, value: number] pair"),
                )
            })?;
            let net = prefix.trim().parse::<Ipv6Net>().map_err(|_| {
                Fail::new(
                    Code::InvalidPrefix,
                    format!(
                        "{prefix:?} (entry {i}) is not an IPv6 prefix (write it as address/length)"
                    ),
                )
            })?;
            if value.fract() != 0.0 || !(0.0..=f64::from(i32::MAX)).contains(&value) {
                return Err(Fail::new(
                    Code::InvalidValue,
                    format!(
                        "value {value} of {prefix:?} (entry {i}) is not an integer in 0..2**31-1"
                    ),
                ));
            }
            pairs.push((net, value as i32));
        }
        CorePrefixMap::new(pairs)
            .map(|map| Self {
                values: map.entries().iter().map(|(_, v)| *v).collect(),
                map: Arc::new(map),
            })
            .map_err(|e| match e {
                manageout::Error::TooManyPrefixes { .. } => {
                    Fail::new(Code::InvalidValue, e.to_string())
                }
                _ => Fail::new(Code::InvalidPrefix, e.to_string()),
            })
    }

    /// The value of the longest prefix holding the address, or null.
    #[napi(ts_args_type = "address: string | Uint8Array")]
    pub fn lookup(&self, env: Env, address: Unknown<'_>) -> Result<Option<i32>> {
        let bits = address_bits(address).map_err(|f| f.throw(&env))?;
        Ok(self.map.lookup(bits).copied())
    }

    /// Values (-1 for none) for packed 16-byte addresses.
    #[napi]
    pub fn lookup_many(&self, env: Env, addresses: &[u8]) -> Result<Int32Array> {
        lookup_packed(&env, addresses, |keys, out| {
            self.map.lookup_batch_values(keys, &self.values, -1, out)
        })
    }

    /// The number of distinct prefixes.
    #[napi(getter)]
    pub fn size(&self) -> u32 {
        u32::try_from(self.map.len()).unwrap_or(u32::MAX)
    }
}

/// What an address is (IP-HTTPS, Teredo with its decoded server, client and
/// port, 6to4, ISATAP, ...) and whether Manage Out reaches it; the same object
/// as `manageout explain --format json`.
#[napi(
    ts_args_type = "address: string | Uint8Array, options?: { farm?: Farm }",
    ts_return_type = "Explanation"
)]
pub fn explain(
    env: Env,
    address: Unknown<'_>,
    options: Option<Object<'_>>,
) -> Result<serde_json::Value> {
    let bits = address_bits(address).map_err(|f| f.throw(&env))?;
    let farm: Option<ClassInstance<'_, Farm>> = match options {
        Some(o) => o.get("farm").map_err(|_| {
            Fail::new(
                Code::InvalidFarm,
                "options.farm must be a Farm (from Farm.fromFile, fromToml, ...)",
            )
            .throw(&env)
        })?,
        None => None,
    };
    let table = match farm.as_deref() {
        Some(farm) => {
            let valid = farm.valid_farm(&env)?;
            Some(manageout::Table::new(valid).map_err(|_| farm.invalid(&env))?)
        }
        None => None,
    };
    Ok(manageout::explain::explain(Ipv6Addr::from(bits), table.as_ref()).to_json())
}

/// One Get-DAServer / Get-RemoteAccess record.
#[napi(object)]
pub struct DaServerRecord {
    /// ClientIPv6Prefix.
    pub client_prefix: String,
    /// Whether Teredo is enabled (TeredoState).
    pub teredo: Option<bool>,
    /// InternalIPv6Prefix entries.
    pub internal_prefixes: Vec<String>,
    /// The VPN client prefix, when present.
    pub vpn_prefix: Option<String>,
    /// EntrypointName, when present.
    pub entry_point: Option<String>,
    /// PSComputerName / ComputerName, when present.
    pub computer_name: Option<String>,
}

/// Reads `Get-DAServer` / `Get-RemoteAccess` output (Format-List, Format-Table
/// or ConvertTo-Json; UTF-8 or UTF-16 with BOM) into records. Throws `MO_IMPORT`
/// naming what the text is when it is not such output.
#[napi(
    js_name = "importDaServer",
    ts_args_type = "output: string | Uint8Array, name?: string"
)]
pub fn import_daserver(
    env: Env,
    output: Either<String, &[u8]>,
    name: Option<String>,
) -> Result<Vec<DaServerRecord>> {
    let bytes: &[u8] = match &output {
        Either::A(s) => s.as_bytes(),
        Either::B(b) => b,
    };
    let records = manageout::import::parse(bytes, name.as_deref().unwrap_or("<string>"))
        .map_err(|e| Fail::new(Code::Import, e.to_string()).throw(&env))?;
    Ok(records
        .into_iter()
        .map(|r| DaServerRecord {
            client_prefix: r.client_prefix,
            teredo: r.teredo,
            internal_prefixes: r.internal_prefixes,
            vpn_prefix: r.vpn_prefix,
            entry_point: r.entry_point,
            computer_name: r.computer_name,
        })
        .collect())
}

/// The library version.
#[napi]
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
