//! Settings: defaults, then an optional TOML file, then `GRANTS_*` environment variables.

mod layer;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A value that must never be printed: `Debug` and `Display` show `***`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is used.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How outgoing mail leaves the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// One `.eml` file per mail in the data directory.
    File,
    /// An SMTP server given by `smtp_url`.
    Smtp,
    /// Written to the log only.
    Log,
}

/// Every setting of the server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address and port to listen on.
    pub bind: String,
    /// Directory for the SQLite file, the generated JWT secret and mail files.
    pub data_dir: PathBuf,
    /// Database URL; `None` means a SQLite file in `data_dir`.
    pub database_url: Option<Secret>,
    /// Most connections in the database pool; `None` means 10 on PostgreSQL and 8 on
    /// SQLite, whose single writer and per-connection page caches gain nothing from more.
    pub database_max_connections: Option<u32>,
    /// HMAC secret for access tokens; `None` means generated once into `data_dir`.
    pub jwt_secret: Option<Secret>,
    /// Earlier secrets whose tokens are still accepted until they expire, after a rotation.
    pub jwt_previous_secrets: Vec<Secret>,
    /// Lifetime of an access token in seconds.
    pub access_token_ttl_secs: i64,
    /// Lifetime of a refresh token in days.
    pub refresh_token_ttl_days: i64,
    /// Logins, and separately registrations, one client address may attempt per minute;
    /// 0 for no limit.
    pub auth_rate_per_address: u32,
    /// Logins one account may be attempted with per minute; 0 for no limit.
    pub auth_rate_per_account: u32,
    /// How mail is sent.
    pub mail_transport: MailTransport,
    /// SMTP server, e.g. `smtp://user:pass@host:587?tls=starttls`.
    pub smtp_url: Option<Secret>,
    /// Sender of outgoing mail.
    pub mail_from: String,
    /// Public base URL of the service, for links in mail.
    pub public_url: String,
    /// How applicants and reviewers reach the grant operator (an address or a phone
    /// number), named at the end of every mail about an application; left out when unset.
    pub operator_contact: Option<String>,
    /// Web origins (`https://portal.example.kz`) whose pages may call the API from a
    /// browser; none when empty, and then no CORS headers are sent at all.
    pub cors_origins: Vec<String>,
    /// Proxies (addresses or CIDR ranges) in front of the service whose `X-Forwarded-For`
    /// names the client, for rate limits by client address; none by default, so the
    /// header is ignored.
    pub trusted_proxies: Vec<String>,
    /// Whether `serve` also runs the mail worker.
    pub mail_worker: bool,
    /// Attempts after which a mail is marked failed.
    pub mail_max_attempts: u32,
    /// The delay after a mail's first failed attempt, in milliseconds; it doubles with
    /// every further failure, up to an hour.
    pub mail_retry_base_ms: u64,
    /// How often the mail worker looks for due mail when it found none, in milliseconds.
    pub mail_poll_ms: u64,
    /// How long a worker holds the mail it claimed, in seconds; mail of a worker that died
    /// is sent by another once this passes.
    pub mail_lease_secs: u64,
    /// The longest one mail's whole SMTP exchange may take, in seconds; a send still going
    /// then is abandoned and retried. The lease must be at least twice this, so a send that
    /// starts in the first half of the lease ends before another worker may take the row.
    pub mail_send_timeout_secs: u64,
    /// Mails a worker sends at once, each over its own pooled SMTP connection.
    pub mail_concurrency: u32,
    /// Seconds a connection may take to deliver a request's headers, counted from when the
    /// server starts waiting for them (a kept-alive connection idle that long is closed).
    pub header_timeout_secs: u64,
    /// Seconds a request body may go without a byte before it is answered 408.
    pub body_idle_secs: u64,
    /// Connections served at once; more wait in the listen queue.
    pub max_connections: u32,
    /// Log filter, e.g. `info` or `server=debug,info`.
    pub log: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".to_owned(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            database_max_connections: None,
            jwt_secret: None,
            jwt_previous_secrets: Vec::new(),
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_days: 30,
            auth_rate_per_address: 30,
            auth_rate_per_account: 10,
            mail_transport: MailTransport::File,
            smtp_url: None,
            mail_from: "Grants <grants@localhost>".to_owned(),
            public_url: "http://127.0.0.1:8080".to_owned(),
            operator_contact: None,
            cors_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            mail_worker: true,
            mail_max_attempts: 12,
            mail_retry_base_ms: 30_000,
            mail_poll_ms: 1_000,
            mail_lease_secs: 300,
            mail_send_timeout_secs: 60,
            mail_concurrency: 16,
            header_timeout_secs: 10,
            body_idle_secs: 30,
            max_connections: 4096,
            log: "info".to_owned(),
        }
    }
}

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("cannot read configuration file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML for these settings.
    #[error("invalid configuration file {path}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: toml::de::Error,
    },
    /// An environment variable has a value that cannot be used.
    #[error("invalid value for {name}: {reason}")]
    Env {
        /// The variable.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A combination of settings cannot work.
    #[error("invalid setting {name}: {reason}")]
    Invalid {
        /// The setting.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl Settings {
    /// Loads defaults, then `file` when given, then the process environment.
    ///
    /// # Errors
    /// [`ConfigError`] when the file is unreadable or invalid, or a value is unusable.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_from(file, |name| std::env::var(name).ok())
    }

    /// The database URL in force: the configured one, or a SQLite file in the data directory.
    #[must_use]
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose().to_owned(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("grants.sqlite").display()
            ),
        }
    }

    /// Where the database is, for messages: scheme, host, port and database name, never
    /// the user or password.
    #[must_use]
    pub fn database_location(&self) -> String {
        describe_database(&self.database_url())
    }

    /// The database pool's size: the configured one, or 10 on PostgreSQL and 8 on SQLite.
    /// On two cores shared with the database, 10 connections answered faster than 16 in
    /// every phase of the load test (fewer backends contending for the same cores).
    #[must_use]
    pub fn pool_size(&self) -> u32 {
        self.database_max_connections.unwrap_or_else(|| {
            if self.database_url().starts_with("sqlite:") {
                8
            } else {
                10
            }
        })
    }
}

