//! Account service tests, each run on SQLite and on PostgreSQL.

use app::{
    accounts::{LoginStep, NewUser, roles::Permission, service, store, totp},
    platform::{Error, secrets::Secret},
};
use app::{both_databases, testing::*};

fn new_user(username: &str, role: &str, tier: Option<i64>) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: "Someone".into(),
        role: role.into(),
        tier,
    }
}

both_databases!(
    bad_account_input_is_refused_with_a_reason_and_changes_nothing,
    |p| async move {
        let cases = [
            (
                new_user("", "analyst", Some(1)),
                PASSWORD,
                "Enter a username.",
            ),
            (
                new_user("bad name", "analyst", Some(1)),
                PASSWORD,
                "letters, digits",
            ),
            (
                new_user("alice", "root", None),
                PASSWORD,
                "Unknown role \u{201c}root\u{201d}",
            ),
            (
                new_user("alice", "analyst", None),
                PASSWORD,
                "An analyst needs a tier",
            ),
            (
                new_user("alice", "analyst", Some(4)),
                PASSWORD,
                "Tier must be 1, 2 or 3",
            ),
            (
                new_user("alice", "manager", Some(2)),
                PASSWORD,
                "Only analysts have a tier",
            ),
            (new_user("alice", "analyst", Some(1)), "short", "too short"),
        ];
        for (input, password, expected) in cases {
            let err = service::create_user(&p, &system(), input, Secret::new(password))
                .await
                .unwrap_err();
            assert!(
                matches!(err, Error::Invalid(ref m) if m.contains(expected)),
                "{err:?} should mention {expected}"
            );
        }
        let huge = NewUser {
            display_name: "x".repeat(10_000),
            ..new_user("alice", "analyst", Some(1))
        };
        assert!(matches!(
            service::create_user(&p, &system(), huge, Secret::new(PASSWORD)).await,
            Err(Error::Invalid(_))
        ));
        assert!(store::user_by_name(&p.db, "alice").await.unwrap().is_none());
        assert!(
            audit_actions(&p).await.is_empty(),
            "a refused change writes no audit row"
        );
    }
);

both_databases!(a_taken_username_is_a_conflict, |p| async move {
    add_user(&p, "alice", "analyst", Some(1)).await;
    let err = service::create_user(
        &p,
        &system(),
        new_user("ALICE", "manager", None),
        Secret::new(PASSWORD),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::Conflict(ref m) if m.contains("alice")),
        "{err:?}"
    );
});

both_databases!(
    sign_in_succeeds_with_the_right_password_and_is_audited,
    |p| async move {
        let id = add_user(&p, "alice", "analyst", Some(2)).await;
        let (_session, actor) = sign_in(&p, "Alice").await;
        assert_eq!(user_id(&actor), id);
        assert_eq!(actor.tier().map(|t| t.get()), Some(2));
        assert_eq!(audit_actions(&p).await, ["user.created", "user.login"]);
    }
);

both_databases!(
    wrong_password_and_unknown_user_get_the_same_answer,
    |p| async move {
        add_user(&p, "alice", "analyst", Some(1)).await;
        let s = new_session();
        let wrong = service::login(&p, &s, None, "alice", Secret::new("not the password"))
            .await
            .unwrap_err();
        let unknown = service::login(&p, &s, None, "mallory", Secret::new(PASSWORD))
            .await
            .unwrap_err();
        assert!(matches!(wrong, Error::BadCredentials));
        assert!(matches!(unknown, Error::BadCredentials));
        assert_eq!(wrong.to_string(), unknown.to_string());
        assert_eq!(
            audit_actions(&p).await,
            ["user.created", "user.login_failed", "user.login_failed"]
        );
        assert!(matches!(
            service::actor_from_session(&p, &s, None).await,
            Err(Error::Unauthenticated)
        ));
    }
);

