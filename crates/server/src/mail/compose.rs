//! Turning a claimed outbox row into a mail: the facts its template receives, formatted for
//! the recipient's language, and the MIME message with a Message-ID derived from the row.

use domain::language::Language;
use domain::notification::{Audience, NotificationKind, links_feedback};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use minijinja::Value;
use persistence::outbox::Letter;

use super::format;
use super::templates::{RenderError, Templates};

/// Where mail comes from and where its links point.
#[derive(Debug, Clone)]
pub struct Letterhead {
    /// The sender.
    pub from: Mailbox,
    /// The public base URL, without a trailing slash.
    pub public_url: String,
    /// The right-hand side of every Message-ID.
    pub id_domain: String,
}

/// Why a mail could not be composed.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// A template needs a fact the mail lacks.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The recipient's address is not a mailbox.
    #[error("recipient address: {0}")]
    Address(#[from] lettre::address::AddressError),
    /// The message could not be built.
    #[error("building the message: {0}")]
    Build(#[from] lettre::error::Error),
}

impl Letterhead {
    /// The Message-ID of outbox row `id`: the same for every attempt, so a re-send after a
    /// crash is recognisably the same mail.
    #[must_use]
    pub fn message_id(&self, id: uuid::Uuid) -> String {
        format!("<{id}@{}>", self.id_domain)
    }

    /// Composes `letter` with `templates`.
    ///
    /// # Errors
    /// [`ComposeError`] when it cannot be rendered or addressed.
    pub fn compose(&self, templates: &Templates, letter: &Letter) -> Result<Message, ComposeError> {
        let language = letter.recipient.language;
        let rendered = templates.render(letter.kind, language, &self.facts(letter))?;
        let to = Mailbox::new(
            Some(letter.recipient.name.clone()),
            letter.recipient.email.parse()?,
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .message_id(Some(self.message_id(letter.id)))
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))?;
        Ok(message)
    }

    /// The values `letter`'s template receives, each already formatted.
    #[must_use]
    pub fn facts(&self, letter: &Letter) -> Value {
        let language = letter.recipient.language;
        let app = &letter.application;
        let base = &self.public_url;
        let title = app
            .title
            .clone()
            .unwrap_or_else(|| untitled(language).to_owned());
        let mut facts: Vec<(&'static str, Value)> = vec![
            ("recipient_name", Value::from(letter.recipient.name.clone())),
            ("application_title", Value::from(title)),
            ("call_title", Value::from(app.call_title.clone())),
        ];
        let instant = |at| Value::from(format::instant(at, language));
        let money = |amount| Value::from(format::money(amount, language));
        let event = letter.event.as_ref();
        let reason = || Value::from(event.and_then(|e| e.reason.clone()).unwrap_or_default());
        match letter.kind.audience() {
            Audience::Applicant => {
                facts.push((
                    "organization_name",
                    Value::from(app.organization_name.clone()),
                ));
                facts.push((
                    "application_url",
                    Value::from(format!("{base}/api/v1/applications/{}", app.id)),
                ));
            }
            Audience::Reviewer => {
                let assignment = letter.assignment.map(|(id, _)| id).unwrap_or_default();
                facts.push((
                    "assignment_url",
                    Value::from(format!("{base}/api/v1/assignments/{assignment}")),
                ));
                let due = letter.assignment.and_then(|(_, due)| due);
                facts.push(("due_at", due.map_or(Value::from(()), instant)));
            }
        }
        if links_feedback(letter.kind) {
            facts.push((
                "feedback_url",
                Value::from(format!("{base}/api/v1/applications/{}/feedback", app.id)),
            ));
        }
        // A submission's mail shows that submission's receipt and instant, even when it is
        // sent after a later resubmission.
        let receipt = || {
            Value::from(
                event
                    .and_then(|e| e.receipt.clone())
                    .or_else(|| app.receipt.clone())
                    .unwrap_or_default(),
            )
        };
        let submitted_at = || {
            event
                .map(|e| e.at)
                .or(app.submitted_at)
                .map_or(Value::from(""), instant)
        };
        match letter.kind {
            NotificationKind::Submitted => {
                facts.push(("receipt", receipt()));
                facts.push(("submitted_at", submitted_at()));
                facts.push(("closes_at", instant(app.call_closes_at)));
                facts.push(("requested", money(app.requested)));
            }
            NotificationKind::Resubmitted => {
                facts.push(("receipt", receipt()));
                facts.push(("submitted_at", submitted_at()));
            }
            NotificationKind::RevisionRequested => {
                facts.push(("comment", reason()));
                let due = event.and_then(|e| e.revision_due_at);
                facts.push(("revision_due_at", due.map_or(Value::from(""), instant)));
            }
            NotificationKind::Ineligible | NotificationKind::Rejected => {
                facts.push(("reason", reason()));
            }
            NotificationKind::Approved => {
                let awarded = event.and_then(|e| e.awarded).unwrap_or(app.requested);
                facts.push(("awarded", money(awarded)));
                facts.push(("requested", money(app.requested)));
            }
            NotificationKind::UnderReview
            | NotificationKind::Waitlisted
            | NotificationKind::Withdrawn
            | NotificationKind::ReviewerAssigned
            | NotificationKind::ReviewDueSoon => {}
        }
        Value::from(
            facts
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>(),
        )
    }
}

