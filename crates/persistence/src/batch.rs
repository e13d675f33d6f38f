//! Decisions about many applications of one call in a number of statements that does not
//! grow with each application's reads: everything a decision reads comes in a few queries
//! for the whole batch, and the audit events and their mail are written in one insert each.
//! Only each application's own change is one statement per application.

use crate::ids::uuids;
use domain::ids::{ApplicationId, CallId, OrganizationId};
use std::collections::HashMap;

use domain::assignment::AssignmentStatus;
use domain::effect::Effect;
use domain::money::Money;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::applications::{ActedBy, event_row, write_status};
use crate::decisions::Decided;
use crate::entity::{application_event, assignment, organization_member};
use crate::error::RepoError;
use crate::records::{ApplicationRecord, CallRecord};
use crate::tx::Tx;

/// What decisions about several applications of one call see, read under its lock.
#[derive(Debug, Clone, PartialEq)]
pub struct CallSnapshot {
    /// The call.
    pub call: CallRecord,
    /// The applications, in the order asked for.
    pub applications: Vec<ApplicationRecord>,
    /// By application: its assignments that are not declined, and its submitted reviews.
    pub assignments: HashMap<ApplicationId, (u32, u32)>,
    /// The amount already awarded in the call.
    pub awarded_total: Money,
}

impl CallSnapshot {
    /// The amount already awarded in the call when it was read.
    #[must_use]
    pub fn call_awarded_total(&self) -> Money {
        self.awarded_total
    }

    /// Application `id`'s assignments that are not declined, and its submitted reviews.
    #[must_use]
    pub fn assignment_counts(&self, id: ApplicationId) -> (u32, u32) {
        self.assignments.get(&id).copied().unwrap_or((0, 0))
    }
}

/// One decided change of an application, to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The application.
    pub application_id: ApplicationId,
    /// Its organisation, whose members are mailed.
    pub organization_id: OrganizationId,
    /// The version the decision was made on.
    pub expected_version: i32,
    /// The decision.
    pub decided: Decided,
    /// What it sets on the application, as the domain maps it.
    pub effect: Effect,
}

impl Tx {
    /// The call `call_id` and its applications `ids` (in that order) with their assignment
    /// counts and the amount awarded so far.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when an application is missing or of another call.
    pub async fn call_snapshot(
        &self,
        call_id: CallId,
        ids: &[ApplicationId],
    ) -> Result<CallSnapshot, RepoError> {
        let call = self.call(call_id).await?;
        let mut by_id: HashMap<ApplicationId, ApplicationRecord> = self
            .applications(ids)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let applications = ids
            .iter()
            .map(|id| {
                by_id
                    .remove(id)
                    .filter(|a| a.call_id == call_id)
                    .ok_or(RepoError::NotFound)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let rows: Vec<(Uuid, String)> = assignment::Entity::find()
            .select_only()
            .column(assignment::Column::ApplicationId)
            .column(assignment::Column::Status)
            .filter(assignment::Column::ApplicationId.is_in(uuids(ids)))
            .into_tuple()
            .all(&self.tx)
            .await?;
        let mut assignments: HashMap<ApplicationId, (u32, u32)> = HashMap::new();
        for (application, status) in rows {
            let status = status
                .parse::<AssignmentStatus>()
                .map_err(|e| RepoError::Corrupt {
                    table: "assignments",
                    id: application.to_string(),
                    detail: format!("status: {e}"),
                })?;
            let counts = assignments.entry(application.into()).or_default();
            if status.is_active() {
                counts.0 += 1;
            }
            if status == AssignmentStatus::Submitted {
                counts.1 += 1;
            }
        }
        let awarded_total = crate::applications::awarded_total(&self.tx, call_id.uuid()).await?;
        Ok(CallSnapshot {
            call,
            applications,
            assignments,
            awarded_total,
        })
    }

    /// Records `changes`: each application's new status, every audit event in one insert
    /// and the applicants' mail in another.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] when an application changed since it was read.
    pub async fn record_changes(&self, changes: Vec<Change>, by: ActedBy) -> Result<(), RepoError> {
        if changes.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = changes.iter().map(|c| c.application_id.uuid()).collect();
        let last: HashMap<Uuid, i32> = application_event::Entity::find()
            .select_only()
            .column(application_event::Column::ApplicationId)
            .column_as(application_event::Column::Seq.max(), "seq")
            .filter(application_event::Column::ApplicationId.is_in(ids.iter().copied()))
            .group_by(application_event::Column::ApplicationId)
            .into_tuple::<(Uuid, Option<i32>)>()
            .all(&self.tx)
            .await?
            .into_iter()
            .map(|(id, seq)| (id, seq.unwrap_or(0)))
            .collect();
        let mut events = Vec::with_capacity(changes.len());
        let mut mail = Vec::new();
        for change in changes {
            let Decided { event, frozen } = change.decided;
            let receipt = frozen.as_ref().map(|f| f.receipt.clone());
            write_status(
                &self.tx,
                change.application_id.uuid(),
                change.expected_version,
                event.from,
                &change.effect,
                event.at,
                frozen,
            )
            .await?;
            let seq = last
                .get(&change.application_id.uuid())
                .copied()
                .unwrap_or(0)
                + 1;
            let (event_id, row) = event_row(change.application_id.uuid(), seq, &event, by, receipt);
            events.push(row);
            if let Some(kind) = domain::notification::for_event(&event) {
                mail.push((
                    change.application_id,
                    change.organization_id,
                    event_id,
                    kind,
                    event.at,
                ));
            }
        }
        application_event::Entity::insert_many(events)
            .exec(&self.tx)
            .await
            .map_err(|e| RepoError::unique(e, crate::error::Clash::Version))?;
        if mail.is_empty() {
            return Ok(());
        }
        let organizations: Vec<Uuid> = mail.iter().map(|m| m.1.uuid()).collect();
        let members: Vec<(Uuid, Uuid)> = organization_member::Entity::find()
            .select_only()
            .column(organization_member::Column::OrganizationId)
            .column(organization_member::Column::UserId)
            .filter(organization_member::Column::OrganizationId.is_in(organizations))
            .order_by_asc(organization_member::Column::UserId)
            .into_tuple()
            .all(&self.tx)
            .await?;
        let rows = mail
            .into_iter()
            .flat_map(|(application, organization, event_id, kind, at)| {
                members
                    .iter()
                    .filter(move |(org, _)| *org == organization.uuid())
                    .map(move |(_, recipient)| {
                        crate::outbox::new_row(
                            kind,
                            *recipient,
                            Some(application.uuid()),
                            Some(event_id),
                            None,
                            at,
                        )
                    })
            })
            .collect::<Vec<_>>();
        for chunk in rows.chunks(500) {
            crate::outbox::insert_rows(&self.tx, chunk.to_vec()).await?;
        }
        Ok(())
    }
}
