//! Organisations (NGOs) and the roles of their members.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::bin::Bin;
use crate::email::Email;
use crate::ids::UserId;
use crate::region::Region;
use crate::text;
use crate::validation::ValidationErrors;

/// Most characters in an organisation's name.
pub const NAME_MAX: usize = 300;
/// Most characters in a settlement's name.
pub const SETTLEMENT_MAX: usize = 200;

/// A validated organisation profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationProfile {
    /// Registered name.
    pub name: String,
    /// Business Identification Number.
    pub bin: Bin,
    /// Region of registration.
    pub region: Region,
    /// Village, town or city.
    pub settlement: String,
    /// Whether the settlement is rural.
    pub rural: bool,
    /// Date of state registration.
    pub registered_on: NaiveDate,
    /// Address for official correspondence.
    pub contact_email: Email,
}

/// Raw organisation fields as received; `None` means "not given".
#[derive(Debug, Clone, Copy, Default)]
pub struct OrganizationInput<'a> {
    /// Raw name.
    pub name: Option<&'a str>,
    /// Raw BIN.
    pub bin: Option<&'a str>,
    /// Raw region code.
    pub region: Option<&'a str>,
    /// Raw settlement.
    pub settlement: Option<&'a str>,
    /// Whether the settlement is rural.
    pub rural: Option<bool>,
    /// Registration date.
    pub registered_on: Option<NaiveDate>,
    /// Raw contact address.
    pub contact_email: Option<&'a str>,
}

impl OrganizationProfile {
    /// Validates a new organisation. `today` is the current date in the service's time
    /// zone: a registration date after it is refused.
    ///
    /// # Errors
    /// Every failing or missing field.
    pub fn create(
        input: OrganizationInput<'_>,
        today: NaiveDate,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut required = |field: &str, present: bool| {
            if !present {
                errors.push(field, "required", "is required");
            }
        };
        required("name", input.name.is_some());
        required("bin", input.bin.is_some());
        required("region", input.region.is_some());
        required("settlement", input.settlement.is_some());
        required("rural", input.rural.is_some());
        required("registered_on", input.registered_on.is_some());
        required("contact_email", input.contact_email.is_some());
        let fields = Fields::parse(input, today, &mut errors);
        match fields {
            Fields {
                name: Some(name),
                bin: Some(bin),
                region: Some(region),
                settlement: Some(settlement),
                rural: Some(rural),
                registered_on: Some(registered_on),
                contact_email: Some(contact_email),
            } if errors.is_empty() => Ok(Self {
                name,
                bin,
                region,
                settlement,
                rural,
                registered_on,
                contact_email,
            }),
            Fields { .. } => Err(errors),
        }
    }

    /// Applies a partial update to this profile; absent fields keep their value.
    ///
    /// # Errors
    /// Every failing field that was given.
    pub fn update(
        &self,
        input: OrganizationInput<'_>,
        today: NaiveDate,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let fields = Fields::parse(input, today, &mut errors);
        errors.into_result()?;
        Ok(Self {
            name: fields.name.unwrap_or_else(|| self.name.clone()),
            bin: fields.bin.unwrap_or_else(|| self.bin.clone()),
            region: fields.region.unwrap_or(self.region),
            settlement: fields.settlement.unwrap_or_else(|| self.settlement.clone()),
            rural: fields.rural.unwrap_or(self.rural),
            registered_on: fields.registered_on.unwrap_or(self.registered_on),
            contact_email: fields
                .contact_email
                .unwrap_or_else(|| self.contact_email.clone()),
        })
    }

    /// Whole years since registration on `today`.
    #[must_use]
    pub fn years_registered(&self, today: NaiveDate) -> u32 {
        today.years_since(self.registered_on).unwrap_or(0)
    }
}

/// The given fields, each parsed when present.
struct Fields {
    name: Option<String>,
    bin: Option<Bin>,
    region: Option<Region>,
    settlement: Option<String>,
    rural: Option<bool>,
    registered_on: Option<NaiveDate>,
    contact_email: Option<Email>,
}