const fn untitled(language: Language) -> &'static str {
    match language {
        Language::Kk => "атауы жоқ",
        Language::Ru => "без названия",
        Language::En => "untitled",
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use domain::money::Money;
    use persistence::outbox::{ApplicationFacts, EventFacts, Recipient};
    use uuid::Uuid;

    use super::*;
    use crate::mail::templates::Templates;

    fn at(hour: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, hour, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn letter(kind: NotificationKind, language: Language) -> Letter {
        let reviewer = kind.audience() == Audience::Reviewer;
        Letter {
            id: Uuid::from_u128(7),
            claim: Uuid::from_u128(8),
            attempts: 1,
            kind,
            recipient: Recipient {
                email: "aigerim@example.kz".to_owned(),
                name: "Айгерім Сәтбаева".to_owned(),
                language,
            },
            application: ApplicationFacts {
                id: Uuid::from_u128(9),
                title: Some("Ауылдағы <әйелдер> орталығы".to_owned()),
                organization_name: "Ақ ниет".to_owned(),
                call_title: "Ауыл аманаты 2026".to_owned(),
                call_closes_at: at(13),
                receipt: Some("cd".repeat(32)),
                submitted_at: Some(at(5)),
                requested: Money::from_minor(250_000_000).unwrap_or_default(),
            },
            event: (!reviewer).then(|| EventFacts {
                reason: Some("Бюджетті нақтылаңыз".to_owned()),
                revision_due_at: Some(at(18)),
                awarded: Some(Money::from_minor(200_000_000).unwrap_or_default()),
                receipt: Some("ab".repeat(32)),
                at: at(6),
            }),
            assignment: reviewer.then(|| (Uuid::from_u128(10), Some(at(12)))),
        }
    }

    fn letterhead() -> Letterhead {
        Letterhead {
            from: "Гранты <grants@granty.kz>"
                .parse()
                .unwrap_or_else(|e| panic!("{e}")),
            public_url: "https://granty.kz".to_owned(),
            id_domain: "granty.kz".to_owned(),
        }
    }

    #[test]
    fn every_kind_renders_in_every_language_with_its_facts() {
        let templates = Templates::load().unwrap_or_else(|e| panic!("{e}"));
        let head = letterhead();
        for kind in NotificationKind::ALL {
            for language in Language::ALL {
                let letter = letter(kind, language);
                let rendered = templates
                    .render(kind, language, &head.facts(&letter))
                    .unwrap_or_else(|e| panic!("{kind} in {language}: {e:#}"));
                let context = format!("{kind} in {language}");
                assert!(
                    !rendered.subject.is_empty() && !rendered.subject.contains('\n'),
                    "{context}"
                );
                assert!(
                    rendered.text.contains("Айгерім Сәтбаева"),
                    "{context}: greeting"
                );
                assert!(
                    rendered.html.contains(&format!("lang=\"{language}\"")),
                    "{context}"
                );
                assert!(
                    rendered.html.contains("&lt;әйелдер&gt;")
                        && !rendered.html.contains("<әйелдер>"),
                    "{context}: the title is escaped in HTML"
                );
                assert!(
                    rendered.text.contains("<әйелдер>"),
                    "{context}: and not in text"
                );
                let mut expected: Vec<String> = Vec::new();
                match kind {
                    NotificationKind::Submitted => {
                        expected.push("ab".repeat(32));
                        expected.push(format::instant(at(13), language));
                        expected.push(format::money(letter.application.requested, language));
                    }
                    NotificationKind::Resubmitted => expected.push("ab".repeat(32)),
                    NotificationKind::RevisionRequested => {
                        expected.push("Бюджетті нақтылаңыз".to_owned());
                        expected.push(format::instant(at(18), language));
                    }
                    NotificationKind::Ineligible | NotificationKind::Rejected => {
                        expected.push("Бюджетті нақтылаңыз".to_owned());
                    }
                    NotificationKind::Approved => {
                        let awarded = Money::from_minor(200_000_000).unwrap_or_default();
                        expected.push(format::money(awarded, language));
                    }
                    NotificationKind::ReviewerAssigned | NotificationKind::ReviewDueSoon => {
                        expected.push(format::instant(at(12), language));
                        expected.push(format!(
                            "https://granty.kz/api/v1/assignments/{}",
                            Uuid::from_u128(10)
                        ));
                    }
                    NotificationKind::UnderReview
                    | NotificationKind::Waitlisted
                    | NotificationKind::Withdrawn => {}
                }
                if links_feedback(kind) {
                    expected.push(format!(
                        "https://granty.kz/api/v1/applications/{}/feedback",
                        Uuid::from_u128(9)
                    ));
                }
                // minijinja escapes `/` in HTML; browsers read it back in text and attributes.
                let html = rendered.html.replace("&#x2f;", "/");
                for fact in expected {
                    assert!(
                        rendered.text.contains(&fact),
                        "{context}: text lacks {fact}"
                    );
                    assert!(html.contains(&fact), "{context}: HTML lacks {fact}");
                }
                if kind.audience() == Audience::Reviewer {
                    assert!(
                        !rendered.text.contains("Ақ ниет"),
                        "{context}: names the NGO"
                    );
                }
            }
        }
    }

    #[test]
    fn an_assignment_without_a_due_date_says_nothing_of_one() {
        let templates = Templates::load().unwrap_or_else(|e| panic!("{e}"));
        let mut letter = letter(NotificationKind::ReviewerAssigned, Language::Ru);
        letter.assignment = Some((Uuid::from_u128(10), None));
        let rendered = templates
            .render(letter.kind, Language::Ru, &letterhead().facts(&letter))
            .unwrap_or_else(|e| panic!("{e:#}"));
        assert!(!rendered.text.contains("UTC+5"), "{}", rendered.text);
        assert!(!rendered.text.contains("none"), "{}", rendered.text);
    }

    #[test]
    fn the_message_carries_its_row_id_and_both_bodies() {
        let templates = Templates::load().unwrap_or_else(|e| panic!("{e}"));
        let message = letterhead()
            .compose(
                &templates,
                &letter(NotificationKind::Approved, Language::Kk),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let raw = String::from_utf8_lossy(&message.formatted()).into_owned();
        assert!(
            raw.contains(&format!("Message-ID: <{}@granty.kz>", Uuid::from_u128(7))),
            "{raw}"
        );
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(
            raw.contains("text/plain") && raw.contains("text/html"),
            "{raw}"
        );
        assert!(raw.contains("aigerim@example.kz"), "{raw}");
    }
}
