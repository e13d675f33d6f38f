//! The layers settings are read from: an optional TOML file, then `GRANTS_*` variables.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{ConfigError, MailTransport, Secret, Settings};

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

impl Settings {
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
