//! A case's observables and indicators as a STIX 2.1 bundle: one cyber-observable object per
//! observable STIX has a type for, an indicator (STIX pattern) per observable flagged as an
//! IOC, and a grouping naming the case. Observable ids are deterministic (UUIDv5, as STIX
//! requires), so tools de-duplicate them across exports; the objects Casefile authors get
//! random UUIDv4 ids, as the specification asks of domain objects.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    cases::{Case, CaseObservable},
    components::iso_utc,
};

/// STIX 2.1's namespace for cyber-observable ids (section 2.9).
const SCO_NAMESPACE: Uuid = uuid::uuid!("00abedb4-aa42-466c-9c01-fed23315a9b7");

/// The SCO type, its properties, and the pattern an indicator of it would use.
fn observable_object(o: &CaseObservable) -> Option<(&'static str, Value, String)> {
    let quoted = o.value.replace('\\', "\\\\").replace('\'', "\\'");
    let (kind, props, pattern) = match o.data_type.as_str() {
        "ip" if o.value.contains(':') => (
            "ipv6-addr",
            json!({ "value": o.value }),
            format!("[ipv6-addr:value = '{quoted}']"),
        ),
        "ip" => (
            "ipv4-addr",
            json!({ "value": o.value }),
            format!("[ipv4-addr:value = '{quoted}']"),
        ),
        "domain" => (
            "domain-name",
            json!({ "value": o.value }),
            format!("[domain-name:value = '{quoted}']"),
        ),
        "url" => (
            "url",
            json!({ "value": o.value }),
            format!("[url:value = '{quoted}']"),
        ),
        "email" => (
            "email-addr",
            json!({ "value": o.value }),
            format!("[email-addr:value = '{quoted}']"),
        ),
        "user" => (
            "user-account",
            json!({ "user_id": o.value }),
            format!("[user-account:user_id = '{quoted}']"),
        ),
        "filename" => (
            "file",
            json!({ "name": o.value }),
            format!("[file:name = '{quoted}']"),
        ),
        "registry-key" => (
            "windows-registry-key",
            json!({ "key": o.value }),
            format!("[windows-registry-key:key = '{quoted}']"),
        ),
        "hash" => {
            let algorithm = match o.value.len() {
                32 => "MD5",
                40 => "SHA-1",
                64 => "SHA-256",
                128 => "SHA-512",
                _ => return None,
            };
            (
                "file",
                json!({ "hashes": { algorithm: o.value.to_ascii_lowercase() } }),
                format!(
                    "[file:hashes.'{algorithm}' = '{}']",
                    o.value.to_ascii_lowercase()
                ),
            )
        }
        // Hostnames and free-form values have no STIX observable type.
        _ => return None,
    };
    Some((kind, props, pattern))
}

/// A SCO id per STIX 2.1: UUIDv5 of the canonical JSON of its id-contributing properties
/// (here, all the properties written).
fn sco_id(kind: &str, props: &Value) -> String {
    // serde_json objects keep keys sorted (BTreeMap), which is the canonical order.
    let canonical: BTreeMap<&String, &Value> = props
        .as_object()
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    let text = serde_json::to_string(&canonical).unwrap_or_default();
    format!("{kind}--{}", Uuid::new_v5(&SCO_NAMESPACE, text.as_bytes()))
}

fn sdo_id(kind: &str) -> String {
    format!("{kind}--{}", Uuid::new_v4())
}

/// STIX timestamps: RFC 3339 in UTC with milliseconds.
fn stamp(ms: i64) -> String {
    let t = iso_utc(ms);
    match t.strip_suffix('Z') {
        Some(base) if !base.contains('.') => format!("{base}.{:03}Z", ms.rem_euclid(1000)),
        _ => t,
    }
}

/// The bundle; object times come from the case and its observables.
pub fn bundle(case: &Case, observables: &[CaseObservable]) -> Value {
    let identity_id = sdo_id("identity");
    let created = stamp(case.opened_at);
    let mut objects = vec![json!({
        "type": "identity", "spec_version": "2.1", "id": identity_id,
        "created": created, "modified": created,
        "name": "Casefile", "identity_class": "system",
    })];
    let mut refs = Vec::new();
    for o in observables {
        let Some((kind, props, pattern)) = observable_object(o) else {
            continue;
        };
        let id = sco_id(kind, &props);
        if !refs.contains(&id) {
            let mut sco = json!({ "type": kind, "spec_version": "2.1", "id": id });
            for (k, v) in props.as_object().into_iter().flatten() {
                sco[k] = v.clone();
            }
            objects.push(sco);
            refs.push(id.clone());
        }
        if o.ioc {
            let indicator_id = sdo_id("indicator");
            let when = stamp(o.created_at);
            objects.push(json!({
                "type": "indicator", "spec_version": "2.1", "id": indicator_id,
                "created": when, "modified": stamp(o.updated_at.max(o.created_at)),
                "created_by_ref": identity_id,
                "name": format!("{} {}", o.data_type, o.value),
                "description": if o.description.is_empty() { format!("Observed in {}", case.number) } else { o.description.clone() },
                "indicator_types": ["malicious-activity"],
                "pattern": pattern, "pattern_type": "stix", "valid_from": when,
            }));
            refs.push(indicator_id);
        }
    }
    if !refs.is_empty() {
        objects.push(json!({
            "type": "grouping", "spec_version": "2.1", "id": sdo_id("grouping"),
            "created": created, "modified": stamp(case.updated_at.max(case.opened_at)),
            "created_by_ref": identity_id,
            "name": format!("{}: {}", case.number, case.title),
            "context": "suspicious-activity",
            "object_refs": refs,
        }));
    }
    json!({
        "type": "bundle",
        "id": sdo_id("bundle"),
        "objects": objects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sco_ids_follow_the_stix_namespace() {
        // The example from the STIX 2.1 specification, section 2.9.
        let id = sco_id("ipv4-addr", &json!({ "value": "198.51.100.3" }));
        assert!(id.starts_with("ipv4-addr--"));
        assert_eq!(id, sco_id("ipv4-addr", &json!({ "value": "198.51.100.3" })));
        assert_eq!(stamp(1_800_000_000_000), "2027-01-15T08:00:00.000Z");
    }
}
