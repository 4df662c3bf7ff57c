//! Case workspace service tests, each on SQLite and PostgreSQL: playbooks and containment
//! tasks, timeline entries (time zones, ATT&CK, tags, corrections, filters), watchlists,
//! e-mail parsing, related cases, search and live updates.

use std::time::Duration;

use app::{
    alerts::{self, AlertInput, IngestOutcome},
    both_databases,
    cases::{
        CaseInput, EventInput, EventKind, NewCase, TaskStatus, TimelineFilter, service as cases,
    },
    platform::{Actor, Db, Error, Platform},
    playbooks::service as playbooks,
    search::{SearchQuery, service as search},
    testing::*,
    watchlists::service as watchlists,
};

async fn analyst(p: &Platform, name: &str) -> Actor {
    add_user(p, name, "analyst", Some(1)).await;
    sign_in(p, name).await.1
}

async fn admin(p: &Platform) -> Actor {
    add_user(p, "root", "admin", None).await;
    sign_in(p, "root").await.1
}

fn new_case(title: &str, observables: serde_json::Value) -> NewCase {
    CaseInput {
        title: title.into(),
        description: "Opened by hand while hunting".into(),
        severity: "high".into(),
        observables: serde_json::from_value(observables).unwrap(),
        ..Default::default()
    }
    .check()
    .unwrap()
}

fn entry(kind: &str, summary: &str, body: &str) -> EventInput {
    EventInput {
        kind: kind.into(),
        summary: summary.into(),
        body: body.into(),
        ..Default::default()
    }
}

async fn playbook_id(p: &Platform, actor: &Actor, name: &str) -> i64 {
    playbooks::list(p, actor)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.name == name)
        .unwrap_or_else(|| panic!("playbook {name} ships"))
        .playbook_id
}

both_databases!(
    the_five_playbooks_ship_and_apply_their_tasks,
    |p| async move {
        let tara = analyst(&p, "tara").await;
        let names: Vec<String> = playbooks::list(&p, &tara)
            .await
            .unwrap()
            .into_iter()
            .map(|b| b.name)
            .collect();
        for wanted in [
            "Phishing",
            "Malware on endpoint",
            "Compromised account",
            "Data exfiltration",
            "Ransomware",
        ] {
            assert!(names.contains(&wanted.to_owned()), "{names:?}");
        }
        let case = cases::open(&p, &tara, new_case("Phish", serde_json::json!([])))
            .await
            .unwrap();
        let id = playbook_id(&p, &tara, "Phishing").await;
        let added = playbooks::apply(&p, &tara, case.case_id, id).await.unwrap();
        let tasks = cases::tasks(&p, &tara, case.case_id).await.unwrap();
        assert_eq!(tasks.len(), added);
        assert!(
            tasks.iter().any(|t| t.action.is_some()),
            "containment tasks carry their action"
        );
        let (events, _) =
            cases::timeline(&p, &tara, case.case_id, &TimelineFilter::default(), None)
                .await
                .unwrap();
        assert!(
            events
                .iter()
                .any(|e| e.summary.starts_with("Playbook applied: Phishing"))
        );
        assert!(
            audit_actions(&p)
                .await
                .contains(&"case.playbook_applied".to_owned())
        );
    }
);

both_databases!(
    a_containment_task_is_done_only_with_its_asset_and_says_so_on_the_timeline,
    |p| async move {
        let tara = analyst(&p, "tara").await;
        let case = cases::open(&p, &tara, new_case("Malware", serde_json::json!([])))
            .await
            .unwrap();
        let id = playbook_id(&p, &tara, "Malware on endpoint").await;
        playbooks::apply(&p, &tara, case.case_id, id).await.unwrap();
        let isolate = cases::tasks(&p, &tara, case.case_id)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.action.map(|a| a.as_str()) == Some("isolate_host"))
            .expect("isolate task");
        let err = cases::set_task_status(&p, &tara, isolate.task_id, "done", None)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Invalid(m) if m.contains("host")),
            "{err:?}"
        );
        let still = cases::task(&p, &tara, isolate.task_id).await.unwrap();
        assert_eq!(
            still.status,
            TaskStatus::Todo,
            "a refused completion changes nothing"
        );
        let done = cases::set_task_status(&p, &tara, isolate.task_id, "done", Some("WS-042"))
            .await
            .unwrap();
        assert_eq!(done.done_on.as_deref(), Some("WS-042"));
        let done_filter = TimelineFilter {
            kind: Some("task_done".into()),
            ..Default::default()
        };
        let (events, _) = cases::timeline(&p, &tara, case.case_id, &done_filter, None)
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        assert!(
            events[0].summary.starts_with("Isolated host WS-042"),
            "{}",
            events[0].summary
        );
        assert!(
            events[0].detail.contains("isolate_host"),
            "{}",
            events[0].detail
        );
    }
);

