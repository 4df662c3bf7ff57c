//! Case template service tests, each on SQLite and PostgreSQL: what a valid template is, the
//! shipped playbooks as templates, shaping a case opened by hand and one escalated from an
//! alert, stale edits, and sharing templates as JSON.

use app::{
    alerts::{
        AlertInput, IngestOutcome,
        escalation::{self, EscalateOverrides},
        service as alerts,
    },
    both_databases,
    cases::{CaseInput, service as cases},
    fields::{FieldInput, service as fields},
    platform::{Actor, Error, Platform},
    severity::Severity,
    templates::{TemplateInput, service as templates},
    testing::*,
};
use serde_json::json;

async fn admin(p: &Platform) -> Actor {
    add_user(p, "root", "admin", None).await;
    sign_in(p, "root").await.1
}

async fn analyst(p: &Platform, name: &str) -> Actor {
    add_user(p, name, "analyst", Some(1)).await;
    sign_in(p, name).await.1
}

fn template(v: serde_json::Value) -> TemplateInput {
    serde_json::from_value(v).unwrap()
}

async fn define_bu(p: &Platform, root: &Actor) {
    let f: FieldInput = serde_json::from_value(json!({
        "name": "business_unit", "label": "Business unit", "field_type": "enum",
        "options": ["Finance", "HR"], "on_alerts": true, "mandatory": "on_open",
    }))
    .unwrap();
    fields::define(p, root, &f).await.unwrap();
}

both_databases!(
    the_shipped_playbooks_are_templates_and_templates_are_checked,
    |p| async move {
        let root = admin(&p).await;
        let tara = analyst(&p, "tara").await;
        let names: Vec<String> = templates::list(&p, &tara)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        for shipped in [
            "Phishing",
            "Malware on endpoint",
            "Compromised account",
            "Data exfiltration",
            "Ransomware",
        ] {
            assert!(names.contains(&shipped.to_owned()), "{names:?}");
        }
        let err = templates::create(&p, &tara, &template(json!({ "name": "x" })))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
        let err = templates::create(
            &p,
            &root,
            &template(json!({ "name": "x", "playbooks": ["Nope"] })),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("Nope"), "{err}");
        define_bu(&p, &root).await;
        let err = templates::create(
            &p,
            &root,
            &template(json!({ "name": "x", "custom_fields": { "business_unit": "Legal" } })),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("`business_unit`"), "{err}");
        let err = templates::create(&p, &root, &template(json!({ "name": "Phishing" })))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    }
);

