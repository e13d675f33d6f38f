//! The mail outbox. A row is written in the same transaction as the change that owes the
//! mail and carries ids only; workers claim due rows under a lease, re-read the facts, and
//! mark each row sent or reschedule it. Admins list rows and re-queue failed ones.

mod admin;
mod claim;
mod enqueue;
mod facts;
mod letter;

pub(crate) use enqueue::{
    enqueue_for_account, enqueue_for_applicants, enqueue_for_call_officer, enqueue_for_reviewer,
    insert_rows, new_row, queued_since,
};
pub use letter::{
    AccountMail, ApplicationFacts, AssignmentFacts, InvitationFacts, Letter, Mail, News,
    OfficerNews, Recipient, ReviewerNews, Submission, Verification,
};

use chrono::{DateTime, Utc};
use domain::notification::{DeliveryStatus, NotificationKind};
use uuid::Uuid;

use crate::entity::outbox;
use crate::error::RepoError;

/// An outbox row as an admin sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRecord {
    /// Identifier; also the mail's Message-ID.
    pub id: Uuid,
    /// What the mail is about.
    pub kind: NotificationKind,
    /// The account it goes to.
    pub recipient_id: Uuid,
    /// The application concerned.
    pub application_id: Option<Uuid>,
    /// The assignment concerned, for reviewer mail.
    pub assignment_id: Option<Uuid>,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// When it is next tried (or when its current claim lapses).
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the change that owes it committed.
    pub created_at: DateTime<Utc>,
    /// When the mail server accepted it.
    pub sent_at: Option<DateTime<Utc>>,
}

/// How many rows wait or were given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxCounts {
    /// Waiting to be sent.
    pub pending: u64,
    /// Given up.
    pub failed: u64,
}

/// A claimed row whose mail is not to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undeliverable {
    /// The outbox row.
    pub id: Uuid,
    /// The claim that must be shown to mark it.
    pub claim: Uuid,
    /// Whether the mail is still owed but cannot be written (its kind or the rows it names
    /// are gone), rather than no longer owed.
    pub owed: bool,
    /// Why.
    pub why: String,
}

fn decode(model: outbox::Model) -> Result<OutboxRecord, RepoError> {
    let corrupt = |detail: String| RepoError::Corrupt {
        table: "outbox",
        id: model.id.to_string(),
        detail,
    };
    Ok(OutboxRecord {
        id: model.id,
        kind: model
            .kind
            .parse()
            .map_err(|e| corrupt(format!("kind {}: {e}", model.kind)))?,
        recipient_id: model.recipient_id,
        application_id: model.application_id,
        assignment_id: model.assignment_id,
        status: model
            .status
            .parse()
            .map_err(|e| corrupt(format!("status {}: {e}", model.status)))?,
        attempts: model.attempts,
        next_attempt_at: model.next_attempt_at,
        last_error: model.last_error,
        created_at: model.created_at,
        sent_at: model.sent_at,
    })
}

/// The longest error text kept on a row.
const ERROR_MAX: usize = 1_000;

fn clip(text: &str) -> String {
    match text.char_indices().nth(ERROR_MAX) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}