both_databases!(
    admins_edit_playbooks_and_stale_or_unauthorized_edits_are_refused,
    |p| async move {
        let root = admin(&p).await;
        let tara = analyst(&p, "tara").await;
        // Admins keep playbooks but do not read cases (separation of duties).
        assert_eq!(playbooks::list(&p, &root).await.unwrap().len(), 5);
        let case = cases::open(&p, &tara, new_case("Mine", serde_json::json!([])))
            .await
            .unwrap();
        assert!(matches!(
            cases::get(&p, &root, case.case_id).await,
            Err(Error::Forbidden(_))
        ));
        let id = playbook_id(&p, &tara, "Ransomware").await;
        let text =
            "containment | Isolate infected hosts | isolate_host\nrecovery | Restore from backups";
        let err = playbooks::update(&p, &tara, id, 1, "Ransomware", "", text)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
        let bad = playbooks::update(
            &p,
            &root,
            id,
            1,
            "Ransomware",
            "",
            "x | y | launch_missiles",
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&bad, Error::Invalid(m) if m.starts_with("Line 1")),
            "{bad:?}"
        );
        let saved = playbooks::update(&p, &root, id, 1, "Ransomware", "Edited", text)
            .await
            .unwrap();
        assert_eq!((saved.version, saved.tasks.len()), (2, 2));
        let stale = playbooks::update(&p, &root, id, 1, "Ransomware", "", text)
            .await
            .unwrap_err();
        assert!(matches!(stale, Error::Conflict(_)), "{stale:?}");
        assert!(
            audit_actions(&p)
                .await
                .contains(&"playbook.updated".to_owned())
        );
    }
);

both_databases!(
    timeline_entries_carry_local_time_techniques_and_tags_and_filter_by_them,
    |p| async move {
        let tara = analyst(&p, "tara").await;
        let case = cases::open(&p, &tara, new_case("Hunt", serde_json::json!([])))
            .await
            .unwrap();
        let mut phish = entry("custom", "User opened the attachment", "");
        // 09:30 at UTC+02:00 is 07:30 UTC.
        phish.occurred_at = "2026-11-20T09:30".into();
        phish.utc_offset_minutes = 120;
        phish.techniques = vec!["t1566.001".into()];
        phish.tags = vec!["initial".into()];
        cases::add_event(&p, &tara, case.case_id, phish)
            .await
            .unwrap();
        let mut exec = entry("note", "", "PowerShell **launched** by Word");
        exec.techniques = vec!["T1059.001".into()];
        cases::add_event(&p, &tara, case.case_id, exec)
            .await
            .unwrap();

        let by_tactic = TimelineFilter {
            tactic: Some("initial-access".into()),
            ..Default::default()
        };
        let (events, _) = cases::timeline(&p, &tara, case.case_id, &by_tactic, None)
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(
            events[0].occurred_at, 1_795_159_800_000,
            "2026-11-20T07:30:00Z"
        );
        assert_eq!(events[0].techniques, ["T1566.001"]);
        let by_tag = TimelineFilter {
            tag: Some("initial".into()),
            ..Default::default()
        };
        assert_eq!(
            cases::timeline(&p, &tara, case.case_id, &by_tag, None)
                .await
                .unwrap()
                .0
                .len(),
            1
        );
        let by_kind = TimelineFilter {
            kind: Some("note".into()),
            ..Default::default()
        };
        let notes = cases::timeline(&p, &tara, case.case_id, &by_kind, None)
            .await
            .unwrap()
            .0;
        assert_eq!(notes.len(), 1);
        assert!(notes[0].body_html.contains("<strong>launched</strong>"));

        let groups = cases::techniques(&p, &tara, case.case_id).await.unwrap();
        let tactics: Vec<&str> = groups
            .iter()
            .map(|g| g.tactic.short_name.as_str())
            .collect();
        assert_eq!(tactics, ["initial-access", "execution"], "kill-chain order");

        let mut unknown = entry("note", "", "x");
        unknown.techniques = vec!["T9999".into()];
        let before = cases::timeline(&p, &tara, case.case_id, &TimelineFilter::default(), None)
            .await
            .unwrap()
            .0
            .len();
        let err = cases::add_event(&p, &tara, case.case_id, unknown)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Invalid(m) if m.contains("T9999")),
            "{err:?}"
        );
        let mut future = entry("note", "", "from the future");
        future.occurred_at = "2999-01-01T00:00:00Z".into();
        assert!(matches!(
            cases::add_event(&p, &tara, case.case_id, future).await,
            Err(Error::Invalid(_))
        ));
        let bad_filter = TimelineFilter {
            tactic: Some("lunch".into()),
            ..Default::default()
        };
        assert!(matches!(
            cases::timeline(&p, &tara, case.case_id, &bad_filter, None).await,
            Err(Error::Invalid(_))
        ));
        let after = cases::timeline(&p, &tara, case.case_id, &TimelineFilter::default(), None)
            .await
            .unwrap()
            .0
            .len();
        assert_eq!(before, after, "refused entries write nothing");
    }
);

