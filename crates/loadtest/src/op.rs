//! The operations the load test measures.

/// An operation the runner measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    /// The public lists open calls.
    OpenCalls,
    /// The public reads a call.
    ReadCall,
    /// An applicant lists its organisation's applications.
    ListOwn,
    /// An applicant reads one of them.
    ReadApplication,
    /// An applicant edits a draft.
    EditDraft,
    /// An applicant submits a draft.
    SubmitDraft,
    /// An applicant starts a new draft.
    CreateDraft,
    /// A reviewer lists their assignments.
    ListAssignments,
    /// A reviewer reads an assignment.
    ReadAssignment,
    /// A reviewer saves a review.
    SaveReview,
    /// A reviewer submits it.
    SubmitReview,
    /// An officer reads a call's ranking.
    Ranking,
    /// An officer reads an application's history.
    History,
    /// An officer reads an application.
    OfficerRead,
}

impl Op {
    /// Every operation, in report order.
    pub const ALL: [Op; 14] = [
        Op::OpenCalls,
        Op::ReadCall,
        Op::ListOwn,
        Op::ReadApplication,
        Op::EditDraft,
        Op::SubmitDraft,
        Op::CreateDraft,
        Op::ListAssignments,
        Op::ReadAssignment,
        Op::SaveReview,
        Op::SubmitReview,
        Op::Ranking,
        Op::History,
        Op::OfficerRead,
    ];

    /// Who does it and the request, as the report shows them.
    #[must_use]
    pub const fn label(self) -> (&'static str, &'static str) {
        match self {
            Op::OpenCalls => ("public", "GET /calls?status=open"),
            Op::ReadCall => ("public", "GET /calls/{id}"),
            Op::ListOwn => ("applicant", "GET /applications?organization_id="),
            Op::ReadApplication => ("applicant", "GET /applications/{id}"),
            Op::EditDraft => ("applicant", "PATCH /applications/{id}"),
            Op::SubmitDraft => ("applicant", "POST /applications/{id}/submit"),
            Op::CreateDraft => ("applicant", "POST /calls/{id}/applications"),
            Op::ListAssignments => ("reviewer", "GET /me/assignments"),
            Op::ReadAssignment => ("reviewer", "GET /assignments/{id}"),
            Op::SaveReview => ("reviewer", "PUT /assignments/{id}/review"),
            Op::SubmitReview => ("reviewer", "POST /assignments/{id}/review/submit"),
            Op::Ranking => ("officer", "GET /calls/{id}/ranking"),
            Op::History => ("officer", "GET /applications/{id}/history"),
            Op::OfficerRead => ("officer", "GET /applications/{id}"),
        }
    }
}
