//! The command line (clap). Every flag can also come from an environment variable.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "casefile",
    version,
    about = "Casefile: incident case management for security operations teams"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web application.
    Serve(ServeArgs),
    /// Manage accounts from the host (e.g. when locked out of the web UI).
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens for machines (SIEM forwarders).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Check a case bundle (zip) offline: every file's SHA-256 against its manifest, and the
    /// manifest's audit checkpoint signature. Exits non-zero and says what is wrong, if anything.
    /// Back up a running installation into a new directory: a consistent snapshot of the
    /// database, the evidence it refers to, and a manifest (counts, the audit head, every
    /// file's SHA-256). Writes go on meanwhile.
    Backup {
        #[command(flatten)]
        db: DbArgs,
        /// The directory to create (it must not exist, or be empty).
        #[arg(long)]
        to: PathBuf,
        /// Also copy the audit signing key. Without it the backup says so, and a restored
        /// installation needs the original key to sign on and to check old checkpoints.
        #[arg(long)]
        include_keys: bool,
        /// The evidence store, as for `serve` (unset: `<data dir>/evidence`).
        #[arg(long, env = "CASEFILE_EVIDENCE_STORE")]
        evidence_store: Option<String>,
    },
    /// Restore a backup into an empty target (a new SQLite data directory or an empty
    /// PostgreSQL database), then check it against the backup's manifest: rows per table, the
    /// audit chain and head, every evidence object's hash. Says what differs; exits non-zero
    /// if anything does.
    Restore {
        #[command(flatten)]
        db: DbArgs,
        /// The backup directory.
        #[arg(long)]
        from: PathBuf,
        /// The evidence store to restore into, as for `serve`.
        #[arg(long, env = "CASEFILE_EVIDENCE_STORE")]
        evidence_store: Option<String>,
    },
    /// Move an installation from SQLite to PostgreSQL: every table, in one transaction (all
    /// or nothing), into a new, empty PostgreSQL database, then check it (rows per table, the
    /// audit chain, its head and signed checkpoints). Stop `serve` first; evidence stays where
    /// it is.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
        /// The SQLite database to copy (default: the one in the data directory).
        #[arg(long)]
        from: Option<String>,
        /// The PostgreSQL database to fill: `postgres://…`.
        #[arg(long)]
        to: String,
    },
    VerifyExport {
        /// The bundle, as downloaded from a case page.
        bundle: PathBuf,
        /// The installation's checkpoint public key (hex, shown on the audit log page). Without
        /// it the signature is checked against the key written in the manifest.
        #[arg(long)]
        public_key: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the whole log: every hash link, the head, and every signed checkpoint. Names the
    /// first entry edited, deleted or inserted outside Casefile; exits non-zero if there is one.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// Check checkpoint signatures against this public key (hex) instead of the key file's.
        #[arg(long)]
        public_key: Option<String>,
    },
}

/// Where the data lives; shared by every command.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Database URL: `postgres://…` for PostgreSQL, `sqlite://PATH` for a SQLite file (not an
    /// in-memory database). Default: a SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Directory for the SQLite database and other local data.
    #[arg(long, env = "CASEFILE_DATA_DIR", default_value = "./casefile-data")]
    pub data_dir: PathBuf,
    /// The Ed25519 key that signs audit checkpoints (64 hex digits); created on first start.
    /// Several processes on one database must share it. Default: `<data dir>/audit-signing.key`.
    #[arg(long, env = "CASEFILE_AUDIT_KEY_FILE")]
    pub audit_key_file: Option<PathBuf>,
}

impl DbArgs {
    pub fn audit_key_path(&self) -> PathBuf {
        self.audit_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit-signing.key"))
    }

