//! Service tests for the defects of the outside review (issue 17), each on SQLite and
//! PostgreSQL: values one database cannot hold, one caller's failure in a shared commit.

use app::{
    alerts::{AlertInput, IngestOutcome, NewAlert, intake::Intake, service as alerts},
    both_databases,
    cases::{CaseInput, service as cases},
    platform::{Actor, Db, Platform},
    testing::*,
    watchlists::service as watchlists,
};

async fn forwarder(p: &Platform, name: &str) -> Actor {
    let t =
        app::accounts::service::create_token(p, &system(), name, &["alerts:write".into()], None)
            .await
            .unwrap()
            .token;
    app::accounts::service::actor_from_token(p, &t, None)
        .await
        .unwrap()
}

fn alert(source: &str, source_ref: &str, url: &str) -> Result<NewAlert, String> {
    let input: AlertInput = serde_json::from_value(serde_json::json!({
        "source": source, "source_ref": source_ref, "title": "Phishing click", "severity": "high",
        "observables": [{"type": "url", "value": url}, {"type": "ip", "value": "203.0.113.7"}],
    }))
    .unwrap();
    input.check()
}

/// Opens a plain case titled `title` as `actor`.
async fn open_case(p: &Platform, actor: &Actor, title: &str, severity: &str) -> app::cases::Case {
    let input = CaseInput {
        title: title.into(),
        description: String::new(),
        severity: severity.into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    cases::open(p, actor, input).await.unwrap()
}

/// A 3 KB phishing-tracker URL: longer than a PostgreSQL b-tree entry may be.
fn tracker_url() -> String {
    format!("https://t.example/click?u={}", "a1b2c3".repeat(500))
}

async fn sql(db: &Db, statements: &[&str]) {
    for s in statements {
        match db {
            Db::Sqlite(pools) => sqlx::raw_sql(s).execute(&pools.write).await.map(|_| ()),
            Db::Postgres(pool) => sqlx::raw_sql(s).execute(pool).await.map(|_| ()),
        }
        .unwrap_or_else(|e| panic!("{s}: {e}"));
    }
}

async fn count(db: &Db, query: &str) -> i64 {
    match db {
        Db::Sqlite(pools) => sqlx::query_scalar(query).fetch_one(&pools.read).await,
        Db::Postgres(pool) => sqlx::query_scalar(query).fetch_one(pool).await,
    }
    .unwrap()
}

both_databases!(
    long_values_are_stored_and_matched_and_unstorable_ones_refused_per_item,
    |p| async move {
        add_user(&p, "root", "admin", None).await;
        let root = sign_in(&p, "root").await.1;
        add_user(&p, "tara", "analyst", Some(1)).await;
        let tara = sign_in(&p, "tara").await.1;
        let url = tracker_url();
        assert!(url.len() > 3000);

        let list = watchlists::create(&p, &root, "Trackers", "").await.unwrap();
        let report = watchlists::import_csv(
            &p,
            &root,
            list.watchlist_id,
            &format!("url,{url},tracker\nurl,{url}x,other\n"),
        )
        .await
        .unwrap();
        assert_eq!(report.added, 2);
        let again = watchlists::import_csv(&p, &root, list.watchlist_id, &format!("url,{url}\n"))
            .await
            .unwrap();
        assert_eq!(
            again.already_listed, 1,
            "the same long value is known again"
        );
        let page = watchlists::entries(&p, &tara, list.watchlist_id, None)
            .await
            .unwrap();
        assert_eq!(page.len(), 2);
        let after = (page[0].data_type.clone(), page[0].value.clone());
        let rest = watchlists::entries(&p, &tara, list.watchlist_id, Some(after))
            .await
            .unwrap();
        assert_eq!(rest.len(), 1, "keyset paging past a long value");
        assert_eq!(rest[0].value, page[1].value);

        let nul = alert("wazuh", "nul", "https://evil.example/a\u{0}b");
        assert!(
            nul.as_ref().unwrap_err().contains("control characters"),
            "{nul:?}"
        );
        let mut nul_title = alert("wazuh", "nul-title", "https://evil.example/").unwrap();
        nul_title.title.push('\0');
        let fw = forwarder(&p, "wazuh").await;
        let out = alerts::ingest(
            &p,
            &fw,
            vec![
                alert("wazuh", "long", &url),
                nul,
                Ok(nul_title),
                alert("wazuh", "plain", "https://evil.example/x"),
            ],
        )
        .await
        .unwrap();
        let IngestOutcome::Created { id: long_id } = out[0] else {
            panic!("the long URL is stored: {out:?}")
        };
        assert!(matches!(&out[1], IngestOutcome::Rejected { error } if error.contains("control")));
        assert!(matches!(&out[2], IngestOutcome::Rejected { error } if error.contains("NUL")));
        assert!(matches!(out[3], IngestOutcome::Created { .. }), "{out:?}");
        let hit = count(
            &p.db,
            &format!("select watchlist_hit from alert where alert_id = {long_id}"),
        )
        .await;
        assert_eq!(hit, 1, "the long value matched its watchlist entry exactly");
        let again = alerts::ingest(&p, &fw, vec![alert("wazuh", "long", &url)])
            .await
            .unwrap();
        assert!(matches!(again[0], IngestOutcome::Repeated { .. }));

        let case_input = |title: &str| {
            CaseInput {
                title: title.into(),
                description: "Clicked".into(),
                severity: "high".into(),
                observables: serde_json::from_value(
                    serde_json::json!([{"type": "url", "value": url}]),
                )
                .unwrap(),
                ..Default::default()
            }
            .check()
            .unwrap()
        };
        let a = cases::open(&p, &tara, case_input("First click"))
            .await
            .unwrap();
        let b = cases::open(&p, &tara, case_input("Second click"))
            .await
            .unwrap();
        let obs = cases::observables(&p, &tara, b.case_id).await.unwrap();
        assert_eq!(obs[0].value, url);
        assert_eq!(obs[0].watchlist.as_deref(), Some("Trackers"));
        assert_eq!(obs[0].seen_in_cases, 1);
        let related = cases::related(&p, &tara, b.case_id).await.unwrap();
        assert_eq!(related[0].case_id, a.case_id);
        let checked = app::alerts::check_observables(
            &serde_json::from_value::<Vec<_>>(serde_json::json!([{"type": "url", "value": url}]))
                .unwrap(),
        )
        .unwrap();
        cases::add_observables(&p, &tara, b.case_id, &checked, "", false, None, None)
            .await
            .unwrap();
        let again = cases::observables(&p, &tara, b.case_id).await.unwrap();
        assert_eq!(again.len(), 1, "the case has the long value once");
        let bad = CaseInput {
            title: "Bad".into(),
            description: String::new(),
            severity: "low".into(),
            observables: serde_json::from_value(
                serde_json::json!([{"type": "user", "value": "bob\u{0}"}]),
            )
            .unwrap(),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert!(bad.contains("control characters"), "{bad}");
    }
);

both_databases!(
    one_callers_database_error_never_fails_anothers_alerts,
    |p| async move {
        // A database that refuses one forwarder's alerts: whatever the cause, the others'
        // alerts committed in the same group must be stored and acknowledged.
        match &p.db {
            Db::Sqlite(_) => {
                sql(
                    &p.db,
                    &["create trigger poison before insert on alert when new.source = 'poison'
                       begin select raise(abort, 'poisoned alert'); end"],
                )
                .await
            }
            Db::Postgres(_) => {
                sql(
                    &p.db,
                    &[
                        "create function poison() returns trigger language plpgsql as $$
                         begin if new.source = 'poison' then raise exception 'poisoned alert'; end if;
                         return new; end $$",
                        "create trigger poison before insert on alert for each row execute function poison()",
                    ],
                )
                .await
            }
        }
        let intake = Intake::start(p.clone());
        let good = forwarder(&p, "good").await;
        let bad = forwarder(&p, "bad").await;
        let mut requests = Vec::new();
        for i in 0..60 {
            let (actor, source) = match i % 3 {
                0 => (bad.clone(), "poison"),
                _ => (good.clone(), "wazuh"),
            };
            let intake = intake.clone();
            requests.push(tokio::spawn(async move {
                let r = intake
                    .submit(
                        actor,
                        vec![alert(source, &format!("r-{i}"), "https://x.example/")],
                    )
                    .await;
                (source, r)
            }));
        }
        let (mut good_ok, mut bad_failed) = (0, 0);
        for r in requests {
            match r.await.unwrap() {
                ("wazuh", Ok(out)) => {
                    assert!(matches!(out[0], IngestOutcome::Created { .. }), "{out:?}");
                    good_ok += 1;
                }
                ("wazuh", Err(e)) => panic!("a good forwarder's alert failed: {e}"),
                (_, Ok(out)) => panic!("a poisoned alert was acknowledged: {out:?}"),
                (_, Err(_)) => bad_failed += 1,
            }
        }
        assert_eq!((good_ok, bad_failed), (40, 20));
        assert_eq!(
            count(&p.db, "select count(*) from alert where source = 'wazuh'").await,
            40
        );
        assert_eq!(count(&p.db, "select count(*) from alert").await, 40);
        let audited = count(
            &p.db,
            "select count(*) from audit_event where action = 'alert.ingested'",
        )
        .await;
        assert!((1..=40).contains(&audited), "{audited}");
        let report = app::audit::service::verify(&p, &system()).await.unwrap();
        assert!(report.is_intact(), "the chain holds: {:?}", report.problem);
    }
);

both_databases!(
    parallel_guesses_are_counted_before_they_are_checked,
    |p| async move {
        add_user(&p, "alice", "analyst", Some(1)).await;
        let actor = sign_in(&p, "alice").await.1;
        let enrolment = app::accounts::service::begin_totp(&p, &actor)
            .await
            .unwrap();
        let code =
            app::accounts::totp::code_at(&enrolment.secret_base32, "alice", p.clock.now()).unwrap();
        app::accounts::service::confirm_totp(&p, &actor, &code)
            .await
            .unwrap();
        let session = new_session();
        let step = app::accounts::service::login(
            &p,
            &session,
            Some("192.0.2.10".into()),
            "alice",
            app::platform::secrets::Secret::new(PASSWORD),
        )
        .await
        .unwrap();
        assert_eq!(step, app::accounts::LoginStep::NeedsSecondFactor);
        // A code that is certainly wrong: the right one with its digits turned.
        let wrong: String = code
            .chars()
            .map(|c| char::from_digit((c.to_digit(10).unwrap() + 5) % 10, 10).unwrap())
            .collect();
        let mut guesses = Vec::new();
        for _ in 0..200 {
            let (p, session, wrong) = (p.clone(), session.clone(), wrong.clone());
            guesses.push(tokio::spawn(async move {
                app::accounts::service::login_second_factor(
                    &p,
                    &session,
                    Some("192.0.2.10".into()),
                    &wrong,
                )
                .await
            }));
        }
        let (mut checked, mut refused) = (0, 0);
        for g in guesses {
            match g.await.unwrap() {
                Err(app::platform::Error::Invalid(m)) if m.contains("not valid") => checked += 1,
                Err(app::platform::Error::TooManyRequests { .. }) => refused += 1,
                other => panic!("unexpected: {other:?}"),
            }
        }
        let limit = app::accounts::throttle::PER_ACCOUNT.free;
        assert!(
            checked <= limit,
            "{checked} codes were checked; at most {limit} may be"
        );
        assert_eq!(checked + refused, 200);

        add_user(&p, "bob", "analyst", Some(1)).await;
        let mut guesses = Vec::new();
        for i in 0..200 {
            let p = p.clone();
            guesses.push(tokio::spawn(async move {
                app::accounts::service::login(
                    &p,
                    &new_session(),
                    Some(format!("198.51.100.{}", i % 250)),
                    "bob",
                    app::platform::secrets::Secret::new("not the password"),
                )
                .await
            }));
        }
        let mut checked = 0;
        for g in guesses {
            match g.await.unwrap() {
                Err(app::platform::Error::BadCredentials) => checked += 1,
                Err(app::platform::Error::TooManyRequests { .. }) => {}
                other => panic!("unexpected: {other:?}"),
            }
        }
        assert!(
            checked <= limit,
            "{checked} passwords were checked; at most {limit} may be"
        );
        // The right password still gets its answer once the lock has passed.
        p.clock.advance(time::Duration::minutes(16));
        sign_in(&p, "bob").await;
    }
);

/// A webhook receiver on loopback that answers 200 and counts what it got.
async fn live_receiver() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };
    let got = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let counter = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |_: String| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                "ok"
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), got)
}

