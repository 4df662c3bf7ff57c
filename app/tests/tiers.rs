//! Assignment, tier escalation, SLA clocks (with the test clock), notifications, the webhook and
//! e-mail outbox against local receivers, and the shift handover, each on SQLite and PostgreSQL.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use app::{
    both_databases,
    cases::{CaseInput, CasePatch, EventKind, TimelineFilter, service as cases},
    handover::service as handover,
    notifications::{NotificationKind, service as notifications},
    outbox::{
        DeliveryState,
        delivery::{Courier, SIGNATURE_HEADER, deliver_due, signature},
        service as outbox,
    },
    platform::{Actor, Error, MailSettings, Platform, Settings},
    sla::{ClockKind, ClockState, service as sla},
    testing::*,
    tiers::{EscalationState, service as tiers, sweep::sweep},
};

async fn analyst(p: &Platform, name: &str, tier: i64) -> Actor {
    add_user(p, name, "analyst", Some(tier)).await;
    sign_in(p, name).await.1
}

async fn manager(p: &Platform, name: &str) -> Actor {
    add_user(p, name, "manager", None).await;
    sign_in(p, name).await.1
}

/// A case opened by an integration (a token), so no person has acknowledged it yet.
async fn integration_case(p: &Platform, title: &str, severity: &str) -> app::cases::Case {
    let token =
        app::accounts::service::create_token(p, &system(), title, &["cases:write".into()], None)
            .await
            .unwrap()
            .token;
    let siem = app::accounts::service::actor_from_token(p, &token, None)
        .await
        .unwrap();
    let input = CaseInput {
        title: title.into(),
        description: "From the SIEM".into(),
        severity: severity.into(),
        ..Default::default()
    };
    cases::open(p, &siem, input.check().unwrap()).await.unwrap()
}

async fn timeline_kinds(p: &Platform, case_id: i64) -> Vec<(EventKind, String)> {
    cases::timeline(p, &system(), case_id, &TimelineFilter::default(), None)
        .await
        .unwrap()
        .0
        .into_iter()
        .map(|e| (e.kind, e.summary))
        .collect()
}

fn minutes(n: i64) -> time::Duration {
    time::Duration::minutes(n)
}

both_databases!(
    tier_one_escalates_with_a_handover_note_and_tier_two_accepts,
    |p| async move {
        let t1 = analyst(&p, "tara", 1).await;
        let t2 = analyst(&p, "tom", 2).await;
        let other_t2 = analyst(&p, "tess", 2).await;
        let t3 = analyst(&p, "ivan", 3).await;
        let case = integration_case(&p, "Beaconing host", "high").await;
        tiers::claim(&p, &t1, case.case_id).await.unwrap();

        // No handover note: refused, nothing changes.
        let before = audit_actions(&p).await.len();
        let e = tiers::move_tier(&p, &t1, case.case_id, 2, "Needs forensics", " ")
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Invalid(m) if m.contains("handover note")));
        assert!(matches!(
            tiers::move_tier(&p, &t1, case.case_id, 3, "", "note").await,
            Err(Error::Invalid(_))
        ));
        assert_eq!(audit_actions(&p).await.len(), before);

        let moved = tiers::move_tier(
            &p,
            &t1,
            case.case_id,
            2,
            "Needs forensics",
            "Checked: proxy logs. Remains: memory image. Next: isolate host.",
        )
        .await
        .unwrap();
        assert_eq!((moved.tier, moved.assignee_id), (2, None));
        let queue = tiers::queue(&p, &t2, 2, None).await.unwrap();
        let item = queue
            .items
            .iter()
            .find(|i| i.case.case_id == case.case_id)
            .unwrap();
        let pending = item.pending.as_ref().unwrap();
        assert_eq!(
            pending.handover_note,
            "Checked: proxy logs. Remains: memory image. Next: isolate host."
        );
        assert!(
            tiers::queue(&p, &t1, 1, None)
                .await
                .unwrap()
                .items
                .iter()
                .all(|i| i.case.case_id != case.case_id)
        );

        // Both tier 2 analysts were told; tier 1 and 3 were not.
        for who in [&t2, &other_t2] {
            let inbox = notifications::inbox(&p, who, None).await.unwrap();
            assert_eq!(inbox.items[0].kind, NotificationKind::EscalatedToTier);
            assert_eq!(inbox.items[0].link, format!("/cases/{}", case.number));
        }
        assert_eq!(notifications::unread(&p, &t3).await.unwrap(), 0);

        // Only tier 2 accepts; a second move waits until then.
        assert!(matches!(
            tiers::accept(&p, &t1, case.case_id).await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            tiers::accept(&p, &t3, case.case_id).await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            tiers::move_tier(&p, &t2, case.case_id, 3, "x", "y").await,
            Err(Error::Conflict(_))
        ));
        p.clock.advance(minutes(7));
        let accepted = tiers::accept(&p, &t2, case.case_id).await.unwrap();
        assert_eq!(accepted.assignee.as_deref(), Some("tom"));
        let moves = tiers::escalations(&p, &t2, case.case_id).await.unwrap();
        assert_eq!(moves[0].state, EscalationState::Accepted);
        assert_eq!(moves[0].time_to_accept_ms(), Some(7 * 60_000));
        assert!(matches!(
            tiers::accept(&p, &other_t2, case.case_id).await,
            Err(Error::Conflict(_))
        ));

        let kinds = timeline_kinds(&p, case.case_id).await;
        assert!(kinds.iter().any(
            |(k, s)| *k == EventKind::Escalation && s == "Escalated to tier 2: Needs forensics"
        ));
        assert!(kinds.iter().any(|(k, s)| *k == EventKind::Escalation
            && s.contains("accepted the case (tom) after 7 min")));
        let actions = audit_actions(&p).await;
        for a in ["case.claimed", "case.escalated", "case.escalation_accepted"] {
            assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
        }
    }
);

