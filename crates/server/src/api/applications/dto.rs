//! Request and response bodies of applications.

use chrono::{DateTime, Utc};
use domain::application::{BudgetCategory, BudgetLineInput, ContentInput};
use persistence::applications::ApplicationBrief;
use persistence::records::{ApplicationRecord, EventRecord};
use poem_openapi::Object;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::codes::{ApplicationStatusCode, BudgetCategoryCode, RegionCode};
use crate::api::direct;

/// One line of the budget.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct BudgetLineBody {
    /// Category of expense.
    pub category: BudgetCategoryCode,
    /// What is bought or paid for.
    #[oai(validator(max_length = 500))]
    pub description: String,
    /// How many units, 1 or more.
    pub quantity: u32,
    /// Price of one unit in tenge, decimal string, e.g. `"15000.00"`.
    pub unit_cost: String,
    /// The part of this line's total paid from other sources, decimal string; `"0"` when absent.
    pub cofinanced: Option<String>,
}

/// The applicant's content. In a draft every field may be left out; submission needs all.
#[derive(Debug, Clone, Default, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ContentBody {
    /// Project title.
    #[oai(validator(max_length = 300))]
    pub title: Option<String>,
    /// Short summary.
    #[oai(validator(max_length = 2000))]
    pub summary: Option<String>,
    /// The problem the project addresses.
    #[oai(validator(max_length = 10000))]
    pub problem: Option<String>,
    /// The project's goals.
    #[oai(validator(max_length = 10000))]
    pub goals: Option<String>,
    /// Planned activities.
    #[oai(validator(max_length = 10000))]
    pub activities: Option<String>,
    /// Who benefits (e.g. "women", "older people"); replaced as a whole.
    pub target_groups: Option<Vec<String>>,
    /// How many people benefit.
    pub beneficiaries: Option<u32>,
    /// Where the project takes place.
    #[oai(validator(max_length = 200))]
    pub settlement: Option<String>,
    /// Duration in months, 1 to 60.
    pub duration_months: Option<u32>,
    /// The budget; replaced as a whole.
    pub budget_lines: Option<Vec<BudgetLineBody>>,
}

impl From<ContentBody> for ContentInput {
    fn from(body: ContentBody) -> Self {
        Self {
            title: body.title,
            summary: body.summary,
            problem: body.problem,
            goals: body.goals,
            activities: body.activities,
            target_groups: body.target_groups,
            beneficiaries: body.beneficiaries,
            settlement: body.settlement,
            duration_months: body.duration_months,
            budget_lines: body.budget_lines.map(|lines| {
                lines
                    .into_iter()
                    .map(|line| BudgetLineInput {
                        category: Some(BudgetCategory::from(line.category).code().to_owned()),
                        description: Some(line.description),
                        quantity: Some(line.quantity),
                        unit_cost: Some(line.unit_cost),
                        cofinanced: line.cofinanced,
                    })
                    .collect()
            }),
        }
    }
}

/// A new application.
#[derive(Debug, Object, Deserialize)]
pub struct CreateApplicationRequest {
    /// The applying organisation; the caller must be a member.
    pub organization_id: Uuid,
    /// The content so far.
    #[oai(flatten)]
    #[serde(flatten)]
    pub content: ContentBody,
}

/// A revision request.
#[derive(Debug, Object, Deserialize)]
pub struct RevisionRequest {
    /// What the applicant should change.
    #[oai(validator(max_length = 2000))]
    pub comment: String,
    /// Until when the applicant may resubmit (RFC 3339).
    pub revision_due_at: DateTime<Utc>,
}

/// A reason for a decision.
#[derive(Debug, Object, Deserialize)]
pub struct ReasonRequest {
    /// Why; shown to the applicant.
    #[oai(validator(max_length = 2000))]
    pub reason: String,
}

/// A budget line with its total.
#[derive(Debug, Object, Serialize)]
pub struct BudgetLineResponse {
    /// Category of expense.
    pub category: BudgetCategoryCode,
    /// What is bought or paid for.
    pub description: String,
    /// How many units.
    pub quantity: u32,
    /// Price of one unit.
    pub unit_cost: String,
    /// Part paid from other sources.
    pub cofinanced: String,
    /// quantity × unit cost.
    pub total: String,
}

