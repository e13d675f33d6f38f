//! The rows a seed run inserts, built record by record.

use chrono::{DateTime, Duration, Utc};
use domain::language::Language;
use domain::role::Role;
use domain::status::ApplicationStatus;
use domain::transition::{Actor, CommandKind};
use uuid::Uuid;

use crate::entity::{
    application, application_event, assignment, call, call_reviewer, organization,
    organization_member, user,
};

use super::data::*;
use super::plan::*;

/// Every row of the dataset, before insertion.
#[derive(Default)]
pub(super) struct Rows {
    pub(super) users: Vec<user::ActiveModel>,
    pub(super) organizations: Vec<organization::ActiveModel>,
    pub(super) members: Vec<organization_member::ActiveModel>,
    pub(super) calls: Vec<call::ActiveModel>,
    pub(super) pools: Vec<call_reviewer::ActiveModel>,
    pub(super) applications: Vec<application::ActiveModel>,
    pub(super) events: Vec<application_event::ActiveModel>,
    pub(super) assignments: Vec<assignment::ActiveModel>,
}

/// The phase a generated call is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Open,
    InReview,
    Reviewed,
}

/// One audit event of a generated application.
pub(super) struct Step {
    pub(super) command: CommandKind,
    pub(super) from: ApplicationStatus,
    pub(super) to: ApplicationStatus,
    pub(super) by: (Option<Uuid>, Actor),
    pub(super) receipt: Option<String>,
    pub(super) at: DateTime<Utc>,
}

pub(super) struct Builder<'p> {
    pub(super) plan: &'p Plan,
    pub(super) rng: Rng,
    pub(super) rows: Rows,
    pub(super) counts: Counts,
}

impl Builder<'_> {
    pub(super) fn account(&mut self, email: &str, role: Role, index: usize) -> Uuid {
        let id = Uuid::now_v7();
        let now = self.plan.now;
        self.rows.users.push(user::ActiveModel {
            id: sea_orm::Set(id),
            email: sea_orm::Set(email.to_owned()),
            name: sea_orm::Set(format!("{} {index}", role.code())),
            language: sea_orm::Set(Language::ALL[index % 3].code().to_owned()),
            role: sea_orm::Set(role.code().to_owned()),
            password_hash: sea_orm::Set(self.plan.password_hash.clone()),
            created_at: sea_orm::Set(now - Duration::days(400)),
            updated_at: sea_orm::Set(now - Duration::days(400)),
            email_verified_at: sea_orm::Set(Some(now - Duration::days(400))),
            verification_nonce: sea_orm::Set(None),
            verification_sent_at: sea_orm::Set(None),
            disabled_at: sea_orm::Set(None),
            reset_nonce: sea_orm::Set(None),
            reset_sent_at: sea_orm::Set(None),
            verification_failures: sea_orm::Set(0),
        });
        self.counts.users += 1;
        id
    }

    pub(super) fn event(&mut self, application: Uuid, seq: i32, step: Step) {
        let Step {
            command,
            from,
            to,
            by: (actor_id, actor),
            receipt,
            at,
        } = step;
        self.rows.events.push(application_event::ActiveModel {
            id: sea_orm::Set(Uuid::now_v7()),
            application_id: sea_orm::Set(application),
            seq: sea_orm::Set(seq),
            command: sea_orm::Set(command.code().to_owned()),
            from_status: sea_orm::Set(from.code().to_owned()),
            to_status: sea_orm::Set(to.code().to_owned()),
            actor_id: sea_orm::Set(actor_id),
            actor_role: sea_orm::Set(actor.code().to_owned()),
            reason: sea_orm::Set(None),
            revision_due_at: sea_orm::Set(None),
            awarded_minor: sea_orm::Set(None),
            receipt_sha256: sea_orm::Set(receipt),
            at: sea_orm::Set(at),
        });
        self.counts.events += 1;
    }
}

pub(super) fn phase_of(plan: &Plan, index: usize) -> Phase {
    if index < plan.open_calls {
        Phase::Open
    } else if index < plan.open_calls + plan.calls_in_review {
        Phase::InReview
    } else {
        Phase::Reviewed
    }
}