both_databases!(
    a_returned_move_goes_back_to_its_analyst_and_de_escalation_needs_a_reason,
    |p| async move {
        let t1 = analyst(&p, "tara", 1).await;
        let t2 = analyst(&p, "tom", 2).await;
        let boss = manager(&p, "mona").await;
        let case = integration_case(&p, "Phish", "medium").await;
        tiers::claim(&p, &t1, case.case_id).await.unwrap();
        tiers::move_tier(&p, &t1, case.case_id, 2, "Looks bad", "Checked headers")
            .await
            .unwrap();
        assert!(matches!(
            tiers::return_move(&p, &t2, case.case_id, " ").await,
            Err(Error::Invalid(_))
        ));
        let back = tiers::return_move(
            &p,
            &t2,
            case.case_id,
            "Commodity phish, tier 1 can close it",
        )
        .await
        .unwrap();
        assert_eq!((back.tier, back.assignee.as_deref()), (1, Some("tara")));
        let inbox = notifications::inbox(&p, &t1, None).await.unwrap();
        assert_eq!(inbox.items[0].kind, NotificationKind::Returned);

        // Managers move any case and assign within its tier; analysts of a lower tier cannot.
        tiers::move_tier(
            &p,
            &boss,
            case.case_id,
            3,
            "Executive target",
            "Handle with care",
        )
        .await
        .unwrap();
        tiers::assign(&p, &boss, case.case_id, "tom")
            .await
            .unwrap_err();
        let t3 = analyst(&p, "ivan", 3).await;
        let held = tiers::assign(&p, &boss, case.case_id, "ivan")
            .await
            .unwrap();
        assert_eq!(held.assignee.as_deref(), Some("ivan"));
        assert_eq!(
            notifications::inbox(&p, &t3, None).await.unwrap().items[0].kind,
            NotificationKind::Assigned
        );
        assert!(matches!(
            tiers::move_tier(&p, &t1, case.case_id, 2, "x", "").await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            tiers::move_tier(&p, &t3, case.case_id, 2, "", "").await,
            Err(Error::Invalid(_))
        ));
        let down = tiers::move_tier(&p, &t3, case.case_id, 2, "Contained, tier 2 finishes", "")
            .await
            .unwrap();
        assert_eq!(down.tier, 2);
        tiers::claim(&p, &t2, case.case_id).await.unwrap();
        assert!(matches!(
            tiers::release(&p, &t1, case.case_id).await,
            Err(Error::Forbidden(_))
        ));
        let released = tiers::release(&p, &t2, case.case_id).await.unwrap();
        assert_eq!(released.assignee, None);
        let work = tiers::workload(&p, &boss).await.unwrap();
        assert!(
            work.iter()
                .any(|r| r.username == "ivan" && r.open_cases == 0)
        );
        assert!(matches!(
            tiers::workload(&p, &t1).await,
            Err(Error::Forbidden(_))
        ));
    }
);

