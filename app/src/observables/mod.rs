//! Observables (IOCs and artefacts: IPs, domains, URLs, hashes, …): their types, and the rule
//! that checks and normalizes a value for its type, accepting defanged input (`hxxp`, `[.]`).

#[cfg(feature = "ssr")]
pub mod eml;

use serde::{Deserialize, Serialize};

use crate::validate::check_tags;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservableType {
    Ip,
    Domain,
    Url,
    Email,
    Hash,
    Hostname,
    User,
    Filename,
    RegistryKey,
    Other,
}

impl ObservableType {
    pub const ALL: [ObservableType; 10] = [
        Self::Ip,
        Self::Domain,
        Self::Url,
        Self::Email,
        Self::Hash,
        Self::Hostname,
        Self::User,
        Self::Filename,
        Self::RegistryKey,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ip => "ip",
            Self::Domain => "domain",
            Self::Url => "url",
            Self::Email => "email",
            Self::Hash => "hash",
            Self::Hostname => "hostname",
            Self::User => "user",
            Self::Filename => "filename",
            Self::RegistryKey => "registry_key",
            Self::Other => "other",
        }
    }

    /// Accepts Casefile's names and TheHive's common dataType names (`fqdn`, `mail`, `registry`).
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        let t = match s.as_str() {
            "ip" => Self::Ip,
            "domain" | "fqdn" => Self::Domain,
            "url" | "uri_path" => Self::Url,
            "email" | "mail" | "mail_subject_sender" => Self::Email,
            "hash" => Self::Hash,
            "hostname" | "host" => Self::Hostname,
            "user" | "user-agent" | "username" => Self::User,
            "filename" | "file" => Self::Filename,
            "registry_key" | "registry" => Self::RegistryKey,
            "other" => Self::Other,
            _ => {
                return Err(format!(
                    "Unknown observable type \u{201c}{s}\u{201d}: use ip, domain, url, email, hash, hostname, user, filename, registry_key or other."
                ));
            }
        };
        Ok(t)
    }
}

/// The longest value kept, in UTF-8 bytes; anything longer is refused rather than cut. Values
/// are indexed by hash, not in a b-tree (PostgreSQL's hold at most 2,704 bytes an entry), so
/// this is a limit of sense, not of the database: a 3 KB tracking URL is ordinary.
pub const MAX_VALUE_BYTES: usize = 4096;

/// Undoes common defanging: `hxxp://`, `[.]`, `(.)`, `[:]`, `[@]`, `[at]`, `[dot]`.
pub fn refang(value: &str) -> String {
    let mut v = value.trim().to_owned();
    for (from, to) in [
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("[:]", ":"),
        ("[@]", "@"),
        ("[at]", "@"),
        ("[/]", "/"),
    ] {
        v = v.replace(from, to);
    }
    for (from, to) in [
        ("hxxps://", "https://"),
        ("hxxp://", "http://"),
        ("fxp://", "ftp://"),
    ] {
        if v.to_ascii_lowercase().starts_with(from) {
            v = format!("{to}{}", &v[from.len()..]);
        }
    }
    v
}

/// Makes a value safe to paste into a chat or ticket: `http` → `hxxp`, dots in hosts → `[.]`.
pub fn defang(kind: ObservableType, value: &str) -> String {
    match kind {
        ObservableType::Url => value.replacen("http", "hxxp", 1).replace('.', "[.]"),
        ObservableType::Domain | ObservableType::Hostname | ObservableType::Ip => {
            value.replace('.', "[.]")
        }
        ObservableType::Email => value.replace('@', "[@]").replace('.', "[.]"),
        _ => value.to_owned(),
    }
}

fn is_domain(v: &str) -> bool {
    let v = v.strip_suffix('.').unwrap_or(v);
    let labels: Vec<&str> = v.split('.').collect();
    v.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(char::is_alphabetic) || tld.starts_with("xn--"))
}

fn is_hostname(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 253
        && v.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        })
}