impl Fields {
    fn parse(
        input: OrganizationInput<'_>,
        today: NaiveDate,
        errors: &mut ValidationErrors,
    ) -> Self {
        let registered_on = input.registered_on.and_then(|date| {
            if date > today {
                errors.push("registered_on", "in_future", "must not be in the future");
                None
            } else if date.year() < 1900 {
                errors.push("registered_on", "out_of_range", "must not be before 1900");
                None
            } else {
                Some(date)
            }
        });
        Self {
            name: input
                .name
                .and_then(|v| errors.check("name", text::bounded(v, NAME_MAX, false))),
            bin: input.bin.and_then(|v| errors.check("bin", Bin::parse(v))),
            region: input
                .region
                .and_then(|v| errors.check("region", v.parse::<Region>())),
            settlement: input
                .settlement
                .and_then(|v| errors.check("settlement", text::bounded(v, SETTLEMENT_MAX, false))),
            rural: input.rural,
            registered_on,
            contact_email: input
                .contact_email
                .and_then(|v| errors.check("contact_email", Email::parse(v))),
        }
    }
}

/// Most characters in an officer's verification note.
pub const VERIFICATION_NOTE_MAX: usize = 1000;

/// An officer's check of an organisation against the state registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// When it was verified.
    pub at: DateTime<Utc>,
    /// The officer who verified it.
    pub by: UserId,
    /// What the officer checked, in their words.
    pub note: String,
}

/// Validates an officer's verification note: required, at most
/// [`VERIFICATION_NOTE_MAX`] characters, several lines allowed.
///
/// # Errors
/// The `note` field's error.
pub fn verification_note(raw: &str) -> Result<String, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let note = errors.check("note", text::bounded(raw, VERIFICATION_NOTE_MAX, true));
    errors.into_result()?;
    Ok(note.unwrap_or_default())
}

impl OrganizationProfile {
    /// Whether `changed` names another organisation than `self` as far as the registry
    /// is concerned (another BIN or another name), so a verification of `self` no longer
    /// holds for it.
    #[must_use]
    pub fn identity_differs(&self, changed: &Self) -> bool {
        self.bin != changed.bin || self.name != changed.name
    }
}

/// A member's role within one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberRole {
    /// Edits the organisation and manages its members.
    Owner,
    /// Reads the organisation and works on its applications.
    Member,
}

impl MemberRole {
    /// Every member role.
    pub const ALL: [MemberRole; 2] = [MemberRole::Owner, MemberRole::Member];

    /// The stable code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Member => "member",
        }
    }

    /// Whether this member may edit the organisation and manage its members.
    #[must_use]
    pub const fn manages(self) -> bool {
        match self {
            Self::Owner => true,
            Self::Member => false,
        }
    }
}

crate::codes::closed_set!(MemberRole, UnknownMemberRole, "unknown_member_role");

/// Why a membership change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MembershipError {
    /// The acting member is not an owner.
    #[error("only an owner may manage members")]
    NotOwner,
    /// The change would leave the organisation without an owner.
    #[error("an organisation must keep at least one owner")]
    LastOwner,
}

