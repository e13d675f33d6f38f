//! The facts a mail needs, read for a whole batch of rows in a handful of queries.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use domain::assignment::AssignmentStatus;
use domain::language::Language;
use domain::money::Money;
use domain::notification::{Audience, NotificationKind};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::entity::{
    application, application_event, assignment, call, organization, organization_member, outbox,
    user,
};
use crate::error::RepoError;

use domain::owed::{Standing, still_owed};

use super::{ApplicationFacts, EventFacts, Letter, Recipient, Undeliverable, Verification};

type ApplicationTuple = (
    Uuid,
    Option<String>,
    Uuid,
    Uuid,
    Option<String>,
    Option<DateTime<Utc>>,
    i64,
);

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
    receipt_sha256: Option<String>,
    submitted_at: Option<DateTime<Utc>>,
    requested_minor: i64,
}

impl From<ApplicationTuple> for ApplicationRow {
    fn from(t: ApplicationTuple) -> Self {
        Self {
            id: t.0,
            title: t.1,
            organization_id: t.2,
            call_id: t.3,
            receipt_sha256: t.4,
            submitted_at: t.5,
            requested_minor: t.6,
        }
    }
}

/// The rows a batch of letters names, read once per batch.
pub(super) struct Facts {
    users: HashMap<Uuid, UserRow>,
    applications: HashMap<Uuid, ApplicationRow>,
    organizations: HashMap<Uuid, String>,
    calls: HashMap<Uuid, (String, DateTime<Utc>)>,
    events: HashMap<Uuid, application_event::Model>,
    assignments: HashMap<Uuid, (Option<DateTime<Utc>>, String)>,
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
        let users = user::Entity::find()
            .filter(user::Column::Id.is_in(ids(|r| Some(r.recipient_id))))
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
            .column(application::Column::ReceiptSha256)
            .column(application::Column::SubmittedAt)
            .column(application::Column::RequestedMinor)
            .into_tuple::<ApplicationTuple>()
            .all(conn)
            .await?
            .into_iter()
            .map(|t| (t.0, ApplicationRow::from(t)))
            .collect();
        let mut organization_ids: Vec<Uuid> =
            applications.values().map(|a| a.organization_id).collect();
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
        let assignments = assignment::Entity::find()
            .filter(assignment::Column::Id.is_in(ids(|r| r.assignment_id)))
            .select_only()
            .column(assignment::Column::Id)
            .column(assignment::Column::DueAt)
            .column(assignment::Column::Status)
            .into_tuple::<(Uuid, Option<DateTime<Utc>>, String)>()
            .all(conn)
            .await?
            .into_iter()
            .map(|(id, due, status)| (id, (due, status)))
            .collect();
        // Applicant mail goes only to people who are still members when it is sent.
        let members = organization_member::Entity::find()
            .filter(organization_member::Column::OrganizationId.is_in(organization_ids))
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
            users,
            applications,
            organizations,
            calls,
            events,
            assignments,
            members,
        })
    }

    pub(super) fn letter(&self, row: outbox::Model) -> Result<Letter, Undeliverable> {
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
                        user_id: row.recipient_id,
                        nonce,
                        sent_at,
                    })
            };
            let confirmation = pending(&account.nonce, account.sent_at);
            // The code of the latest request: an earlier request's mail, still queued,
            // carries the code that works now.
            let reset = pending(&account.reset_nonce, account.reset_sent_at);
            let standing = Standing {
                address_confirmed: account.verified_at.is_some(),
                confirmation_pending: confirmation.is_some(),
                reset_pending: reset.is_some(),
                assignment: None,
                member: true,
            };
            still_owed(kind, standing).map_err(|why| unowed(&why.to_string()))?;
            let verification = match kind {
                NotificationKind::VerifyEmail => confirmation,
                NotificationKind::PasswordReset => reset,
                NotificationKind::AccountExists
                | NotificationKind::Submitted
                | NotificationKind::RevisionRequested
                | NotificationKind::Resubmitted
                | NotificationKind::Ineligible
                | NotificationKind::UnderReview
                | NotificationKind::Approved
                | NotificationKind::Waitlisted
                | NotificationKind::Rejected
                | NotificationKind::Withdrawn
                | NotificationKind::ReviewerAssigned
                | NotificationKind::ReviewDueSoon => None,
            };
            return Ok(Letter {
                id: row.id,
                claim,
                attempts: row.attempts,
                kind,
                recipient,
                application: None,
                event: None,
                assignment: None,
                verification,
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
        let money =
            |minor: i64| Money::from_minor(minor).ok_or_else(|| fail(format!("amount {minor}")));
        let event = match row.event_id {
            None => None,
            Some(id) => {
                let e = self
                    .events
                    .get(&id)
                    .ok_or_else(|| fail("the recorded change is gone".to_owned()))?;
                Some(EventFacts {
                    reason: e.reason.clone(),
                    revision_due_at: e.revision_due_at,
                    awarded: e.awarded_minor.map(money).transpose()?,
                    receipt: e.receipt_sha256.clone(),
                    at: e.at,
                })
            }
        };
        let (assignment, assignment_status) = match row.assignment_id {
            None => (None, None),
            Some(id) => {
                let (due, status) = self
                    .assignments
                    .get(&id)
                    .ok_or_else(|| fail("the assignment is gone".to_owned()))?;
                let status = status
                    .parse::<AssignmentStatus>()
                    .map_err(|e| fail(format!("assignment status: {e}")))?;
                (Some((id, *due)), Some(status))
            }
        };
        let standing = Standing {
            address_confirmed: true,
            confirmation_pending: false,
            reset_pending: false,
            assignment: assignment_status,
            member: self
                .members
                .contains(&(app.organization_id, row.recipient_id)),
        };
        still_owed(kind, standing).map_err(|why| unowed(&why.to_string()))?;
        Ok(Letter {
            id: row.id,
            claim,
            attempts: row.attempts,
            kind,
            recipient,
            application: Some(ApplicationFacts {
                id: app.id,
                title: app.title.clone(),
                organization_name,
                call_title,
                call_closes_at,
                receipt: app.receipt_sha256.clone(),
                submitted_at: app.submitted_at,
                requested: money(app.requested_minor)?,
            }),
            event,
            assignment,
            verification: None,
        })
    }
}