both_databases!(
    repeated_failures_back_off_then_lock_and_an_admin_reset_lifts_it,
    |p| async move {
        let alice = add_user(&p, "alice", "analyst", Some(1)).await;
        let s = new_session();
        let attempt = |pw: &'static str| {
            let (p, s) = (p.clone(), s.clone());
            async move {
                service::login(
                    &p,
                    &s,
                    Some("198.51.100.7".into()),
                    "alice",
                    Secret::new(pw),
                )
                .await
            }
        };
        for _ in 0..5 {
            assert!(matches!(
                attempt("wrong password!").await,
                Err(Error::BadCredentials)
            ));
        }
        // Back-off: even the right password waits.
        let err = attempt(PASSWORD).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::TooManyRequests {
                    retry_after_secs: 1,
                    ..
                }
            ),
            "{err:?}"
        );
        p.clock.advance(time::Duration::seconds(2));
        assert!(
            attempt(PASSWORD).await.is_ok(),
            "back-off passes and success clears the count"
        );

        for i in 0..10 {
            p.clock.advance(time::Duration::seconds(70));
            let r = attempt("wrong password!").await;
            assert!(
                matches!(r, Err(Error::BadCredentials)),
                "attempt {i}: {r:?}"
            );
        }
        let err = attempt(PASSWORD).await.unwrap_err();
        assert!(
            err.to_string().contains("locked for 15 more minutes"),
            "{err}"
        );
        // Another account is not affected by the lock on alice.
        add_user(&p, "bob", "analyst", Some(1)).await;
        assert!(
            service::login(
                &p,
                &new_session(),
                Some("203.0.113.9".into()),
                "bob",
                Secret::new(PASSWORD)
            )
            .await
            .is_ok()
        );

        service::reset_password(&p, &system(), alice, Secret::new("a brand new passphrase"))
            .await
            .unwrap();
        let ok = service::login(
            &p,
            &s,
            Some("198.51.100.7".into()),
            "alice",
            Secret::new("a brand new passphrase"),
        )
        .await;
        assert!(ok.is_ok(), "{ok:?}");
    }
);

both_databases!(
    changing_the_password_ends_other_sessions_but_keeps_this_one,
    |p| async move {
        add_user(&p, "alice", "analyst", Some(1)).await;
        let (here, actor) = sign_in(&p, "alice").await;
        let (elsewhere, _) = sign_in(&p, "alice").await;
        let err = service::change_password(
            &p,
            &here,
            &actor,
            Secret::new("wrong current pw"),
            Secret::new("another good passphrase"),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::Invalid(_)));
        service::change_password(
            &p,
            &here,
            &actor,
            Secret::new(PASSWORD),
            Secret::new("another good passphrase"),
        )
        .await
        .unwrap();
        assert!(service::actor_from_session(&p, &here, None).await.is_ok());
        assert!(matches!(
            service::actor_from_session(&p, &elsewhere, None).await,
            Err(Error::Unauthenticated)
        ));
    }
);

both_databases!(admin_revoke_and_disable_end_sessions, |p| async move {
    let alice = add_user(&p, "alice", "analyst", Some(1)).await;
    let (s1, _) = sign_in(&p, "alice").await;
    service::revoke_sessions(&p, &system(), alice)
        .await
        .unwrap();
    assert!(matches!(
        service::actor_from_session(&p, &s1, None).await,
        Err(Error::Unauthenticated)
    ));
    let (s2, _) = sign_in(&p, "alice").await;
    service::set_disabled(&p, &system(), alice, true)
        .await
        .unwrap();
    assert!(matches!(
        service::actor_from_session(&p, &s2, None).await,
        Err(Error::Unauthenticated)
    ));
    let again = service::login(&p, &new_session(), None, "alice", Secret::new(PASSWORD)).await;
    assert!(
        matches!(again, Err(Error::BadCredentials)),
        "a disabled account cannot sign in"
    );
});