both_databases!(
    sla_clocks_start_pause_resume_and_a_breach_escalates_once,
    |p| async move {
        let t1 = analyst(&p, "tara", 1).await;
        let t2 = analyst(&p, "tom", 2).await;
        // Critical: acknowledge within 15 minutes.
        let case = integration_case(&p, "Ransomware note", "critical").await;
        let clocks = |p: Platform| async move {
            let c = cases::get(&p, &system(), case.case_id).await.unwrap();
            tiers::panel(&p, &system(), &c).await.unwrap().clocks
        };
        let ack = |cs: &[app::sla::Clock]| {
            cs.iter()
                .find(|c| c.kind == ClockKind::Acknowledge)
                .unwrap()
                .clone()
        };
        assert_eq!(ack(&clocks(p.clone()).await).state(), ClockState::Running);
        assert_eq!(ack(&clocks(p.clone()).await).remaining_ms(), 15 * 60_000);

        p.clock.advance(minutes(12));
        assert_eq!(
            ack(&clocks(p.clone()).await).state(),
            ClockState::NearBreach
        );
        let s = sweep(&p).await.unwrap();
        // Only the acknowledge clock (15 min, amber from 11¼) is in its last quarter.
        assert_eq!((s.warned, s.breached), (1, 0));
        assert_eq!(
            notifications::inbox(&p, &t1, None).await.unwrap().items[0].kind,
            NotificationKind::SlaNearBreach
        );

        // Paused for an hour: no breach, and the deadline moves by the pause.
        assert!(matches!(
            sla::pause(&p, &t1, case.case_id, "").await,
            Err(Error::Invalid(_))
        ));
        sla::pause(&p, &t1, case.case_id, "waiting on the asset owner")
            .await
            .unwrap();
        // The pause was a person acting on the case, which acknowledges it: use a fresh case
        // for the breach, and check this one's acknowledge clock stopped.
        assert_eq!(ack(&clocks(p.clone()).await).state(), ClockState::Met);
        p.clock.advance(minutes(60));
        assert_eq!(sweep(&p).await.unwrap().breached, 0);
        let contain = clocks(p.clone())
            .await
            .into_iter()
            .find(|c| c.kind == ClockKind::Contain)
            .unwrap();
        assert_eq!(contain.state(), ClockState::Paused);
        let left = contain.remaining_ms();
        sla::resume(&p, &t1, case.case_id).await.unwrap();
        let contain = clocks(p.clone())
            .await
            .into_iter()
            .find(|c| c.kind == ClockKind::Contain)
            .unwrap();
        assert_eq!(
            (contain.state(), contain.remaining_ms()),
            (ClockState::Running, left)
        );
        let kinds = timeline_kinds(&p, case.case_id).await;
        assert!(
            kinds.iter().any(|(k, s)| *k == EventKind::Sla
                && s == "SLA clocks paused: waiting on the asset owner")
        );

        // Nobody touches the second case: its acknowledge clock breaches, once.
        let idle = integration_case(&p, "Unwatched beacon", "critical").await;
        p.clock.advance(minutes(16));
        let s = sweep(&p).await.unwrap();
        assert_eq!(s.breached, 1);
        assert_eq!(sweep(&p).await.unwrap().breached, 0);
        let moved = cases::get(&p, &system(), idle.case_id).await.unwrap();
        assert_eq!((moved.tier, moved.assignee_id), (2, None));
        let esc = tiers::escalations(&p, &t2, idle.case_id).await.unwrap();
        assert_eq!(esc.len(), 1);
        assert!(esc[0].automatic);
        assert!(esc[0].reason.contains("time to acknowledge"));
        let kinds = timeline_kinds(&p, idle.case_id).await;
        assert!(
            kinds
                .iter()
                .any(|(k, s)| *k == EventKind::Sla && s == "SLA breached: time to acknowledge")
        );
        let t2_inbox = notifications::inbox(&p, &t2, None).await.unwrap();
        assert!(
            t2_inbox
                .items
                .iter()
                .any(|n| n.kind == NotificationKind::EscalatedToTier)
        );
        let actions = audit_actions(&p).await;
        assert_eq!(
            actions.iter().filter(|a| *a == "case.sla_breached").count(),
            1
        );

        // Containing and closing stop the other clocks.
        let patch = CasePatch {
            status: Some("contained".into()),
            ..Default::default()
        };
        cases::update(&p, &t1, case.case_id, None, patch)
            .await
            .unwrap();
        let contain = clocks(p.clone())
            .await
            .into_iter()
            .find(|c| c.kind == ClockKind::Contain)
            .unwrap();
        assert_eq!(contain.state(), ClockState::Met);
        cases::close(
            &p,
            &t1,
            case.case_id,
            None,
            "true_positive_with_impact",
            "Restored from backup",
        )
        .await
        .unwrap();
        let resolve = clocks(p.clone())
            .await
            .into_iter()
            .find(|c| c.kind == ClockKind::Resolve)
            .unwrap();
        assert_eq!(resolve.met_at, Some(p.clock.now()));
    }
);

