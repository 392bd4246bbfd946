//! `audit --fix`: the tmsh commands that bring the box in line with the farm, for
//! what the audit found wrong only. Names read from the configuration are
//! untrusted: each goes through the tmsh quoting of the renderer, and one that
//! cannot be written safely is left out (MO114 in the report).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::AuditReport;
use crate::check::ValidFarm;
use crate::render;

impl AuditReport {
    /// tmsh commands that bring the box in line with the farm, for what the audit
    /// found wrong only: delete the wrong, stale and duplicate virtuals (and pools
    /// named like ours that nothing else uses), then create the affected servers'
    /// objects with the tmsh renderer. Empty when nothing is wrong.
    pub fn fix(&self, farm: &ValidFarm) -> String {
        if self.recreate.is_empty()
            && self.delete_virtuals.is_empty()
            && self.stale_virtuals.is_empty()
        {
            return String::new();
        }
        let mut s = String::new();
        comment(
            &mut s,
            &format!(
                "tmsh commands from manageout audit --fix for farm {}: only what the audit found wrong",
                farm.name.as_deref().unwrap_or("manageout")
            ),
        );
        comment(
            &mut s,
            "review, then run on the BIG-IP with bash: a virtual is down between its delete and its create",
        );
        self.stale(&mut s);
        let subset: Vec<usize> = self.recreate.iter().copied().collect();
        let planned = render::planned_names(farm, &subset);
        let mut deletes: BTreeMap<&str, &str> = self
            .delete_virtuals
            .iter()
            .map(|(p, why)| (p.as_str(), why.as_str()))
            .collect();
        for name in &planned.virtuals {
            if self.existing_virtuals.contains(name) {
                deletes.entry(name.as_str()).or_insert("recreated below");
            }
        }
        for (path, why) in &deletes {
            match render::tmsh_delete(path, true) {
                Ok(line) => {
                    let _ = writeln!(s, "{line}  # {why}");
                }
                Err(_) => comment(
                    &mut s,
                    &format!(
                        "{why}: a virtual whose name cannot be written safely (MO114): delete it by hand"
                    ),
                ),
            }
        }
        for name in &planned.pools {
            if self.existing_pools.contains(name)
                && let Ok(line) = render::tmsh_delete(name, false)
            {
                let _ = writeln!(s, "{line}  # recreated below");
            }
        }
        if subset.is_empty() {
            s.push_str(&render::tmsh_save());
            s.push('\n');
        } else {
            match render::tmsh_for(farm, &subset) {
                Ok(text) => s.push_str(&text),
                Err(e) => comment(
                    &mut s,
                    &format!("cannot write the objects to create: {}", e.reason),
                ),
            }
        }
        s
    }

    /// Stale virtuals (MO111), as commented-out deletions to check first.
    fn stale(&self, s: &mut String) {
        for path in &self.stale_virtuals {
            let line = render::tmsh_delete(path, true).ok().and_then(|l| {
                render::sh_comment(&format!(
                    "{l}  (MO111: no farm server owns its prefix, uncomment once checked)"
                ))
            });
            match line {
                Some(l) => {
                    s.push_str(&l);
                    s.push('\n');
                }
                None => comment(
                    s,
                    "MO111: a stale virtual whose name cannot be written here (MO114): delete it by hand",
                ),
            }
        }
    }
}

/// A `#` comment line, or nothing when `text` cannot be one.
fn comment(s: &mut String, text: &str) {
    if let Some(line) = render::sh_comment(text) {
        s.push_str(&line);
        s.push('\n');
    }
}