both_databases!(sessions_end_after_the_absolute_timeout, |p| async move {
    add_user(&p, "alice", "analyst", Some(1)).await;
    let (s, _) = sign_in(&p, "alice").await;
    p.clock.advance(time::Duration::hours(11));
    assert!(service::actor_from_session(&p, &s, None).await.is_ok());
    p.clock.advance(time::Duration::hours(2));
    assert!(matches!(
        service::actor_from_session(&p, &s, None).await,
        Err(Error::Unauthenticated)
    ));
});

both_databases!(auditor_access_lapses_at_its_expiry, |p| async move {
    let id = add_user(&p, "audra", "auditor", None).await;
    let (s, _) = sign_in(&p, "audra").await;
    service::set_access_expiry(&p, &system(), id, Some(p.clock.now() + 60_000))
        .await
        .unwrap();
    assert!(service::actor_from_session(&p, &s, None).await.is_ok());
    p.clock.advance(time::Duration::minutes(2));
    assert!(matches!(
        service::actor_from_session(&p, &s, None).await,
        Err(Error::Unauthenticated)
    ));
});

both_databases!(
    totp_enrolment_then_sign_in_needs_a_fresh_code_or_a_recovery_code,
    |p| async move {
        add_user(&p, "alice", "analyst", Some(1)).await;
        let (_, actor) = sign_in(&p, "alice").await;
        let enrolment = service::begin_totp(&p, &actor).await.unwrap();
        let bad = service::confirm_totp(&p, &actor, "000000").await;
        assert!(
            matches!(bad, Err(Error::Invalid(_)))
                || totp::code_at(&enrolment.secret_base32, "alice", p.clock.now()).unwrap()
                    == "000000"
        );
        let code = totp::code_at(&enrolment.secret_base32, "alice", p.clock.now()).unwrap();
        let recovery = service::confirm_totp(&p, &actor, &code).await.unwrap();
        assert_eq!(recovery.len(), 10);

        // Password alone is no longer enough.
        p.clock.advance(time::Duration::seconds(30));
        let s = new_session();
        let step = service::login(&p, &s, None, "alice", Secret::new(PASSWORD))
            .await
            .unwrap();
        assert_eq!(step, LoginStep::NeedsSecondFactor);
        assert!(matches!(
            service::actor_from_session(&p, &s, None).await,
            Err(Error::Unauthenticated)
        ));
        let code = totp::code_at(&enrolment.secret_base32, "alice", p.clock.now()).unwrap();
        service::login_second_factor(&p, &s, None, &code)
            .await
            .unwrap();
        assert!(service::actor_from_session(&p, &s, None).await.is_ok());

        // The same code cannot be replayed in another sign-in.
        let s2 = new_session();
        service::login(&p, &s2, None, "alice", Secret::new(PASSWORD))
            .await
            .unwrap();
        assert!(matches!(
            service::login_second_factor(&p, &s2, None, &code).await,
            Err(Error::Invalid(_))
        ));

        // A recovery code works once.
        service::login_second_factor(&p, &s2, None, &recovery[0])
            .await
            .unwrap();
        let s3 = new_session();
        service::login(&p, &s3, None, "alice", Secret::new(PASSWORD))
            .await
            .unwrap();
        assert!(
            service::login_second_factor(&p, &s3, None, &recovery[0])
                .await
                .is_err()
        );
        assert!(
            audit_actions(&p)
                .await
                .contains(&"user.recovery_code_used".to_owned())
        );
    }
);

both_databases!(
    a_role_that_requires_mfa_blocks_work_until_enrolled,
    |p| async move {
        add_user(&p, "alice", "analyst", Some(1)).await;
        service::set_mfa_required(&p, &system(), "analyst", true)
            .await
            .unwrap();
        let (s, actor) = sign_in(&p, "alice").await;
        let err = actor.require(Permission::CaseRead).unwrap_err();
        assert!(err.to_string().contains("requires two-factor"), "{err}");
        let enrolment = service::begin_totp(&p, &actor).await.unwrap();
        let code = totp::code_at(&enrolment.secret_base32, "alice", p.clock.now()).unwrap();
        service::confirm_totp(&p, &actor, &code).await.unwrap();
        let actor = service::actor_from_session(&p, &s, None).await.unwrap();
        assert!(actor.require(Permission::CaseRead).is_ok());
    }
);

