//! What callers hand in to record and list applications.

use domain::application::ApplicationContent;
use domain::ids::{CallId, OrganizationId, UserId};
use domain::region::Region;
use domain::status::ApplicationStatus;
use domain::transition::Actor;

/// The content frozen by a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frozen {
    /// Canonical JSON of the content.
    pub canonical: String,
    /// Its SHA-256, hex.
    pub receipt: String,
}

/// Who caused a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActedBy {
    /// The account, when a person acted.
    pub user: Option<UserId>,
    /// In which capacity.
    pub actor: Actor,
}

/// Which applications to list.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    /// Only this call's.
    pub call_id: Option<CallId>,
    /// Only these statuses; all when empty.
    pub statuses: Vec<ApplicationStatus>,
    /// Only this organisation's.
    pub organization_id: Option<OrganizationId>,
    /// Only from this region.
    pub region: Option<Region>,
    /// Only of organisations this account belongs to.
    pub member: Option<UserId>,
}

/// The order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApplicationSort {
    /// Newest first.
    #[default]
    CreatedDesc,
    /// Oldest first.
    CreatedAsc,
    /// Earliest submission first.
    SubmittedAsc,
    /// By title.
    TitleAsc,
    /// Largest request first.
    RequestedDesc,
}

/// A new draft application.
#[derive(Debug, Clone, Copy)]
pub struct NewDraft<'a> {
    /// The call applied to.
    pub call_id: CallId,
    /// The applying organisation.
    pub organization_id: OrganizationId,
    /// The organisation's region, kept for filtering.
    pub region: Region,
    /// The member who started it.
    pub created_by: UserId,
    /// The content so far.
    pub content: &'a ApplicationContent,
}
