//! The command-line commands: `serve`, `user add`, `user reset-password`, `token create`,
//! `audit verify`, `backup`, `restore`, `migrate`, `verify-export`.

use std::io::Read as _;

use app::{
    accounts::{NewUser, service},
    audit::{signing::parse_public_key, verify::verify_log},
    platform::{Actor, AuditKey, Error, Result, secrets::Secret},
};

use crate::{
    backup,
    config::{AuditCommand, Cli, Command, TokenCommand, UserCommand},
    startup,
};

pub async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => startup::serve(args).await,
        Command::User(UserCommand::Add {
            db,
            username,
            role,
            tier,
            display_name,
            password_stdin: _,
        }) => {
            let platform =
                startup::open(&db, Default::default(), startup::default_locker(&db)?).await?;
            let password = read_password()?;
            let input = NewUser {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                role,
                tier,
            };
            let user = service::create_user(&platform, &cli_actor(), input, password).await?;
            println!("Created {} ({}).", user.username, user.role.label());
            Ok(())
        }
        Command::User(UserCommand::ResetPassword {
            db,
            username,
            password_stdin: _,
        }) => {
            let platform =
                startup::open(&db, Default::default(), startup::default_locker(&db)?).await?;
            let password = read_password()?;
            let actor = cli_actor();
            let user_id = service::user_id_by_name(&platform, &actor, &username).await?;
            service::reset_password(&platform, &actor, user_id, password).await?;
            println!("Password of {username} reset; their sessions have ended.");
            Ok(())
        }
        Command::Token(TokenCommand::Create {
            db,
            name,
            scopes,
            acts_for,
        }) => {
            let platform =
                startup::open(&db, Default::default(), startup::default_locker(&db)?).await?;
            let created =
                service::create_token(&platform, &cli_actor(), &name, &scopes, acts_for.as_deref())
                    .await?;
            println!("{}", created.token);
            eprintln!(
                "Token \u{201c}{}\u{201d} created with scopes {}. It is shown only this once.",
                name,
                created.summary.scopes.join(", ")
            );
            Ok(())
        }
        Command::Audit(AuditCommand::Verify { db, public_key }) => {
            let platform =
                startup::open(&db, Default::default(), startup::default_locker(&db)?).await?;
            let trusted = match public_key {
                Some(hex) => Some(parse_public_key(&hex).map_err(Error::invalid)?),
                None => match db.audit_key_path() {
                    path if path.exists() => Some(AuditKey::load_or_create(&path)?.verifying_key()),
                    _ => None,
                },
            };
            let report = verify_log(&platform.db, trusted.as_ref()).await?;
            if trusted.is_none() {
                eprintln!(
                    "No key file and no --public-key: checkpoint signatures were not checked."
                );
            }
            println!("{}", report.summary());
            match report.is_intact() {
                true => Ok(()),
                false => Err(Error::invalid("the audit log failed verification")),
            }
        }
        Command::Backup {
            db,
            to,
            include_keys,
            evidence_store,
        } => {
            let locker = startup::evidence_locker(&db, evidence_store.as_deref(), 1 << 50)?;
            let platform = startup::open(&db, Default::default(), locker).await?;
            let key = db.audit_key_path();
            let key = (include_keys && key.exists()).then_some(key);
            let now = platform.clock.now();
            let done =
                backup::backup(&platform.db, &platform.locker, key.as_deref(), &to, now).await?;
            let m = &done.manifest;
            println!(
                "Backed up {} rows in {} tables, audit head #{}, {} evidence object(s) ({} bytes) into {}.",
                m.tables.values().sum::<i64>(),
                m.tables.len(),
                m.audit_head_seq,
                m.evidence_objects,
                m.evidence_bytes,
                done.dir.display()
            );
            if !m.evidence_missing.is_empty() {
                eprintln!(
                    "{} evidence object(s) were disposed of while the backup ran and are not in it.",
                    m.evidence_missing.len()
                );
            }
            if !m.audit_key_included {
                eprintln!(
                    "The audit signing key is not in the backup (add --include-keys); keep {} safe apart from it.",
                    db.audit_key_path().display()
                );
            }
            Ok(())
        }
        Command::Restore {
            db,
            from,
            evidence_store,
        } => {
            let url = db
                .resolve_url()
                .map_err(|e| Error::Startup(format!("cannot create the data directory: {e}")))?;
            let locker = startup::evidence_locker(&db, evidence_store.as_deref(), 1 << 50)?;
            let key = db.audit_key_path();
            let target = backup::RestoreTarget {
                url: &url,
                key_file: &key,
            };
            let (m, differences) = backup::restore(&from, target, &locker).await?;
            if !key.exists() {
                eprintln!(
                    "No audit signing key at {}: checkpoint signatures were not checked. Put the original key there before serving.",
                    key.display()
                );
            }
            if differences.is_empty() {
                println!(
                    "Restored and verified: {} rows in {} tables, audit head #{} intact, {} evidence object(s).",
                    m.tables.values().sum::<i64>(),
                    m.tables.len(),
                    m.audit_head_seq,
                    m.evidence_objects
                );
                Ok(())
            } else {
                for d in &differences {
                    println!("DIFFERS  {d}");
                }
                Err(Error::invalid(format!(
                    "the restored installation differs from the backup in {} way(s)",
                    differences.len()
                )))
            }
        }
        Command::Migrate { db, from, to } => {
            let from = match from {
                Some(url) => url,
                None => db
                    .resolve_url()
                    .map_err(|e| Error::Startup(format!("cannot find the data directory: {e}")))?,
            };
            let source = app::platform::Db::connect(&from).await?;
            source.migrate().await?;
            let key_path = db.audit_key_path();
            let key = match key_path.exists() {
                true => Some(AuditKey::load_or_create(&key_path)?),
                false => None,
            };
            let differences =
                backup::migrate::sqlite_to_postgres(&source, &to, key.as_ref(), |t| {
                    let secs = t.took.as_secs_f64().max(0.001);
                    println!(
                        "{:<28} {:>9} rows  {:>8.1} s  {:>9.0} rows/s",
                        t.table,
                        t.rows,
                        secs,
                        t.rows as f64 / secs
                    );
                })
                .await?;
            if key.is_none() {
                eprintln!(
                    "No audit signing key at {}: checkpoint signatures were not checked.",
                    key_path.display()
                );
            }
            if differences.is_empty() {
                println!(
                    "Migrated and verified. Serve with --database-url set to the PostgreSQL URL and the same --data-dir (evidence and the signing key stay there)."
                );
                Ok(())
            } else {
                for d in &differences {
                    println!("DIFFERS  {d}");
                }
                Err(Error::invalid(
                    "the migrated database differs from the SQLite one",
                ))
            }
        }
        Command::VerifyExport { bundle, public_key } => {
            let trusted = public_key
                .map(|hex| parse_public_key(&hex).map_err(Error::invalid))
                .transpose()?;
            let report = app::exports::verify::verify_bundle_file(&bundle, trusted.as_ref())?;
            for line in &report.checked {
                println!("ok    {line}");
            }
            for line in &report.problems {
                println!("BAD   {line}");
            }
            println!("{}", report.summary());
            match report.problems.is_empty() {
                true => Ok(()),
                false => Err(Error::invalid("the bundle failed verification")),
            }
        }
    }
}

fn cli_actor() -> Actor {
    Actor::system("cli")
}

/// The password from standard input, without the trailing newline.
fn read_password() -> Result<Secret> {
    let mut input = String::new();
    std::io::stdin()
        .take(4 * 1024)
        .read_to_string(&mut input)
        .map_err(|e| {
            Error::invalid(format!(
                "could not read the password from standard input: {e}"
            ))
        })?;
    let password = input
        .strip_suffix('\n')
        .map(|s| s.strip_suffix('\r').unwrap_or(s))
        .unwrap_or(&input);
    Ok(Secret::new(password))
}