/// Checks `raw` for `kind` and returns the normalized value (refanged, trimmed; domains, hashes
/// and e-mail domains lower-cased; IPs in canonical form).
pub fn normalize(kind: ObservableType, raw: &str) -> Result<String, String> {
    let v = refang(raw);
    if v.is_empty() {
        return Err(format!("The {} value is empty.", kind.as_str()));
    }
    if v.len() > MAX_VALUE_BYTES {
        return Err(format!(
            "The {} value is {} bytes long; at most {MAX_VALUE_BYTES} bytes are kept.",
            kind.as_str(),
            v.len()
        ));
    }
    // PostgreSQL text cannot hold NUL, and no observable of any type has a control character.
    if v.chars().any(char::is_control) {
        return Err(format!(
            "The {} value contains control characters (such as NUL or a line break).",
            kind.as_str()
        ));
    }
    let shown = || v.chars().take(80).collect::<String>();
    match kind {
        ObservableType::Ip => v
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.to_string())
            .map_err(|_| {
                format!(
                    "\u{201c}{}\u{201d} is not an IPv4 or IPv6 address.",
                    shown()
                )
            }),
        ObservableType::Domain => {
            let d = v.to_lowercase();
            match is_domain(&d) {
                true => Ok(d.trim_end_matches('.').to_owned()),
                false => Err(format!("\u{201c}{}\u{201d} is not a domain name.", shown())),
            }
        }
        ObservableType::Hostname => match is_hostname(&v) {
            true => Ok(v.to_lowercase()),
            false => Err(format!("\u{201c}{}\u{201d} is not a host name.", shown())),
        },
        ObservableType::Url => {
            let lower = v.to_ascii_lowercase();
            let scheme_ok = ["http://", "https://", "ftp://", "ftps://"]
                .iter()
                .any(|s| lower.starts_with(s));
            let host = v
                .split_once("://")
                .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""));
            match (scheme_ok, host) {
                (true, Some(h))
                    if !h.is_empty()
                        && !h.contains(char::is_whitespace)
                        && !v.contains(char::is_whitespace) =>
                {
                    Ok(v)
                }
                _ => Err(format!(
                    "\u{201c}{}\u{201d} is not a URL (expected http://, https:// or ftp:// and a host).",
                    shown()
                )),
            }
        }
        ObservableType::Email => match v.rsplit_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && local.len() <= 64
                    && !local.contains(char::is_whitespace)
                    && is_domain(&domain.to_lowercase()) =>
            {
                Ok(format!("{local}@{}", domain.to_lowercase()))
            }
            _ => Err(format!(
                "\u{201c}{}\u{201d} is not an e-mail address.",
                shown()
            )),
        },
        ObservableType::Hash => {
            let h = v.to_ascii_lowercase();
            let hex = h.chars().all(|c| c.is_ascii_hexdigit());
            match (hex, h.len()) {
                (true, 32 | 40 | 64) => Ok(h),
                (true, n) => Err(format!(
                    "A hash is 32 (MD5), 40 (SHA-1) or 64 (SHA-256) hex digits; this one has {n}."
                )),
                (false, _) => Err(format!("\u{201c}{}\u{201d} is not a hex hash.", shown())),
            }
        }
        ObservableType::User
        | ObservableType::Filename
        | ObservableType::RegistryKey
        | ObservableType::Other => Ok(v),
    }
}

/// The name of a hash value's algorithm, by length.
pub fn hash_algorithm(normalized: &str) -> Option<&'static str> {
    match normalized.len() {
        32 => Some("md5"),
        40 => Some("sha1"),
        64 => Some("sha256"),
        _ => None,
    }
}