both_databases!(
    admins_set_the_policy_per_severity_and_new_cases_follow_it,
    |p| async move {
        let admin = {
            add_user(&p, "root", "admin", None).await;
            sign_in(&p, "root").await.1
        };
        let t1 = analyst(&p, "tara", 1).await;
        assert!(matches!(
            sla::set_policy(&p, &t1, "high", 10, 60, 600).await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            sla::set_policy(&p, &admin, "high", 90, 60, 600).await,
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            sla::set_policy(&p, &admin, "urgent", 10, 60, 600).await,
            Err(Error::Invalid(_))
        ));
        let before = audit_actions(&p).await.len();
        let row = sla::set_policy(&p, &admin, "high", 10, 60, 600)
            .await
            .unwrap();
        assert_eq!(
            (row.acknowledge_minutes, row.updated_by.as_str()),
            (10, "root")
        );
        assert_eq!(
            audit_actions(&p).await[before..],
            ["sla.policy_updated".to_string()]
        );
        assert_eq!(sla::policy(&p, &admin).await.unwrap().len(), 5);
        let policy = sla::policy(&p, &t1).await.unwrap();
        assert_eq!(
            policy
                .iter()
                .find(|r| r.severity.as_str() == "high")
                .unwrap()
                .contain_minutes,
            60
        );
        let case = integration_case(&p, "New policy", "high").await;
        let c = cases::get(&p, &system(), case.case_id).await.unwrap();
        let clocks = tiers::panel(&p, &system(), &c).await.unwrap().clocks;
        let budgets: Vec<i64> = clocks.iter().map(|c| c.budget_ms / 60_000).collect();
        assert_eq!(budgets, [10, 60, 600]);
    }
);

both_databases!(shifts_are_configured_without_overlaps, |p| async move {
    let admin = {
        add_user(&p, "root", "admin", None).await;
        sign_in(&p, "root").await.1
    };
    let t1 = analyst(&p, "tara", 1).await;
    let shifts = handover::shifts(&p, &t1).await.unwrap();
    assert_eq!(
        shifts.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["Early", "Late", "Night"]
    );
    let early = shifts[0].shift_id;
    assert!(matches!(
        handover::update_shift(&p, &t1, early, "Day", 360, 480).await,
        Err(Error::Forbidden(_))
    ));
    let e = handover::update_shift(&p, &admin, early, "Day", 360, 540)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(m) if m.contains("overlap at 14:00")));
    let after = handover::update_shift(&p, &admin, early, "Day", 420, 420)
        .await
        .unwrap();
    assert_eq!(
        (
            after[0].name.as_str(),
            after[0].start_minute,
            after[0].duration_minutes
        ),
        ("Day", 420, 420)
    );
    assert!(
        audit_actions(&p)
            .await
            .contains(&"shift.updated".to_string())
    );
});

