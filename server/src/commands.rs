//! The command-line commands: `serve`, `user add`, `user reset-password`, `token create`,
//! `audit verify`, `verify-export`.

use std::io::Read as _;

use app::{
    accounts::{NewUser, service},
    audit::{signing::parse_public_key, verify::verify_log},
    platform::{Actor, AuditKey, Error, Result, secrets::Secret},
};

use crate::{
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