/// An observable as posted with an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({"type": "domain", "value": "invoices-example[.]test", "tags": ["phishing"]})))]
pub struct ObservableInput {
    /// ip, domain, url, email, hash, hostname, user, filename, registry_key or other.
    #[serde(rename = "type")]
    pub kind: String,
    /// Defanged values (`hxxp`, `[.]`) are accepted.
    pub value: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A checked observable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observable {
    pub kind: ObservableType,
    pub value: String,
    pub tags: Vec<String>,
}

const MAX_OBSERVABLES: usize = 500;

/// Checks observables; the message names the index of the first bad one.
pub fn check_observables(items: &[ObservableInput]) -> Result<Vec<Observable>, String> {
    if items.len() > MAX_OBSERVABLES {
        return Err(format!("At most {MAX_OBSERVABLES} observables per alert."));
    }
    let mut out: Vec<Observable> = Vec::with_capacity(items.len());
    for (i, o) in items.iter().enumerate() {
        let kind = ObservableType::parse(&o.kind).map_err(|e| format!("observables[{i}]: {e}"))?;
        let value = normalize(kind, &o.value).map_err(|e| format!("observables[{i}]: {e}"))?;
        let tags = check_tags(&o.tags).map_err(|e| format!("observables[{i}]: {e}"))?;
        if !out.iter().any(|x| x.kind == kind && x.value == value) {
            out.push(Observable { kind, value, tags });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{ObservableType::*, *};

    #[test]
    fn defanged_values_are_refanged() {
        assert_eq!(
            normalize(Url, "hxxps://evil[.]example/x").unwrap(),
            "https://evil.example/x"
        );
        assert_eq!(
            normalize(Domain, "Evil[.]Example[.]com").unwrap(),
            "evil.example.com"
        );
        assert_eq!(normalize(Ip, "10[.]0[.]0[.]1").unwrap(), "10.0.0.1");
        assert_eq!(
            normalize(Email, "bob[@]Example[.]org").unwrap(),
            "bob@example.org"
        );
    }

    #[test]
    fn ips_of_both_families_are_canonicalized() {
        assert_eq!(normalize(Ip, "2001:DB8:0:0::1").unwrap(), "2001:db8::1");
        assert!(
            normalize(Ip, "300.1.1.1")
                .unwrap_err()
                .contains("not an IPv4 or IPv6")
        );
    }

    #[test]
    fn hashes_are_checked_by_length() {
        assert_eq!(
            hash_algorithm(&normalize(Hash, &"A".repeat(64)).unwrap()),
            Some("sha256")
        );
        assert!(
            normalize(Hash, &"a".repeat(33))
                .unwrap_err()
                .contains("has 33")
        );
        assert!(
            normalize(Hash, "xyz")
                .unwrap_err()
                .contains("not a hex hash")
        );
    }

    #[test]
    fn bad_values_are_named_in_the_error() {
        assert!(
            normalize(Domain, "not a domain")
                .unwrap_err()
                .contains("not a domain")
        );
        assert!(
            normalize(Url, "javascript:alert(1)")
                .unwrap_err()
                .contains("not a URL")
        );
        assert!(normalize(Email, "nobody").is_err());
        assert!(normalize(Other, "").unwrap_err().contains("empty"));
        assert!(normalize(Filename, "a\u{0}b").is_err());
    }

    #[test]
    fn control_characters_are_refused_for_every_type() {
        for kind in ObservableType::ALL {
            for bad in [
                "https://a.example/x\u{0}y",
                "evil.example\u{0}",
                "a\u{7}b",
                "a\u{85}b",
            ] {
                let err = normalize(kind, bad).unwrap_err();
                assert!(
                    err.contains("control characters"),
                    "{kind:?} {bad:?}: {err}"
                );
            }
        }
    }

    #[test]
    fn long_values_are_measured_in_bytes() {
        let url = format!("https://t.example/c?u={}", "x".repeat(3000));
        assert_eq!(normalize(Url, &url).unwrap(), url, "a 3 KB URL is kept");
        let wide = format!("https://t.example/{}", "\u{00e9}".repeat(2100));
        let err = normalize(Url, &wide).unwrap_err();
        assert!(err.contains("at most 4096 bytes"), "{err}");
    }

    #[test]
    fn display_can_defang() {
        assert_eq!(
            defang(Url, "https://evil.example/x"),
            "hxxps://evil[.]example/x"
        );
        assert_eq!(defang(Ip, "10.0.0.1"), "10[.]0[.]0[.]1");
    }

    #[test]
    fn thehive_type_names_are_understood() {
        assert_eq!(ObservableType::parse("fqdn"), Ok(Domain));
        assert_eq!(ObservableType::parse("mail"), Ok(Email));
        assert!(ObservableType::parse("bitcoin").is_err());
    }
}
