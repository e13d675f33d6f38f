//! Turning a claimed outbox row into a mail: the facts its template receives, formatted for
//! the recipient's language, and the MIME message with a Message-ID derived from the row.

use domain::language::Language;
use domain::notification::{NotificationKind, links_feedback};
use domain::organization::MemberRole;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use minijinja::Value;
use persistence::outbox::{
    AccountMail, ApplicationFacts, Letter, Mail, News, OfficerNews, ReviewerNews, Submission,
};

use super::format;
use super::templates::{RenderError, Templates};
use crate::auth::Confirmations;

/// Where mail comes from and where its links point.
#[derive(Debug, Clone)]
pub struct Letterhead {
    /// The sender.
    pub from: Mailbox,
    /// The public base URL, without a trailing slash.
    pub public_url: String,
    /// The right-hand side of every Message-ID.
    pub id_domain: String,
    /// Keys of the codes that confirm registered addresses.
    pub confirmations: Confirmations,
    /// How recipients reach the grant operator, when configured.
    pub operator_contact: Option<String>,
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
    /// A code the mail carries cannot be derived: its key is not configured.
    #[error("the mail lacks {0}")]
    Missing(&'static str),
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
        let rendered = templates.render(letter.kind(), language, &self.facts(letter)?)?;
        // A name given at registration is not the address holder's word yet, so the
        // confirmation mail does not show it, not even in its To header.
        let name =
            (letter.kind() != NotificationKind::VerifyEmail).then(|| letter.recipient.name.clone());
        let to = Mailbox::new(name, letter.recipient.email.parse()?);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .message_id(Some(self.message_id(letter.id)))
            .header(AutoSubmitted)
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))?;
        Ok(message)
    }

    /// The values `letter`'s template receives, each already formatted.
    ///
    /// # Errors
    /// [`ComposeError::Missing`] when a code cannot be derived for lack of its key.
    pub fn facts(&self, letter: &Letter) -> Result<Value, ComposeError> {
        let mut facts: Vec<(&'static str, Value)> =
            vec![("recipient_name", Value::from(letter.recipient.name.clone()))];
        // Always present (templates are strict about undefined facts); empty when unset.
        facts.push((
            "operator_contact",
            Value::from(self.operator_contact.clone().unwrap_or_default()),
        ));
        let language = letter.recipient.language;
        let base = &self.public_url;
        let instant = |at| Value::from(format::instant(at, language));
        match &letter.mail {
            Mail::Account(mail) => self.account_facts(letter, mail, &mut facts)?,
            Mail::Applicant {
                application,
                organization_name,
                news,
            } => {
                named(application, language, &mut facts);
                facts.push(("organization_name", Value::from(organization_name.clone())));
                facts.push((
                    "application_url",
                    Value::from(format!("{base}/applications/{}", application.id)),
                ));
                if links_feedback(news.kind()) {
                    facts.push((
                        "feedback_url",
                        Value::from(format!("{base}/applications/{}/feedback", application.id)),
                    ));
                }
                news_facts(news, language, &mut facts);
            }
            Mail::Officer {
                application,
                news:
                    OfficerNews::ReviewerRecused {
                        reviewer_name,
                        review_set_aside,
                    },
            } => {
                named(application, language, &mut facts);
                facts.push((
                    "application_url",
                    Value::from(format!("{base}/applications/{}", application.id)),
                ));
                facts.push(("reviewer_name", Value::from(reviewer_name.clone())));
                facts.push(("review_set_aside", Value::from(*review_set_aside)));
            }
            Mail::Reviewer {
                application,
                assignment,
                news: ReviewerNews::Assigned | ReviewerNews::DueSoon,
            } => {
                named(application, language, &mut facts);
                facts.push((
                    "assignment_url",
                    Value::from(format!("{base}/assignments/{}", assignment.id)),
                ));
                facts.push(("due_at", assignment.due_at.map_or(Value::from(()), instant)));
            }
        }
        Ok(Value::from(
            facts
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>(),
        ))
    }

    /// The facts of mail about the recipient's own account.
    fn account_facts(
        &self,
        letter: &Letter,
        mail: &AccountMail,
        facts: &mut Vec<(&'static str, Value)>,
    ) -> Result<(), ComposeError> {
        facts.push(("email", Value::from(letter.recipient.email.clone())));
        match mail {
            AccountMail::VerifyEmail {
                code: pending,
                repeated,
            } => {
                facts.push(("repeated", Value::from(*repeated)));
                let token = self
                    .confirmations
                    .token(pending.user_id.uuid(), &pending.nonce)
                    .ok_or(ComposeError::Missing("a confirmation key"))?;
                let expires = domain::account::verification_expires_at(pending.sent_at);
                facts.push((
                    "confirmation_url",
                    Value::from(format!("{}/confirm?code={token}", self.public_url)),
                ));
                let number = self
                    .confirmations
                    .number(pending.user_id.uuid(), &pending.nonce)
                    .ok_or(ComposeError::Missing("a confirmation key"))?;
                // Two groups of four, easier to read off a phone.
                let (first, second) = number.split_at(number.len() / 2);
                facts.push((
                    "confirmation_number",
                    Value::from(format!("{first} {second}")),
                ));
                facts.push((
                    "confirm_page_url",
                    Value::from(format!("{}/confirm", self.public_url)),
                ));
                code_facts(facts, "confirmation_token", token, expires, letter);
            }
            AccountMail::PasswordReset(pending) => {
                let token = self
                    .confirmations
                    .reset_token(pending.user_id.uuid(), &pending.nonce)
                    .ok_or(ComposeError::Missing("a reset key"))?;
                let expires = domain::account::reset_expires_at(pending.sent_at);
                facts.push((
                    "reset_url",
                    Value::from(format!(
                        "{}/password-reset/confirm?code={token}",
                        self.public_url
                    )),
                ));
                code_facts(facts, "reset_token", token, expires, letter);
            }
            AccountMail::AccountExists => {
                facts.push((
                    "login_url",
                    Value::from(format!("{}/login", self.public_url)),
                ));
            }
            AccountMail::Invited(invitation) => {
                let language = letter.recipient.language;
                facts.push((
                    "organization_name",
                    Value::from(invitation.organization_name.clone()),
                ));
                facts.push(("inviter_name", Value::from(invitation.inviter_name.clone())));
                facts.push(("role", Value::from(role_name(invitation.role, language))));
                facts.push((
                    "expires_at",
                    Value::from(format::instant(invitation.expires_at, language)),
                ));
                facts.push((
                    "invitations_url",
                    Value::from(format!("{}/invitations", self.public_url)),
                ));
            }
        }
        Ok(())
    }
}

/// The application's title and call, which every mail about an application names.
fn named(application: &ApplicationFacts, language: Language, facts: &mut Vec<(&str, Value)>) {
    let title = application
        .title
        .clone()
        .unwrap_or_else(|| untitled(language).to_owned());
    facts.push(("application_title", Value::from(title)));
    facts.push(("call_title", Value::from(application.call_title.clone())));
}

/// The facts of the change an applicant is told about.
fn news_facts(news: &News, language: Language, facts: &mut Vec<(&str, Value)>) {
    let instant = |at| Value::from(format::instant(at, language));
    let money = |amount| Value::from(format::money(amount, language));
    let submitted = |facts: &mut Vec<(&str, Value)>, submission: &Submission| {
        facts.push(("receipt", Value::from(submission.receipt.clone())));
        facts.push(("submitted_at", instant(submission.at)));
    };
    match news {
        News::Submitted {
            submission,
            closes_at,
            requested,
        } => {
            submitted(facts, submission);
            facts.push(("closes_at", instant(*closes_at)));
            facts.push(("requested", money(*requested)));
        }
        News::Resubmitted { submission } => submitted(facts, submission),
        News::RevisionRequested { comment, due_at } => {
            facts.push(("comment", Value::from(comment.clone())));
            facts.push(("revision_due_at", instant(*due_at)));
        }
        News::Ineligible { reason } | News::Rejected { reason } => {
            facts.push(("reason", Value::from(reason.clone())));
        }
        News::Approved { awarded, requested } => {
            facts.push(("awarded", money(*awarded)));
            facts.push(("requested", money(*requested)));
        }
        News::UnderReview | News::Waitlisted | News::Withdrawn => {}
    }
}

/// A member role as the invitation mail names it.
const fn role_name(role: MemberRole, language: Language) -> &'static str {
    match (role, language) {
        (MemberRole::Owner, Language::Kk) => "иесі (ұйымды және оның мүшелерін басқарады)",
        (MemberRole::Member, Language::Kk) => "мүше (өтінімдермен жұмыс істейді)",
        (MemberRole::Owner, Language::Ru) => "владелец (управляет организацией и её участниками)",
        (MemberRole::Member, Language::Ru) => "участник (работает с заявками)",
        (MemberRole::Owner, Language::En) => "an owner (manages the organisation and its members)",
        (MemberRole::Member, Language::En) => "a member (works on applications)",
    }
}