/// A receiver that accepts connections and never answers.
async fn dead_receiver() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{addr}/hook")
}

both_databases!(
    a_receiver_that_never_answers_holds_back_only_its_own_messages,
    |p| async move {
        use app::outbox::{
            DeliveryState,
            delivery::{Courier, deliver_due},
            service as outbox,
        };
        use std::sync::atomic::Ordering;
        let mut p = p;
        p.settings = std::sync::Arc::new(app::platform::Settings {
            webhook_private_hosts: vec!["127.0.0.1".into()],
            ..Default::default()
        });
        add_user(&p, "root", "admin", None).await;
        let root = sign_in(&p, "root").await.1;
        add_user(&p, "tara", "analyst", Some(1)).await;
        let tara = sign_in(&p, "tara").await.1;
        let (live_url, live_got) = live_receiver().await;
        let dead_url = dead_receiver().await;
        let (paused_url, paused_got) = live_receiver().await;
        let events = ["case.opened".to_owned()];
        outbox::create_webhook(&p, &root, "dead", &dead_url, &events)
            .await
            .unwrap();
        outbox::create_webhook(&p, &root, "live", &live_url, &events)
            .await
            .unwrap();
        let paused = outbox::create_webhook(&p, &root, "paused", &paused_url, &events)
            .await
            .unwrap();
        for title in ["One", "Two", "Three"] {
            open_case(&p, &tara, title, "low").await;
        }
        outbox::set_webhook_enabled(&p, &root, paused.webhook.webhook_id, false)
            .await
            .unwrap();

        let courier = Courier::new(None, &p.settings.webhook_private_hosts).unwrap();
        let round = {
            let p = p.clone();
            tokio::spawn(async move { deliver_due(&p, &courier).await })
        };
        // The live receiver gets all three while the dead one is still being waited for.
        let mut waited = 0;
        while live_got.load(Ordering::SeqCst) < 3 && waited < 100 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            waited += 1;
        }
        assert_eq!(live_got.load(Ordering::SeqCst), 3);
        assert!(
            !round.is_finished(),
            "the dead receiver's send is still waiting"
        );
        let attempted = round.await.unwrap().unwrap();
        assert_eq!(
            attempted, 4,
            "three to the live receiver, one to the dead one"
        );
        assert_eq!(
            paused_got.load(Ordering::SeqCst),
            0,
            "a paused webhook gets nothing"
        );

        let log = outbox::deliveries(&p, &root, None, None)
            .await
            .unwrap()
            .deliveries;
        let of = |name: &str| log.iter().filter(|d| d.target == name).collect::<Vec<_>>();
        assert!(
            of("live")
                .iter()
                .all(|d| d.state == DeliveryState::Delivered)
        );
        let dead = of("dead");
        assert_eq!(
            dead.iter().map(|d| d.attempts).sum::<i64>(),
            1,
            "the rest waits"
        );
        assert!(dead.iter().all(|d| d.state == DeliveryState::Pending));
        let retry = dead.iter().find(|d| d.attempts == 1).unwrap();
        assert!(
            retry.last_error.as_deref().unwrap().contains("timed out"),
            "{retry:?}"
        );
        assert!(
            dead.iter()
                .all(|d| d.next_attempt_at >= retry.next_attempt_at),
            "the others wait for the failed one's retry"
        );
        let paused_log = of("paused");
        assert_eq!(paused_log.len(), 3);
        assert!(
            paused_log
                .iter()
                .all(|d| d.attempts == 0 && d.state == DeliveryState::Pending)
        );
    }
);