    /// The URL to connect to, creating the data directory for the SQLite default.
    pub fn resolve_url(&self) -> std::io::Result<String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        std::fs::create_dir_all(&self.data_dir)?;
        Ok(format!(
            "sqlite://{}",
            self.data_dir.join("casefile.db").display()
        ))
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address and port to listen on.
    #[arg(long, env = "CASEFILE_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// The address people use to reach Casefile, if not the listen address (e.g. behind a TLS
    /// proxy: https://casefile.example.org). An https URL makes session cookies Secure.
    #[arg(long, env = "CASEFILE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// How many reverse proxies you run in front of Casefile: the client address is read from
    /// X-Forwarded-For this many entries from the right (each proxy appends the address it was
    /// reached from; entries further left are whatever the client wrote). 0 ignores the header.
    #[arg(long, env = "CASEFILE_TRUSTED_PROXIES", default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=10))]
    pub trusted_proxies: u8,
    /// A webhook host (name or address) that may be a loopback or private address, e.g. a SOAR
    /// on the internal network; repeat for several. Every other webhook must reach a public
    /// address, so whoever administers webhooks cannot probe the internal network.
    #[arg(
        long,
        env = "CASEFILE_ALLOW_PRIVATE_WEBHOOK_HOSTS",
        value_delimiter = ','
    )]
    pub allow_private_webhook_host: Vec<String>,
    /// The same as `--trusted-proxies 1` (one reverse proxy); kept for existing set-ups.
    #[arg(long, env = "CASEFILE_TRUST_PROXY_HEADERS")]
    pub trust_proxy_headers: bool,
    /// Minutes without a request after which a session ends.
    #[arg(long, env = "CASEFILE_IDLE_TIMEOUT_MINUTES", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=1440))]
    pub idle_timeout_minutes: u32,
    /// Hours after sign-in after which a session ends, however active.
    #[arg(long, env = "CASEFILE_ABSOLUTE_TIMEOUT_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=168))]
    pub absolute_timeout_hours: u32,
    /// Group new alerts into an open alert of the same source and rule that shares a key
    /// observable (ip, hostname, user, hash, domain) and was seen within this many minutes;
    /// 0 turns grouping off.
    #[arg(long, env = "CASEFILE_GROUP_WINDOW_MINUTES", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=10080))]
    pub group_window_minutes: u32,
    /// Delete the raw payload of a closed alert this many days after its verdict (the triage
    /// record stays; alerts of a case still open or on legal hold keep theirs); 0 keeps them.
    #[arg(long, env = "CASEFILE_ALERT_PAYLOAD_RETENTION_DAYS", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=36500))]
    pub alert_payload_retention_days: u32,
    /// Where evidence files are kept: unset for `<data dir>/evidence`, or an S3-compatible
    /// bucket as `s3://bucket/prefix` (credentials, region and endpoint from the usual `AWS_*`
    /// variables) when several Casefile processes serve one database.
    #[arg(long, env = "CASEFILE_EVIDENCE_STORE")]
    pub evidence_store: Option<String>,
    /// Largest evidence upload accepted, in MiB (default 4 GiB).
    #[arg(long, env = "CASEFILE_EVIDENCE_MAX_MIB", default_value_t = 4096, value_parser = clap::value_parser!(u64).range(1..=16_777_216))]
    pub evidence_max_mib: u64,
    /// Send notification e-mail through this SMTP server (lettre URL:
    /// `smtp://host:25`, `smtp://user:pass@host:587?tls=required`, `smtps://host:465`).
    /// Unset: no e-mail. People add their address on their account page.
    #[arg(long, env = "CASEFILE_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The From address of notification e-mail, e.g. `Casefile <casefile@example.org>`.
    #[arg(
        long,
        env = "CASEFILE_MAIL_FROM",
        default_value = "Casefile <casefile@localhost>"
    )]
    pub mail_from: String,
    /// Requests each API token may make per minute on `/api/v1/` (then 429 with
    /// `Retry-After`). Alert intake (`/api/alerts`) is bounded by concurrency instead.
    #[arg(long, env = "CASEFILE_API_REQUESTS_PER_MINUTE", default_value_t = 1200, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub api_requests_per_minute: u32,
}

impl ServeArgs {
    /// The origin browsers use, e.g. `http://127.0.0.1:3000`.
    pub fn public_origin(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_owned()
    }

    /// Reverse proxies whose X-Forwarded-For entries are believed.
    pub fn trusted_proxies_count(&self) -> usize {
        match (self.trusted_proxies, self.trust_proxy_headers) {
            (0, true) => 1,
            (n, _) => n.into(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        /// analyst, manager, auditor or admin.
        #[arg(long)]
        role: String,
        /// 1, 2 or 3; analysts only.
        #[arg(long)]
        tier: Option<i64>,
        /// Defaults to the username.
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required, so it never shows in `ps`).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Set a new password (read from standard input); ends the account's sessions and lifts any
    /// sign-in lock.
    ResetPassword {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it once.
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// A name that says what the token is for, e.g. "splunk-forwarder".
        #[arg(long)]
        name: String,
        /// Repeat for several; the README's scope table lists them (alerts:write,
        /// cases:write, cases:tiers, …).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// The account the token acts for (its role, tier and name on the timeline), narrowed
        /// to the scopes; a playbook that claims and accepts escalations needs one.
        #[arg(long = "for")]
        acts_for: Option<String>,
    },
}
