//! Settings: defaults, then an optional TOML file, then `GRANTS_*` environment variables.

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
    /// Most connections in the database pool; `None` means 16 on PostgreSQL and 8 on
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

/// Settings as they may appear in the TOML file: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layer {
    bind: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<Secret>,
    database_max_connections: Option<u32>,
    jwt_secret: Option<Secret>,
    jwt_previous_secrets: Option<Vec<Secret>>,
    access_token_ttl_secs: Option<i64>,
    refresh_token_ttl_days: Option<i64>,
    auth_rate_per_address: Option<u32>,
    auth_rate_per_account: Option<u32>,
    mail_transport: Option<MailTransport>,
    smtp_url: Option<Secret>,
    mail_from: Option<String>,
    public_url: Option<String>,
    operator_contact: Option<String>,
    cors_origins: Option<Vec<String>>,
    trusted_proxies: Option<Vec<String>>,
    mail_worker: Option<bool>,
    mail_max_attempts: Option<u32>,
    mail_retry_base_ms: Option<u64>,
    mail_poll_ms: Option<u64>,
    mail_lease_secs: Option<u64>,
    mail_send_timeout_secs: Option<u64>,
    mail_concurrency: Option<u32>,
    header_timeout_secs: Option<u64>,
    body_idle_secs: Option<u64>,
    max_connections: Option<u32>,
    log: Option<String>,
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

    /// Like [`Settings::load`], reading variables through `env`.
    ///
    /// # Errors
    /// [`ConfigError`] when the file is unreadable or invalid, or a value is unusable.
    pub fn load_from(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut settings = Self::default();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_owned(),
                source,
            })?;
            let layer: Layer = toml::from_str(&text).map_err(|source| ConfigError::Parse {
                path: path.to_owned(),
                source,
            })?;
            settings.apply(layer);
        }
        settings.apply(env_layer(&env)?);
        settings.validate()?;
        Ok(settings)
    }

    fn apply(&mut self, layer: Layer) {
        let Layer {
            bind,
            data_dir,
            database_url,
            database_max_connections,
            jwt_secret,
            jwt_previous_secrets,
            access_token_ttl_secs,
            refresh_token_ttl_days,
            auth_rate_per_address,
            auth_rate_per_account,
            mail_transport,
            smtp_url,
            mail_from,
            public_url,
            operator_contact,
            cors_origins,
            trusted_proxies,
            mail_worker,
            mail_max_attempts,
            mail_retry_base_ms,
            mail_poll_ms,
            mail_lease_secs,
            mail_send_timeout_secs,
            mail_concurrency,
            header_timeout_secs,
            body_idle_secs,
            max_connections,
            log,
        } = layer;
        self.bind = bind.unwrap_or_else(|| self.bind.clone());
        self.data_dir = data_dir.unwrap_or_else(|| self.data_dir.clone());
        self.database_url = database_url.or_else(|| self.database_url.clone());
        self.database_max_connections = database_max_connections.or(self.database_max_connections);
        self.jwt_secret = jwt_secret.or_else(|| self.jwt_secret.clone());
        self.jwt_previous_secrets =
            jwt_previous_secrets.unwrap_or_else(|| self.jwt_previous_secrets.clone());
        self.access_token_ttl_secs = access_token_ttl_secs.unwrap_or(self.access_token_ttl_secs);
        self.refresh_token_ttl_days = refresh_token_ttl_days.unwrap_or(self.refresh_token_ttl_days);
        self.auth_rate_per_address = auth_rate_per_address.unwrap_or(self.auth_rate_per_address);
        self.auth_rate_per_account = auth_rate_per_account.unwrap_or(self.auth_rate_per_account);
        self.mail_transport = mail_transport.unwrap_or(self.mail_transport);
        self.smtp_url = smtp_url.or_else(|| self.smtp_url.clone());
        self.mail_from = mail_from.unwrap_or_else(|| self.mail_from.clone());
        self.public_url = public_url.unwrap_or_else(|| self.public_url.clone());
        self.operator_contact = operator_contact
            .filter(|c| !c.trim().is_empty())
            .or_else(|| self.operator_contact.clone());
        self.cors_origins = cors_origins.unwrap_or_else(|| self.cors_origins.clone());
        self.trusted_proxies = trusted_proxies.unwrap_or_else(|| self.trusted_proxies.clone());
        self.mail_worker = mail_worker.unwrap_or(self.mail_worker);
        self.mail_max_attempts = mail_max_attempts.unwrap_or(self.mail_max_attempts);
        self.mail_retry_base_ms = mail_retry_base_ms.unwrap_or(self.mail_retry_base_ms);
        self.mail_poll_ms = mail_poll_ms.unwrap_or(self.mail_poll_ms);
        self.mail_lease_secs = mail_lease_secs.unwrap_or(self.mail_lease_secs);
        self.mail_send_timeout_secs = mail_send_timeout_secs.unwrap_or(self.mail_send_timeout_secs);
        self.mail_concurrency = mail_concurrency.unwrap_or(self.mail_concurrency);
        self.header_timeout_secs = header_timeout_secs.unwrap_or(self.header_timeout_secs);
        self.body_idle_secs = body_idle_secs.unwrap_or(self.body_idle_secs);
        self.max_connections = max_connections.unwrap_or(self.max_connections);
        self.log = log.unwrap_or_else(|| self.log.clone());
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.validate_addresses()?;
        if self
            .jwt_previous_secrets
            .iter()
            .any(|s| s.expose().len() < 32)
        {
            return Err(ConfigError::Invalid {
                name: "jwt_previous_secrets",
                reason: "each must be at least 32 characters".to_owned(),
            });
        }
        if let Some(secret) = &self.jwt_secret
            && secret.expose().len() < 32
        {
            return Err(ConfigError::Invalid {
                name: "jwt_secret",
                reason: "must be at least 32 characters".to_owned(),
            });
        }
        if self.mail_transport == MailTransport::Smtp && self.smtp_url.is_none() {
            return Err(ConfigError::Invalid {
                name: "smtp_url",
                reason: "is required when mail_transport is smtp".to_owned(),
            });
        }
        if self.access_token_ttl_secs <= 0 || self.refresh_token_ttl_days <= 0 {
            return Err(ConfigError::Invalid {
                name: "token lifetimes",
                reason: "must be positive".to_owned(),
            });
        }
        if self.mail_max_attempts == 0
            || self.mail_poll_ms == 0
            || self.mail_lease_secs == 0
            || self.mail_send_timeout_secs == 0
        {
            return Err(ConfigError::Invalid {
                name: "mail_max_attempts, mail_poll_ms, mail_lease_secs, mail_send_timeout_secs",
                reason: "must be at least 1".to_owned(),
            });
        }
        for origin in &self.cors_origins {
            if web_origin(origin).is_none() {
                return Err(ConfigError::Invalid {
                    name: "cors_origins",
                    reason: format!(
                        "{origin:?} is not an origin such as https://portal.example.kz"
                    ),
                });
            }
        }
        if !(1..=256).contains(&self.mail_concurrency) {
            return Err(ConfigError::Invalid {
                name: "mail_concurrency",
                reason: "must be between 1 and 256".to_owned(),
            });
        }
        if self.mail_lease_secs > 86_400 || self.mail_retry_base_ms > 86_400_000 {
            return Err(ConfigError::Invalid {
                name: "mail_lease_secs, mail_retry_base_ms",
                reason: "must be at most a day".to_owned(),
            });
        }
        if self.mail_lease_secs < self.mail_send_timeout_secs.saturating_mul(2) {
            return Err(ConfigError::Invalid {
                name: "mail_lease_secs",
                reason: format!(
                    "must be at least twice mail_send_timeout_secs ({}s), or a slow send could \
                     outlive the lease and be sent again by another worker",
                    self.mail_send_timeout_secs
                ),
            });
        }
        if !(1..=3600).contains(&self.header_timeout_secs)
            || !(1..=3600).contains(&self.body_idle_secs)
        {
            return Err(ConfigError::Invalid {
                name: "header_timeout_secs, body_idle_secs",
                reason: "must be between 1 and 3600 seconds".to_owned(),
            });
        }
        if !(1..=1_000_000).contains(&self.max_connections) {
            return Err(ConfigError::Invalid {
                name: "max_connections",
                reason: "must be between 1 and 1000000".to_owned(),
            });
        }
        if self.database_max_connections == Some(0) {
            return Err(ConfigError::Invalid {
                name: "database_max_connections",
                reason: "must be at least 1".to_owned(),
            });
        }
        Ok(())
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

    /// Checks the settings that name places (the listening address, the public URL, the
    /// database) and the log filter, so a typo stops the server before it touches anything.
    fn validate_addresses(&self) -> Result<(), ConfigError> {
        let bind_ok = self
            .bind
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !bind_ok {
            return Err(ConfigError::Invalid {
                name: "bind",
                reason: format!(
                    "{:?} is not an address and port such as 127.0.0.1:8080 or 0.0.0.0:8080",
                    self.bind
                ),
            });
        }
        let public_ok = url::Url::parse(&self.public_url)
            .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some());
        if !public_ok {
            return Err(ConfigError::Invalid {
                name: "public_url",
                reason: format!(
                    "{:?} is not an http or https URL such as https://grants.example.kz",
                    self.public_url
                ),
            });
        }
        if let Some(url) = &self.database_url {
            let scheme = url
                .expose()
                .split_once(':')
                .map_or("", |(scheme, _)| scheme);
            if !matches!(scheme, "sqlite" | "postgres" | "postgresql") {
                return Err(ConfigError::Invalid {
                    name: "database_url",
                    reason: format!(
                        "the scheme {scheme:?} is not supported; use sqlite://PATH or \
                         postgres://USER@HOST:PORT/DATABASE"
                    ),
                });
            }
        }
        for proxy in &self.trusted_proxies {
            crate::client_ip::IpRange::parse(proxy).map_err(|reason| ConfigError::Invalid {
                name: "trusted_proxies",
                reason,
            })?;
        }
        if let Err(err) = tracing_subscriber::EnvFilter::try_new(&self.log) {
            return Err(ConfigError::Invalid {
                name: "log",
                reason: format!(
                    "{:?} is not a log filter such as info or server=debug,info: {err}",
                    self.log
                ),
            });
        }
        Ok(())
    }

    /// The database pool's size: the configured one, or 16 on PostgreSQL and 8 on SQLite.
    #[must_use]
    pub fn pool_size(&self) -> u32 {
        self.database_max_connections.unwrap_or_else(|| {
            if self.database_url().starts_with("sqlite:") {
                8
            } else {
                16
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

fn env_layer(env: &impl Fn(&str) -> Option<String>) -> Result<Layer, ConfigError> {
    let get = |name: &str| env(name).filter(|v| !v.is_empty());
    let number = |name: &'static str| -> Result<Option<i64>, ConfigError> {
        get(name)
            .map(|v| {
                v.parse::<i64>().map_err(|e| ConfigError::Env {
                    name,
                    reason: e.to_string(),
                })
            })
            .transpose()
    };
    let mail_transport = get("GRANTS_MAIL_TRANSPORT")
        .map(|v| match v.as_str() {
            "file" => Ok(MailTransport::File),
            "smtp" => Ok(MailTransport::Smtp),
            "log" => Ok(MailTransport::Log),
            other => Err(ConfigError::Env {
                name: "GRANTS_MAIL_TRANSPORT",
                reason: format!("{other:?} is not one of file, smtp, log"),
            }),
        })
        .transpose()?;
    let whole = |name: &'static str| -> Result<Option<u64>, ConfigError> {
        number(name)?
            .map(|n| {
                u64::try_from(n).map_err(|e| ConfigError::Env {
                    name,
                    reason: e.to_string(),
                })
            })
            .transpose()
    };
    let mail_worker = get("GRANTS_MAIL_WORKER")
        .map(|v| match v.as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            other => Err(ConfigError::Env {
                name: "GRANTS_MAIL_WORKER",
                reason: format!("{other:?} is not true or false"),
            }),
        })
        .transpose()?;
    let mail_max_attempts = whole("GRANTS_MAIL_MAX_ATTEMPTS")?
        .map(|n| {
            u32::try_from(n).map_err(|e| ConfigError::Env {
                name: "GRANTS_MAIL_MAX_ATTEMPTS",
                reason: e.to_string(),
            })
        })
        .transpose()?;
    let mail_concurrency = whole("GRANTS_MAIL_CONCURRENCY")?
        .map(|n| {
            u32::try_from(n).map_err(|e| ConfigError::Env {
                name: "GRANTS_MAIL_CONCURRENCY",
                reason: e.to_string(),
            })
        })
        .transpose()?;
    let small = |name: &'static str| -> Result<Option<u32>, ConfigError> {
        whole(name)?
            .map(|n| {
                u32::try_from(n).map_err(|e| ConfigError::Env {
                    name,
                    reason: e.to_string(),
                })
            })
            .transpose()
    };
    let auth_rate_per_address = small("GRANTS_AUTH_RATE_PER_ADDRESS")?;
    let auth_rate_per_account = small("GRANTS_AUTH_RATE_PER_ACCOUNT")?;
    let max_connections = number("GRANTS_DATABASE_MAX_CONNECTIONS")?
        .map(|n| {
            u32::try_from(n).map_err(|e| ConfigError::Env {
                name: "GRANTS_DATABASE_MAX_CONNECTIONS",
                reason: e.to_string(),
            })
        })
        .transpose()?;
    Ok(Layer {
        bind: get("GRANTS_BIND"),
        data_dir: get("GRANTS_DATA_DIR").map(PathBuf::from),
        database_url: get("GRANTS_DATABASE_URL").map(Secret),
        database_max_connections: max_connections,
        jwt_secret: get("GRANTS_JWT_SECRET").map(Secret),
        // Secrets never contain whitespace, so it separates them.
        jwt_previous_secrets: get("GRANTS_JWT_PREVIOUS_SECRETS")
            .map(|v| v.split_whitespace().map(Secret::new).collect()),
        access_token_ttl_secs: number("GRANTS_ACCESS_TOKEN_TTL_SECS")?,
        refresh_token_ttl_days: number("GRANTS_REFRESH_TOKEN_TTL_DAYS")?,
        auth_rate_per_address,
        auth_rate_per_account,
        mail_transport,
        smtp_url: get("GRANTS_SMTP_URL").map(Secret),
        mail_from: get("GRANTS_MAIL_FROM"),
        public_url: get("GRANTS_PUBLIC_URL"),
        operator_contact: get("GRANTS_OPERATOR_CONTACT"),
        cors_origins: get("GRANTS_CORS_ORIGINS").map(|v| {
            v.split([',', ' '])
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect()
        }),
        trusted_proxies: get("GRANTS_TRUSTED_PROXIES").map(|v| {
            v.split([',', ' '])
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect()
        }),
        mail_worker,
        mail_max_attempts,
        mail_retry_base_ms: whole("GRANTS_MAIL_RETRY_BASE_MS")?,
        mail_poll_ms: whole("GRANTS_MAIL_POLL_MS")?,
        mail_lease_secs: whole("GRANTS_MAIL_LEASE_SECS")?,
        mail_send_timeout_secs: whole("GRANTS_MAIL_SEND_TIMEOUT_SECS")?,
        mail_concurrency,
        header_timeout_secs: whole("GRANTS_HEADER_TIMEOUT_SECS")?,
        body_idle_secs: whole("GRANTS_BODY_IDLE_SECS")?,
        max_connections: small("GRANTS_MAX_CONNECTIONS")?,
        log: get("GRANTS_LOG"),
    })
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
        assert_eq!(postgres.pool_size(), 16);
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