both_databases!(
    webhooks_may_not_reach_internal_addresses_unless_the_operator_allows_it,
    |p| async move {
        use app::outbox::{
            delivery::{Courier, deliver_due},
            service as outbox,
        };
        add_user(&p, "root", "admin", None).await;
        let root = sign_in(&p, "root").await.1;
        for url in [
            "http://127.0.0.1:9/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]:8080/x",
            "http://10.0.0.5/x",
            "http://localhost:9/x",
        ] {
            let err = outbox::create_webhook(&p, &root, "probe", url, &[])
                .await
                .unwrap_err();
            assert!(
                matches!(&err, app::platform::Error::Invalid(m) if m.contains("--allow-private-webhook-host")),
                "{url}: {err:?}"
            );
        }
        // Allowed when saved (as by an older version), refused when sent: checked at send time.
        let (url, got) = live_receiver().await;
        let mut allowing = p.clone();
        allowing.settings = std::sync::Arc::new(app::platform::Settings {
            webhook_private_hosts: vec!["127.0.0.1".into()],
            ..Default::default()
        });
        outbox::create_webhook(&allowing, &root, "soar", &url, &[])
            .await
            .unwrap();
        add_user(&p, "tara", "analyst", Some(1)).await;
        let tara = sign_in(&p, "tara").await.1;
        open_case(&p, &tara, "Probe", "low").await;
        let strict = Courier::new(None, &[]).unwrap();
        deliver_due(&p, &strict).await.unwrap();
        assert_eq!(got.load(std::sync::atomic::Ordering::SeqCst), 0);
        let log = outbox::deliveries(&p, &root, None, None)
            .await
            .unwrap()
            .deliveries;
        let tried = log.iter().find(|d| d.attempts == 1).expect("one was tried");
        assert!(
            tried
                .last_error
                .as_deref()
                .unwrap()
                .contains("loopback, private"),
            "{tried:?}"
        );
        assert!(
            tried.log[0].status_code.is_none(),
            "nothing was connected to"
        );
    }
);