const fn untitled(language: Language) -> &'static str {
    match language {
        Language::Kk => "атауы жоқ",
        Language::Ru => "без названия",
        Language::En => "untitled",
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): every mail of the service is sent by a
/// program, so out-of-office and other automatic replies stay away.
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted;

impl lettre::message::header::Header for AutoSubmitted {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// The facts of a mailed code: the code under `name`, and until when it works.
fn code_facts(
    facts: &mut Vec<(&'static str, Value)>,
    name: &'static str,
    token: String,
    expires: chrono::DateTime<chrono::Utc>,
    letter: &Letter,
) {
    facts.push((name, Value::from(token)));
    facts.push((
        "expires_at",
        Value::from(format::instant(expires, letter.recipient.language)),
    ));
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use domain::money::Money;
    use domain::notification::Audience;
    use persistence::outbox::{AssignmentFacts, Recipient, Verification};
    use uuid::Uuid;

    use super::*;
    use crate::mail::templates::Templates;

    fn at(hour: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, hour, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn letter(kind: NotificationKind, language: Language) -> Letter {
        let application = ApplicationFacts {
            id: (Uuid::from_u128(9)).into(),
            title: Some("Ауылдағы <әйелдер> орталығы".to_owned()),
            call_title: "Ауыл аманаты 2026".to_owned(),
        };
        let requested = Money::from_minor(250_000_000).unwrap_or_default();
        let submission = Submission {
            receipt: "ab".repeat(32),
            at: at(6),
        };
        let reason = "Бюджетті нақтылаңыз".to_owned();
        let code = Verification {
            user_id: (Uuid::from_u128(11)).into(),
            nonce: "nonce".to_owned(),
            sent_at: at(7),
        };
        let applicant = |news| Mail::Applicant {
            application: application.clone(),
            organization_name: "Ақ ниет".to_owned(),
            news,
        };
        let reviewer = |news| Mail::Reviewer {
            application: application.clone(),
            assignment: AssignmentFacts {
                id: (Uuid::from_u128(10)).into(),
                due_at: Some(at(12)),
            },
            news,
        };
        let mail = match kind {
            NotificationKind::Submitted => applicant(News::Submitted {
                submission,
                closes_at: at(13),
                requested,
            }),
            NotificationKind::Resubmitted => applicant(News::Resubmitted { submission }),
            NotificationKind::RevisionRequested => applicant(News::RevisionRequested {
                comment: reason,
                due_at: at(18),
            }),
            NotificationKind::Ineligible => applicant(News::Ineligible { reason }),
            NotificationKind::Rejected => applicant(News::Rejected { reason }),
            NotificationKind::UnderReview => applicant(News::UnderReview),
            NotificationKind::Approved => applicant(News::Approved {
                awarded: Money::from_minor(200_000_000).unwrap_or_default(),
                requested,
            }),
            NotificationKind::Waitlisted => applicant(News::Waitlisted),
            NotificationKind::Withdrawn => applicant(News::Withdrawn),
            NotificationKind::ReviewerAssigned => reviewer(ReviewerNews::Assigned),
            NotificationKind::ReviewDueSoon => reviewer(ReviewerNews::DueSoon),
            NotificationKind::VerifyEmail => Mail::Account(AccountMail::VerifyEmail {
                code,
                repeated: false,
            }),
            NotificationKind::PasswordReset => Mail::Account(AccountMail::PasswordReset(code)),
            NotificationKind::AccountExists => Mail::Account(AccountMail::AccountExists),
            NotificationKind::ReviewerRecused => Mail::Officer {
                application: application.clone(),
                news: OfficerNews::ReviewerRecused {
                    reviewer_name: "Марат Оспанов".to_owned(),
                    review_set_aside: true,
                },
            },
            NotificationKind::MemberInvited => {
                Mail::Account(AccountMail::Invited(persistence::outbox::InvitationFacts {
                    organization_name: "Ақ ниет".to_owned(),
                    inviter_name: "Ерлан Серікұлы".to_owned(),
                    role: MemberRole::Owner,
                    expires_at: at(19),
                }))
            }
        };
        assert_eq!(mail.kind(), kind);
        Letter {
            id: Uuid::from_u128(7),
            claim: Uuid::from_u128(8),
            attempts: 1,
            recipient: Recipient {
                email: "aigerim@example.kz".to_owned(),
                name: "Айгерім Сәтбаева".to_owned(),
                language,
            },
            mail,
        }
    }

    fn letterhead() -> Letterhead {
        Letterhead {
            from: "Гранты <grants@granty.kz>"
                .parse()
                .unwrap_or_else(|e| panic!("{e}")),
            public_url: "https://granty.kz".to_owned(),
            id_domain: "granty.kz".to_owned(),
            confirmations: Confirmations::new(
                &crate::config::Secret::new("a-jwt-secret-of-at-least-32-characters"),
                &[],
            ),
            operator_contact: Some("grants@operator.kz, +7 7172 00 00 00".to_owned()),
        }
    }

    #[test]
    fn without_an_operator_contact_every_mail_still_renders_and_names_none() {
        let templates = Templates::load().unwrap_or_else(|e| panic!("{e}"));
        let head = Letterhead {
            operator_contact: None,
            ..letterhead()
        };
        for kind in NotificationKind::ALL {
            for language in Language::ALL {
                let facts = head
                    .facts(&letter(kind, language))
                    .unwrap_or_else(|e| panic!("{kind}: {e}"));
                let rendered = templates
                    .render(kind, language, &facts)
                    .unwrap_or_else(|e| panic!("{kind} in {language}: {e:#}"));
                assert!(
                    !rendered.text.contains(": .") && !rendered.text.contains("operator.kz"),
                    "{kind} in {language}: {}",
                    rendered.text
                );
            }
        }
    }

    #[test]
    fn every_kind_renders_in_every_language_with_its_facts() {
        let templates = Templates::load().unwrap_or_else(|e| panic!("{e}"));
        let head = letterhead();
        for kind in NotificationKind::ALL {
            for language in Language::ALL {
                let letter = letter(kind, language);
                let facts = head
                    .facts(&letter)
                    .unwrap_or_else(|e| panic!("{kind}: {e}"));
                let rendered = templates
                    .render(kind, language, &facts)
                    .unwrap_or_else(|e| panic!("{kind} in {language}: {e:#}"));
                let context = format!("{kind} in {language}");
                assert!(
                    !rendered.subject.is_empty() && !rendered.subject.contains('\n'),
                    "{context}"
                );
                // Anyone may register any address under any name, so the confirmation mail
                // does not repeat the name: it would carry a stranger's text to the address.
                let names_the_recipient = kind != NotificationKind::VerifyEmail;
                assert_eq!(
                    rendered.text.contains("Айгерім Сәтбаева")
                        || rendered.html.contains("Айгерім Сәтбаева"),
                    names_the_recipient,
                    "{context}: greeting"
                );
                assert!(
                    rendered.html.contains(&format!("lang=\"{language}\"")),
                    "{context}"
                );
                let about_account = kind.audience() == Audience::Account;
                assert!(
                    about_account
                        || (rendered.html.contains("&lt;әйелдер&gt;")
                            && !rendered.html.contains("<әйелдер>")),
                    "{context}: the title is escaped in HTML"
                );
                assert!(
                    about_account || rendered.text.contains("<әйелдер>"),
                    "{context}: and not in text"
                );
                let mut expected: Vec<String> = Vec::new();
                match kind {
                    NotificationKind::Submitted => {
                        expected.push("ab".repeat(32));
                        expected.push(format::instant(at(13), language));
                        let requested = Money::from_minor(250_000_000).unwrap_or_default();
                        expected.push(format::money(requested, language));
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
                            "https://granty.kz/assignments/{}",
                            Uuid::from_u128(10)
                        ));
                    }
                    NotificationKind::VerifyEmail => {
                        let token = head.confirmations.token(Uuid::from_u128(11), "nonce");
                        let token = token.unwrap_or_else(|| panic!("a token"));
                        expected.push(format!("https://granty.kz/confirm?code={token}"));
                        expected.push(token);
                        expected.push(format::instant(at(7) + chrono::Duration::days(3), language));
                        expected.push("aigerim@example.kz".to_owned());
                    }
                    NotificationKind::PasswordReset => {
                        let token = head.confirmations.reset_token(Uuid::from_u128(11), "nonce");
                        let token = token.unwrap_or_else(|| panic!("a token"));
                        expected.push(format!(
                            "https://granty.kz/password-reset/confirm?code={token}"
                        ));
                        expected.push(token);
                        expected.push(format::instant(
                            at(7) + chrono::Duration::hours(6),
                            language,
                        ));
                        expected.push("aigerim@example.kz".to_owned());
                    }
                    NotificationKind::AccountExists => {
                        expected.push("https://granty.kz/login".to_owned());
                        expected.push("aigerim@example.kz".to_owned());
                    }
                    NotificationKind::ReviewerRecused => {
                        expected.push("Марат Оспанов".to_owned());
                        expected.push(format!(
                            "https://granty.kz/applications/{}",
                            Uuid::from_u128(9)
                        ));
                    }
                    NotificationKind::MemberInvited => {
                        expected.push("Ақ ниет".to_owned());
                        expected.push("Ерлан Серікұлы".to_owned());
                        expected.push(role_name(MemberRole::Owner, language).to_owned());
                        expected.push(format::instant(at(19), language));
                        expected.push("https://granty.kz/invitations".to_owned());
                    }
                    NotificationKind::UnderReview
                    | NotificationKind::Waitlisted
                    | NotificationKind::Withdrawn => {}
                }
                if links_feedback(kind) {
                    expected.push(format!(
                        "https://granty.kz/applications/{}/feedback",
                        Uuid::from_u128(9)
                    ));
                }
                // Mail to applicants and reviewers names how to reach the operator (the
                // officer works for the operator); no mail sends anyone to the API by name.
                if matches!(kind.audience(), Audience::Applicant | Audience::Reviewer) {
                    expected.push("grants@operator.kz, +7 7172 00 00 00".to_owned());
                }
                for text in [&rendered.text, &rendered.html] {
                    assert!(!text.contains("API"), "{context}: mentions the API");
                    assert!(
                        !text.contains("through the service") && !text.contains("через сервис"),
                        "{context}: points to a channel that does not exist"
                    );
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
    fn a_recusal_says_a_review_was_set_aside_only_when_one_was() {
        let templates = Templates::load().unwrap_or_else(|e| panic!("{e}"));
        for set_aside in [true, false] {
            let mut letter = letter(NotificationKind::ReviewerRecused, Language::En);
            if let Mail::Officer {
                news:
                    OfficerNews::ReviewerRecused {
                        review_set_aside, ..
                    },
                ..
            } = &mut letter.mail
            {
                *review_set_aside = set_aside;
            }
            let facts = letterhead()
                .facts(&letter)
                .unwrap_or_else(|e| panic!("{e}"));
            let rendered = templates
                .render(letter.kind(), Language::En, &facts)
                .unwrap_or_else(|e| panic!("{e:#}"));
            assert_eq!(
                rendered.text.contains("has been set aside"),
                set_aside,
                "{}",
                rendered.text
            );
        }
    }

    #[test]
    fn a_repeated_registration_is_told_confirming_asks_for_the_password() {
        let templates = Templates::load().unwrap_or_else(|e| panic!("{e}"));
        for (language, marker) in [
            (Language::En, "registered more than once"),
            (Language::Ru, "более одного раза"),
            (Language::Kk, "бірнеше рет"),
        ] {
            for repeated in [true, false] {
                let mut letter = letter(NotificationKind::VerifyEmail, language);
                if let Mail::Account(AccountMail::VerifyEmail { repeated: r, .. }) =
                    &mut letter.mail
                {
                    *r = repeated;
                }
                let facts = letterhead()
                    .facts(&letter)
                    .unwrap_or_else(|e| panic!("{e}"));
                let rendered = templates
                    .render(letter.kind(), language, &facts)
                    .unwrap_or_else(|e| panic!("{e:#}"));
                assert_eq!(
                    rendered.text.contains(marker),
                    repeated,
                    "{}",
                    rendered.text
                );
                assert_eq!(
                    rendered.html.contains(marker),
                    repeated,
                    "{}",
                    rendered.html
                );
            }
        }
    }

    #[test]
    fn an_assignment_without_a_due_date_says_nothing_of_one() {
        let templates = Templates::load().unwrap_or_else(|e| panic!("{e}"));
        let mut letter = letter(NotificationKind::ReviewerAssigned, Language::Ru);
        if let Mail::Reviewer { assignment, .. } = &mut letter.mail {
            assignment.due_at = None;
        }
        let rendered = templates
            .render(
                letter.kind(),
                Language::Ru,
                &letterhead()
                    .facts(&letter)
                    .unwrap_or_else(|e| panic!("{e}")),
            )
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
        assert!(
            raw.contains("\r\nAuto-Submitted: auto-generated\r\n"),
            "{raw}"
        );
        let confirmation = letterhead()
            .compose(
                &templates,
                &letter(NotificationKind::VerifyEmail, Language::Kk),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let to = confirmation
            .headers()
            .get_raw("To")
            .unwrap_or_default()
            .to_owned();
        assert_eq!(to, "aigerim@example.kz", "no unconfirmed name in To");
    }
}
