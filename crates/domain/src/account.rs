//! Accounts: registration, admin-created accounts and profile changes, as validated data.

use chrono::{DateTime, Duration, Utc};

use crate::email::Email;
use crate::language::Language;
use crate::password;
use crate::role::{Role, UnknownRole};
use crate::text;
use crate::validation::ValidationErrors;

/// Most characters in a person's display name.
pub const NAME_MAX: usize = 200;

/// How long the link that confirms a registered address works. Three days, because mail to
/// a village may wait for the next trip to town.
pub const VERIFICATION_TTL_HOURS: i64 = 72;

/// The holder of a confirmed address hears of a new registration attempt at most once in
/// this many hours, so registering someone else's address cannot flood their mailbox.
pub const ACCOUNT_EXISTS_NOTICE_HOURS: i64 = 24;

/// When a confirmation issued at `sent_at` stops working.
#[must_use]
pub fn verification_expires_at(sent_at: DateTime<Utc>) -> DateTime<Utc> {
    sent_at + Duration::hours(VERIFICATION_TTL_HOURS)
}

/// How long a mailed password-reset code works: long enough for mail that waits for the
/// next trip to town the same day, short for a code that opens an account.
pub const RESET_TTL_HOURS: i64 = 6;

/// When a password-reset code issued at `sent_at` stops working.
#[must_use]
pub fn reset_expires_at(sent_at: DateTime<Utc>) -> DateTime<Utc> {
    sent_at + Duration::hours(RESET_TTL_HOURS)
}

/// Whether a password-reset code issued at `sent_at` still works at `now`.
#[must_use]
pub fn reset_live(sent_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < reset_expires_at(sent_at)
}

/// Whether a confirmation issued at `sent_at` still works at `now`.
#[must_use]
pub fn verification_live(sent_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < verification_expires_at(sent_at)
}

/// Digits in the confirmation number mailed beside the link, to type on a phone.
pub const CONFIRMATION_NUMBER_DIGITS: usize = 8;

/// Wrong confirmation numbers a code withstands; then it is replaced and a new one mailed.
pub const CONFIRMATION_NUMBER_TRIES: u32 = 5;

/// The confirmation number as typed, without the spaces and dashes people put in it;
/// `None` unless it is exactly [`CONFIRMATION_NUMBER_DIGITS`] ASCII digits.
#[must_use]
pub fn confirmation_number(typed: &str) -> Option<String> {
    let digits: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == CONFIRMATION_NUMBER_DIGITS && digits.chars().all(|c| c.is_ascii_digit()))
        .then_some(digits)
}

/// How long a portal sign-in lasts without use: a month, renewed as it is used.
pub const PORTAL_SESSION_DAYS: i64 = 30;

/// A portal sign-in is renewed at most once in this many hours, so that reading pages
/// does not write to the database on every request.
pub const PORTAL_SESSION_RENEW_HOURS: i64 = 24;

/// When a portal sign-in used at `now` ends if it is not used again.
#[must_use]
pub fn portal_session_expires_at(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::days(PORTAL_SESSION_DAYS)
}

/// Whether a portal sign-in that would end at `expires_at` is to be renewed at `now`: once
/// a renewal period has passed since it was last renewed.
#[must_use]
pub fn portal_session_renews(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    portal_session_expires_at(now) - expires_at >= Duration::hours(PORTAL_SESSION_RENEW_HOURS)
}

/// A validated request to open an account. The password is still plain text here: hashing
/// is the caller's job, because it is slow and must not run inside the domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// Login and mail address.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// Language of mail and messages.
    pub language: Language,
    /// The role the account gets.
    pub role: Role,
    /// The password as typed, already checked against the policy.
    pub password: String,
}

/// Raw fields of a registration or admin-created account, as received.
#[derive(Debug, Clone, Copy)]
pub struct AccountInput<'a> {
    /// Raw e-mail address.
    pub email: &'a str,
    /// Raw password.
    pub password: &'a str,
    /// Raw display name.
    pub name: &'a str,
    /// Raw language code, `None` for the default.
    pub language: Option<&'a str>,
}

impl NewAccount {
    /// Validates a self-registration; the account becomes an applicant.
    ///
    /// # Errors
    /// Every failing field.
    pub fn register(input: AccountInput<'_>) -> Result<Self, ValidationErrors> {
        Self::parse(input, Role::Applicant)
    }

    /// Validates an account an admin creates with the role code `role`.
    ///
    /// # Errors
    /// Every failing field, including a role an admin may not hand out (`applicant`).
    pub fn by_admin(input: AccountInput<'_>, role: &str) -> Result<Self, ValidationErrors> {
        let parsed_role = role.parse::<Role>();
        let result = Self::parse(input, Role::Applicant);
        let mut errors = result.as_ref().err().cloned().unwrap_or_default();
        let role = match parsed_role {
            Ok(r) if r.created_by_admin() => Some(r),
            Ok(_) => {
                errors.push(
                    "role",
                    "unknown_role",
                    "must be one of reviewer, officer, admin",
                );
                None
            }
            Err(e) => errors.check::<Role, UnknownRole>("role", Err(e)),
        };
        match (result, role) {
            (Ok(account), Some(role)) if errors.is_empty() => Ok(Self { role, ..account }),
            (Ok(_) | Err(_), _) => Err(errors),
        }
    }

