//! The module's functions: `explain`, `importDaServer`, `aggregate` and `covering`.

use std::net::Ipv6Addr;

use napi::Env;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::convert::address_bits;
use crate::errors::{Code, Fail};
use crate::farm::Farm;

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
    let bits = address_bits(address, "explain(): address").map_err(|f| f.throw(&env))?;
    let farm: Option<ClassInstance<'_, Farm>> = match options {
        Some(o) => o.get("farm").map_err(|_| {
            Fail::new(
                Code::InvalidType,
                "explain(): options.farm must be a Farm (from Farm.fromFile, fromToml, ...)",
            )
            .throw(&env)
        })?,
        None => None,
    };
    let table = match farm.as_deref() {
        Some(farm) => Some(manageout::Table::new(farm.valid_farm(&env)?)),
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

fn prefixes_of(env: &Env, prefixes: Vec<String>, fname: &str) -> Result<Vec<ipnet::Ipv6Net>> {
    prefixes
        .iter()
        .enumerate()
        .map(|(i, p)| {
            manageout::net::parse_prefix(p.trim()).map_err(|problem| {
                Fail::new(
                    Code::InvalidPrefix,
                    format!(
                        "{fname}(): prefixes[{i}]: `{}` {problem} (write it as address/length)",
                        manageout::diagnostic::shown(p)
                    ),
                )
                .throw(env)
            })
        })
        .collect()
}

/// The fewest prefixes covering exactly the given ones (host bits cleared,
/// nested prefixes dropped, sibling halves merged), sorted: the routes
/// `corp-routes` gives the corporate routers.
#[napi]
pub fn aggregate(env: Env, prefixes: Vec<String>) -> Result<Vec<String>> {
    let nets = prefixes_of(&env, prefixes, "aggregate")?;
    Ok(manageout::aggregate::exact_cover(nets)
        .iter()
        .map(ToString::to_string)
        .collect())
}

/// The longest single prefix holding every given prefix, or null for none.
#[napi]
pub fn covering(env: Env, prefixes: Vec<String>) -> Result<Option<String>> {
    let nets = prefixes_of(&env, prefixes, "covering")?;
    Ok(manageout::aggregate::covering(nets).map(|n| n.to_string()))
}