app::every_store!(
    shared_content_survives_a_disposal_racing_an_upload_of_the_same_file,
    |p| async move {
        use app::evidence::{EvidenceMeta, content, service as evidence};
        add_user(&p, "alice", "analyst", Some(2)).await;
        let alice = sign_in(&p, "alice").await.1;
        add_user(&p, "max", "manager", None).await;
        let max = sign_in(&p, "max").await.1;
        let case = open_case(&p, &alice, "Ransomware", "high").await;
        let blocks = |content: &[u8]| {
            futures::stream::iter(vec![Ok::<_, String>(bytes::Bytes::copy_from_slice(
                content,
            ))])
        };
        let meta = EvidenceMeta {
            file_name: "fs01.mem".into(),
            description: "Memory".into(),
            collected_from: "FS-01".into(),
            ..Default::default()
        };
        let x = b"the same file, uploaded twice".repeat(1000);
        let first = evidence::upload(&p, &alice, &case.number, &meta, blocks(&x))
            .await
            .unwrap();

        // The race, forced: an upload of the same file has claimed the content (and found the
        // blob there) but not yet recorded its item when the first item is disposed of.
        let staged = p.locker.stage(blocks(&x)).await.unwrap();
        content::claim(&p, staged).await.unwrap();
        evidence::request_disposal(&p, &alice, first.evidence_id, "Retention ended")
            .await
            .unwrap();
        evidence::decide_disposal(&p, &max, first.evidence_id, true, "ok")
            .await
            .unwrap();
        assert!(
            p.locker.read(&first.sha256).await.is_ok(),
            "the upload in flight still has its content"
        );
        // That upload's record failed after all: its reference goes, and the blob with it.
        content::release(&p, &first.sha256).await.unwrap();
        assert!(
            p.locker.read(&first.sha256).await.is_err(),
            "nothing is left behind"
        );

        // Two uploads of new content at once; the one that stored the blob fails to record.
        let y = b"another file".repeat(1000);
        for _ in 0..2 {
            let staged = p.locker.stage(blocks(&y)).await.unwrap();
            content::claim(&p, staged).await.unwrap();
        }
        let sha_y = {
            use sha2::Digest as _;
            hex::encode(sha2::Sha256::digest(&y))
        };
        content::release(&p, &sha_y).await.unwrap();
        assert!(
            p.locker.read(&sha_y).await.is_ok(),
            "a failed upload leaves the content its twin relies on"
        );
        content::release(&p, &sha_y).await.unwrap();
        assert!(p.locker.read(&sha_y).await.is_err());

        // And the ordinary path still shares and frees: two items, two disposals.
        let a = evidence::upload(&p, &alice, &case.number, &meta, blocks(&y))
            .await
            .unwrap();
        let b = evidence::upload(&p, &alice, &case.number, &meta, blocks(&y))
            .await
            .unwrap();
        for (i, item) in [a, b].into_iter().enumerate() {
            evidence::request_disposal(&p, &alice, item.evidence_id, "Duplicate")
                .await
                .unwrap();
            evidence::decide_disposal(&p, &max, item.evidence_id, true, "ok")
                .await
                .unwrap();
            assert_eq!(p.locker.read(&sha_y).await.is_ok(), i == 0);
        }
    }
);

