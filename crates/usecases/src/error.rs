//! Why a use case refused or failed.

use domain::assignment::AssignmentError;
use domain::call::CallTransitionError;
use domain::ids::ApplicationId;
use domain::invitation::InvitationError;
use domain::staff::AccountChangeError;
use domain::status::ApplicationStatus;
use domain::transition::{CommandKind, TransitionError};
use domain::{FieldError, ValidationErrors};
use persistence::RepoError;

/// Which kind of mailed code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// Confirms a registered address.
    Confirmation,
    /// Resets a forgotten password.
    Reset,
}

/// What a change clashed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// The reviewer is already in the call's pool.
    #[error("the reviewer is already in the pool")]
    AlreadyInPool,
    /// The reviewer still holds assignments in the call.
    #[error("the reviewer still holds assignments in this call; they must decline them first")]
    StillAssigned,
    /// The reviewer is already assigned to the application.
    #[error("the reviewer is already assigned to this application")]
    AlreadyAssigned,
    /// The reviewer belongs to, or declared a conflict with, the applying organisation.
    #[error("the reviewer belongs to, or declared a conflict with, the applying organisation")]
    ReviewerConflict,
    /// The application is not in a status in which reviewers are assigned.
    #[error("an application that is {0} is not being reviewed")]
    NotReviewable(ApplicationStatus),
    /// An application changed while reviewers were being assigned.
    #[error("an application changed while reviewers were being assigned; try again")]
    ChangedMeanwhile,
    /// The call does not accept applications now.
    #[error("the call is not open for applications")]
    CallNotOpen,
    /// Automatic assignment waits for the call to close.
    #[error("automatic assignment runs once the call has closed")]
    CallNotClosed,
    /// A conflict with the organisation is already on record.
    #[error("a conflict with this organisation is already on record")]
    ConflictAlreadyDeclared,
    /// The application is no longer under review, so its reviews may not change.
    #[error("the application is no longer under review")]
    NotUnderReview,
    /// The content of an application in this status can no longer change.
    #[error("the content of a {0} application cannot change")]
    ContentFrozen(ApplicationStatus),
    /// The organisation's last owner cannot leave it.
    #[error("an organisation must keep at least one owner")]
    LastOwner,
    /// An admin's change to an account that the rules refuse.
    #[error("{0}")]
    AccountRefused(AccountChangeError),
    /// Only failed mail is queued again.
    #[error("only a failed mail can be retried")]
    NotFailed,
    /// Feedback waits for the decision.
    #[error("feedback is available once the application is decided")]
    NotDecided,
    /// The application is already decided.
    #[error("the application is already decided")]
    AlreadyDecided,
    /// An invitation that was answered, withdrawn or expired.
    #[error("{0}")]
    InvitationClosed(InvitationError),
}

/// Why a use case did not happen. Nothing was written in any case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// It does not exist, or the caller may not know that it does.
    #[error("not found")]
    NotFound,
    /// The caller may not do this.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Input that breaks a rule, field by field.
    #[error("invalid input: {0}")]
    Invalid(ValidationErrors),
    /// The application's state machine refused `command`; `application` names the one
    /// refused when several were decided together.
    #[error("{refusal}")]
    Refused {
        /// Why.
        refusal: TransitionError,
        /// The refused command.
        command: CommandKind,
        /// The refused application, in a batch.
        application: Option<ApplicationId>,
    },
    /// A call's state machine refused.
    #[error("{0}")]
    CallRefused(CallTransitionError),
    /// An assignment's state machine refused.
    #[error("{0}")]
    Assignment(AssignmentError),
    /// A review submitted without everything it needs.
    #[error("the review is not complete")]
    ReviewIncomplete(Vec<FieldError>),
    /// The change clashes with the current state.
    #[error("{0}")]
    Conflict(Conflict),
    /// The change was made against a version that is no longer the current one.
    #[error("the resource changed since the version given")]
    Stale,
    /// Another request with the same idempotency key committed first; its stored answer
    /// is the answer.
    #[error("a request with this idempotency key was already answered")]
    AlreadyAnswered,
    /// No valid credentials for this.
    #[error("unauthenticated: {0}")]
    Unauthenticated(&'static str),
    /// A refresh token of another login than the one ending.
    #[error("the refresh token is not of this login")]
    NotThisLogin,
    /// The address or the password is wrong.
    #[error("the e-mail or password is wrong")]
    WrongCredentials,
    /// The current password given is not the account's.
    #[error("the current password is wrong")]
    WrongPassword,
    /// A mailed code that is wrong, used, replaced or expired.
    #[error("the code is not a current one")]
    InvalidCode(CodeKind),
    /// Something the service relies on failed (the random source, a hashing thread).
    #[error("{0}")]
    Unexpected(String),
    /// The store failed or a concurrent change won.
    #[error(transparent)]
    Store(RepoError),
}

impl From<RepoError> for Error {
    fn from(err: RepoError) -> Self {
        match err {
            RepoError::NotFound => Self::NotFound,
            other @ (RepoError::Conflict(_)
            | RepoError::Corrupt { .. }
            | RepoError::Unavailable(_)
            | RepoError::Unexpected(_)) => Self::Store(other),
        }
    }
}

impl From<ValidationErrors> for Error {
    fn from(errors: ValidationErrors) -> Self {
        Self::Invalid(errors)
    }
}

impl From<AssignmentError> for Error {
    fn from(err: AssignmentError) -> Self {
        Self::Assignment(err)
    }
}

impl From<Conflict> for Error {
    fn from(conflict: Conflict) -> Self {
        Self::Conflict(conflict)
    }
}

/// One invalid field.
pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Error {
    Error::Invalid(ValidationErrors::single(field, code, message))
}
