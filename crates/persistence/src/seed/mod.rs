//! A large, realistic dataset written straight into the tables in batches, for load tests.
//!
//! [`Store::seed`] builds every record through the domain's constructors (so each one is
//! what the service itself would have written: valid BINs, calls, budgets, frozen content
//! with its receipt, review totals from the rubric) and inserts them with multi-row
//! statements in one transaction. The returned [`Manifest`] tells a load runner which
//! accounts exist and what each may touch.

mod data;
mod plan;
mod rows;

use chrono::{Duration, NaiveDate};
use domain::application::{canonical_json, receipt};
use domain::assignment::AssignmentStatus;
use domain::call::CallState;
use domain::organization::{MemberRole, OrganizationInput, OrganizationProfile};
use domain::region::Region;
use domain::review::{CriterionScore, Recommendation, ReviewContent, review_total};
use domain::role::Role;
use domain::status::ApplicationStatus;
use domain::transition::{Actor, CommandKind};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, TransactionTrait};
use uuid::Uuid;

use crate::Store;
use crate::entity::{
    application, assignment, call, call_reviewer, organization, organization_member,
};
use crate::error::RepoError;

use data::*;
pub use plan::*;
use rows::*;

/// Rows per multi-row `INSERT`: below SQLite's and PostgreSQL's bound-parameter limits for
/// the widest table.
const BATCH: usize = 500;

/// Reviewers in each call's pool.
const POOL: usize = 50;

impl Store {
    /// Writes the dataset `plan` describes in one transaction, gathers the planner's
    /// statistics of it (as a database in service has them), and says what it wrote.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database refuses a batch (nothing is kept then).
    ///
    /// # Panics
    /// When `plan` asks for no calls, organisations or reviewers.
    pub async fn seed(&self, plan: &Plan) -> Result<Manifest, RepoError> {
        let (rows, manifest) = build(plan);
        let tx = self.db.begin().await?;
        insert(&tx, rows.users).await?;
        insert(&tx, rows.organizations).await?;
        insert(&tx, rows.members).await?;
        insert(&tx, rows.calls).await?;
        insert(&tx, rows.pools).await?;
        insert(&tx, rows.applications).await?;
        insert(&tx, rows.events).await?;
        insert(&tx, rows.assignments).await?;
        tx.commit().await?;
        // Without statistics a planner takes 20,000 applications for a few and joins them
        // by scanning them all.
        self.db.execute_unprepared("ANALYZE").await?;
        Ok(manifest)
    }
}

async fn insert<A>(tx: &sea_orm::DatabaseTransaction, rows: Vec<A>) -> Result<(), RepoError>
where
    A: ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(BATCH).collect();
        <A::Entity as EntityTrait>::insert_many(batch)
            .exec_without_returning(tx)
            .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_lines)]
