//! Where composed mail goes: an SMTP server over a pooled connection, `.eml` files in the
//! data directory, or the log.

use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailTransport, Settings};

/// A way to deliver mail.
#[derive(Debug, Clone)]
pub enum Transport {
    /// An SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// One `<outbox id>.eml` file per mail in this directory.
    File(PathBuf),
    /// A log line per mail.
    Log,
}

/// How an SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// Plain text (a local relay or a test server).
    None,
    /// Upgraded with STARTTLS, required.
    StartTls,
    /// TLS from the first byte.
    Implicit,
}

/// An SMTP server as `GRANTS_SMTP_URL` names it.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpTarget {
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Security.
    pub tls: Tls,
    /// User name and password, when the server wants them.
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for SmtpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("credentials", &self.credentials.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Why the mail settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The SMTP URL is malformed; the message never repeats the URL, which may hold a
    /// password.
    #[error("GRANTS_SMTP_URL: {0}")]
    Url(String),
    /// The TLS set-up failed.
    #[error("SMTP TLS: {0}")]
    Tls(#[from] lettre::transport::smtp::Error),
}

impl SmtpTarget {
    /// Parses `smtp://[user:password@]host[:port][?tls=none|starttls|tls]`. Without `tls`
    /// STARTTLS is required; the port defaults to 25 for `none`, 587 for `starttls` and
    /// 465 for `tls`.
    ///
    /// # Errors
    /// [`TransportError::Url`] for anything else.
    pub fn parse(raw: &str) -> Result<Self, TransportError> {
        let url = url::Url::parse(raw).map_err(|e| TransportError::Url(e.to_string()))?;
        if url.scheme() != "smtp" {
            return Err(TransportError::Url(format!(
                "scheme {:?} is not smtp",
                url.scheme()
            )));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| TransportError::Url("no host".to_owned()))?
            .to_owned();
        let mut tls = Tls::StartTls;
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("tls", "none") => tls = Tls::None,
                ("tls", "starttls") => tls = Tls::StartTls,
                ("tls", "tls") => tls = Tls::Implicit,
                ("tls", other) => {
                    return Err(TransportError::Url(format!(
                        "tls={other:?} is not one of none, starttls, tls"
                    )));
                }
                (other, _) => {
                    return Err(TransportError::Url(format!("unknown parameter {other:?}")));
                }
            }
        }
        let port = url.port().unwrap_or(match tls {
            Tls::None => 25,
            Tls::StartTls => 587,
            Tls::Implicit => 465,
        });
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| TransportError::Url("bad percent-encoding".to_owned()))
        };
        let credentials = if url.username().is_empty() {
            None
        } else {
            Some((
                decode(url.username())?,
                decode(url.password().unwrap_or_default())?,
            ))
        };
        Ok(Self {
            host,
            port,
            tls,
            credentials,
        })
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Why one mail was not delivered.
#[derive(Debug, thiserror::Error)]
#[error("{text}")]
pub struct SendError {
    /// What happened, without secrets.
    pub text: String,
}

impl Transport {
    /// The transport `settings` ask for; SMTP uses a pool of up to `connections`.
    ///
    /// # Errors
    /// [`TransportError`] when the SMTP settings are unusable.
    pub fn from_settings(settings: &Settings, connections: u32) -> Result<Self, TransportError> {
        match settings.mail_transport {
            MailTransport::File => Ok(Self::File(settings.data_dir.join("mail"))),
            MailTransport::Log => Ok(Self::Log),
            MailTransport::Smtp => {
                let raw = settings
                    .smtp_url
                    .as_ref()
                    .ok_or_else(|| TransportError::Url("not set".to_owned()))?;
                Ok(Self::Smtp(smtp(
                    &SmtpTarget::parse(raw.expose())?,
                    connections,
                    Duration::from_secs(settings.mail_send_timeout_secs),
                )?))
            }
        }
    }

    /// Delivers `message`, which is outbox row `id`.
    ///
    /// # Errors
    /// [`SendError`] when it was not delivered.
    pub async fn send(&self, id: uuid::Uuid, message: Message) -> Result<(), SendError> {
        match self {
            Self::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| SendError {
                text: e.to_string(),
            }),
            Self::File(dir) => {
                write_file(dir, id, message.formatted())
                    .await
                    .map_err(|e| SendError {
                        text: format!("writing {}: {e}", dir.display()),
                    })
            }
            Self::Log => {
                let to: Vec<String> = message
                    .envelope()
                    .to()
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                tracing::info!(outbox_id = %id, to = ?to, bytes = message.formatted().len(), "mail");
                Ok(())
            }
        }
    }
}

fn smtp(
    target: &SmtpTarget,
    connections: u32,
    send_timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, TransportError> {
    let builder = match target.tls {
        Tls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&target.host),
        Tls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&target.host)?,
        Tls::Implicit => AsyncSmtpTransport::<Tokio1Executor>::relay(&target.host)?,
    };
    let mut builder = builder
        .port(target.port)
        // Each SMTP step may take this long; the worker also caps the whole send at
        // `send_timeout`, which settings keep within half the lease.
        .timeout(Some(send_timeout.min(Duration::from_secs(20))))
        .pool_config(PoolConfig::new().max_size(connections.max(1)));
    if let Some((user, password)) = &target.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// Writes the mail whole under a temporary name and renames it, so a reader never sees half
/// a mail and a repeated attempt replaces rather than duplicates it.
async fn write_file(dir: &std::path::Path, id: uuid::Uuid, bytes: Vec<u8>) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let tmp = dir.join(format!(".{id}.eml.tmp"));
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, dir.join(format!("{id}.eml"))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_name_host_port_security_and_credentials() {
        let t = SmtpTarget::parse("smtp://mailer:p%40ss@mail.example.kz:2525?tls=tls")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (t.host.as_str(), t.port, t.tls),
            ("mail.example.kz", 2525, Tls::Implicit)
        );
        assert_eq!(
            t.credentials,
            Some(("mailer".to_owned(), "p@ss".to_owned()))
        );
        assert!(
            !format!("{t:?}").contains("p@ss"),
            "the password never prints"
        );
        let plain =
            SmtpTarget::parse("smtp://127.0.0.1?tls=none").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (plain.port, plain.tls, plain.credentials),
            (25, Tls::None, None)
        );
        let default = SmtpTarget::parse("smtp://relay").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((default.port, default.tls), (587, Tls::StartTls));
    }

    #[test]
    fn unusable_smtp_urls_are_refused_without_echoing_them() {
        for raw in [
            "http://host",
            "smtp://",
            "smtp://host?tls=maybe",
            "smtp://host?pool=9",
            "not a url",
        ] {
            assert!(SmtpTarget::parse(raw).is_err(), "{raw}");
        }
        let Err(err) = SmtpTarget::parse("smtps://user:hunter2@host") else {
            panic!("smtps is not a scheme we accept");
        };
        assert!(!err.to_string().contains("hunter2"));
    }
}
