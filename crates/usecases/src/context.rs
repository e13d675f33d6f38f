//! The one place a state-machine decision's context is built from what a use case read.

use chrono::{DateTime, Utc};
use domain::call;
use domain::money::Money;
use domain::transition::{Actor, Context};
use persistence::records::{ApplicationRecord, CallRecord, Organization};

/// What a decision about one application reads besides the application, its call and
/// its organisation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts {
    /// Its assignments that are not declined.
    pub reviewers_assigned: u32,
    /// Its submitted reviews.
    pub reviews_submitted: u32,
    /// The whole-number part of its score, when the decision needs it.
    pub score: Option<u32>,
    /// The amount already awarded in the call.
    pub call_awarded_total: Money,
}

/// The context in which `actor` acts on `application` of `call` at `now`.
pub(crate) fn context<'a>(
    call: &'a CallRecord,
    application: &'a ApplicationRecord,
    organization: &'a Organization,
    facts: Facts,
    actor: Actor,
    now: DateTime<Utc>,
) -> Context<'a> {
    Context {
        now,
        actor,
        call: &call.spec,
        call_phase: call::phase(call.state, call.spec.opens_at, call.spec.closes_at, now),
        organization: &organization.profile,
        organization_verified: organization.verification.is_some(),
        today: domain::calendar::almaty_date(now),
        content: &application.content,
        revision_due_at: application.revision_due_at,
        reviewers_assigned: facts.reviewers_assigned,
        reviews_submitted: facts.reviews_submitted,
        score: facts.score,
        requested_amount: application.totals.requested_amount,
        call_awarded_total: facts.call_awarded_total,
    }
}
