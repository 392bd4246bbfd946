//! PowerShell's text formats: Format-List (`Name : value` groups, prompt lines,
//! padded names, certificate blocks, `{a, b}` arrays) and Format-Table (a header
//! row over a rule of dashes that gives the column positions).

use super::{Record, describe, list_value, record_of};

/// A Format-List property line: `Name<padding> : value` (value may be empty).
fn list_property(line: &str) -> Option<(&str, &str)> {
    let (key, rest) = line.split_once(':')?;
    let name = key.trim_end();
    let ok = !name.is_empty()
        && name.len() < key.len() // padded: at least one space before the colon
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok || !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((name, rest.trim()))
}

/// The objects of Format-List output: groups of `(property, value)`, a property
/// seen again starting the next object; prompt lines skipped.
pub(super) fn list_groups(text: &str) -> Vec<Vec<(String, String)>> {
    let mut groups: Vec<Vec<(String, String)>> = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("PS ") && line.contains('>') {
            continue;
        }
        if let Some((name, value)) = list_property(line) {
            // a property seen again starts the next object
            if current.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
                groups.push(std::mem::take(&mut current));
            }
            current.push((name.to_owned(), value.to_owned()));
        }
    }
    groups.push(current);
    groups.retain(|g| !g.is_empty());
    groups
}

pub(super) fn parse_list(text: &str) -> (Vec<Record>, Vec<String>) {
    let mut records = Vec::new();
    let mut found = Vec::new();
    for g in list_groups(text) {
        match record_of(g.iter().map(|(k, v)| (k.as_str(), list_value(v)))) {
            Some(r) => records.push(r),
            None => found.push(format!(
                "Format-List output with {} ({}) but no ClientIPv6Prefix",
                g.iter()
                    .take(4)
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                describe(&g.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>()),
            )),
        }
    }
    (records, found)
}

/// One Format-Table: its column names and its rows' cells (trimmed), up to the
/// first blank or prompt line.
pub(super) struct TextTable {
    /// The header's column names.
    pub(super) names: Vec<String>,
    /// Each row's cells, one per column.
    pub(super) rows: Vec<Vec<String>>,
}

/// Every Format-Table in the text: a header row over a rule of dashes, whose
/// dash groups give the column positions (the last column runs to the line's end).
pub(super) fn tables(text: &str) -> Vec<TextTable> {
    let lines: Vec<&str> = text.lines().collect();
    let mut tables = Vec::new();
    for i in 1..lines.len() {
        let dashes = lines[i].trim_end();
        let is_rule = !dashes.is_empty()
            && dashes.starts_with('-')
            && dashes.chars().all(|c| c == '-' || c == ' ');
        if !is_rule {
            continue;
        }
        // column starts and ends from the dash groups
        let mut cols: Vec<(usize, usize)> = Vec::new();
        let bytes = dashes.as_bytes();
        let mut j = 0;
        while j < bytes.len() {
            if bytes[j] == b'-' {
                let start = j;
                while j < bytes.len() && bytes[j] == b'-' {
                    j += 1;
                }
                cols.push((start, j));
            } else {
                j += 1;
            }
        }
        let cell = |line: &str, k: usize| -> String {
            let start = cols[k].0;
            let end = cols.get(k + 1).map_or(line.len(), |c| c.0);
            line.get(start.min(line.len())..end.min(line.len()))
                .or_else(|| line.get(start.min(line.len())..))
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let names: Vec<String> = (0..cols.len()).map(|k| cell(lines[i - 1], k)).collect();
        let rows = lines[i + 1..]
            .iter()
            .take_while(|l| !l.trim().is_empty() && !l.trim_start().starts_with("PS "))
            .map(|row| (0..cols.len()).map(|k| cell(row, k)).collect())
            .collect();
        tables.push(TextTable { names, rows });
    }
    tables
}

pub(super) fn parse_tables(text: &str) -> (Vec<Record>, Vec<String>) {
    let mut records = Vec::new();
    let mut found = Vec::new();
    for table in tables(text) {
        let mut any = false;
        for row in &table.rows {
            let props = table
                .names
                .iter()
                .zip(row)
                .map(|(n, c)| (n.as_str(), list_value(c)));
            if let Some(r) = record_of(props) {
                records.push(r);
                any = true;
            }
        }
        if !any {
            let keys: Vec<&str> = table.names.iter().map(String::as_str).collect();
            found.push(format!(
                "a Format-Table with columns {} ({})",
                table.names.join(", "),
                describe(&keys)
            ));
        }
    }
    (records, found)
}