both_databases!(
    a_correction_supersedes_an_entry_which_stays_visible,
    |p| async move {
        let tara = analyst(&p, "tara").await;
        let case = cases::open(&p, &tara, new_case("Typo", serde_json::json!([])))
            .await
            .unwrap();
        let mut first = entry("note", "", "Host WS-041 beaconed");
        first.techniques = vec!["T1071".into()];
        let old = cases::add_event(&p, &tara, case.case_id, first)
            .await
            .unwrap();
        let mut fix = entry("note", "", "Host WS-042 beaconed (not 041)");
        fix.supersedes = Some(old);
        let new = cases::add_event(&p, &tara, case.case_id, fix.clone())
            .await
            .unwrap();
        let (events, _) =
            cases::timeline(&p, &tara, case.case_id, &TimelineFilter::default(), None)
                .await
                .unwrap();
        let old_e = events
            .iter()
            .find(|e| e.event_id == old)
            .expect("old entry stays");
        assert_eq!(old_e.superseded_by, Some(new));
        assert_eq!(old_e.body, "Host WS-041 beaconed", "never edited in place");
        let new_e = events.iter().find(|e| e.event_id == new).unwrap();
        assert_eq!(new_e.supersedes_event_id, Some(old));
        assert!(
            cases::techniques(&p, &tara, case.case_id)
                .await
                .unwrap()
                .is_empty(),
            "techniques of a superseded entry no longer count"
        );
        let again = cases::add_event(&p, &tara, case.case_id, fix)
            .await
            .unwrap_err();
        assert!(
            matches!(&again, Error::Conflict(m) if m.contains(&new.to_string())),
            "{again:?}"
        );
        let opened = events
            .iter()
            .find(|e| e.kind == EventKind::CaseOpened)
            .unwrap()
            .event_id;
        let mut sys = entry("note", "", "rewrite history");
        sys.supersedes = Some(opened);
        assert!(matches!(
            cases::add_event(&p, &tara, case.case_id, sys).await,
            Err(Error::Invalid(_))
        ));
        assert!(
            audit_actions(&p)
                .await
                .contains(&"case.event_corrected".to_owned())
        );
    }
);

async fn post_alert(p: &Platform, source_ref: &str, ip: &str) -> i64 {
    let input: AlertInput = serde_json::from_value(serde_json::json!({
        "source": "suricata", "source_ref": source_ref, "rule": "ET C2",
        "title": "C2 traffic", "severity": "high",
        "observables": [{"type": "ip", "value": ip}],
    }))
    .unwrap();
    match &alerts::service::ingest(p, &system(), vec![Ok(input.check().unwrap())])
        .await
        .unwrap()[0]
    {
        IngestOutcome::Created { id } => *id,
        other => panic!("{other:?}"),
    }
}

async fn watchlist_hit(db: &Db, alert_id: i64) -> i64 {
    let sql = "select watchlist_hit from alert where alert_id = $1";
    let (hit,): (i64,) = match db {
        Db::Sqlite(pools) => sqlx::query_as(sql)
            .bind(alert_id)
            .fetch_one(&pools.read)
            .await
            .unwrap(),
        Db::Postgres(pool) => sqlx::query_as(sql)
            .bind(alert_id)
            .fetch_one(pool)
            .await
            .unwrap(),
    };
    hit
}