/// The whole body of an export.
async fn export_bytes(e: app::exports::service::Export) -> Vec<u8> {
    use futures::StreamExt as _;
    let mut out = Vec::new();
    let mut body = e.body;
    while let Some(block) = body.next().await {
        out.extend_from_slice(&block.unwrap());
    }
    out
}

/// Every cell of `csv` that a spreadsheet would run as a formula.
fn formula_cells(csv: &[u8]) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv);
    reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .filter(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r']) && c.parse::<f64>().is_err())
        .collect()
}

both_databases!(every_cell_of_every_csv_export_is_disarmed, |p| async move {
    use app::exports::service as exports;
    const F: &str = "=cmd|' /C calc'!A0";
    add_user(&p, "tara", "analyst", Some(1)).await;
    let tara = sign_in(&p, "tara").await.1;
    add_user(&p, "aud", "auditor", None).await;
    let aud = sign_in(&p, "aud").await.1;
    let fw = forwarder(&p, "=HYPERLINK(\"x\")").await;
    let input: AlertInput = serde_json::from_value(serde_json::json!({
            "source": F, "source_ref": format!("+{F}"), "rule": format!("-{F}"), "title": format!("@{F}"),
            "severity": "high", "tags": [F, "+1+1"],
            "observables": [{"type": "user", "value": F}, {"type": "other", "value": "-2+3"}],
        }))
        .unwrap();
    alerts::ingest(&p, &fw, vec![input.check()]).await.unwrap();
    let case = CaseInput {
        title: F.into(),
        description: F.into(),
        severity: "high".into(),
        tags: vec![F.into()],
        detection_source: F.into(),
        observables: serde_json::from_value(serde_json::json!([{"type": "user", "value": F}]))
            .unwrap(),
        ..Default::default()
    }
    .check()
    .unwrap();
    let case = cases::open(&p, &tara, case).await.unwrap();
    cases::add_note(&p, &tara, case.case_id, F).await.unwrap();

    let csvs = [
        export_bytes(
            exports::alerts_csv(&p, &tara, Default::default())
                .await
                .unwrap(),
        )
        .await,
        export_bytes(
            exports::cases_csv(&p, &tara, Default::default())
                .await
                .unwrap(),
        )
        .await,
        export_bytes(
            exports::audit_log(&p, &aud, &Default::default(), true)
                .await
                .unwrap(),
        )
        .await,
    ];
    for (i, csv) in csvs.iter().enumerate() {
        let text = String::from_utf8_lossy(csv);
        assert!(
            text.contains("cmd|"),
            "export {i} carries the value: {text}"
        );
        assert_eq!(
            formula_cells(csv),
            Vec::<String>::new(),
            "export {i}: {text}"
        );
    }
    let bundle = export_bytes(
        exports::case_bundle(&p, &aud, case.case_id, false)
            .await
            .unwrap(),
    )
    .await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bundle)).unwrap();
    for name in ["timeline.csv", "observables.csv", "custody.csv"] {
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
        assert_eq!(formula_cells(&text), Vec::<String>::new(), "{name}");
    }
});

