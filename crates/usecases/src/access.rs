//! Who is acting, and in which capacity they may act on an application.

use domain::ids::UserId;
use domain::role::Role;
use domain::transition::Actor;

use crate::error::Error;

/// The signed-in account a use case acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// The account.
    pub id: UserId,
    /// Its role.
    pub role: Role,
}

impl Caller {
    /// Succeeds when the caller has `role`.
    ///
    /// # Errors
    /// [`Error::Forbidden`] with `why` otherwise.
    pub fn require(self, role: Role, why: &'static str) -> Result<(), Error> {
        if self.role == role {
            Ok(())
        } else {
            Err(Error::Forbidden(why))
        }
    }

    /// The caller's staff role, when they are operator staff.
    #[must_use]
    pub fn staff(self) -> Option<Staff> {
        match self.role {
            Role::Officer => Some(Staff::Officer),
            Role::Admin => Some(Staff::Admin),
            Role::Applicant | Role::Reviewer => None,
        }
    }
}

/// Operator staff, who read every application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staff {
    /// A programme officer.
    Officer,
    /// An administrator.
    Admin,
}

/// How a caller relates to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A member of the applying organisation.
    Member,
    /// Operator staff.
    Staff(Staff),
    /// A reviewer with an active assignment to the application.
    Reviewer,
}

impl Access {
    /// The caller's access to an application, given whether they belong to the applying
    /// organisation and whether they hold an active assignment to it; `None` when they may
    /// not see it at all.
    #[must_use]
    pub fn of(caller: Caller, member: bool, assigned: bool) -> Option<Self> {
        match caller.role {
            Role::Officer => Some(Self::Staff(Staff::Officer)),
            Role::Admin => Some(Self::Staff(Staff::Admin)),
            Role::Applicant => member.then_some(Self::Member),
            Role::Reviewer => assigned.then_some(Self::Reviewer),
        }
    }

    /// The capacity in which the caller acts on the state machine.
    #[must_use]
    pub fn actor(self) -> Actor {
        match self {
            Self::Member => Actor::Member,
            Self::Staff(Staff::Officer) => Actor::Officer,
            Self::Staff(Staff::Admin) => Actor::Admin,
            Self::Reviewer => Actor::Reviewer,
        }
    }

    /// Whether the caller sees the applicant's view of statuses and history.
    #[must_use]
    pub fn applicant_view(self) -> bool {
        matches!(self, Self::Member)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role) -> Caller {
        Caller {
            id: UserId::default(),
            role,
        }
    }

    #[test]
    fn only_members_and_assigned_reviewers_see_an_application_besides_staff() {
        let cases = [
            (Role::Applicant, false, false, None),
            (Role::Applicant, true, false, Some(Access::Member)),
            (Role::Applicant, false, true, None),
            (Role::Reviewer, false, false, None),
            (Role::Reviewer, true, false, None),
            (Role::Reviewer, false, true, Some(Access::Reviewer)),
            (
                Role::Officer,
                false,
                false,
                Some(Access::Staff(Staff::Officer)),
            ),
            (Role::Admin, false, false, Some(Access::Staff(Staff::Admin))),
        ];
        for (role, member, assigned, expected) in cases {
            assert_eq!(
                Access::of(caller(role), member, assigned),
                expected,
                "{role:?} member={member} assigned={assigned}"
            );
        }
    }

    #[test]
    fn staff_act_as_themselves_and_members_as_the_applicant() {
        assert_eq!(Access::Member.actor(), Actor::Member);
        assert_eq!(Access::Staff(Staff::Officer).actor(), Actor::Officer);
        assert_eq!(Access::Staff(Staff::Admin).actor(), Actor::Admin);
        assert_eq!(Access::Reviewer.actor(), Actor::Reviewer);
        assert!(Access::Member.applicant_view());
        assert!(!Access::Reviewer.applicant_view());
    }
}
