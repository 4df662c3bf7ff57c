//! Where webhooks may be sent: public addresses only, unless the operator named the host with
//! `--allow-private-webhook-host`. Otherwise whoever administers webhooks could make Casefile
//! probe loopback, the cloud metadata service (169.254.169.254) or the internal network, and
//! read the answers' status and timing in the delivery log.

use std::{
    collections::HashSet,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
};

/// Whether `ip` is an address on the public internet (not loopback, private, link-local,
/// shared, multicast, reserved or unspecified).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0) // site-local (deprecated)
}

/// The hosts the operator allowed to be private, lower-cased.
#[derive(Debug, Clone, Default)]
pub struct PrivateHosts(Arc<HashSet<String>>);

impl PrivateHosts {
    pub fn new(hosts: &[String]) -> Self {
        Self(Arc::new(
            hosts
                .iter()
                .map(|h| h.trim().trim_matches(['[', ']']).to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
        ))
    }

    pub fn allows(&self, host: &str) -> bool {
        self.0
            .contains(&host.trim_matches(['[', ']']).to_ascii_lowercase())
    }
}

/// Why sending to `host`, given as an address, is refused; `None` when it may be sent to.
pub fn refuse_literal(host: &str, allowed: &PrivateHosts) -> Option<String> {
    let ip: IpAddr = host.trim_matches(['[', ']']).parse().ok()?;
    (!is_public(ip) && !allowed.allows(host)).then(|| refusal(host))
}

/// The message for a destination that is not public.
pub fn refusal(host: &str) -> String {
    format!(
        "{host} is a loopback, private or link-local address, which webhooks may not reach \
         (the operator may allow it with --allow-private-webhook-host {host})"
    )
}

/// Resolves webhook hosts for the HTTP client, keeping only public addresses unless the host
/// is allowed: the address checked is the address connected to, so a name that resolves to a
/// public address when saved and to a private one when sent is still refused.
pub struct PublicOnly {
    pub allowed: PrivateHosts,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let allowed = self.allowed.allows(&host);
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allowed || is_public(a.ip()))
                .collect();
            if kept.is_empty() {
                return Err(std::io::Error::other(refusal(&host)).into());
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!is_public(internal.parse().unwrap()), "{internal}");
        }
        for public in ["8.8.8.8", "2001:4860:4860::8888", "93.184.216.34"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn the_operator_may_allow_a_host() {
        let none = PrivateHosts::default();
        assert!(refuse_literal("169.254.169.254", &none).is_some());
        assert!(refuse_literal("[::1]", &none).is_some());
        assert!(
            refuse_literal("soar.example.org", &none).is_none(),
            "names resolve later"
        );
        let allowed = PrivateHosts::new(&["10.0.0.5".into(), "[::1]".into()]);
        assert!(refuse_literal("10.0.0.5", &allowed).is_none());
        assert!(refuse_literal("[::1]", &allowed).is_none());
        assert!(refuse_literal("10.0.0.6", &allowed).is_some());
    }
}