both_databases!(
    a_template_shapes_a_case_opened_by_hand_and_an_escalated_alert,
    |p| async move {
        let root = admin(&p).await;
        let tara = analyst(&p, "tara").await;
        define_bu(&p, &root).await;
        let rw = templates::create(&p, &root, &template(json!({
        "name": "Ransomware response", "title_prefix": "[RW] ",
        "body": "Encryption seen by {{alert.source}}: {{alert.title}}\n\n{{alert.observables}}",
        "severity": "critical", "tlp": 3, "tier": 3, "tags": ["ransomware"],
        "playbooks": ["Ransomware"], "custom_fields": { "business_unit": "Finance" },
    })))
    .await
    .unwrap();

        // By hand: the opener's description and severity win, the template fills the rest.
        let input = CaseInput {
            title: "Shares encrypted".into(),
            description: "Reported by the help desk".into(),
            severity: "high".into(),
            ..Default::default()
        };
        let mut new = input.check().unwrap();
        let given = templates::Given {
            description: true,
            severity: true,
            tlp: false,
            pap: false,
        };
        templates::shape(&p, &tara, "Ransomware response", &mut new, None, given)
            .await
            .unwrap();
        let case = cases::open(&p, &tara, new).await.unwrap();
        assert_eq!(case.title, "[RW] Shares encrypted");
        assert_eq!(case.description, "Reported by the help desk");
        assert_eq!(case.severity, Severity::High);
        assert_eq!((case.tlp, case.tier), (3, 3));
        assert!(case.tags.contains(&"ransomware".to_owned()));
        assert!(
            !cases::tasks(&p, &tara, case.case_id)
                .await
                .unwrap()
                .is_empty(),
            "the playbook's tasks"
        );
        let vals = fields::case_values(&p, &tara, case.case_id).await.unwrap();
        assert_eq!(
            vals[0].value,
            json!("Finance"),
            "the template's value fills the required field"
        );

        // Escalated: the alert fills the placeholders; its own field value wins over the template's.
        let t = app::accounts::service::create_token(
            &p,
            &system(),
            "edr",
            &["alerts:write".into()],
            None,
        )
        .await
        .unwrap()
        .token;
        let edr = app::accounts::service::actor_from_token(&p, &t, None)
            .await
            .unwrap();
        let input: AlertInput = serde_json::from_value(json!({
            "source": "edr", "source_ref": "rw-1", "title": "Mass file renames", "severity": "high",
            "observables": [{"type": "hostname", "value": "ws-042"}],
            "custom_fields": { "business_unit": "HR" },
        }))
        .unwrap();
        let out = alerts::ingest(&p, &edr, vec![input.check()]).await.unwrap();
        let IngestOutcome::Created { id } = out[0] else {
            panic!("{out:?}")
        };
        let overrides = EscalateOverrides {
            template: Some(rw.template_id.to_string()),
            ..Default::default()
        };
        let case = escalation::escalate_alert(&p, &tara, id, overrides)
            .await
            .unwrap();
        assert_eq!(case.title, "[RW] Mass file renames");
        assert!(
            case.description
                .starts_with("Encryption seen by edr: Mass file renames"),
            "{}",
            case.description
        );
        assert!(
            case.description.contains("`hostname:ws-042`"),
            "{}",
            case.description
        );
        assert_eq!(
            case.severity,
            Severity::High,
            "the alert's severity is this incident's"
        );
        assert_eq!(case.tier, 3, "the template's tier");
        let vals = fields::case_values(&p, &tara, case.case_id).await.unwrap();
        assert_eq!(vals[0].value, json!("HR"), "the alert's value is kept");
        let (timeline, _) = cases::timeline(&p, &tara, case.case_id, &Default::default(), None)
            .await
            .unwrap();
        assert!(
            timeline
                .iter()
                .any(|e| e.summary.contains("(template Ransomware response)")),
            "named on the timeline"
        );

        // An unknown template refuses the escalation and changes nothing.
        let input: AlertInput = serde_json::from_value(json!({
            "source": "edr", "source_ref": "rw-2", "title": "t", "severity": "high",
            "custom_fields": { "business_unit": "HR" },
        }))
        .unwrap();
        let out = alerts::ingest(&p, &edr, vec![input.check()]).await.unwrap();
        let IngestOutcome::Created { id } = out[0] else {
            panic!("{out:?}")
        };
        let overrides = EscalateOverrides {
            template: Some("Nope".into()),
            ..Default::default()
        };
        let err = escalation::escalate_alert(&p, &tara, id, overrides)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound(_)), "{err:?}");
        assert!(alerts::get(&p, &tara, id).await.unwrap().case_id.is_none());
    }
);

both_databases!(
    templates_are_edited_with_their_version_and_shared_as_json,
    |p| async move {
        let root = admin(&p).await;
        let t = templates::create(
            &p,
            &root,
            &template(json!({ "name": "Lost device", "tags": ["device"] })),
        )
        .await
        .unwrap();
        let mut edit = t.to_input();
        edit.title_prefix = "[Device] ".into();
        let after = templates::update(&p, &root, t.template_id, Some(t.version), &edit)
            .await
            .unwrap();
        assert_eq!(after.version, t.version + 1);
        let err = templates::update(&p, &root, t.template_id, Some(t.version), &edit)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");

        let exported = templates::export(&p, &root).await.unwrap();
        let mut list: Vec<TemplateInput> = serde_json::from_str(&exported).unwrap();
        assert!(
            list.iter()
                .any(|t| t.name == "Lost device" && t.title_prefix == "[Device] ")
        );
        for t in &mut list {
            if t.name == "Lost device" {
                t.severity = Some("low".into());
            }
        }
        list.push(template(json!({ "name": "Insider", "severity": "high" })));
        let report = templates::import(&p, &root, &serde_json::to_string(&list).unwrap())
            .await
            .unwrap();
        assert_eq!((report.created, report.updated), (1, list.len() - 1));
        let lost = templates::find(&p, &root, "Lost device").await.unwrap();
        assert_eq!(lost.severity, Some(Severity::Low));

        // A bad template refuses the whole file.
        let before = templates::list(&p, &root).await.unwrap().len();
        let bad = json!([{ "name": "Good one" }, { "name": "Bad", "tier": 7 }]).to_string();
        let err = templates::import(&p, &root, &bad).await.unwrap_err();
        assert!(err.to_string().contains("Template 2 (Bad)"), "{err}");
        assert_eq!(templates::list(&p, &root).await.unwrap().len(), before);
        let err = templates::import(&p, &root, "{not json").await.unwrap_err();
        assert!(matches!(err, Error::Invalid(_)));

        templates::delete(&p, &root, lost.template_id)
            .await
            .unwrap();
        let actions = audit_actions(&p).await;
        for a in [
            "case_template.created",
            "case_template.updated",
            "case_template.imported",
            "case_template.deleted",
        ] {
            assert!(actions.contains(&a.to_owned()), "{a}: {actions:?}");
        }
    }
);