/// Several Casefile processes on one Postgres: every process sweeps at once, each breach is
/// handled exactly once. (On SQLite, one process: two concurrent sweeps in it.)
async fn sweeps_race(kind: &str) {
    let (db, url) = match kind {
        "sqlite" => TestDb::sqlite().await,
        _ => TestDb::postgres().await,
    };
    let first = platform(&url).await;
    let second = match kind {
        "sqlite" => first.clone(),
        _ => {
            let mut other = platform(&url).await;
            other.clock = first.clock.clone();
            other
        }
    };
    add_user(&first, "tom", "analyst", Some(2)).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(
            integration_case(&first, &format!("Idle {i}"), "critical")
                .await
                .case_id,
        );
    }
    first.clock.advance(minutes(16));
    let (a, b, c) = tokio::join!(sweep(&first), sweep(&second), sweep(&second));
    let handled = a.unwrap().breached + b.unwrap().breached + c.unwrap().breached;
    // Leftovers (a row skipped while locked) go to the next round.
    let again = sweep(&first).await.unwrap().breached;
    assert_eq!(handled + again, 12);
    let actions = audit_actions(&first).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "case.sla_breached").count(),
        12
    );
    assert_eq!(actions.iter().filter(|a| *a == "case.escalated").count(), 0);
    for id in ids {
        let esc = tiers::escalations(&first, &system(), id).await.unwrap();
        assert_eq!(esc.len(), 1, "case {id} escalated once");
        let kinds = timeline_kinds(&first, id).await;
        assert_eq!(
            kinds.iter().filter(|(k, _)| *k == EventKind::Sla).count(),
            1
        );
    }
    first.db.close().await;
    second.db.close().await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exactly_once_breach_with_two_processes_on_postgres() {
    sweeps_race("postgres").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_once_breach_with_concurrent_sweeps_on_sqlite() {
    sweeps_race("sqlite").await;
}

both_databases!(
    a_person_acting_acknowledges_and_notifications_are_read,
    |p| async move {
        let t1 = analyst(&p, "tara", 1).await;
        let case = integration_case(&p, "Odd login", "low").await;
        cases::add_note(&p, &t1, case.case_id, "Looking")
            .await
            .unwrap();
        let c = cases::get(&p, &t1, case.case_id).await.unwrap();
        let clocks = tiers::panel(&p, &t1, &c).await.unwrap().clocks;
        let ack = clocks
            .iter()
            .find(|c| c.kind == ClockKind::Acknowledge)
            .unwrap();
        assert_eq!(ack.met_at, Some(p.clock.now()));

        let boss = manager(&p, "mona").await;
        tiers::assign(&p, &boss, case.case_id, "tara")
            .await
            .unwrap();
        assert_eq!(notifications::unread(&p, &t1).await.unwrap(), 1);
        let id = notifications::inbox(&p, &t1, None).await.unwrap().items[0].notification_id;
        // Someone else's notification cannot be marked read.
        assert_eq!(
            notifications::mark_read(&p, &boss, Some(id)).await.unwrap(),
            0
        );
        assert_eq!(
            notifications::mark_read(&p, &t1, Some(id)).await.unwrap(),
            1
        );
        assert_eq!(notifications::unread(&p, &t1).await.unwrap(), 0);
        assert!(matches!(
            notifications::set_email(&p, &t1, "not an address").await,
            Err(Error::Invalid(_))
        ));
    }
);

/// A webhook receiver on localhost that keeps what it gets.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(String, String)>>>);

async fn receiver(addr: SocketAddr, got: Received) -> tokio::task::JoinHandle<()> {
    use axum::{http::HeaderMap, routing::post};
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: String| {
            let got = got.clone();
            async move {
                let sig = headers[SIGNATURE_HEADER].to_str().unwrap().to_owned();
                got.0.lock().unwrap().push((sig, body));
                "ok"
            }
        }),
    );
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    })
}

