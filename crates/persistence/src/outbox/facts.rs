//! The facts a mail needs, read for a whole batch of rows in a handful of queries.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use domain::assignment::AssignmentStatus;
use domain::invitation::InvitationState;
use domain::language::Language;
use domain::money::Money;
use domain::notification::{Audience, NotificationKind};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::entity::{
    application, application_event, assignment, call, invitation, organization,
    organization_member, outbox, registration, user,
};
use crate::error::RepoError;

use domain::owed::{Standing, still_owed};

use super::{
    AccountMail, ApplicationFacts, AssignmentFacts, InvitationFacts, Letter, Mail, News,
    OfficerNews, Recipient, ReviewerNews, Submission, Undeliverable, Verification,
};
use crate::applications::decode_event;
use domain::event::Event;

type ApplicationTuple = (Uuid, Option<String>, Uuid, Uuid, i64);

type UserTuple = (
    Uuid,
    String,
    String,
    String,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<DateTime<Utc>>,
);

/// The columns of an account a mail needs.
struct UserRow {
    email: String,
    name: String,
    language: String,
    verified_at: Option<DateTime<Utc>>,
    nonce: Option<String>,
    sent_at: Option<DateTime<Utc>>,
    reset_nonce: Option<String>,
    reset_sent_at: Option<DateTime<Utc>>,
}

/// The columns of an application a mail needs.
struct ApplicationRow {
    id: Uuid,
    title: Option<String>,
    organization_id: Uuid,
    call_id: Uuid,
    requested_minor: i64,
}

impl From<ApplicationTuple> for ApplicationRow {
    fn from(t: ApplicationTuple) -> Self {
        Self {
            id: t.0,
            title: t.1,
            organization_id: t.2,
            call_id: t.3,
            requested_minor: t.4,
        }
    }
}

type AssignmentTuple = (
    Uuid,
    Option<DateTime<Utc>>,
    String,
    Uuid,
    Option<DateTime<Utc>>,
);

/// The columns of an assignment a mail needs.
struct AssignmentRow {
    due_at: Option<DateTime<Utc>>,
    status: String,
    reviewer: Uuid,
    submitted_at: Option<DateTime<Utc>>,
}

/// The columns of an invitation a mail needs.
struct InvitationRow {
    organization_id: Uuid,
    role: String,
    state: String,
    invited_by: Uuid,
    expires_at: DateTime<Utc>,
}

type InvitationTuple = (Uuid, Uuid, String, String, Uuid, DateTime<Utc>);

/// The rows a batch of letters names, read once per batch.
pub(super) struct Facts {
    invitations: HashMap<Uuid, InvitationRow>,
    users: HashMap<Uuid, UserRow>,
    applications: HashMap<Uuid, ApplicationRow>,
    organizations: HashMap<Uuid, String>,
    calls: HashMap<Uuid, (String, DateTime<Utc>)>,
    events: HashMap<Uuid, application_event::Model>,
    assignments: HashMap<Uuid, AssignmentRow>,
    /// How many registrations are pending for each recipient with some.
    registrations: HashMap<Uuid, usize>,
    /// (organisation, account) pairs of current members among the recipients.
    members: HashSet<(Uuid, Uuid)>,
}