/// An open revision request.
#[derive(Debug, Object, Serialize)]
pub struct RevisionResponse {
    /// What to change.
    pub comment: String,
    /// Until when the applicant may resubmit.
    #[serde(serialize_with = "direct::instant")]
    pub due_at: DateTime<Utc>,
}

/// An application.
#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ApplicationResponse {
    /// Identifier.
    pub id: Uuid,
    /// The call.
    pub call_id: Uuid,
    /// The applying organisation.
    pub organization_id: Uuid,
    /// Status (applicants see `reviewed` as `under_review`).
    pub status: ApplicationStatusCode,
    /// Incremented by every change; also the `ETag`.
    pub version: i32,
    /// Project title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Short summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The problem addressed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Goals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goals: Option<String>,
    /// Activities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activities: Option<String>,
    /// Target groups.
    pub target_groups: Vec<String>,
    /// Number of beneficiaries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beneficiaries: Option<u32>,
    /// Where the project takes place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settlement: Option<String>,
    /// Duration in months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_months: Option<u32>,
    /// The budget.
    pub budget_lines: Vec<BudgetLineResponse>,
    /// Sum of the lines' totals.
    pub total_cost: String,
    /// Sum of the co-financed parts.
    pub cofinanced_total: String,
    /// total_cost − cofinanced_total: the grant asked for.
    pub requested_amount: String,
    /// Currency of every amount.
    pub currency: String,
    /// When it was last submitted.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "direct::optional_instant"
    )]
    pub submitted_at: Option<DateTime<Utc>>,
    /// SHA-256 (hex) of `submitted_content`: the receipt of the submission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_sha256: Option<String>,
    /// The content frozen at the last submission, as the canonical JSON that was hashed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_content: Option<String>,
    /// The open revision request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_request: Option<RevisionResponse>,
    /// The amount awarded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awarded_amount: Option<String>,
    /// The applying organisation (left out for reviewers of calls that hide it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<OrganizationBrief>,
    /// When it was created.
    #[serde(serialize_with = "direct::instant")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "direct::instant")]
    pub updated_at: DateTime<Utc>,
}

/// Who applies.
#[derive(Debug, Object, Serialize)]
pub struct OrganizationBrief {
    /// Registered name.
    pub name: String,
    /// Business Identification Number.
    pub bin: String,
    /// Region.
    pub region: RegionCode,
    /// Settlement.
    pub settlement: String,
    /// Whether the settlement is rural.
    pub rural: bool,
}

impl From<persistence::records::Organization> for OrganizationBrief {
    fn from(org: persistence::records::Organization) -> Self {
        Self {
            name: org.profile.name,
            bin: org.profile.bin.as_str().to_owned(),
            region: org.profile.region.into(),
            settlement: org.profile.settlement,
            rural: org.profile.rural,
        }
    }
}

/// Shapes a record for a reader; `applicant_view` hides internal statuses.
#[must_use]
pub fn application_response(
    record: ApplicationRecord,
    applicant_view: bool,
) -> ApplicationResponse {
    let status = if applicant_view {
        record.status.as_seen_by_applicant()
    } else {
        record.status
    };
    let content = record.content;
    let revision_request = match (record.revision_comment, record.revision_due_at) {
        (Some(comment), Some(due_at)) => Some(RevisionResponse { comment, due_at }),
        (Some(_) | None, _) => None,
    };
    ApplicationResponse {
        id: record.id.uuid(),
        call_id: record.call_id.uuid(),
        organization_id: record.organization_id.uuid(),
        status: status.into(),
        version: record.version,
        title: content.title,
        summary: content.summary,
        problem: content.problem,
        goals: content.goals,
        activities: content.activities,
        target_groups: content.target_groups,
        beneficiaries: content.beneficiaries,
        settlement: content.settlement,
        duration_months: content.duration_months,
        budget_lines: content
            .budget_lines
            .into_iter()
            .map(|line| BudgetLineResponse {
                total: line.total().map(|t| t.to_string()).unwrap_or_default(),
                category: line.category.into(),
                description: line.description,
                quantity: line.quantity,
                unit_cost: line.unit_cost.to_string(),
                cofinanced: line.cofinanced.to_string(),
            })
            .collect(),
        total_cost: record.totals.total_cost.to_string(),
        cofinanced_total: record.totals.cofinanced_total.to_string(),
        requested_amount: record.totals.requested_amount.to_string(),
        currency: "KZT".to_owned(),
        submitted_at: record.submitted_at,
        receipt_sha256: record.receipt_sha256,
        submitted_content: record.submitted_content,
        revision_request,
        awarded_amount: record.awarded.map(|a| a.to_string()),
        organization: None,
        created_at: record.created_at,
        updated_at: record.updated_at,
    }
}

