//! An admin's change to an account: a new staff role, or disabling and enabling it. The
//! service must always keep one active admin, or nobody could manage accounts again.

use crate::role::Role;

/// What an admin asks to change; `None` leaves a part as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountChange {
    /// The new role: reviewer, officer or admin.
    pub role: Option<Role>,
    /// Whether the account is to be disabled (`true`) or enabled again (`false`).
    pub disabled: Option<bool>,
}

/// An account's role and whether it is disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountStanding {
    /// The role.
    pub role: Role,
    /// Whether it is disabled.
    pub disabled: bool,
}

impl AccountStanding {
    /// Whether the account can act as an admin.
    #[must_use]
    pub const fn active_admin(self) -> bool {
        matches!(self.role, Role::Admin) && !self.disabled
    }
}

/// Why an admin's change to an account is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccountChangeError {
    /// Roles change only between staff roles: an applicant's account belongs to its
    /// holder and their organisations, and no account becomes an applicant.
    #[error("only staff accounts change role, and only to reviewer, officer or admin")]
    NotStaff,
    /// The change would leave no active admin.
    #[error("this is the last active admin; make another admin first")]
    LastAdmin,
}

impl AccountChangeError {
    /// The stable kebab-case slug.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::NotStaff => "not-staff-account",
            Self::LastAdmin => "last-admin",
        }
    }
}

/// Applies `change` to an account that stands as `current`, while `other_active_admins`
/// other accounts are active admins.
///
/// # Errors
/// [`AccountChangeError::NotStaff`] for a role change of an applicant or to applicant;
/// [`AccountChangeError::LastAdmin`] when no active admin would remain.
pub fn decide(
    current: AccountStanding,
    change: AccountChange,
    other_active_admins: u64,
) -> Result<AccountStanding, AccountChangeError> {
    if let Some(role) = change.role {
        let staff = |role: Role| match role {
            Role::Reviewer | Role::Officer | Role::Admin => true,
            Role::Applicant => false,
        };
        if !staff(current.role) || !staff(role) {
            return Err(AccountChangeError::NotStaff);
        }
    }
    let next = AccountStanding {
        role: change.role.unwrap_or(current.role),
        disabled: change.disabled.unwrap_or(current.disabled),
    };
    if current.active_admin() && !next.active_admin() && other_active_admins == 0 {
        return Err(AccountChangeError::LastAdmin);
    }
    Ok(next)
}

/// Whether going from `before` to `after` must end the account's logins at once: its
/// tokens carry its role, and a disabled account has no session.
#[must_use]
pub fn ends_logins(before: AccountStanding, after: AccountStanding) -> bool {
    before.role != after.role || (after.disabled && !before.disabled)
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn standing(role: Role, disabled: bool) -> AccountStanding {
        AccountStanding { role, disabled }
    }

    #[test]
    fn staff_roles_change_among_themselves_only() {
        let officer = standing(Role::Officer, false);
        for role in [Role::Reviewer, Role::Officer, Role::Admin] {
            let changed = decide(
                officer,
                AccountChange {
                    role: Some(role),
                    disabled: None,
                },
                0,
            );
            assert_eq!(changed, Ok(standing(role, false)));
        }
        let to_applicant = AccountChange {
            role: Some(Role::Applicant),
            disabled: None,
        };
        assert_eq!(
            decide(officer, to_applicant, 1),
            Err(AccountChangeError::NotStaff)
        );
        let applicant = standing(Role::Applicant, false);
        let to_officer = AccountChange {
            role: Some(Role::Officer),
            disabled: None,
        };
        assert_eq!(
            decide(applicant, to_officer, 1),
            Err(AccountChangeError::NotStaff)
        );
        // An applicant's account can still be disabled.
        let disable = AccountChange {
            role: None,
            disabled: Some(true),
        };
        assert_eq!(
            decide(applicant, disable, 0),
            Ok(standing(Role::Applicant, true))
        );
    }

    #[test]
    fn the_last_active_admin_stays() {
        let admin = standing(Role::Admin, false);
        let demote = AccountChange {
            role: Some(Role::Officer),
            disabled: None,
        };
        let disable = AccountChange {
            role: None,
            disabled: Some(true),
        };
        for change in [demote, disable] {
            assert_eq!(decide(admin, change, 0), Err(AccountChangeError::LastAdmin));
            assert!(decide(admin, change, 1).is_ok());
        }
        // Renaming nothing, or re-enabling, never loses an admin.
        assert_eq!(decide(admin, AccountChange::default(), 0), Ok(admin));
        let disabled_admin = standing(Role::Admin, true);
        assert_eq!(
            decide(disabled_admin, disable, 0),
            Ok(disabled_admin),
            "a disabled admin is not the last active one"
        );
    }

    #[test]
    fn a_new_role_or_disabling_ends_the_logins() {
        let officer = standing(Role::Officer, false);
        assert!(ends_logins(officer, standing(Role::Reviewer, false)));
        assert!(ends_logins(officer, standing(Role::Officer, true)));
        assert!(!ends_logins(officer, officer));
        assert!(
            !ends_logins(standing(Role::Officer, true), officer),
            "enabling"
        );
    }
}