impl Facts {
    pub(super) async fn load<C: ConnectionTrait>(
        conn: &C,
        rows: &[outbox::Model],
    ) -> Result<Self, RepoError> {
        let ids = |f: fn(&outbox::Model) -> Option<Uuid>| -> Vec<Uuid> {
            let mut ids: Vec<Uuid> = rows.iter().filter_map(f).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let assignments: HashMap<Uuid, AssignmentRow> = assignment::Entity::find()
            .filter(assignment::Column::Id.is_in(ids(|r| r.assignment_id)))
            .select_only()
            .column(assignment::Column::Id)
            .column(assignment::Column::DueAt)
            .column(assignment::Column::Status)
            .column(assignment::Column::ReviewerId)
            .column(assignment::Column::SubmittedAt)
            .into_tuple::<AssignmentTuple>()
            .all(conn)
            .await?
            .into_iter()
            .map(|(id, due_at, status, reviewer, submitted_at)| {
                let row = AssignmentRow {
                    due_at,
                    status,
                    reviewer,
                    submitted_at,
                };
                (id, row)
            })
            .collect();
        let invitations: HashMap<Uuid, InvitationRow> = invitation::Entity::find()
            .filter(invitation::Column::Id.is_in(ids(|r| r.invitation_id)))
            .select_only()
            .column(invitation::Column::Id)
            .column(invitation::Column::OrganizationId)
            .column(invitation::Column::Role)
            .column(invitation::Column::State)
            .column(invitation::Column::InvitedBy)
            .column(invitation::Column::ExpiresAt)
            .into_tuple::<InvitationTuple>()
            .all(conn)
            .await?
            .into_iter()
            .map(
                |(id, organization_id, role, state, invited_by, expires_at)| {
                    let row = InvitationRow {
                        organization_id,
                        role,
                        state,
                        invited_by,
                        expires_at,
                    };
                    (id, row)
                },
            )
            .collect();
        // Recipients, the reviewers an officer's notice names, and who invited whom.
        let mut people = ids(|r| Some(r.recipient_id));
        people.extend(assignments.values().map(|a| a.reviewer));
        people.extend(invitations.values().map(|i| i.invited_by));
        people.sort_unstable();
        people.dedup();
        let users = user::Entity::find()
            .filter(user::Column::Id.is_in(people))
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::Email)
            .column(user::Column::Name)
            .column(user::Column::Language)
            .column(user::Column::EmailVerifiedAt)
            .column(user::Column::VerificationNonce)
            .column(user::Column::VerificationSentAt)
            .column(user::Column::ResetNonce)
            .column(user::Column::ResetSentAt)
            .into_tuple::<UserTuple>()
            .all(conn)
            .await?
            .into_iter()
            .map(
                |(id, email, name, language, verified_at, nonce, sent_at, reset, reset_at)| {
                    let row = UserRow {
                        email,
                        name,
                        language,
                        verified_at,
                        nonce,
                        sent_at,
                        reset_nonce: reset,
                        reset_sent_at: reset_at,
                    };
                    (id, row)
                },
            )
            .collect();
        // The long content is not needed, so it is not read.
        let applications: HashMap<Uuid, ApplicationRow> = application::Entity::find()
            .filter(application::Column::Id.is_in(ids(|r| r.application_id)))
            .select_only()
            .column(application::Column::Id)
            .column(application::Column::Title)
            .column(application::Column::OrganizationId)
            .column(application::Column::CallId)
            .column(application::Column::RequestedMinor)
            .into_tuple::<ApplicationTuple>()
            .all(conn)
            .await?
            .into_iter()
            .map(|t| (t.0, ApplicationRow::from(t)))
            .collect();
        let mut organization_ids: Vec<Uuid> =
            applications.values().map(|a| a.organization_id).collect();
        let applying = organization_ids.clone();
        organization_ids.extend(invitations.values().map(|i| i.organization_id));
        organization_ids.sort_unstable();
        organization_ids.dedup();
        let mut call_ids: Vec<Uuid> = applications.values().map(|a| a.call_id).collect();
        call_ids.sort_unstable();
        call_ids.dedup();
        let organizations = organization::Entity::find()
            .filter(organization::Column::Id.is_in(organization_ids.clone()))
            .select_only()
            .column(organization::Column::Id)
            .column(organization::Column::Name)
            .into_tuple::<(Uuid, String)>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        let calls = call::Entity::find()
            .filter(call::Column::Id.is_in(call_ids))
            .select_only()
            .column(call::Column::Id)
            .column(call::Column::Title)
            .column(call::Column::ClosesAt)
            .into_tuple::<(Uuid, String, DateTime<Utc>)>()
            .all(conn)
            .await?
            .into_iter()
            .map(|(id, title, closes)| (id, (title, closes)))
            .collect();
        let events = application_event::Entity::find()
            .filter(application_event::Column::Id.is_in(ids(|r| r.event_id)))
            .all(conn)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        // How many registrations wait, for the confirmation mail to say so: read only when
        // the batch holds one.
        let confirming =
            ids(|r| (r.kind == NotificationKind::VerifyEmail.code()).then_some(r.recipient_id));
        let mut registrations: HashMap<Uuid, usize> = HashMap::new();
        if !confirming.is_empty() {
            for user in registration::Entity::find()
                .filter(registration::Column::UserId.is_in(confirming))
                .select_only()
                .column(registration::Column::UserId)
                .into_tuple::<Uuid>()
                .all(conn)
                .await?
            {
                *registrations.entry(user).or_default() += 1;
            }
        }
        // Applicant mail goes only to people who are still members when it is sent.
        let members = organization_member::Entity::find()
            .filter(organization_member::Column::OrganizationId.is_in(applying))
            .filter(organization_member::Column::UserId.is_in(ids(|r| Some(r.recipient_id))))
            .select_only()
            .column(organization_member::Column::OrganizationId)
            .column(organization_member::Column::UserId)
            .into_tuple::<(Uuid, Uuid)>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        Ok(Self {
            invitations,
            users,
            applications,
            organizations,
            calls,
            events,
            assignments,
            registrations,
            members,
        })
    }