both_databases!(
    only_admins_manage_accounts_and_the_last_admin_stays,
    |p| async move {
        let admin = add_user(&p, "root", "admin", None).await;
        add_user(&p, "alice", "analyst", Some(1)).await;
        let (_, analyst) = sign_in(&p, "alice").await;
        let err = service::list_users(&p, &analyst, None).await.unwrap_err();
        assert!(
            matches!(err, Error::Forbidden(ref m) if m.contains("admin.users")),
            "{err:?}"
        );
        let err = service::create_user(
            &p,
            &analyst,
            new_user("eve", "admin", None),
            Secret::new(PASSWORD),
        )
        .await;
        assert!(matches!(err, Err(Error::Forbidden(_))));

        let (_, root) = sign_in(&p, "root").await;
        let err = service::set_disabled(&p, &root, admin, true)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(ref m) if m.contains("last active administrator")));
        // No one changes their own role; and the last administrator stays one.
        let err = service::change_role(&p, &root, admin, "manager", None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Forbidden(ref m) if m.contains("own role")),
            "{err:?}"
        );
        let err = service::change_role(&p, &system(), admin, "manager", None)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)));
        let users = service::list_users(&p, &root, None).await.unwrap();
        assert_eq!(
            users
                .iter()
                .map(|u| u.username.as_str())
                .collect::<Vec<_>>(),
            ["alice", "root"]
        );
    }
);

both_databases!(
    role_changes_are_audited_with_before_and_after,
    |p| async move {
        let alice = add_user(&p, "alice", "analyst", Some(1)).await;
        let updated = service::change_role(&p, &system(), alice, "analyst", Some(3))
            .await
            .unwrap();
        assert_eq!(updated.tier.map(|t| t.get()), Some(3));
        let entries = app::audit::store::entries_after(&p.db, 0, 100)
            .await
            .unwrap();
        let last = entries.last().unwrap();
        assert_eq!(last.action, "user.role_changed");
        let detail: serde_json::Value = serde_json::from_str(&last.detail).unwrap();
        assert_eq!(detail["before"]["tier"], 1);
        assert_eq!(detail["after"]["tier"], 3);
    }
);

both_databases!(
    api_tokens_are_scoped_shown_once_and_revocable,
    |p| async move {
        let err =
            service::create_token(&p, &system(), "forwarder", &["alerts:delete".into()], None)
                .await
                .unwrap_err();
        assert!(matches!(err, Error::Invalid(ref m) if m.contains("Unknown scope")));
        let created =
            service::create_token(&p, &system(), "forwarder", &["alerts:write".into()], None)
                .await
                .unwrap();
        assert!(created.token.starts_with("cf_"));
        let dup =
            service::create_token(&p, &system(), "forwarder", &["alerts:read".into()], None).await;
        assert!(matches!(dup, Err(Error::Conflict(_))));

        let actor = service::actor_from_token(&p, &created.token, None)
            .await
            .unwrap();
        assert!(actor.require(Permission::AlertIngest).is_ok());
        assert!(actor.require(Permission::CaseRead).is_err());
        let listed = service::list_tokens(&p, &system(), None).await.unwrap();
        assert_eq!(listed[0].last_used_at, Some(p.clock.now()));
        assert!(
            !format!("{listed:?}").contains(&created.token),
            "lists never carry the secret"
        );

        service::revoke_token(&p, &system(), created.summary.api_token_id)
            .await
            .unwrap();
        assert!(matches!(
            service::actor_from_token(&p, &created.token, None).await,
            Err(Error::Unauthenticated)
        ));
        assert!(matches!(
            service::actor_from_token(&p, "cf_made_up", None).await,
            Err(Error::Unauthenticated)
        ));
    }
);