both_databases!(
    webhooks_are_signed_thehive_shaped_and_retried_after_the_receiver_comes_back,
    |p| async move {
        // The receiver is on loopback, which webhooks reach only when the operator allows it.
        let mut p = p;
        p.settings = Arc::new(Settings {
            webhook_private_hosts: vec!["127.0.0.1".into()],
            ..Default::default()
        });
        let admin = {
            add_user(&p, "root", "admin", None).await;
            sign_in(&p, "root").await.1
        };
        // A port nobody listens on yet.
        let addr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let url = format!("http://{addr}/hook");
        assert!(matches!(
            outbox::create_webhook(&p, &admin, "soar", "ftp://x", &[]).await,
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            outbox::create_webhook(&p, &admin, "soar", &url, &["case".into()]).await,
            Err(Error::Invalid(_))
        ));
        let hook = outbox::create_webhook(&p, &admin, "soar", &url, &["case.escalated".into()])
            .await
            .unwrap();
        let t1 = analyst(&p, "tara", 1).await;
        let case = integration_case(&p, "Lateral movement", "high").await;
        tiers::claim(&p, &t1, case.case_id).await.unwrap();
        tiers::move_tier(&p, &t1, case.case_id, 2, "Spreading", "Checked two hosts")
            .await
            .unwrap();

        let courier = Courier::new(None, &p.settings.webhook_private_hosts).unwrap();
        // The receiver is down: the attempt fails and a retry is scheduled 30 s later.
        assert_eq!(deliver_due(&p, &courier).await.unwrap(), 1);
        let log = outbox::deliveries(&p, &admin, None, None)
            .await
            .unwrap()
            .deliveries;
        assert_eq!(log.len(), 1, "only case.escalated matches");
        assert_eq!((log[0].state, log[0].attempts), (DeliveryState::Pending, 1));
        assert!(
            log[0]
                .last_error
                .as_deref()
                .unwrap()
                .contains("could not connect")
        );
        assert_eq!(deliver_due(&p, &courier).await.unwrap(), 0, "not due yet");

        // Nothing waits in memory: a new courier (as after a restart) finds and sends it.
        drop(courier);
        let courier = Courier::new(None, &p.settings.webhook_private_hosts).unwrap();
        let got = Received::default();
        let server = receiver(addr, got.clone()).await;
        p.clock.advance(time::Duration::seconds(31));
        assert_eq!(deliver_due(&p, &courier).await.unwrap(), 1);
        let log = outbox::deliveries(&p, &admin, None, None)
            .await
            .unwrap()
            .deliveries;
        assert_eq!(
            (log[0].state, log[0].log.len()),
            (DeliveryState::Delivered, 2)
        );
        assert_eq!(log[0].log[1].status_code, Some(200));

        let (sig, body) = got.0.lock().unwrap()[0].clone();
        assert_eq!(sig, signature(&hook.secret, body.as_bytes()));
        assert_ne!(sig, signature("wrong secret", body.as_bytes()));
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["operation"], "Update");
        assert_eq!(v["objectType"], "case");
        assert_eq!(v["objectId"], format!("~{}", case.case_id));
        assert_eq!(v["object"]["title"], "Lateral movement");
        assert_eq!(v["details"]["after"]["tier"], 2);
        assert_eq!(v["casefile"]["action"], "case.escalated");
        server.abort();
    }
);

#[derive(Clone, Default)]
struct Mailbox(Arc<Mutex<Vec<String>>>);

impl mailin_embedded::Handler for Mailbox {
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0
            .lock()
            .unwrap()
            .push(String::from_utf8_lossy(buf).into_owned());
        Ok(())
    }
}