    pub(super) fn letter(
        &self,
        row: outbox::Model,
        now: DateTime<Utc>,
    ) -> Result<Letter, Undeliverable> {
        let claim = row.claim.unwrap_or_default();
        let fail = |why: String| Undeliverable {
            id: row.id,
            claim,
            owed: true,
            why,
        };
        let unowed = |why: &str| Undeliverable {
            id: row.id,
            claim,
            owed: false,
            why: why.to_owned(),
        };
        let kind: NotificationKind = row
            .kind
            .parse()
            .map_err(|e| fail(format!("kind {}: {e}", row.kind)))?;
        let account = self
            .users
            .get(&row.recipient_id)
            .ok_or_else(|| fail("the recipient's account is gone".to_owned()))?;
        let language = account
            .language
            .parse::<Language>()
            .map_err(|e| fail(format!("recipient language: {e}")))?;
        let recipient = Recipient {
            email: account.email.clone(),
            name: account.name.clone(),
            language,
        };
        if kind.audience() == Audience::Account {
            let pending = |nonce: &Option<String>, sent_at: Option<DateTime<Utc>>| {
                nonce
                    .clone()
                    .zip(sent_at)
                    .map(|(nonce, sent_at)| Verification {
                        user_id: row.recipient_id.into(),
                        nonce,
                        sent_at,
                    })
            };
            let confirmation = pending(&account.nonce, account.sent_at);
            // The code of the latest request: an earlier request's mail, still queued,
            // carries the code that works now.
            let reset = pending(&account.reset_nonce, account.reset_sent_at);
            let invitation = row.invitation_id.and_then(|id| self.invitations.get(&id));
            let standing = Standing {
                address_confirmed: account.verified_at.is_some(),
                confirmation_pending: confirmation.is_some(),
                reset_pending: reset.is_some(),
                invitation_open: invitation.is_some_and(|i| {
                    i.state == InvitationState::Pending.code() && now < i.expires_at
                }),
                assignment: None,
                member: true,
            };
            still_owed(kind, standing).map_err(|why| unowed(&why.to_string()))?;
            let code = |pending: Option<Verification>| {
                pending.ok_or_else(|| fail("the pending code is gone".to_owned()))
            };
            let mail = match kind {
                NotificationKind::VerifyEmail => AccountMail::VerifyEmail {
                    code: code(confirmation)?,
                    repeated: self
                        .registrations
                        .get(&row.recipient_id)
                        .is_some_and(|count| *count > 1),
                },
                NotificationKind::PasswordReset => AccountMail::PasswordReset(code(reset)?),
                NotificationKind::AccountExists => AccountMail::AccountExists,
                NotificationKind::MemberInvited => {
                    let found =
                        invitation.ok_or_else(|| fail("the invitation is gone".to_owned()))?;
                    AccountMail::Invited(InvitationFacts {
                        organization_name: self
                            .organizations
                            .get(&found.organization_id)
                            .cloned()
                            .ok_or_else(|| fail("the organisation is gone".to_owned()))?,
                        inviter_name: self
                            .users
                            .get(&found.invited_by)
                            .map(|u| u.name.clone())
                            .ok_or_else(|| fail("the inviter's account is gone".to_owned()))?,
                        role: found
                            .role
                            .parse()
                            .map_err(|e| fail(format!("invitation role: {e}")))?,
                        expires_at: found.expires_at,
                    })
                }
                NotificationKind::Submitted
                | NotificationKind::RevisionRequested
                | NotificationKind::Resubmitted
                | NotificationKind::Ineligible
                | NotificationKind::UnderReview
                | NotificationKind::Approved
                | NotificationKind::Waitlisted
                | NotificationKind::Rejected
                | NotificationKind::Withdrawn
                | NotificationKind::ReviewerAssigned
                | NotificationKind::ReviewDueSoon
                | NotificationKind::ReviewerRecused => {
                    return Err(fail(format!("{kind} is not about an account")));
                }
            };
            return Ok(Letter {
                id: row.id,
                claim,
                attempts: row.attempts,
                recipient,
                mail: Mail::Account(mail),
            });
        }
        let app = row
            .application_id
            .and_then(|id| self.applications.get(&id))
            .ok_or_else(|| fail("the application is gone".to_owned()))?;
        let organization_name = self
            .organizations
            .get(&app.organization_id)
            .cloned()
            .ok_or_else(|| fail("the organisation is gone".to_owned()))?;
        let (call_title, call_closes_at) = self
            .calls
            .get(&app.call_id)
            .cloned()
            .ok_or_else(|| fail("the call is gone".to_owned()))?;
        let assignment = match row.assignment_id {
            None => None,
            Some(id) => {
                let found = self
                    .assignments
                    .get(&id)
                    .ok_or_else(|| fail("the assignment is gone".to_owned()))?;
                let status = found
                    .status
                    .parse::<AssignmentStatus>()
                    .map_err(|e| fail(format!("assignment status: {e}")))?;
                let facts = AssignmentFacts {
                    id: id.into(),
                    due_at: found.due_at,
                };
                Some((facts, status, found))
            }
        };
        let standing = Standing {
            address_confirmed: true,
            confirmation_pending: false,
            reset_pending: false,
            invitation_open: false,
            assignment: assignment.map(|(_, status, _)| status),
            member: self
                .members
                .contains(&(app.organization_id, row.recipient_id)),
        };
        still_owed(kind, standing).map_err(|why| unowed(&why.to_string()))?;
        let application = ApplicationFacts {
            id: app.id.into(),
            title: app.title.clone(),
            call_title,
        };
        let reviewer = |news| {
            let (assignment, _, _) =
                assignment.ok_or_else(|| fail("the mail names no assignment".to_owned()))?;
            Ok(Mail::Reviewer {
                application: application.clone(),
                assignment,
                news,
            })
        };
        let mail = match kind {
            NotificationKind::ReviewerAssigned => reviewer(ReviewerNews::Assigned)?,
            NotificationKind::ReviewDueSoon => reviewer(ReviewerNews::DueSoon)?,
            NotificationKind::ReviewerRecused => {
                let (_, _, found) =
                    assignment.ok_or_else(|| fail("the mail names no assignment".to_owned()))?;
                let reviewer_name = self
                    .users
                    .get(&found.reviewer)
                    .map(|r| r.name.clone())
                    .ok_or_else(|| fail("the reviewer's account is gone".to_owned()))?;
                Mail::Officer {
                    application,
                    news: OfficerNews::ReviewerRecused {
                        reviewer_name,
                        review_set_aside: found.submitted_at.is_some(),
                    },
                }
            }
            NotificationKind::VerifyEmail
            | NotificationKind::PasswordReset
            | NotificationKind::AccountExists
            | NotificationKind::MemberInvited => {
                return Err(fail(format!("{kind} is about an account")));
            }
            NotificationKind::Submitted
            | NotificationKind::RevisionRequested
            | NotificationKind::Resubmitted
            | NotificationKind::Ineligible
            | NotificationKind::UnderReview
            | NotificationKind::Approved
            | NotificationKind::Waitlisted
            | NotificationKind::Rejected
            | NotificationKind::Withdrawn => {
                let recorded = row
                    .event_id
                    .and_then(|id| self.events.get(&id))
                    .ok_or_else(|| fail("the recorded change is gone".to_owned()))?;
                let requested = Money::from_minor(app.requested_minor)
                    .ok_or_else(|| fail(format!("amount {}", app.requested_minor)))?;
                let news = news(kind, recorded, call_closes_at, requested).map_err(fail)?;
                Mail::Applicant {
                    application,
                    organization_name,
                    news,
                }
            }
        };
        Ok(Letter {
            id: row.id,
            claim,
            attempts: row.attempts,
            recipient,
            mail,
        })
    }
}

