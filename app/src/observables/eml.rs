//! Phishing analysis: reads a raw e-mail (`.eml`) with mail-parser and lists the observables an
//! analyst wants from it: sender, reply-to, return-path, the hops in `Received`, URLs in the
//! bodies, attachment names and SHA-256 hashes.

use mail_parser::{HeaderValue, Host, MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

use super::{Observable, ObservableInput, check_observables};

/// Most observables taken from one message.
const MAX_FROM_ONE_MESSAGE: usize = 500;

/// What a message yielded: observables (checked and normalized, duplicates dropped) and how
/// many candidate values were skipped because they were not valid for their type.
#[derive(Debug, Default)]
pub struct EmlObservables {
    pub subject: String,
    pub observables: Vec<Observable>,
    pub skipped: usize,
}

/// Parses `raw`; `None` if it is not an e-mail message at all.
pub fn observables_from_eml(raw: &[u8]) -> Option<EmlObservables> {
    let message = MessageParser::default().parse(raw)?;
    if message.from().is_none() && message.received().is_none() && message.subject().is_none() {
        return None;
    }
    let mut candidates: Vec<(&'static str, String, &'static str)> = Vec::new();
    let mut addresses = |what: &'static str, a: Option<&mail_parser::Address<'_>>| {
        for addr in a.into_iter().flat_map(|a| a.iter()) {
            if let Some(email) = addr.address() {
                candidates.push(("email", email.to_owned(), what));
            }
        }
    };
    addresses("email:from", message.from());
    addresses("email:sender", message.sender());
    addresses("email:reply-to", message.reply_to());
    match message.return_path() {
        HeaderValue::Address(a) => addresses("email:return-path", Some(a)),
        HeaderValue::Text(t) => {
            let t = t.trim().trim_start_matches('<').trim_end_matches('>');
            if !t.is_empty() {
                candidates.push(("email", t.to_owned(), "email:return-path"));
            }
        }
        _ => {}
    }
    for hop in message.received_all() {
        if let Some(ip) = hop.from_ip {
            candidates.push(("ip", ip.to_string(), "email:received"));
        }
        for host in [&hop.from, &hop.helo, &hop.by].into_iter().flatten() {
            match host {
                Host::Name(n) => candidates.push(("hostname", n.to_string(), "email:received")),
                Host::IpAddr(ip) => candidates.push(("ip", ip.to_string(), "email:received")),
            }
        }
    }
    let finder = {
        let mut f = linkify::LinkFinder::new();
        f.kinds(&[linkify::LinkKind::Url]);
        f
    };
    let bodies = (0..)
        .map_while(|i| message.body_text(i))
        .chain((0..).map_while(|i| message.body_html(i)));
    for body in bodies {
        for link in finder.links(&body) {
            candidates.push(("url", link.as_str().to_owned(), "email:url"));
        }
    }
    for part in message.attachments() {
        if let Some(name) = part.attachment_name() {
            candidates.push(("filename", name.to_owned(), "email:attachment"));
        }
        let hash = hex::encode(Sha256::digest(part.contents()));
        candidates.push(("hash", hash, "email:attachment"));
    }
    let mut out = EmlObservables {
        subject: message.subject().unwrap_or_default().to_owned(),
        ..Default::default()
    };
    for (kind, value, tag) in candidates {
        let input = ObservableInput {
            kind: kind.into(),
            value,
            tags: vec![tag.into()],
        };
        match check_observables(&[input]) {
            Ok(mut checked) => {
                let o = checked.remove(0);
                let seen = out
                    .observables
                    .iter()
                    .any(|x| x.kind == o.kind && x.value == o.value);
                if !seen && out.observables.len() < MAX_FROM_ONE_MESSAGE {
                    out.observables.push(o);
                }
            }
            Err(_) => out.skipped += 1,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observables::ObservableType;

    const PHISH: &str = "Return-Path: <bounce@mailer.bad.example>\r\n\
Received: from mx.bad.example (mx.bad.example [203.0.113.9])\r\n\tby mx.corp.example with ESMTPS id 123\r\n\tfor <alice@corp.example>; Thu, 19 Nov 2026 10:00:00 +0000\r\n\
From: \"IT Support\" <support@bad.example>\r\n\
Reply-To: collect@bad.example\r\n\
To: alice@corp.example\r\n\
Subject: Your password expires\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain\r\n\
\r\n\
Reset it at http://login.bad.example/reset?u=alice now.\r\n\
--b1\r\n\
Content-Type: application/octet-stream; name=\"invoice.exe\"\r\n\
Content-Disposition: attachment; filename=\"invoice.exe\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
TVqQAAMAAAAEAAAA\r\n\
--b1--\r\n";

    fn has(found: &EmlObservables, kind: ObservableType, value: &str) -> bool {
        found
            .observables
            .iter()
            .any(|o| o.kind == kind && o.value == value)
    }

    #[test]
    fn a_phishing_message_yields_its_observables() {
        let found = observables_from_eml(PHISH.as_bytes()).expect("parsed");
        assert_eq!(found.subject, "Your password expires");
        assert!(has(&found, ObservableType::Email, "support@bad.example"));
        assert!(has(&found, ObservableType::Email, "collect@bad.example"));
        assert!(has(
            &found,
            ObservableType::Email,
            "bounce@mailer.bad.example"
        ));
        assert!(has(&found, ObservableType::Ip, "203.0.113.9"));
        assert!(has(&found, ObservableType::Hostname, "mx.bad.example"));
        assert!(has(
            &found,
            ObservableType::Url,
            "http://login.bad.example/reset?u=alice"
        ));
        assert!(has(&found, ObservableType::Filename, "invoice.exe"));
        let sha = hex::encode(Sha256::digest([
            0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0,
        ]));
        assert!(
            has(&found, ObservableType::Hash, &sha),
            "{:?}",
            found.observables
        );
    }

    #[test]
    fn text_that_is_not_mail_is_refused() {
        assert!(observables_from_eml(b"just some words").is_none());
    }
}