/// An application in a list: what a list screen shows, without the long texts.
#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ApplicationSummary {
    /// Identifier.
    pub id: Uuid,
    /// The call.
    pub call_id: Uuid,
    /// The applying organisation.
    pub organization_id: Uuid,
    /// The organisation's region.
    pub region: RegionCode,
    /// Project title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Status (applicants see `reviewed` as `under_review`).
    pub status: ApplicationStatusCode,
    /// The grant asked for.
    pub requested_amount: String,
    /// When it was last submitted.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "direct::optional_instant"
    )]
    pub submitted_at: Option<DateTime<Utc>>,
    /// Version; also the `ETag`.
    pub version: i32,
    /// When it last changed.
    #[serde(serialize_with = "direct::instant")]
    pub updated_at: DateTime<Utc>,
}

/// Shapes a listed application.
#[must_use]
pub fn application_summary(record: ApplicationBrief, applicant_view: bool) -> ApplicationSummary {
    let status = if applicant_view {
        record.status.as_seen_by_applicant()
    } else {
        record.status
    };
    ApplicationSummary {
        id: record.id.uuid(),
        call_id: record.call_id.uuid(),
        organization_id: record.organization_id.uuid(),
        region: record.region.into(),
        title: record.title,
        status: status.into(),
        requested_amount: record.requested.to_string(),
        submitted_at: record.submitted_at,
        version: record.version,
        updated_at: record.updated_at,
    }
}