both_databases!(
    the_first_start_creates_one_admin_only_once,
    |p| async move {
        let password = service::ensure_initial_admin(&p)
            .await
            .unwrap()
            .expect("first start creates admin");
        assert!(password.expose().len() >= 20);
        assert!(service::ensure_initial_admin(&p).await.unwrap().is_none());
        let s = new_session();
        assert!(
            service::login(&p, &s, None, "admin", password)
                .await
                .is_ok()
        );
    }
);

both_databases!(
    a_token_acting_for_an_account_works_as_it_within_both_limits,
    |p| async move {
        let tara = add_user(&p, "tara", "analyst", Some(2)).await;
        add_user(&p, "mona", "manager", None).await;
        add_user(&p, "root", "admin", None).await;
        let (_, mona) = sign_in(&p, "mona").await;
        let (_, root) = sign_in(&p, "root").await;

        // Acting for someone else is an administrator's to set up; the scopes must be
        // within that account's role.
        let err = service::create_token(&p, &mona, "t2-bot", &["cases:write".into()], Some("tara"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Forbidden(ref m) if m.contains("administrator")),
            "{err:?}"
        );
        let err = service::create_token(&p, &root, "t2-bot", &["audit:read".into()], Some("tara"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Forbidden(ref m) if m.contains("audit:read")),
            "{err:?}"
        );
        let err =
            service::create_token(&p, &root, "t2-bot", &["cases:read".into()], Some("nobody"))
                .await
                .unwrap_err();
        assert!(
            matches!(err, Error::Invalid(ref m) if m.contains("nobody")),
            "{err:?}"
        );
        let created = service::create_token(
            &p,
            &root,
            "t2-bot",
            &["cases:write".into(), "cases:tiers".into()],
            Some("tara"),
        )
        .await
        .unwrap();
        assert_eq!(created.summary.acts_for.as_deref(), Some("tara"));

        let bot = service::actor_from_token(&p, &created.token, None)
            .await
            .unwrap();
        assert_eq!(bot.user_id(), Some(tara));
        assert_eq!(bot.tier().map(|t| t.get()), Some(2));
        assert_eq!(bot.label(), "tara via token:t2-bot");
        assert!(bot.require(Permission::CaseEscalate).is_ok());
        // The scopes narrow the account: no evidence, no alert triage.
        assert!(bot.require(Permission::EvidenceUpload).is_err());
        assert!(bot.require(Permission::AlertTriage).is_err());

        // A personal token: a manager may make one for herself.
        let own =
            service::create_token(&p, &mona, "mona-cli", &["cases:read".into()], Some("mona"))
                .await
                .unwrap();
        let mona_bot = service::actor_from_token(&p, &own.token, None)
            .await
            .unwrap();
        assert_eq!(mona_bot.role(), Some(app::accounts::roles::Role::Manager));

        // Disabling the account stops its tokens, and those it made.
        service::set_disabled(&p, &system(), tara, true)
            .await
            .unwrap();
        let refused = service::actor_from_token(&p, &created.token, None).await;
        assert!(
            matches!(refused, Err(Error::Unauthenticated)),
            "{refused:?}"
        );
        let mona_id = user_id(&mona);
        let made_by_mona =
            service::create_token(&p, &mona, "mona-fwd", &["alerts:write".into()], None)
                .await
                .unwrap();
        service::set_disabled(&p, &system(), mona_id, true)
            .await
            .unwrap();
        for t in [&own.token, &made_by_mona.token] {
            let refused = service::actor_from_token(&p, t, None).await;
            assert!(
                matches!(refused, Err(Error::Unauthenticated)),
                "{refused:?}"
            );
        }
        let audit = audit_actions(&p).await;
        assert!(audit.iter().filter(|a| *a == "token.created").count() >= 3);
    }
);