both_databases!(
    notifications_are_mailed_through_smtp_when_configured,
    |p| async move {
        let addr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let inbox = Mailbox::default();
        let mut server = mailin_embedded::Server::new(inbox.clone());
        server
            .with_name("test.local")
            .with_ssl(mailin_embedded::SslConfig::None)
            .unwrap()
            .with_addr(addr)
            .unwrap();
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        let mut p = p;
        let mail = MailSettings {
            smtp_url: format!("smtp://{addr}"),
            from: "Casefile <casefile@test.local>".into(),
            public_origin: "https://casefile.test".into(),
        };
        p.settings = Arc::new(Settings {
            mail: Some(mail.clone()),
            ..Default::default()
        });
        let t2 = analyst(&p, "tom", 2).await;
        notifications::set_email(&p, &t2, "tom@test.local")
            .await
            .unwrap();
        let boss = manager(&p, "mona").await;
        let case = integration_case(&p, "Data exfiltration", "high").await;
        tiers::move_tier(&p, &boss, case.case_id, 2, "Big", "Look at proxy logs")
            .await
            .unwrap();
        let courier = Courier::new(Some(&mail), &[]).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(deliver_due(&p, &courier).await.unwrap(), 1);
        let admin = {
            add_user(&p, "root", "admin", None).await;
            sign_in(&p, "root").await.1
        };
        let log = outbox::deliveries(&p, &admin, None, None)
            .await
            .unwrap()
            .deliveries;
        assert_eq!(
            log[0].state,
            DeliveryState::Delivered,
            "{:?}",
            log[0].last_error
        );
        let mails = inbox.0.lock().unwrap().concat();
        assert!(
            mails.contains("Subject: [Casefile] Escalated to your tier"),
            "{mails}"
        );
        assert!(mails.contains(&format!("https://casefile.test/cases/{}", case.number)));
        assert!(mails.contains("To: tom@test.local"));
    }
);

both_databases!(
    a_handover_is_prefilled_written_and_acknowledged_by_someone_else,
    |p| async move {
        let outgoing = analyst(&p, "tara", 1).await;
        let incoming = analyst(&p, "nina", 1).await;
        let auditor = {
            add_user(&p, "audrey", "auditor", None).await;
            sign_in(&p, "audrey").await.1
        };
        let case = integration_case(&p, "Suspicious PowerShell", "medium").await;
        let board = handover::board(&p, &outgoing, None).await.unwrap();
        assert!(board.draft.opened.iter().any(|c| c.number == case.number));
        assert!(
            board
                .draft
                .open_investigations
                .iter()
                .any(|c| c.number == case.number)
        );
        assert!(
            board
                .draft
                .sla_due
                .iter()
                .any(|c| c.number == case.number && c.clock == "acknowledge")
        );

        assert!(matches!(
            handover::write(&p, &auditor, "x").await,
            Err(Error::Forbidden(_))
        ));
        let h = handover::write(
            &p,
            &outgoing,
            "Patch window 02:00–04:00 on the mail gateway",
        )
        .await
        .unwrap();
        assert!(h.summary.opened.iter().any(|c| c.number == case.number));
        assert_eq!(
            notifications::inbox(&p, &incoming, None)
                .await
                .unwrap()
                .items[0]
                .kind,
            NotificationKind::Handover
        );
        assert!(matches!(
            handover::acknowledge(&p, &outgoing, h.handover_id).await,
            Err(Error::Conflict(_))
        ));
        let acked = handover::acknowledge(&p, &incoming, h.handover_id)
            .await
            .unwrap();
        assert_eq!(acked.acknowledged_by.as_deref(), Some("nina"));
        assert!(matches!(
            handover::acknowledge(&p, &incoming, h.handover_id).await,
            Err(Error::Conflict(_))
        ));
        let board = handover::board(&p, &auditor, None).await.unwrap();
        assert!(board.waiting.is_empty());
        assert_eq!(
            board.history[0].notes,
            "Patch window 02:00–04:00 on the mail gateway"
        );
        assert!(!board.can_write);
        let actions = audit_actions(&p).await;
        assert!(actions.contains(&"handover.written".to_string()));
        assert!(actions.contains(&"handover.acknowledged".to_string()));
    }
);