both_databases!(
    administrators_run_casefile_without_reading_its_cases,
    |p| async move {
        use app::accounts::service as accounts;
        use app::platform::Error;
        let mut p = p;
        let mail = app::platform::MailSettings {
            smtp_url: "smtp://127.0.0.1:9".into(),
            from: "Casefile <casefile@test.local>".into(),
            public_origin: "https://casefile.test".into(),
        };
        p.settings = std::sync::Arc::new(app::platform::Settings {
            mail: Some(mail),
            ..Default::default()
        });
        let root_id = add_user(&p, "root", "admin", None).await;
        add_user(&p, "ada", "admin", None).await;
        let root = sign_in(&p, "root").await.1;
        add_user(&p, "mona", "manager", None).await;
        let mona = sign_in(&p, "mona").await.1;
        add_user(&p, "tom", "analyst", Some(2)).await;
        let tom = sign_in(&p, "tom").await.1;

        // Tokens reach no further than their maker.
        accounts::create_token(&p, &root, "wazuh", &["alerts:write".into()], None)
            .await
            .unwrap();
        for scope in [
            "cases:read",
            "cases:write",
            "evidence:read",
            "audit:read",
            "alerts:read",
        ] {
            let err = accounts::create_token(&p, &root, "reader", &[scope.into()], None)
                .await
                .unwrap_err();
            assert!(
                matches!(&err, Error::Forbidden(m) if m.contains(scope) && m.contains("manager")),
                "{scope}: {err:?}"
            );
        }
        accounts::create_token(&p, &mona, "soar", &["cases:write".into()], None)
            .await
            .unwrap();
        assert!(matches!(
            accounts::create_token(&p, &mona, "export", &["audit:read".into()], None).await,
            Err(Error::Forbidden(_))
        ));
        let names: Vec<String> = accounts::list_tokens(&p, &root, None)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names.len(), 2, "refused tokens were not created: {names:?}");

        // No one changes their own role, even with another administrator there.
        let err = accounts::change_role(&p, &root, root_id, "manager", None)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Forbidden(_)), "{err:?}");

        // Case content stays out of the administrators' views.
        app::notifications::service::set_email(&p, &tom, "tom@test.local")
            .await
            .unwrap();
        let case = CaseInput {
            title: "Secret merger leak".into(),
            description: "Board documents on a paste site".into(),
            severity: "high".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        let case = cases::open(&p, &mona, case).await.unwrap();
        app::tiers::service::move_tier(
            &p,
            &mona,
            case.case_id,
            2,
            "Leak confirmed",
            "Check the paste",
        )
        .await
        .unwrap();
        let log = app::audit::service::log(&p, &root, &Default::default(), None)
            .await
            .unwrap();
        let about_case: Vec<_> = log
            .entries
            .iter()
            .filter(|e| e.object_type == "case")
            .collect();
        assert!(!about_case.is_empty());
        for e in &log.entries {
            assert!(
                !e.detail.contains("merger"),
                "{} leaks: {}",
                e.action,
                e.detail
            );
        }
        assert!(about_case.iter().all(|e| e.detail.contains("withheld")));
        let created = log
            .entries
            .iter()
            .find(|e| e.action == "user.created")
            .unwrap();
        assert!(
            created.detail.contains("tom"),
            "administrative details stay: {}",
            created.detail
        );
        let managers = app::audit::service::log(&p, &mona, &Default::default(), None)
            .await
            .unwrap();
        assert!(
            managers.entries.iter().any(|e| e.detail.contains("merger")),
            "managers read cases"
        );
        let mail_log = app::outbox::service::deliveries(&p, &root, None, None)
            .await
            .unwrap()
            .deliveries;
        assert!(!mail_log.is_empty(), "tom was mailed");
        for d in &mail_log {
            assert!(!d.summary.contains("merger"), "{}", d.summary);
        }
    }
);
