//! `ConvertTo-Json` output: one object or an array (from `Invoke-Command`, with
//! `PSComputerName`), the properties at top level, under `ServerConfiguration` or
//! in CIM `CimInstanceProperties`.

use serde_json::Value;

use super::{ImportError, Record, list_value, record_of};

/// Looks a property up without case, at top level, under `ServerConfiguration`, or
/// in a CIM `CimInstanceProperties` array of `{Name, Value}`.
pub(super) fn json_property<'v>(
    obj: &'v serde_json::Map<String, Value>,
    name: &str,
) -> Option<&'v Value> {
    let direct = |o: &'v serde_json::Map<String, Value>| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    };
    direct(obj)
        .or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("ServerConfiguration"))
                .and_then(|(_, v)| v.as_object())
                .and_then(|o| json_property(o, name))
        })
        .or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("CimInstanceProperties"))
                .and_then(|(_, v)| v.as_array())
                .and_then(|props| {
                    props.iter().filter_map(Value::as_object).find(|p| {
                        p.get("Name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| n.eq_ignore_ascii_case(name))
                    })
                })
                .and_then(|p| p.get("Value"))
                .filter(|v| !v.is_null())
        })
}

pub(super) fn json_strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => list_value(s),
        Value::Array(a) => a.iter().flat_map(json_strings).collect(),
        Value::Bool(b) => vec![b.to_string()],
        Value::Number(n) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

pub(super) fn parse(text: &str, file: &str) -> Result<Vec<Record>, ImportError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ImportError::NotDaOutput {
        file: file.to_owned(),
        found: format!("text that starts like JSON but is not valid JSON ({e})"),
    })?;
    let objects: Vec<&serde_json::Map<String, Value>> = match &value {
        Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
        Value::Object(o) => vec![o],
        _ => Vec::new(),
    };
    let mut records = Vec::new();
    for o in &objects {
        let props = [
            "ClientIPv6Prefix",
            "TeredoState",
            "InternalIPv6Prefix",
            "IPv6Prefix",
            "EntrypointName",
            "PSComputerName",
        ];
        let pairs: Vec<(&str, Vec<String>)> = props
            .iter()
            .filter_map(|p| json_property(o, p).map(|v| (*p, json_strings(v))))
            .collect();
        if let Some(mut r) = record_of(pairs.into_iter()) {
            // TeredoState may come as the enum's number: 0 disabled, 1 enabled
            if let Some(Value::Number(n)) = json_property(o, "TeredoState") {
                r.teredo = Some(n.as_i64() == Some(1));
            }
            records.push(r);
        }
    }
    if records.is_empty() {
        let keys: Vec<&str> = objects
            .first()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        return Err(ImportError::NotDaOutput {
            file: file.to_owned(),
            found: format!(
                "JSON with {} object(s) and no ClientIPv6Prefix, {} (first object's keys: {}); if it came from Get-DAServer, use `ConvertTo-Json -Depth 4` so ServerConfiguration is not truncated",
                objects.len(),
                super::describe(&keys),
                if keys.is_empty() {
                    "none".to_owned()
                } else {
                    keys.join(", ")
                }
            ),
        });
    }
    Ok(records)
}