/// Decides whether `actor` may remove the member `target` (possibly themself) from an
/// organisation that has `owners` owners.
///
/// # Errors
/// [`MembershipError::NotOwner`] when a non-owner removes someone else;
/// [`MembershipError::LastOwner`] when the only owner would be removed.
pub fn check_removal(
    actor: MemberRole,
    actor_is_target: bool,
    target: MemberRole,
    owners: u64,
) -> Result<(), MembershipError> {
    if !actor_is_target && !actor.manages() {
        return Err(MembershipError::NotOwner);
    }
    match target {
        MemberRole::Owner if owners <= 1 => Err(MembershipError::LastOwner),
        MemberRole::Owner | MemberRole::Member => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default()
    }

    fn valid() -> OrganizationInput<'static> {
        OrganizationInput {
            name: Some("«Ақ ниет» қоғамдық бірлестігі"),
            bin: Some("040540001230"),
            region: Some("aktobe"),
            settlement: Some("Қарауылкелді"),
            rural: Some(true),
            registered_on: NaiveDate::from_ymd_opt(2019, 3, 1),
            contact_email: Some("aqniet@mail.kz"),
        }
    }

    #[test]
    fn only_another_bin_or_name_undoes_a_verification() {
        let Ok(profile) = OrganizationProfile::create(valid(), today()) else {
            panic!("the valid profile is refused");
        };
        let changed = |input: OrganizationInput<'_>| {
            profile
                .update(input, today())
                .map(|updated| profile.identity_differs(&updated))
        };
        let moved = OrganizationInput {
            region: Some("almaty"),
            settlement: Some("Talgar"),
            rural: Some(false),
            contact_email: Some("new@mail.kz"),
            ..OrganizationInput::default()
        };
        assert_eq!(changed(moved).ok(), Some(false));
        let renamed = OrganizationInput {
            name: Some("Another name"),
            ..OrganizationInput::default()
        };
        assert_eq!(changed(renamed).ok(), Some(true));
        let renumbered = OrganizationInput {
            bin: Some("150140000305"),
            ..OrganizationInput::default()
        };
        assert!(Bin::parse("150140000305").is_ok());
        assert_eq!(changed(renumbered).ok(), Some(true));
    }

    #[test]
    fn a_verification_note_is_required_and_bounded() {
        assert_eq!(
            verification_note("  checked at stat.gov.kz, certificate 12  ").ok(),
            Some("checked at stat.gov.kz, certificate 12".to_owned())
        );
        assert_eq!(failing_note("   "), vec!["note"]);
        assert_eq!(
            failing_note(&"x".repeat(VERIFICATION_NOTE_MAX + 1)),
            vec!["note"]
        );
        assert!(verification_note(&"x".repeat(VERIFICATION_NOTE_MAX)).is_ok());
    }

    fn failing_note(raw: &str) -> Vec<String> {
        verification_note(raw)
            .err()
            .map(|e| e.errors().iter().map(|f| f.field.clone()).collect())
            .unwrap_or_default()
    }

    fn failing_fields(result: Result<OrganizationProfile, ValidationErrors>) -> Vec<String> {
        result
            .err()
            .map(|e| e.errors().iter().map(|f| f.field.clone()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_complete_profile_is_accepted() {
        let org = OrganizationProfile::create(valid(), today());
        assert_eq!(
            org.map(|o| (o.region, o.years_registered(today()))),
            Ok((Region::Aktobe, 7))
        );
    }

    #[test]
    fn missing_fields_are_all_named() {
        let fields = failing_fields(OrganizationProfile::create(
            OrganizationInput::default(),
            today(),
        ));
        assert_eq!(fields.len(), 7);
    }

    #[test]
    fn invalid_fields_are_named() {
        let input = OrganizationInput {
            bin: Some("040540001231"),
            region: Some("moscow"),
            contact_email: Some("not-an-email"),
            registered_on: NaiveDate::from_ymd_opt(2027, 1, 1),
            ..valid()
        };
        assert_eq!(
            failing_fields(OrganizationProfile::create(input, today())),
            vec!["registered_on", "bin", "region", "contact_email"]
        );
    }

    #[test]
    fn update_keeps_absent_fields() {
        let org = OrganizationProfile::create(valid(), today());
        let updated = org.and_then(|o| {
            o.update(
                OrganizationInput {
                    settlement: Some("Шалқар"),
                    ..OrganizationInput::default()
                },
                today(),
            )
        });
        assert_eq!(
            updated.map(|o| (o.settlement, o.region)),
            Ok(("Шалқар".to_owned(), Region::Aktobe))
        );
    }

    #[test]
    fn the_last_owner_cannot_be_removed() {
        assert_eq!(
            check_removal(MemberRole::Owner, true, MemberRole::Owner, 1),
            Err(MembershipError::LastOwner)
        );
        assert_eq!(
            check_removal(MemberRole::Owner, false, MemberRole::Owner, 2),
            Ok(())
        );
    }

    #[test]
    fn members_may_leave_but_not_remove_others() {
        assert_eq!(
            check_removal(MemberRole::Member, true, MemberRole::Member, 1),
            Ok(())
        );
        assert_eq!(
            check_removal(MemberRole::Member, false, MemberRole::Member, 1),
            Err(MembershipError::NotOwner)
        );
    }
}
