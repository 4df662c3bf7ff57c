//! The journal, on SQLite and PostgreSQL: every change to a case, whichever feature makes it,
//! raises the case's version (so a form loaded before it is refused) and is announced to open
//! case pages after it commits; a refused change leaves nothing behind; the listeners run for
//! every feature's entries.

use std::time::Duration;

use app::{
    both_databases,
    cases::{CaseInput, CasePatch, service as cases},
    journal::{Change, Happened, case_event},
    platform::{Actor, Error, Platform, live::Topic},
    sla::{ClockKind, ClockState, service as sla},
    testing::*,
    tiers::service as tiers,
    timeline::EventKind,
};

async fn analyst(p: &Platform, name: &str) -> Actor {
    add_user(p, name, "analyst", Some(1)).await;
    sign_in(p, name).await.1
}

async fn open_case(p: &Platform, actor: &Actor, title: &str) -> app::cases::Case {
    let input = CaseInput {
        title: title.into(),
        severity: "high".into(),
        ..Default::default()
    };
    cases::open(p, actor, input.check().unwrap()).await.unwrap()
}

async fn version(p: &Platform, case_id: i64) -> i64 {
    cases::get(p, &system(), case_id).await.unwrap().version
}

/// The next announcement for case `case_id`, or `None` within two seconds.
async fn announced(rx: &mut tokio::sync::broadcast::Receiver<Topic>, case_id: i64) -> bool {
    let wait = async {
        loop {
            match rx.recv().await {
                Ok(Topic::Case(id)) if id == case_id => return true,
                Ok(_) => continue,
                Err(_) => return false,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(2), wait)
        .await
        .unwrap_or(false)
}

both_databases!(
    every_feature_raises_the_version_and_announces,
    |p| async move {
        let tara = analyst(&p, "tara").await;
        let case = open_case(&p, &tara, "Beaconing host").await;
        let mut rx = p.live.subscribe(&p.db).await;

        // Claiming (tiers), pausing the clocks (SLA) and a note (cases): each a new version,
        // each announced. Before the journal, the tier and SLA changes left the version alone.
        let v0 = version(&p, case.case_id).await;
        tiers::claim(&p, &tara, case.case_id).await.unwrap();
        assert!(announced(&mut rx, case.case_id).await, "claim announced");
        let v1 = version(&p, case.case_id).await;
        assert_eq!(v1, v0 + 1, "a claim is a new version");
        sla::pause(&p, &tara, case.case_id, "waiting on the asset owner")
            .await
            .unwrap();
        assert!(announced(&mut rx, case.case_id).await, "pause announced");
        let v2 = version(&p, case.case_id).await;
        assert_eq!(v2, v1 + 1, "an SLA pause is a new version");
        cases::add_note(&p, &tara, case.case_id, "Isolated the host.")
            .await
            .unwrap();
        assert!(announced(&mut rx, case.case_id).await, "note announced");
        assert_eq!(version(&p, case.case_id).await, v2 + 1);

        // An edit made on the version from before the claim is refused and changes nothing.
        let patch = CasePatch {
            title: Some("Stale title".into()),
            ..Default::default()
        };
        let stale = cases::update(&p, &tara, case.case_id, Some(v0), patch).await;
        assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");
        let now = cases::get(&p, &tara, case.case_id).await.unwrap();
        assert_eq!(now.title, "Beaconing host");
        assert_eq!(now.version, v2 + 1);
    }
);

both_databases!(a_refused_change_leaves_nothing, |p| async move {
    let tara = analyst(&p, "tara").await;
    let case = open_case(&p, &tara, "Phishing").await;
    let before = version(&p, case.case_id).await;
    let entries = cases::timeline(&p, &tara, case.case_id, &Default::default(), None)
        .await
        .unwrap()
        .0
        .len();
    {
        let (mut ch, _) = Change::on_case(&p, &tara, case.case_id).await.unwrap();
        let happened = Happened {
            kind: EventKind::Custom,
            at: ch.now(),
            summary: "never committed",
            detail: serde_json::json!({}),
        };
        ch.record(case.case_id, happened).await.unwrap();
        ch.audit(case_event("case.test", case.case_id, serde_json::json!({})))
            .await
            .unwrap();
        // Dropped without a commit.
    }
    assert_eq!(version(&p, case.case_id).await, before);
    let after = cases::timeline(&p, &tara, case.case_id, &Default::default(), None)
        .await
        .unwrap()
        .0
        .len();
    assert_eq!(after, entries);
    let log = app::audit::store::entries_after(&p.db, 0, 10_000)
        .await
        .unwrap();
    assert!(log.iter().all(|e| e.action != "case.test"));
});

both_databases!(a_change_to_a_missing_case_is_not_found, |p| async move {
    let tara = analyst(&p, "tara").await;
    let missing = Change::on_case(&p, &tara, 999_999).await;
    assert!(matches!(missing, Err(Error::NotFound(_))));
});

both_databases!(
    listeners_run_for_entries_any_feature_records,
    |p| async move {
        // A case opened by a token: nobody has acknowledged it.
        let tara = analyst(&p, "tara").await;
        let case = open_case(&p, &system(), "Suspicious login").await;
        let clocks = |p: Platform| async move {
            let c = cases::get(&p, &system(), case.case_id).await.unwrap();
            tiers::panel(&p, &system(), &c).await.unwrap().clocks
        };
        let ack = |clocks: Vec<app::sla::Clock>| {
            clocks
                .into_iter()
                .find(|c| c.kind == ClockKind::Acknowledge)
                .unwrap()
                .state()
        };
        let opened = clocks(p.clone()).await;
        assert_eq!(opened.len(), 3, "opening the case started its clocks");
        assert_eq!(ack(opened), ClockState::Running);
        // An entry recorded by the tiers feature acknowledges it, through the SLA listener.
        tiers::claim(&p, &tara, case.case_id).await.unwrap();
        assert_eq!(ack(clocks(p.clone()).await), ClockState::Met);
    }
);
