//! Application rows decoded into records, and content encoded for its columns.

use domain::application::{ApplicationContent, Totals, totals};
use domain::event::Event;
use domain::money::Money;
use domain::region::Region;
use domain::status::ApplicationStatus;
use domain::transition::{Actor, CommandKind};
use uuid::Uuid;

use crate::entity::{application, application_event};
use crate::error::RepoError;
use crate::records::{ApplicationRecord, EventRecord};

fn corrupt(table: &'static str, id: Uuid, detail: String) -> RepoError {
    RepoError::Corrupt {
        table,
        id: id.to_string(),
        detail,
    }
}

pub(crate) fn decode(model: application::Model) -> Result<ApplicationRecord, RepoError> {
    let id = model.id;
    let content: ApplicationContent = serde_json::from_str(&model.content)
        .map_err(|e| corrupt("applications", id, format!("content: {e}")))?;
    let money = |minor: i64, what: &str| {
        Money::from_minor(minor)
            .ok_or_else(|| corrupt("applications", id, format!("{what}: {minor}")))
    };
    let totals = Totals {
        total_cost: money(model.total_cost_minor, "total_cost")?,
        cofinanced_total: money(model.cofinanced_minor, "cofinanced")?,
        requested_amount: money(model.requested_minor, "requested")?,
    };
    let awarded = model
        .awarded_minor
        .map(|m| money(m, "awarded"))
        .transpose()?;
    Ok(ApplicationRecord {
        id: id.into(),
        call_id: model.call_id.into(),
        organization_id: model.organization_id.into(),
        created_by: model.created_by.into(),
        region: model
            .region
            .parse::<Region>()
            .map_err(|e| corrupt("applications", id, format!("region: {e}")))?,
        status: model
            .status
            .parse::<ApplicationStatus>()
            .map_err(|e| corrupt("applications", id, format!("status: {e}")))?,
        version: model.version,
        content,
        totals,
        submitted_content: model.submitted_content,
        receipt_sha256: model.receipt_sha256,
        submitted_at: model.submitted_at,
        revision_comment: model.revision_comment,
        revision_due_at: model.revision_due_at,
        awarded,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

pub(crate) fn decode_event(model: application_event::Model) -> Result<EventRecord, RepoError> {
    let id = model.application_id;
    let status = |code: &str| {
        code.parse::<ApplicationStatus>()
            .map_err(|e| corrupt("application_events", id, format!("status {code}: {e}")))
    };
    let command = CommandKind::ALL
        .into_iter()
        .find(|k| k.code() == model.command)
        .ok_or_else(|| {
            corrupt(
                "application_events",
                id,
                format!("command {}", model.command),
            )
        })?;
    let actor = Actor::ALL
        .into_iter()
        .find(|a| a.code() == model.actor_role)
        .ok_or_else(|| {
            corrupt(
                "application_events",
                id,
                format!("actor {}", model.actor_role),
            )
        })?;
    let awarded = model
        .awarded_minor
        .map(|m| {
            Money::from_minor(m)
                .ok_or_else(|| corrupt("application_events", id, format!("awarded {m}")))
        })
        .transpose()?;
    let event = Event::from_parts(command, model.reason, model.revision_due_at, awarded)
        .map_err(|e| corrupt("application_events", id, e.to_string()))?;
    Ok(EventRecord {
        seq: model.seq,
        event,
        from: status(&model.from_status)?,
        to: status(&model.to_status)?,
        actor_id: model.actor_id.map(Into::into),
        actor,
        at: model.at,
    })
}

pub(super) fn content_json(id: Uuid, content: &ApplicationContent) -> Result<String, RepoError> {
    serde_json::to_string(content).map_err(|e| {
        corrupt(
            "applications",
            id,
            format!("content does not serialise: {e}"),
        )
    })
}

pub(super) fn totals_of(id: Uuid, content: &ApplicationContent) -> Result<Totals, RepoError> {
    totals(&content.budget_lines)
        .ok_or_else(|| corrupt("applications", id, "budget totals overflow".to_owned()))
}