fn build(plan: &Plan) -> (Rows, Manifest) {
    assert!(
        plan.calls > 0 && plan.organizations > 0 && plan.reviewers > 0,
        "a dataset needs calls, organisations and reviewers"
    );
    let now = plan.now;
    let mut b = Builder {
        plan,
        rng: Rng(20_261_126),
        rows: Rows::default(),
        counts: Counts::default(),
    };
    let admin = "admin@load.grants.kz".to_owned();
    let admin_id = b.account(&admin, Role::Admin, 0);
    let officers: Vec<String> = (0..plan.officers)
        .map(|i| format!("officer{i}@load.grants.kz"))
        .collect();
    let officer_ids: Vec<Uuid> = officers
        .iter()
        .enumerate()
        .map(|(i, email)| b.account(email, Role::Officer, i))
        .collect();
    let officer = officer_ids.first().copied().unwrap_or(admin_id);
    let mut reviewers: Vec<SeededReviewer> = Vec::new();
    let mut reviewer_ids = Vec::new();
    for i in 0..plan.reviewers {
        let email = format!("reviewer{i}@load.grants.kz");
        reviewer_ids.push(b.account(&email, Role::Reviewer, i));
        reviewers.push(SeededReviewer {
            email,
            assignments: Vec::new(),
            open: Vec::new(),
        });
    }

    let mut applicants = Vec::new();
    let mut org_ids = Vec::new();
    let mut owners = Vec::new();
    let mut settlements = Vec::new();
    let mut regions = Vec::new();
    let mut serial = 0;
    for i in 0..plan.organizations {
        let email = format!("applicant{i}@load.grants.kz");
        let owner = b.account(&email, Role::Applicant, i);
        let name = format!("{} {}", b.rng.pick(NAMES), i + 1);
        let settlement = *b.rng.pick(SETTLEMENTS);
        let region = *b.rng.pick(Region::ALL);
        let bin = bin(&mut serial);
        let registered = NaiveDate::from_ymd_opt(2010 + i32::try_from(i % 12).unwrap_or(0), 3, 1)
            .unwrap_or_default();
        let contact = format!("ngo{i}@mail.kz");
        let profile = OrganizationProfile::create(
            OrganizationInput {
                name: Some(&name),
                bin: Some(&bin),
                region: Some(region.code()),
                settlement: Some(settlement),
                rural: Some(true),
                registered_on: Some(registered),
                contact_email: Some(&contact),
            },
            now.date_naive(),
        )
        .unwrap_or_else(|e| panic!("seed organisation {i}: {e:?}"));
        let id = Uuid::now_v7();
        b.rows.organizations.push(organization::ActiveModel {
            id: sea_orm::Set(id),
            name: sea_orm::Set(profile.name),
            bin: sea_orm::Set(profile.bin.as_str().to_owned()),
            region: sea_orm::Set(profile.region.code().to_owned()),
            settlement: sea_orm::Set(profile.settlement),
            rural: sea_orm::Set(profile.rural),
            registered_on: sea_orm::Set(profile.registered_on),
            contact_email: sea_orm::Set(profile.contact_email.as_str().to_owned()),
            version: sea_orm::Set(1),
            created_at: sea_orm::Set(now - Duration::days(300)),
            updated_at: sea_orm::Set(now - Duration::days(300)),
            verified_at: sea_orm::Set(None),
            verified_by: sea_orm::Set(None),
            verification_note: sea_orm::Set(None),
        });
        b.rows.members.push(organization_member::ActiveModel {
            organization_id: sea_orm::Set(id),
            user_id: sea_orm::Set(owner),
            role: sea_orm::Set(MemberRole::Owner.code().to_owned()),
            created_at: sea_orm::Set(now - Duration::days(300)),
        });
        b.counts.organizations += 1;
        org_ids.push(id);
        owners.push(owner);
        settlements.push(settlement);
        regions.push(region);
        applicants.push(SeededApplicant {
            email,
            organization_id: id,
            applications: Vec::new(),
            drafts: Vec::new(),
        });
    }

    let review_calls = plan.calls.saturating_sub(plan.open_calls).max(1);
    let per_call = plan.applications / plan.calls;
    let reviewed_apps = per_call * review_calls;
    let mut open_calls = Vec::new();
    let mut closed_calls = Vec::new();
    let mut reviews_left = plan.reviews;
    let mut apps_left = reviewed_apps;
    let mut org_cursor = 0;
    let mut reviewed_applications = Vec::new();
    for c in 0..plan.calls {
        let phase = phase_of(plan, c);
        let call_id = Uuid::now_v7();
        let (opens, closes) = match phase {
            Phase::Open => (now - Duration::days(10), now + Duration::days(60)),
            Phase::InReview | Phase::Reviewed => (
                now - Duration::days(150 + 10 * i64::try_from(c).unwrap_or(0)),
                now - Duration::days(30),
            ),
        };
        let spec = call_spec(c, opens, closes);
        let state = match phase {
            Phase::Open => CallState::Published,
            Phase::InReview | Phase::Reviewed => CallState::Closed,
        };
        let rubric = spec.rubric.clone();
        let columns = crate::calls::spec_columns(&spec, now - Duration::days(200))
            .unwrap_or_else(|e| panic!("seed call {c}: {e}"));
        b.rows.calls.push(call::ActiveModel {
            id: sea_orm::Set(call_id),
            state: sea_orm::Set(state.code().to_owned()),
            version: sea_orm::Set(2),
            created_by: sea_orm::Set(officer),
            created_at: sea_orm::Set(opens - Duration::days(20)),
            published_at: sea_orm::Set(Some(opens - Duration::days(15))),
            closed_at: sea_orm::Set((phase != Phase::Open).then_some(closes)),
            ..columns
        });
        b.counts.calls += 1;
        // The pool: a window of reviewers, moving with the call.
        let pool: Vec<usize> = (0..POOL.min(plan.reviewers))
            .map(|k| (c * 37 + k) % plan.reviewers)
            .collect();
        if phase != Phase::Open {
            for &r in &pool {
                b.rows.pools.push(call_reviewer::ActiveModel {
                    call_id: sea_orm::Set(call_id),
                    reviewer_id: sea_orm::Set(reviewer_ids[r]),
                    added_by: sea_orm::Set(officer),
                    added_at: sea_orm::Set(closes),
                });
            }
            closed_calls.push(call_id);
        } else {
            open_calls.push(call_id);
        }
        for k in 0..per_call {
            let o = org_cursor % plan.organizations;
            org_cursor += 1;
            let app_id = Uuid::now_v7();
            let body = content(&mut b.rng, settlements[o]);
            b.counts.budget_lines += body.budget_lines.len();
            let sums = domain::application::totals(&body.budget_lines)
                .unwrap_or_else(|| panic!("seed budget of application {k} overflows"));
            let created = opens + Duration::hours(i64::try_from(k % 500).unwrap_or(0));
            let submitted = match phase {
                Phase::Open => k % 5 >= 3,
                Phase::InReview | Phase::Reviewed => true,
            };
            let status = match phase {
                Phase::Open if submitted => ApplicationStatus::Submitted,
                Phase::Open => ApplicationStatus::Draft,
                Phase::InReview => ApplicationStatus::UnderReview,
                Phase::Reviewed => ApplicationStatus::Reviewed,
            };
            let submitted_at = submitted.then_some(created + Duration::days(2));
            let frozen = submitted.then(|| (canonical_json(&body), receipt(&body)));
            let mut seq = 0;
            if let Some(at) = submitted_at {
                seq += 1;
                let step = Step {
                    command: CommandKind::Submit,
                    from: ApplicationStatus::Draft,
                    to: ApplicationStatus::Submitted,
                    by: (Some(owners[o]), Actor::Member),
                    receipt: frozen.as_ref().map(|(_, r)| r.clone()),
                    at,
                };
                b.event(app_id, seq, step);
            }
            if phase != Phase::Open {
                seq += 1;
                let step = Step {
                    command: CommandKind::StartReview,
                    from: ApplicationStatus::Submitted,
                    to: ApplicationStatus::UnderReview,
                    by: (Some(officer), Actor::Officer),
                    receipt: None,
                    at: closes + Duration::days(1),
                };
                b.event(app_id, seq, step);
            }
            if phase == Phase::Reviewed {
                seq += 1;
                let step = Step {
                    command: CommandKind::CompleteReview,
                    from: ApplicationStatus::UnderReview,
                    to: ApplicationStatus::Reviewed,
                    by: (None, Actor::System),
                    receipt: None,
                    at: closes + Duration::days(20),
                };
                b.event(app_id, seq, step);
            }
            let content_json = serde_json::to_string(&body)
                .unwrap_or_else(|e| panic!("seed content does not serialise: {e}"));
            b.rows.applications.push(application::ActiveModel {
                id: sea_orm::Set(app_id),
                call_id: sea_orm::Set(call_id),
                organization_id: sea_orm::Set(org_ids[o]),
                created_by: sea_orm::Set(owners[o]),
                title: sea_orm::Set(body.title.clone()),
                region: sea_orm::Set(regions[o].code().to_owned()),
                status: sea_orm::Set(status.code().to_owned()),
                version: sea_orm::Set(1 + seq),
                content: sea_orm::Set(content_json),
                submitted_content: sea_orm::Set(frozen.as_ref().map(|(c, _)| c.clone())),
                receipt_sha256: sea_orm::Set(frozen.map(|(_, r)| r)),
                total_cost_minor: sea_orm::Set(sums.total_cost.minor()),
                cofinanced_minor: sea_orm::Set(sums.cofinanced_total.minor()),
                requested_minor: sea_orm::Set(sums.requested_amount.minor()),
                submitted_at: sea_orm::Set(submitted_at),
                revision_comment: sea_orm::Set(None),
                revision_due_at: sea_orm::Set(None),
                awarded_minor: sea_orm::Set(None),
                created_at: sea_orm::Set(created),
                updated_at: sea_orm::Set(submitted_at.unwrap_or(created)),
            });
            b.counts.applications += 1;
            applicants[o].applications.push(app_id);
            if status == ApplicationStatus::Draft {
                applicants[o].drafts.push(app_id);
            }
            if phase == Phase::Open {
                continue;
            }
            reviewed_applications.push(app_id);
            // Spread the remaining reviews evenly over the remaining applications.
            let wanted = reviews_left.div_ceil(apps_left.max(1)).min(pool.len());
            apps_left = apps_left.saturating_sub(1);
            reviews_left = reviews_left.saturating_sub(wanted);
            let start = b.rng.below(pool.len());
            for n in 0..wanted {
                let r = pool[(start + n) % pool.len()];
                // Under review means at least one review is still open.
                let open = phase == Phase::InReview && (n == 0 || (k + n) % 2 == 0);
                let assignment_id = Uuid::now_v7();
                let assigned_at = closes + Duration::days(1);
                let (status, review, total, submitted_at) = if open {
                    (AssignmentStatus::Accepted, None, None, None)
                } else {
                    let scores: Vec<CriterionScore> = rubric
                        .iter()
                        .map(|criterion| CriterionScore {
                            criterion: criterion.key.clone(),
                            score: b.rng.between(3, criterion.max_score),
                            comment: None,
                        })
                        .collect();
                    let total = review_total(&scores, &rubric);
                    let review = ReviewContent {
                        scores,
                        comment: Some((*b.rng.pick(REVIEW_COMMENTS)).to_owned()),
                        recommendation: Some(*b.rng.pick(&Recommendation::ALL)),
                        confidence: Some(u8::try_from(b.rng.between(1, 3)).unwrap_or(2)),
                    };
                    let json = serde_json::to_string(&review)
                        .unwrap_or_else(|e| panic!("seed review does not serialise: {e}"));
                    b.counts.submitted_reviews += 1;
                    let at = assigned_at + Duration::days(10);
                    (
                        AssignmentStatus::Submitted,
                        Some(json),
                        Some(total),
                        Some(at),
                    )
                };
                b.rows.assignments.push(assignment::ActiveModel {
                    id: sea_orm::Set(assignment_id),
                    call_id: sea_orm::Set(call_id),
                    application_id: sea_orm::Set(app_id),
                    reviewer_id: sea_orm::Set(reviewer_ids[r]),
                    status: sea_orm::Set(status.code().to_owned()),
                    version: sea_orm::Set(if open { 2 } else { 3 }),
                    due_at: sea_orm::Set(Some(now + Duration::days(14))),
                    assigned_by: sea_orm::Set(Some(officer)),
                    decline_reason: sea_orm::Set(None),
                    review: sea_orm::Set(review),
                    review_total: sea_orm::Set(total),
                    submitted_at: sea_orm::Set(submitted_at),
                    reminded_at: sea_orm::Set(None),
                    created_at: sea_orm::Set(assigned_at),
                    updated_at: sea_orm::Set(submitted_at.unwrap_or(assigned_at)),
                });
                b.counts.assignments += 1;
                reviewers[r].assignments.push(assignment_id);
                if open {
                    reviewers[r].open.push(assignment_id);
                }
            }
        }
    }
    let manifest = Manifest {
        admin,
        officers,
        reviewers,
        applicants,
        open_calls,
        closed_calls,
        reviewed_applications,
        counts: b.counts,
    };
    (b.rows, manifest)
}