/// What an applicant's mail of `kind` reports, from the change it was owed by.
fn news(
    kind: NotificationKind,
    recorded: &application_event::Model,
    closes_at: DateTime<Utc>,
    requested: Money,
) -> Result<News, String> {
    let event = decode_event(recorded.clone())
        .map_err(|e| e.to_string())?
        .event;
    let submission = || {
        recorded
            .receipt_sha256
            .clone()
            .map(|receipt| Submission {
                receipt,
                at: recorded.at,
            })
            .ok_or_else(|| format!("the {kind} change has no receipt"))
    };
    let unlike = || format!("a {kind} mail reports a {} change", event.command());
    Ok(match kind {
        NotificationKind::Submitted => {
            let Event::Submitted = event else {
                return Err(unlike());
            };
            News::Submitted {
                submission: submission()?,
                closes_at,
                requested,
            }
        }
        NotificationKind::Resubmitted => {
            let Event::Resubmitted = event else {
                return Err(unlike());
            };
            News::Resubmitted {
                submission: submission()?,
            }
        }
        NotificationKind::RevisionRequested => {
            let Event::RevisionRequested { comment, due_at } = event else {
                return Err(unlike());
            };
            News::RevisionRequested { comment, due_at }
        }
        NotificationKind::Ineligible => {
            let Event::MarkedIneligible { reason } = event else {
                return Err(unlike());
            };
            News::Ineligible { reason }
        }
        NotificationKind::Rejected => {
            let Event::Rejected { reason } = event else {
                return Err(unlike());
            };
            News::Rejected { reason }
        }
        NotificationKind::Approved => {
            let Event::Approved { awarded, .. } = event else {
                return Err(unlike());
            };
            News::Approved { awarded, requested }
        }
        NotificationKind::UnderReview => {
            let Event::ReviewStarted = event else {
                return Err(unlike());
            };
            News::UnderReview
        }
        NotificationKind::Waitlisted => {
            let Event::Waitlisted { .. } = event else {
                return Err(unlike());
            };
            News::Waitlisted
        }
        NotificationKind::Withdrawn => {
            let Event::Withdrawn = event else {
                return Err(unlike());
            };
            News::Withdrawn
        }
        NotificationKind::ReviewerAssigned
        | NotificationKind::ReviewDueSoon
        | NotificationKind::ReviewerRecused
        | NotificationKind::VerifyEmail
        | NotificationKind::AccountExists
        | NotificationKind::PasswordReset
        | NotificationKind::MemberInvited => {
            return Err(format!("{kind} is not an applicant's mail"));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(command: &str, to: &str) -> application_event::Model {
        application_event::Model {
            id: Uuid::from_u128(1),
            application_id: Uuid::from_u128(2),
            seq: 3,
            command: command.to_owned(),
            from_status: "reviewed".to_owned(),
            to_status: to.to_owned(),
            actor_id: None,
            actor_role: "officer".to_owned(),
            reason: None,
            revision_due_at: None,
            awarded_minor: None,
            receipt_sha256: None,
            at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    fn tenge(minor: i64) -> Money {
        Money::from_minor(minor).unwrap_or_default()
    }

    #[test]
    fn a_mail_gets_the_facts_of_its_own_change_or_none() {
        let closes = DateTime::<Utc>::UNIX_EPOCH;
        let mut approval = recorded("approve", "approved");
        approval.awarded_minor = Some(90_000);
        assert_eq!(
            news(
                NotificationKind::Approved,
                &approval,
                closes,
                tenge(100_000)
            ),
            Ok(News::Approved {
                awarded: tenge(90_000),
                requested: tenge(100_000)
            })
        );
        // An approval stored without its award is not told with the requested amount.
        approval.awarded_minor = None;
        assert!(
            news(
                NotificationKind::Approved,
                &approval,
                closes,
                tenge(100_000)
            )
            .is_err()
        );
        // A mail owed by one kind of change does not report another.
        let mut rejection = recorded("reject", "rejected");
        rejection.reason = Some("outside the priorities".to_owned());
        assert!(news(NotificationKind::Approved, &rejection, closes, tenge(1)).is_err());
        assert_eq!(
            news(NotificationKind::Rejected, &rejection, closes, tenge(1)),
            Ok(News::Rejected {
                reason: "outside the priorities".to_owned()
            })
        );
        // A submission's mail needs that submission's receipt.
        let mut submission = recorded("submit", "submitted");
        assert!(news(NotificationKind::Submitted, &submission, closes, tenge(1)).is_err());
        submission.receipt_sha256 = Some("ab".repeat(32));
        assert_eq!(
            news(NotificationKind::Submitted, &submission, closes, tenge(1)),
            Ok(News::Submitted {
                submission: Submission {
                    receipt: "ab".repeat(32),
                    at: DateTime::<Utc>::UNIX_EPOCH
                },
                closes_at: closes,
                requested: tenge(1)
            })
        );
    }
}