/// `raw` as a web origin (`scheme://host[:port]`, nothing after), or `None`.
#[must_use]
pub fn web_origin(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw).ok()?;
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    let origin = url.origin();
    (bare && origin.is_tuple()).then(|| origin.ascii_serialization())
}

/// `url` without its credentials or query: `postgres://db.internal:5432/grants` or
/// `sqlite file ./data/grants.sqlite`.
fn describe_database(url: &str) -> String {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = path.trim_start_matches("//");
        let path = path.split_once('?').map_or(path, |(path, _)| path);
        return format!("sqlite file {path}");
    }
    match url::Url::parse(url) {
        Ok(parsed) => format!(
            "{}://{}:{}{}",
            parsed.scheme(),
            parsed.host_str().unwrap_or("localhost"),
            parsed.port().unwrap_or(5432),
            parsed.path()
        ),
        Err(_) => "an unreadable database URL".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn database_locations_name_the_place_and_never_the_password() {
        assert_eq!(
            describe_database("postgres://grants:hunter2@db.internal:6432/grants?sslmode=require"),
            "postgres://db.internal:6432/grants"
        );
        assert_eq!(
            describe_database("postgres://grants@db.internal/grants"),
            "postgres://db.internal:5432/grants"
        );
        assert_eq!(
            describe_database("sqlite://./data/grants.sqlite?mode=rwc"),
            "sqlite file ./data/grants.sqlite"
        );
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let settings = Settings::load_from(None, env(&[])).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(settings.bind, "127.0.0.1:8080");
        assert_eq!(settings.mail_transport, MailTransport::File);
        assert!(
            settings
                .database_url()
                .starts_with("sqlite://./data/grants.sqlite")
        );
        assert_eq!(settings.pool_size(), 8);
    }

    #[test]
    fn the_pool_size_follows_the_database_unless_set() {
        let url = "postgres://grants@db:5432/grants";
        let postgres = Settings::load_from(None, env(&[("GRANTS_DATABASE_URL", url)]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(postgres.pool_size(), 10);
        let set = Settings::load_from(
            None,
            env(&[
                ("GRANTS_DATABASE_URL", url),
                ("GRANTS_DATABASE_MAX_CONNECTIONS", "4"),
            ]),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(set.pool_size(), 4);
        let zero = Settings::load_from(None, env(&[("GRANTS_DATABASE_MAX_CONNECTIONS", "0")]));
        assert!(zero.is_err());
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = std::env::temp_dir().join(format!("grants-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let file = dir.join("grants.toml");
        std::fs::write(&file, "bind = \"0.0.0.0:9000\"\nlog = \"debug\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let settings = Settings::load_from(Some(&file), env(&[("GRANTS_BIND", "127.0.0.1:9100")]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (settings.bind.as_str(), settings.log.as_str()),
            ("127.0.0.1:9100", "debug")
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn unusable_values_are_refused() {
        assert!(Settings::load_from(None, env(&[("GRANTS_MAIL_TRANSPORT", "pigeon")])).is_err());
        assert!(Settings::load_from(None, env(&[("GRANTS_JWT_SECRET", "short")])).is_err());
        assert!(Settings::load_from(None, env(&[("GRANTS_MAIL_TRANSPORT", "smtp")])).is_err());
        assert!(Settings::load_from(None, env(&[("GRANTS_MAIL_WORKER", "sometimes")])).is_err());
        assert!(Settings::load_from(None, env(&[("GRANTS_MAIL_MAX_ATTEMPTS", "0")])).is_err());
        assert!(Settings::load_from(None, env(&[("GRANTS_MAIL_POLL_MS", "-5")])).is_err());
        assert!(Settings::load_from(None, env(&[("GRANTS_MAIL_LEASE_SECS", "100000")])).is_err());
        for (name, value) in [
            ("GRANTS_BIND", "nonsense"),
            ("GRANTS_BIND", "127.0.0.1:http"),
            ("GRANTS_PUBLIC_URL", "not a url"),
            ("GRANTS_PUBLIC_URL", "ftp://grants.kz"),
            ("GRANTS_LOG", "[[["),
            ("GRANTS_DATABASE_URL", "mysql://root:hunter2@db/grants"),
            ("GRANTS_TRUSTED_PROXIES", "10.0.0.0/8,load-balancer"),
        ] {
            let err = Settings::load_from(None, env(&[(name, value)]))
                .err()
                .unwrap_or_else(|| panic!("{name}={value} was accepted"));
            assert!(!err.to_string().contains("hunter2"), "{err}");
        }
        let wrong_scheme = Settings::load_from(None, env(&[("GRANTS_DATABASE_URL", "mysql://db")]));
        let message = wrong_scheme
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("sqlite://") && message.contains("postgres://"),
            "{message}"
        );
        assert!(Settings::load_from(None, env(&[("GRANTS_BIND", "0.0.0.0:80")])).is_ok());
        let proxies = Settings::load_from(
            None,
            env(&[("GRANTS_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")]),
        );
        assert_eq!(
            proxies.map(|s| s.trusted_proxies).ok(),
            Some(vec!["10.0.0.0/8".to_owned(), "127.0.0.1".to_owned()])
        );
        assert!(Settings::load_from(None, env(&[("GRANTS_BIND", "[::1]:8080")])).is_ok());
        // A lease shorter than twice the send timeout (60 s by default) could lapse during
        // a send and let another worker send the same mail.
        assert!(Settings::load_from(None, env(&[("GRANTS_MAIL_LEASE_SECS", "119")])).is_err());
        assert!(Settings::load_from(None, env(&[("GRANTS_MAIL_LEASE_SECS", "120")])).is_ok());
        let short = env(&[
            ("GRANTS_MAIL_LEASE_SECS", "4"),
            ("GRANTS_MAIL_SEND_TIMEOUT_SECS", "2"),
        ]);
        assert!(Settings::load_from(None, short).is_ok());
        assert!(Settings::load_from(None, env(&[("GRANTS_MAIL_SEND_TIMEOUT_SECS", "0")])).is_err());
        assert!(Settings::load_from(None, env(&[("GRANTS_MAIL_CONCURRENCY", "0")])).is_err());
        assert!(Settings::load_from(None, env(&[("GRANTS_HEADER_TIMEOUT_SECS", "0")])).is_err());
        assert!(Settings::load_from(None, env(&[("GRANTS_BODY_IDLE_SECS", "0")])).is_err());
        assert!(Settings::load_from(None, env(&[("GRANTS_MAX_CONNECTIONS", "0")])).is_err());
        assert!(
            Settings::load_from(None, env(&[("GRANTS_CORS_ORIGINS", "https://a.kz/path")]))
                .is_err()
        );
        assert!(Settings::load_from(None, env(&[("GRANTS_CORS_ORIGINS", "*")])).is_err());
        assert!(
            Settings::load_from(None, env(&[("GRANTS_JWT_PREVIOUS_SECRETS", "short")])).is_err()
        );
        let ok = Settings::load_from(
            None,
            env(&[(
                "GRANTS_CORS_ORIGINS",
                "https://portal.kz, http://localhost:3000",
            )]),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ok.cors_origins,
            ["https://portal.kz", "http://localhost:3000"]
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let settings = Settings::load_from(
            None,
            env(&[(
                "GRANTS_JWT_SECRET",
                "a-very-long-secret-value-of-forty-chars!!",
            )]),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{settings:?}").contains("a-very-long"));
    }
}
