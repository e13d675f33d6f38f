//! What a conflict of interest declared after assignment ends: the reviewer's unfinished
//! work and not yet decided reviews of the organisation's applications. Decisions already
//! taken stand.

use crate::assignment::AssignmentStatus;
use crate::status::ApplicationStatus;

/// Whether a reviewer's assignment in `assignment`, on an application in `application`,
/// ends when they declare a conflict with the applying organisation: every active
/// assignment of an application not yet decided (a submitted review of one is set aside).
#[must_use]
pub const fn ends(assignment: AssignmentStatus, application: ApplicationStatus) -> bool {
    assignment.is_active() && !decided(application)
}

/// Whether an application in `status` has had its decision (or its end) already, so that
/// its reviews stand as they were when it was taken.
const fn decided(status: ApplicationStatus) -> bool {
    match status {
        ApplicationStatus::Submitted
        | ApplicationStatus::RevisionRequested
        | ApplicationStatus::UnderReview
        | ApplicationStatus::Reviewed => false,
        ApplicationStatus::Draft
        | ApplicationStatus::Withdrawn
        | ApplicationStatus::Ineligible
        | ApplicationStatus::Waitlisted
        | ApplicationStatus::Approved
        | ApplicationStatus::Rejected => true,
    }
}

/// Whether an application in `status` goes back to review after a recusal leaves it with
/// `counted` submitted reviews of the `required` the call asks for.
#[must_use]
pub const fn reopens(status: ApplicationStatus, counted: u32, required: u32) -> bool {
    matches!(status, ApplicationStatus::Reviewed) && counted < required
}

/// The reason recorded when a recusal sends an application back to review.
pub const REOPEN_REASON: &str =
    "A reviewer declared a conflict of interest; their review no longer counts.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_active_work_on_undecided_applications_ends() {
        use ApplicationStatus as App;
        use AssignmentStatus as A;
        for application in App::ALL {
            let open = matches!(
                application,
                App::Submitted | App::RevisionRequested | App::UnderReview | App::Reviewed
            );
            for assignment in A::ALL {
                let active = matches!(assignment, A::Assigned | A::Accepted | A::Submitted);
                assert_eq!(
                    ends(assignment, application),
                    open && active,
                    "{assignment} on {application}"
                );
            }
        }
    }

    #[test]
    fn a_reviewed_application_short_of_reviews_goes_back() {
        use ApplicationStatus as App;
        assert!(reopens(App::Reviewed, 1, 2));
        assert!(!reopens(App::Reviewed, 2, 2));
        assert!(!reopens(App::UnderReview, 0, 2));
        assert!(!reopens(App::Approved, 0, 2));
    }
}