both_databases!(
    watchlists_flag_case_observables_and_arriving_alerts,
    |p| async move {
        let root = admin(&p).await;
        let tara = analyst(&p, "tara").await;
        let list = watchlists::create(&p, &root, "C2 servers", "From the intel feed")
            .await
            .unwrap();
        assert!(matches!(
            watchlists::create(&p, &tara, "x", "").await,
            Err(Error::Forbidden(_))
        ));
        let bad = watchlists::import_csv(
            &p,
            &root,
            list.watchlist_id,
            "ip,203.0.113.7\nip,not-an-ip\n",
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&bad, Error::Invalid(m) if m.starts_with("Line 2")),
            "{bad:?}"
        );
        assert!(
            watchlists::entries(&p, &tara, list.watchlist_id, None)
                .await
                .unwrap()
                .is_empty(),
            "a refused import adds nothing"
        );
        let report = watchlists::import_csv(
            &p,
            &root,
            list.watchlist_id,
            "type,value,note\nip,203.0.113.7,C2\ndomain,evil[.]example,phishing kit\nip,203.0.113.7,dup\n",
        )
        .await
        .unwrap();
        assert_eq!((report.added, report.already_listed), (2, 1));
        assert_eq!(watchlists::list(&p, &tara).await.unwrap()[0].entry_count, 2);

        let case = cases::open(
            &p,
            &tara,
            new_case(
                "Beacon",
                serde_json::json!([{"type": "domain", "value": "evil.example"}]),
            ),
        )
        .await
        .unwrap();
        let obs = cases::observables(&p, &tara, case.case_id).await.unwrap();
        assert_eq!(obs[0].watchlist.as_deref(), Some("C2 servers"));
        let checked = app::alerts::check_observables(&serde_json::from_value::<Vec<_>>(
            serde_json::json!([{"type": "ip", "value": "203.0.113.7"}, {"type": "ip", "value": "198.51.100.1"}]),
        ).unwrap())
        .unwrap();
        let stored =
            cases::add_observables(&p, &tara, case.case_id, &checked, "", false, None, None)
                .await
                .unwrap();
        let flagged: Vec<_> = stored
            .iter()
            .filter(|o| o.watchlist.is_some())
            .map(|o| o.value.as_str())
            .collect();
        assert_eq!(flagged, ["203.0.113.7"]);
        let (events, _) =
            cases::timeline(&p, &tara, case.case_id, &TimelineFilter::default(), None)
                .await
                .unwrap();
        assert!(
            events.iter().any(|e| e.summary.contains("203.0.113.7")
                && e.summary.contains("on watchlist C2 servers"))
        );

        let hit = post_alert(&p, "a1", "203.0.113.7").await;
        let clean = post_alert(&p, "a2", "192.0.2.99").await;
        assert_eq!(watchlist_hit(&p.db, hit).await, 1);
        assert_eq!(watchlist_hit(&p.db, clean).await, 0);
    }
);

const EML: &str = "Return-Path: <bounce@mailer.bad.example>\r\n\
Received: from mx.bad.example (mx.bad.example [203.0.113.9])\r\n\tby mx.corp.example with ESMTP id 1; Thu, 19 Nov 2026 10:00:00 +0000\r\n\
From: IT Support <support@bad.example>\r\n\
Reply-To: collect@bad.example\r\n\
Subject: Password expiry\r\n\
Content-Type: text/plain\r\n\
\r\n\
Reset at http://login.bad.example/reset now.\r\n";

both_databases!(a_pasted_email_becomes_observables, |p| async move {
    let tara = analyst(&p, "tara").await;
    let case = cases::open(&p, &tara, new_case("Reported phish", serde_json::json!([])))
        .await
        .unwrap();
    let done = cases::import_eml(&p, &tara, case.case_id, EML.as_bytes())
        .await
        .unwrap();
    assert!(done.found >= 5, "{done:?}");
    let values: Vec<String> = cases::observables(&p, &tara, case.case_id)
        .await
        .unwrap()
        .into_iter()
        .map(|o| format!("{}:{}", o.data_type, o.value))
        .collect();
    for v in [
        "email:support@bad.example",
        "email:collect@bad.example",
        "email:bounce@mailer.bad.example",
        "ip:203.0.113.9",
        "url:http://login.bad.example/reset",
    ] {
        assert!(values.contains(&v.to_owned()), "{v} in {values:?}");
    }
    let err = cases::import_eml(&p, &tara, case.case_id, b"hello")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
});

