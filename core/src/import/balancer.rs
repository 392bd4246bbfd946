//! `Get-RemoteAccessLoadBalancer` output (Format-List or `ConvertTo-Json`): the
//! load balancer of a cluster (`ThirdPartyLoadBalancer : Enabled` is an external
//! one, else NLB when `NlbNodeStatus` lists nodes) and its internal VIP (the IPv6
//! address of `InternalVirtualIPAddress`, written `addr/len`).

use std::net::Ipv6Addr;

use serde_json::Value;

use super::json::{json_property, json_strings};
use super::list_value;
use super::text::list_groups;
use crate::model::LoadBalancer;

/// A cluster's load balancer, as `Get-RemoteAccessLoadBalancer` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Balancer {
    /// External (`ThirdPartyLoadBalancer : Enabled`) or Windows NLB; `None` when
    /// the output shows no load balancing at all.
    pub kind: Option<LoadBalancer>,
    /// The first IPv6 address of `InternalVirtualIPAddress`.
    pub vip: Option<Ipv6Addr>,
    /// `PSComputerName`, when shown.
    pub computer_name: Option<String>,
}

fn balancer_of(get: impl Fn(&str) -> Option<Vec<String>>) -> Option<Balancer> {
    let third_party = get("ThirdPartyLoadBalancer");
    let vips = get("InternalVirtualIPAddress");
    if third_party.is_none() && vips.is_none() {
        return None;
    }
    let enabled = third_party
        .as_ref()
        .and_then(|v| v.first())
        .is_some_and(|v| v.eq_ignore_ascii_case("enabled") || v == "1" || v == "true");
    let nlb_nodes = get("NlbNodeStatus").is_some_and(|v| v.iter().any(|n| !n.is_empty()));
    let kind = if enabled {
        Some(LoadBalancer::External)
    } else if nlb_nodes {
        Some(LoadBalancer::Nlb)
    } else {
        None
    };
    let vip = vips.unwrap_or_default().iter().find_map(|v| {
        let addr = v.split_once('/').map_or(v.as_str(), |(a, _)| a).trim();
        addr.parse::<Ipv6Addr>().ok()
    });
    Some(Balancer {
        kind,
        vip,
        computer_name: get("PSComputerName").and_then(|v| v.into_iter().next()),
    })
}

/// The load balancer shown in the text, or `None` when it is no
/// `Get-RemoteAccessLoadBalancer` output.
pub(super) fn parse(text: &str) -> Option<Balancer> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let value: Value = serde_json::from_str(trimmed).ok()?;
        let object = match &value {
            Value::Array(items) => items.iter().find_map(Value::as_object)?,
            Value::Object(o) => o,
            _ => return None,
        };
        return balancer_of(|k| json_property(object, k).map(json_strings));
    }
    list_groups(text).iter().find_map(|g| {
        balancer_of(|k| {
            g.iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| list_value(v))
                .filter(|v| !v.is_empty())
        })
    })
}
