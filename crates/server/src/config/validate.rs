//! Refusing settings the server could not run with, before it touches anything.

use super::{ConfigError, MailTransport, Settings, web_origin};

impl Settings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
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
}