/// A page of applications.
#[derive(Debug, Object, Serialize)]
pub struct ApplicationPage {
    /// The applications.
    pub items: Vec<ApplicationSummary>,
    /// This page's number, from 1.
    pub page: u64,
    /// Whether another page follows.
    pub has_more: bool,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// One change in an application's history.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct HistoryEntry {
    /// Position in the history, from 1.
    pub seq: i32,
    /// What was done: `submit`, `withdraw`, `request_revision`, …
    pub command: String,
    /// Status before.
    pub from: ApplicationStatusCode,
    /// Status after.
    pub to: ApplicationStatusCode,
    /// In which capacity the actor acted: `member`, `officer`, `system`, …
    pub actor_role: String,
    /// The acting account (shown to staff only).
    pub actor_id: Option<Uuid>,
    /// Reason or comment.
    pub reason: Option<String>,
    /// Revision deadline, for revision requests.
    pub revision_due_at: Option<DateTime<Utc>>,
    /// Awarded amount, for approvals.
    pub awarded_amount: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// The history as a reader may see it: applicants see only changes of the statuses they
/// see, and not who acted.
#[must_use]
pub fn history_entries(events: Vec<EventRecord>, applicant_view: bool) -> Vec<HistoryEntry> {
    events
        .into_iter()
        .filter_map(|event| {
            let (from, to) = if applicant_view {
                (
                    event.from.as_seen_by_applicant(),
                    event.to.as_seen_by_applicant(),
                )
            } else {
                (event.from, event.to)
            };
            (from != to).then(|| HistoryEntry {
                seq: event.seq,
                command: event.event.command().code().to_owned(),
                from: from.into(),
                to: to.into(),
                actor_role: event.actor.code().to_owned(),
                actor_id: if applicant_view {
                    None
                } else {
                    event.actor_id.map(Uuid::from)
                },
                reason: event.event.reason().map(str::to_owned),
                revision_due_at: event.event.revision_due_at(),
                awarded_amount: event.event.awarded().map(|a| a.to_string()),
                at: event.at,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use poem_openapi::types::ToJSON;

    use super::*;

    fn at(second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, second)
            .single()
            .unwrap_or_else(|| panic!("a valid instant"))
            + chrono::Duration::microseconds(123_456)
    }

    fn filled() -> ApplicationResponse {
        ApplicationResponse {
            id: Uuid::now_v7(),
            call_id: Uuid::now_v7(),
            organization_id: Uuid::now_v7(),
            status: ApplicationStatusCode::RevisionRequested,
            version: 4,
            title: Some("Балалар \"алаңы\"\n— площадка".to_owned()),
            summary: Some("Қысқаша".to_owned()),
            problem: Some("Проблема".to_owned()),
            goals: Some("Goals".to_owned()),
            activities: Some("Іс-шаралар".to_owned()),
            target_groups: vec!["children".to_owned(), "mothers".to_owned()],
            beneficiaries: Some(350),
            settlement: Some("Шалқар".to_owned()),
            duration_months: Some(12),
            budget_lines: vec![BudgetLineResponse {
                category: BudgetCategoryCode::Equipment,
                description: "Ойын жабдығы".to_owned(),
                quantity: 4,
                unit_cost: "250000.00".to_owned(),
                cofinanced: "100000.00".to_owned(),
                total: "1000000.00".to_owned(),
            }],
            total_cost: "1000000.00".to_owned(),
            cofinanced_total: "100000.00".to_owned(),
            requested_amount: "900000.00".to_owned(),
            currency: "KZT".to_owned(),
            submitted_at: Some(at(1)),
            receipt_sha256: Some("ab".repeat(32)),
            submitted_content: Some("{\"title\":\"x\"}".to_owned()),
            revision_request: Some(RevisionResponse {
                comment: "Add a letter".to_owned(),
                due_at: at(2),
            }),
            awarded_amount: Some("800000.00".to_owned()),
            organization: Some(OrganizationBrief {
                name: "Шаңырақ".to_owned(),
                bin: "110240000019".to_owned(),
                region: RegionCode::Abai,
                settlement: "Шалқар".to_owned(),
                rural: true,
            }),
            created_at: at(3),
            updated_at: at(4),
        }
    }

    fn empty() -> ApplicationResponse {
        ApplicationResponse {
            title: None,
            summary: None,
            problem: None,
            goals: None,
            activities: None,
            target_groups: Vec::new(),
            beneficiaries: None,
            settlement: None,
            duration_months: None,
            budget_lines: Vec::new(),
            submitted_at: None,
            receipt_sha256: None,
            submitted_content: None,
            revision_request: None,
            awarded_amount: None,
            organization: None,
            ..filled()
        }
    }

    fn summary(title: Option<&str>, submitted_at: Option<DateTime<Utc>>) -> ApplicationSummary {
        ApplicationSummary {
            id: Uuid::now_v7(),
            call_id: Uuid::now_v7(),
            organization_id: Uuid::now_v7(),
            region: RegionCode::Kyzylorda,
            title: title.map(str::to_owned),
            status: ApplicationStatusCode::Draft,
            requested_amount: "1.00".to_owned(),
            submitted_at,
            version: 1,
            updated_at: at(5),
        }
    }

    /// The bodies written by serde are the ones poem-openapi would write, to the byte.
    #[test]
    fn serde_writes_what_the_document_describes() {
        for response in [filled(), empty()] {
            let by_serde = serde_json::to_string(&response).unwrap_or_default();
            let by_document = serde_json::to_string(&response.to_json()).unwrap_or_default();
            assert_eq!(by_serde, by_document);
        }
        for next_cursor in [None, Some("Y2QuMi4".to_owned())] {
            let page = ApplicationPage {
                items: vec![summary(Some("Су"), Some(at(6))), summary(None, None)],
                page: 2,
                has_more: next_cursor.is_some(),
                next_cursor,
            };
            let by_serde = serde_json::to_string(&page).unwrap_or_default();
            let by_document = serde_json::to_string(&page.to_json()).unwrap_or_default();
            assert_eq!(by_serde, by_document);
        }
    }
}
