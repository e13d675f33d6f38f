//! What repositories hand back: decoded rows in domain terms.

use chrono::{DateTime, Utc};
use domain::ids::{ApplicationId, AssignmentId, CallId, InvitationId, OrganizationId, UserId};
use domain::invitation::{InvitationState, InvitationStatus};
use domain::language::Language;
use domain::organization::{MemberRole, OrganizationProfile, Verification};
use domain::role::Role;
use uuid::Uuid;

/// An account without its credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Identifier.
    pub id: UserId,
    /// Login and mail address, lower-cased.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Preferred language.
    pub language: Language,
    /// The account's role.
    pub role: Role,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// Whether an admin has disabled the account.
    pub disabled: bool,
}

/// An account to store; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login and mail address, lower-cased.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Preferred language.
    pub language: Language,
    /// The account's role.
    pub role: Role,
    /// PHC string of the Argon2id hash.
    pub password_hash: String,
}

/// An organisation and its optimistic-concurrency version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// Identifier.
    pub id: OrganizationId,
    /// The validated profile.
    pub profile: OrganizationProfile,
    /// An officer's verification, until the name or BIN changes.
    pub verification: Option<Verification>,
    /// Incremented by every update.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// An invitation to join an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Identifier.
    pub id: InvitationId,
    /// The organisation.
    pub organization_id: OrganizationId,
    /// Its name.
    pub organization_name: String,
    /// The invited address.
    pub email: String,
    /// The role the invitee gets on accepting.
    pub role: MemberRole,
    /// What became of it, as stored.
    pub state: InvitationState,
    /// The owner who sent it (last).
    pub invited_by: UserId,
    /// When it was sent (or last renewed).
    pub created_at: DateTime<Utc>,
    /// When it lapses unanswered.
    pub expires_at: DateTime<Utc>,
    /// When it was answered or withdrawn.
    pub answered_at: Option<DateTime<Utc>>,
}

impl Invitation {
    /// What it is at `now`.
    #[must_use]
    pub fn status(&self, now: DateTime<Utc>) -> InvitationStatus {
        InvitationStatus::of(self.state, self.expires_at, now)
    }
}

/// A member of an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's account.
    pub user_id: UserId,
    /// The member's address.
    pub email: String,
    /// The member's name.
    pub name: String,
    /// Their role in the organisation.
    pub role: MemberRole,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

/// One page of a keyset-paginated list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items, at most the requested limit.
    pub items: Vec<T>,
    /// The cursor of the next page, when there is one.
    pub next: Option<Uuid>,
}

/// A grant call as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// Identifier.
    pub id: CallId,
    /// The validated call.
    pub spec: domain::call::CallSpec,
    /// The stored lifecycle state; what people see is [`domain::call::phase`] of it.
    pub state: domain::call::CallState,
    /// Incremented by every change.
    pub version: i32,
    /// The officer who created it.
    pub created_by: UserId,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// When an officer closed it early.
    pub closed_at: Option<DateTime<Utc>>,
}

/// An application as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRecord {
    /// Identifier.
    pub id: ApplicationId,
    /// The call it answers.
    pub call_id: CallId,
    /// The applying organisation.
    pub organization_id: OrganizationId,
    /// The member who created it.
    pub created_by: UserId,
    /// The organisation's region when the application was created.
    pub region: domain::region::Region,
    /// Current status.
    pub status: domain::status::ApplicationStatus,
    /// Incremented by every change; the `ETag`.
    pub version: i32,
    /// The working content.
    pub content: domain::application::ApplicationContent,
    /// Totals of the working content.
    pub totals: domain::application::Totals,
    /// The canonical JSON frozen at the last submission.
    pub submitted_content: Option<String>,
    /// SHA-256 of `submitted_content`.
    pub receipt_sha256: Option<String>,
    /// When it was last submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// The officer's revision request, while one is open.
    pub revision_comment: Option<String>,
    /// The deadline of the revision request.
    pub revision_due_at: Option<DateTime<Utc>>,
    /// The amount awarded on approval.
    pub awarded: Option<domain::money::Money>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// One audit event of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Position in the application's history, from 1.
    pub seq: i32,
    /// What happened, with its facts.
    pub event: domain::event::Event,
    /// Status before.
    pub from: domain::status::ApplicationStatus,
    /// Status after.
    pub to: domain::status::ApplicationStatus,
    /// Who acted, when a person did.
    pub actor_id: Option<UserId>,
    /// In which capacity.
    pub actor: domain::transition::Actor,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// One page of an offset-paginated list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetPage<T> {
    /// The items, at most the requested limit.
    pub items: Vec<T>,
    /// Whether another page follows.
    pub has_more: bool,
}

/// A reviewer in a call's pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolMember {
    /// The reviewer's account.
    pub reviewer_id: UserId,
    /// Their name.
    pub name: String,
    /// Their address.
    pub email: String,
    /// When they joined the pool.
    pub added_at: DateTime<Utc>,
}

/// A declared conflict of interest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictRecord {
    /// Identifier.
    pub id: Uuid,
    /// The reviewer.
    pub reviewer_id: UserId,
    /// The organisation they may not review.
    pub organization_id: OrganizationId,
    /// What kind of conflict.
    pub kind: domain::review::ConflictKind,
    /// The reviewer's explanation.
    pub description: String,
    /// Where it was declared: `profile` or `decline`.
    pub source: String,
    /// When.
    pub declared_at: DateTime<Utc>,
}

/// One reviewer's assignment to one application, with their review.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentRecord {
    /// Identifier.
    pub id: AssignmentId,
    /// The call.
    pub call_id: CallId,
    /// The application.
    pub application_id: ApplicationId,
    /// The reviewer.
    pub reviewer_id: UserId,
    /// Where it stands.
    pub status: domain::assignment::AssignmentStatus,
    /// Incremented by every change.
    pub version: i32,
    /// When the review is due.
    pub due_at: Option<DateTime<Utc>>,
    /// The officer who assigned it; `None` for the automatic planner.
    pub assigned_by: Option<UserId>,
    /// Why the reviewer declined.
    pub decline_reason: Option<String>,
    /// The review, once saved.
    pub review: Option<domain::review::ReviewContent>,
    /// The review's total 0–100, once submitted.
    pub review_total: Option<f64>,
    /// When the review was submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// When it was assigned.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}
