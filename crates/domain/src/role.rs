//! Account roles and what each may do with accounts.

/// What an account is for. Every account has exactly one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A member of an NGO who applies for grants; anyone may register as one.
    Applicant,
    /// An expert who scores applications assigned to them.
    Reviewer,
    /// A programme officer who runs calls and decides.
    Officer,
    /// Manages accounts and watches the mail outbox.
    Admin,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Role::Applicant, Role::Reviewer, Role::Officer, Role::Admin];

    /// The stable code used in the API, the database and tokens.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Applicant => "applicant",
            Self::Reviewer => "reviewer",
            Self::Officer => "officer",
            Self::Admin => "admin",
        }
    }

    /// Whether an account of this role may create accounts.
    #[must_use]
    pub const fn manages_accounts(self) -> bool {
        match self {
            Self::Admin => true,
            Self::Applicant | Self::Reviewer | Self::Officer => false,
        }
    }

    /// Whether an admin may create an account of this role through the API. Applicants
    /// register themselves.
    #[must_use]
    pub const fn created_by_admin(self) -> bool {
        match self {
            Self::Reviewer | Self::Officer | Self::Admin => true,
            Self::Applicant => false,
        }
    }
}

crate::codes::closed_set!(Role, UnknownRole, "unknown_role");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_manage_accounts() {
        let managers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.manages_accounts())
            .collect();
        assert_eq!(managers, vec![Role::Admin]);
    }

    #[test]
    fn applicants_are_never_created_by_admins() {
        assert!(!Role::Applicant.created_by_admin());
        assert!(Role::Reviewer.created_by_admin());
    }

    #[test]
    fn codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>(), Ok(role));
        }
        assert_eq!("root".parse::<Role>(), Err(UnknownRole));
    }
}