    fn parse(input: AccountInput<'_>, role: Role) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let email = errors.check("email", Email::parse(input.email));
        let name = errors.check("name", text::bounded(input.name, NAME_MAX, false));
        let language = match input.language {
            None => Some(Language::default()),
            Some(code) => errors.check("language", code.parse::<Language>()),
        };
        let password_ok = errors
            .check(
                "password",
                password::check(input.password, input.email.trim()),
            )
            .is_some();
        match (email, name, language) {
            (Some(email), Some(name), Some(language)) if password_ok => Ok(Self {
                email,
                name,
                language,
                role,
                password: input.password.to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

/// A validated change to one's own profile; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProfileChange {
    /// New display name.
    pub name: Option<String>,
    /// New preferred language.
    pub language: Option<Language>,
}

impl ProfileChange {
    /// Validates the raw fields of `PATCH /me`.
    ///
    /// # Errors
    /// Every failing field.
    pub fn parse(name: Option<&str>, language: Option<&str>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = name.and_then(|n| errors.check("name", text::bounded(n, NAME_MAX, false)));
        let language = language.and_then(|l| errors.check("language", l.parse::<Language>()));
        errors.into_result()?;
        Ok(Self { name, language })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confirmation_works_for_three_days_and_not_a_moment_more() {
        let sent = DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000);
        assert!(verification_live(sent, sent));
        let last = sent + Duration::hours(VERIFICATION_TTL_HOURS) - Duration::seconds(1);
        assert!(verification_live(sent, last));
        assert!(!verification_live(sent, last + Duration::seconds(1)));
        assert_eq!(verification_expires_at(sent), sent + Duration::days(3));
    }

    #[test]
    fn a_reset_code_works_for_six_hours_and_not_a_moment_more() {
        let sent = DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000);
        assert!(reset_live(sent, sent));
        let last = sent + Duration::hours(6) - Duration::seconds(1);
        assert!(reset_live(sent, last));
        assert!(!reset_live(sent, last + Duration::seconds(1)));
    }

    fn input<'a>(email: &'a str, password: &'a str) -> AccountInput<'a> {
        AccountInput {
            email,
            password,
            name: "Айгерім Нұрланқызы",
            language: Some("kk"),
        }
    }

    #[test]
    fn registration_makes_an_applicant() {
        let account = NewAccount::register(input("aigerim@mail.kz", "көктем-ауыл-2026"));
        assert_eq!(
            account.map(|a| (a.role, a.language)),
            Ok((Role::Applicant, Language::Kk))
        );
    }

    #[test]
    fn every_failing_field_is_reported() {
        let bad = AccountInput {
            email: "nope",
            password: "short",
            name: " ",
            language: Some("fr"),
        };
        let fields: Vec<String> = NewAccount::register(bad)
            .err()
            .map(|e| e.errors().iter().map(|f| f.field.clone()).collect())
            .unwrap_or_default();
        assert_eq!(fields, vec!["email", "name", "language", "password"]);
    }

    #[test]
    fn admins_create_staff_roles_only() {
        let ok = NewAccount::by_admin(input("expert@mail.kz", "көктем-ауыл-2026"), "reviewer");
        assert_eq!(ok.map(|a| a.role), Ok(Role::Reviewer));
        let applicant = NewAccount::by_admin(input("x@mail.kz", "көктем-ауыл-2026"), "applicant");
        assert_eq!(
            applicant.err().map(|e| e.errors()[0].field.clone()),
            Some("role".to_owned())
        );
        let unknown = NewAccount::by_admin(input("x@mail.kz", "көктем-ауыл-2026"), "root");
        assert!(unknown.is_err());
    }

    #[test]
    fn profile_change_validates_present_fields_only() {
        assert_eq!(
            ProfileChange::parse(None, None),
            Ok(ProfileChange::default())
        );
        assert!(ProfileChange::parse(Some(""), None).is_err());
        assert_eq!(
            ProfileChange::parse(None, Some("en")).map(|c| c.language),
            Ok(Some(Language::En))
        );
    }

    #[test]
    fn a_confirmation_number_is_eight_digits_however_it_is_spaced() {
        assert_eq!(
            confirmation_number(" 1234 5678 "),
            Some("12345678".to_owned())
        );
        assert_eq!(
            confirmation_number("1234-5678"),
            Some("12345678".to_owned())
        );
        assert_eq!(confirmation_number("1234567"), None);
        assert_eq!(confirmation_number("123456789"), None);
        assert_eq!(confirmation_number("1234567x"), None);
        assert_eq!(confirmation_number("١٢٣٤٥٦٧٨"), None);
    }
}
