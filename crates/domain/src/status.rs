//! The statuses of an application and what each means for its content and its applicant.

/// Where an application is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicationStatus {
    /// Being written by the applicant.
    Draft,
    /// Submitted and waiting for the officer.
    Submitted,
    /// Sent back to the applicant for changes until a deadline.
    RevisionRequested,
    /// With the reviewers.
    UnderReview,
    /// Every review is in; waiting for a decision.
    Reviewed,
    /// Fundable but not funded yet.
    Waitlisted,
    /// Funded.
    Approved,
    /// Not funded.
    Rejected,
    /// Withdrawn by the applicant.
    Withdrawn,
    /// Refused by the officer as not meeting the call's conditions.
    Ineligible,
}

impl ApplicationStatus {
    /// Every status.
    pub const ALL: [ApplicationStatus; 10] = [
        ApplicationStatus::Draft,
        ApplicationStatus::Submitted,
        ApplicationStatus::RevisionRequested,
        ApplicationStatus::UnderReview,
        ApplicationStatus::Reviewed,
        ApplicationStatus::Waitlisted,
        ApplicationStatus::Approved,
        ApplicationStatus::Rejected,
        ApplicationStatus::Withdrawn,
        ApplicationStatus::Ineligible,
    ];

    /// The stable code used in the API and the database.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::RevisionRequested => "revision_requested",
            Self::UnderReview => "under_review",
            Self::Reviewed => "reviewed",
            Self::Waitlisted => "waitlisted",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
            Self::Ineligible => "ineligible",
        }
    }

    /// What an applicant sees: `Reviewed` shows as `UnderReview`, so the applicant learns
    /// nothing before the decision; everything else shows as itself.
    #[must_use]
    pub const fn as_seen_by_applicant(self) -> ApplicationStatus {
        match self {
            Self::Reviewed => Self::UnderReview,
            Self::Draft
            | Self::Submitted
            | Self::RevisionRequested
            | Self::UnderReview
            | Self::Waitlisted
            | Self::Approved
            | Self::Rejected
            | Self::Withdrawn
            | Self::Ineligible => self,
        }
    }

    /// Whether the content is frozen: the applicant may edit it only in `Draft` and
    /// `RevisionRequested`.
    #[must_use]
    pub const fn content_frozen(self) -> bool {
        match self {
            Self::Draft | Self::RevisionRequested => false,
            Self::Submitted
            | Self::UnderReview
            | Self::Reviewed
            | Self::Waitlisted
            | Self::Approved
            | Self::Rejected
            | Self::Withdrawn
            | Self::Ineligible => true,
        }
    }
}

crate::codes::closed_set!(ApplicationStatus, UnknownStatus, "unknown_status");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for status in ApplicationStatus::ALL {
            assert_eq!(status.code().parse::<ApplicationStatus>(), Ok(status));
            assert_eq!(status.to_string(), status.code());
        }
        assert_eq!("Draft".parse::<ApplicationStatus>(), Err(UnknownStatus));
    }

    #[test]
    fn applicants_do_not_see_that_reviews_are_complete() {
        assert_eq!(
            ApplicationStatus::Reviewed.as_seen_by_applicant(),
            ApplicationStatus::UnderReview
        );
        let changed: Vec<ApplicationStatus> = ApplicationStatus::ALL
            .into_iter()
            .filter(|s| s.as_seen_by_applicant() != *s)
            .collect();
        assert_eq!(changed, vec![ApplicationStatus::Reviewed]);
    }

    #[test]
    fn content_is_editable_only_in_draft_and_revision() {
        let editable: Vec<ApplicationStatus> = ApplicationStatus::ALL
            .into_iter()
            .filter(|s| !s.content_frozen())
            .collect();
        assert_eq!(
            editable,
            vec![
                ApplicationStatus::Draft,
                ApplicationStatus::RevisionRequested
            ]
        );
    }
}