both_databases!(
    cases_sharing_observables_are_related_and_counted,
    |p| async move {
        let tara = analyst(&p, "tara").await;
        let shared = serde_json::json!([{"type": "ip", "value": "203.0.113.7"}, {"type": "user", "value": "bob"}]);
        let a = cases::open(&p, &tara, new_case("First", shared.clone()))
            .await
            .unwrap();
        let b = cases::open(&p, &tara, new_case("Second", shared))
            .await
            .unwrap();
        let c = cases::open(
            &p,
            &tara,
            new_case(
                "Third",
                serde_json::json!([{"type": "ip", "value": "203.0.113.7"}]),
            ),
        )
        .await
        .unwrap();
        let related = cases::related(&p, &tara, a.case_id).await.unwrap();
        let got: Vec<(i64, i64)> = related.iter().map(|r| (r.case_id, r.shared)).collect();
        assert_eq!(got, [(b.case_id, 2), (c.case_id, 1)]);
        let obs = cases::observables(&p, &tara, a.case_id).await.unwrap();
        let ip = obs.iter().find(|o| o.value == "203.0.113.7").unwrap();
        assert_eq!(ip.seen_in_cases, 2);
    }
);

both_databases!(
    search_ranks_matches_across_cases_notes_and_observables,
    |p| async move {
        let tara = analyst(&p, "tara").await;
        let a = cases::open(
            &p,
            &tara,
            new_case(
                "Ransomware on file server",
                serde_json::json!([{"type": "ip", "value": "203.0.113.7"}]),
            ),
        )
        .await
        .unwrap();
        let b = cases::open(&p, &tara, new_case("Phishing wave", serde_json::json!([])))
            .await
            .unwrap();
        cases::add_note(
            &p,
            &tara,
            b.case_id,
            "Three users were **phished**; credentials reset",
        )
        .await
        .unwrap();
        let q = |q: &str| SearchQuery {
            q: q.into(),
            ..Default::default()
        };
        let hits = search::search(&p, &tara, &q("phishing"))
            .await
            .unwrap()
            .hits;
        assert!(
            !hits.is_empty() && hits.iter().all(|h| h.case_id == b.case_id),
            "stemmed match: {hits:?}"
        );
        assert!(
            hits.iter().any(|h| h.kind == "event"),
            "the note is found: {hits:?}"
        );
        let hits = search::search(&p, &tara, &q("203.0.113.7"))
            .await
            .unwrap()
            .hits;
        assert!(
            hits.iter()
                .any(|h| h.case_id == a.case_id && h.kind == "observable"),
            "{hits:?}"
        );
        assert!(hits.iter().all(|h| h.case_id == a.case_id));
        assert!(
            search::search(&p, &tara, &q("ransomware phishing"))
                .await
                .unwrap()
                .hits
                .is_empty(),
            "all words must match"
        );
        // FTS syntax typed by an analyst is searched for, not executed.
        search::search(&p, &tara, &q("\"foo\" OR (bar* NEAR"))
            .await
            .unwrap();
        cases::close(&p, &tara, a.case_id, None, "false_positive", "backup job")
            .await
            .unwrap();
        let open_only = SearchQuery {
            q: "ransomware".into(),
            status: Some("open".into()),
            kind: None,
        };
        assert!(
            search::search(&p, &tara, &open_only)
                .await
                .unwrap()
                .hits
                .is_empty()
        );
        let closed = SearchQuery {
            q: "ransomware".into(),
            status: Some("closed".into()),
            kind: Some("case".into()),
        };
        assert_eq!(
            search::search(&p, &tara, &closed).await.unwrap().hits.len(),
            1
        );
        assert!(matches!(
            search::search(&p, &tara, &q("  ")).await,
            Err(Error::Invalid(_))
        ));
        let outsider = {
            add_user(&p, "root", "admin", None).await;
            sign_in(&p, "root").await.1
        };
        assert!(matches!(
            search::search(&p, &outsider, &q("phishing")).await,
            Err(Error::Forbidden(_))
        ));
    }
);

both_databases!(
    a_change_to_a_case_is_announced_to_subscribers,
    |p| async move {
        let tara = analyst(&p, "tara").await;
        let case = cases::open(&p, &tara, new_case("Live", serde_json::json!([])))
            .await
            .unwrap();
        let mut changes = p.live.subscribe(&p.db).await;
        // On Postgres the listener connects in the background; give it a moment to LISTEN.
        tokio::time::sleep(Duration::from_millis(300)).await;
        cases::add_note(&p, &tara, case.case_id, "colleague's note")
            .await
            .unwrap();
        let got = tokio::time::timeout(Duration::from_secs(1), changes.recv())
            .await
            .expect("announced within a second")
            .unwrap();
        assert_eq!(got, app::platform::live::Topic::Case(case.case_id));
    }
);
