//! What a seed run is asked to build, and what it reports back.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// How much to generate.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Grant calls; the first [`Plan::open_calls`] are open, the rest closed and in review.
    pub calls: usize,
    /// Calls open for applications now.
    pub open_calls: usize,
    /// Closed calls whose reviews are still coming in (half their assignments open).
    pub calls_in_review: usize,
    /// Organisations, each with one applicant account.
    pub organizations: usize,
    /// Applications, spread evenly over the calls.
    pub applications: usize,
    /// Reviewer accounts.
    pub reviewers: usize,
    /// Review assignments to spread over the applications of closed calls.
    pub reviews: usize,
    /// Officer accounts.
    pub officers: usize,
    /// The Argon2id PHC string every account gets (hashed once by the caller).
    pub password_hash: String,
    /// The present instant.
    pub now: DateTime<Utc>,
}

impl Plan {
    /// 20 calls, 5,000 organisations, 20,000 applications, 200 reviewers, 60,000 reviews.
    #[must_use]
    pub fn full(password_hash: String, now: DateTime<Utc>) -> Self {
        Self {
            calls: 20,
            open_calls: 2,
            calls_in_review: 2,
            organizations: 5_000,
            applications: 20_000,
            reviewers: 200,
            reviews: 60_000,
            officers: 4,
            password_hash,
            now,
        }
    }

    /// A twentieth of [`Plan::full`], for a quick check of the runner.
    #[must_use]
    pub fn small(password_hash: String, now: DateTime<Utc>) -> Self {
        Self {
            calls: 5,
            open_calls: 1,
            calls_in_review: 1,
            organizations: 250,
            applications: 1_000,
            reviewers: 60,
            reviews: 3_000,
            officers: 2,
            password_hash,
            now,
        }
    }
}

/// An applicant account and what its organisation has.
#[derive(Debug, Clone)]
pub struct SeededApplicant {
    /// Login address.
    pub email: String,
    /// The organisation it owns.
    pub organization_id: Uuid,
    /// Every application of the organisation.
    pub applications: Vec<Uuid>,
    /// Those still drafts, in an open call.
    pub drafts: Vec<Uuid>,
}

/// A reviewer account and its assignments.
#[derive(Debug, Clone)]
pub struct SeededReviewer {
    /// Login address.
    pub email: String,
    /// Every assignment.
    pub assignments: Vec<Uuid>,
    /// Accepted assignments whose review is still to be submitted.
    pub open: Vec<Uuid>,
}

/// How many rows of each kind were written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Accounts.
    pub users: usize,
    /// Organisations.
    pub organizations: usize,
    /// Calls.
    pub calls: usize,
    /// Applications.
    pub applications: usize,
    /// Budget lines inside them.
    pub budget_lines: usize,
    /// Review assignments.
    pub assignments: usize,
    /// Submitted reviews among them.
    pub submitted_reviews: usize,
    /// Audit events.
    pub events: usize,
}

/// What [`Store::seed`] wrote, for a load runner.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The administrator's address.
    pub admin: String,
    /// Officers' addresses.
    pub officers: Vec<String>,
    /// Reviewers.
    pub reviewers: Vec<SeededReviewer>,
    /// Applicants, one per organisation.
    pub applicants: Vec<SeededApplicant>,
    /// Calls open for applications.
    pub open_calls: Vec<Uuid>,
    /// Closed calls, in review.
    pub closed_calls: Vec<Uuid>,
    /// The applications of the closed calls, which officers work on.
    pub reviewed_applications: Vec<Uuid>,
    /// Rows written.
    pub counts: Counts,
}
