//! The `bigip-conf` target: the same objects as bigip.conf stanzas, for
//! `tmsh load sys config merge file <f>` (the idempotent path). bigip.conf is tmsh
//! syntax, so every value is written with [`quote::tmsh`].

use std::fmt::Write as _;

use super::plan::{Plan, netmask};
use super::quote::{self, Unquotable};

pub(crate) fn bigip_conf(plan: &Plan<'_>) -> Result<String, Unquotable> {
    let q = quote::tmsh;
    let rd = plan.rd();
    let mut s = String::new();
    super::tmsh::header(plan, "bigip.conf stanzas", &mut s)?;
    super::tmsh::comment_line(
        &mut s,
        "apply (idempotent, re-runnable): tmsh load sys config merge file FILE, then tmsh save sys config",
    )?;
    for sp in &plan.servers {
        let addr = sp.server.address;
        let _ = writeln!(s, "ltm pool {} {{", q(&plan.path(&sp.pool))?);
        let _ = writeln!(s, "    description {}", q(&plan.pool_description(sp))?);
        let _ = writeln!(s, "    members {{");
        let _ = writeln!(s, "        {} {{", q(&plan.path(&format!("{addr}{rd}.0")))?);
        let _ = writeln!(s, "            address {}", q(&format!("{addr}{rd}"))?);
        let _ = writeln!(s, "        }}");
        let _ = writeln!(s, "    }}");
        if let Some(m) = plan.monitor() {
            let _ = writeln!(s, "    monitor {}", q(&m)?);
        }
        let _ = writeln!(s, "}}");
        for v in &sp.virtuals {
            let net = format!("{}{rd}", v.prefix.network());
            let mask = netmask(v.prefix.prefix_len()).to_string();
            let _ = writeln!(s, "ltm virtual-address {} {{", q(&plan.path(&net))?);
            let _ = writeln!(s, "    address {}", q(&net)?);
            let _ = writeln!(s, "    arp disabled");
            let _ = writeln!(s, "    description {}", q(&plan.marker)?);
            let _ = writeln!(s, "    icmp-echo disabled");
            let _ = writeln!(s, "    mask {}", q(&mask)?);
            let _ = writeln!(s, "}}");
            let _ = writeln!(s, "ltm virtual {} {{", q(&plan.path(&v.name))?);
            let _ = writeln!(
                s,
                "    description {}",
                q(&plan.virtual_description(sp, v))?
            );
            let _ = writeln!(
                s,
                "    destination {}",
                q(&plan.path(&format!("{net}.any")))?
            );
            let _ = writeln!(s, "    ip-protocol any");
            let _ = writeln!(s, "    mask {}", q(&mask)?);
            let _ = writeln!(s, "    pool {}", q(&plan.path(&sp.pool))?);
            let _ = writeln!(s, "    profiles {{");
            let _ = writeln!(s, "        /Common/fastL4 {{ }}");
            let _ = writeln!(s, "    }}");
            let _ = writeln!(s, "    source {}", q(&format!("::{rd}/0"))?);
            let _ = writeln!(s, "    source-address-translation {{");
            let _ = writeln!(s, "        type none");
            let _ = writeln!(s, "    }}");
            let _ = writeln!(s, "    translate-address disabled");
            let _ = writeln!(s, "    translate-port disabled");
            match plan.vlans() {
                Some(vlans) => {
                    let _ = writeln!(s, "    vlans {{");
                    for vlan in vlans {
                        let _ = writeln!(s, "        {}", q(&vlan)?);
                    }
                    let _ = writeln!(s, "    }}");
                    let _ = writeln!(s, "    vlans-enabled");
                }
                None => {
                    let _ = writeln!(s, "    vlans-disabled");
                }
            }
            let _ = writeln!(s, "}}");
        }
    }
    Ok(s)
}
