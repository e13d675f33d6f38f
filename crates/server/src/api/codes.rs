//! Closed sets of codes as they appear in the API document, each mirroring a domain enum
//! variant for variant.

use domain::application::BudgetCategory;
use domain::call::{Aggregation, CallPhase, PriorityArea};
use domain::invitation::InvitationStatus;
use domain::language::Language;
use domain::notification::{DeliveryStatus, NotificationKind};
use domain::organization::MemberRole;
use domain::region::Region;
use domain::role::Role;
use domain::status::ApplicationStatus;
use persistence::applications::ApplicationSort;
use poem_openapi::Enum;
use serde::{Deserialize, Serialize};

/// Declares an API enum that mirrors the domain enum `$domain` (imported by that name),
/// with conversions both ways. The API document lists the codes in `snake_case`, and a
/// variant added to the domain breaks the build here until the API names it too.
macro_rules! mirror_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident mirrors $domain:ident {
            $($(#[$vmeta:meta])* $variant:ident),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize, Serialize)]
        #[oai(rename_all = "snake_case")]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl From<$name> for $domain {
            fn from(code: $name) -> Self {
                match code {
                    $($name::$variant => $domain::$variant),+
                }
            }
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                match value {
                    $($domain::$variant => $name::$variant),+
                }
            }
        }
    };
}

mirror_enum! {
    /// A preferred language.
    pub enum LanguageCode mirrors Language {
        /// Kazakh.
        Kk,
        /// Russian.
        Ru,
        /// English.
        En,
    }
}

mirror_enum! {
    /// An account role.
    pub enum RoleCode mirrors Role {
        /// NGO member who applies.
        Applicant,
        /// Expert reviewer.
        Reviewer,
        /// Programme officer.
        Officer,
        /// Administrator.
        Admin,
    }
}

/// A role an admin may give a new account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum StaffRoleCode {
    /// Expert reviewer.
    Reviewer,
    /// Programme officer.
    Officer,
    /// Administrator.
    Admin,
}

impl From<StaffRoleCode> for Role {
    fn from(code: StaffRoleCode) -> Self {
        match code {
            StaffRoleCode::Reviewer => Self::Reviewer,
            StaffRoleCode::Officer => Self::Officer,
            StaffRoleCode::Admin => Self::Admin,
        }
    }
}

mirror_enum! {
    /// A member's role in an organisation.
    pub enum MemberRoleCode mirrors MemberRole {
        /// Edits the organisation and manages members.
        Owner,
        /// Works on applications.
        Member,
    }
}

mirror_enum! {
    /// An oblast or a city of republican significance.
    pub enum RegionCode mirrors Region {
        /// Abai Region.
        Abai,
        /// Akmola Region.
        Akmola,
        /// Aktobe Region.
        Aktobe,
        /// Almaty Region.
        Almaty,
        /// City of Almaty.
        AlmatyCity,
        /// City of Astana.
        Astana,
        /// Atyrau Region.
        Atyrau,
        /// East Kazakhstan Region.
        EastKazakhstan,
        /// Jambyl Region.
        Jambyl,
        /// Jetisu Region.
        Jetisu,
        /// Karaganda Region.
        Karaganda,
        /// Kostanay Region.
        Kostanay,
        /// Kyzylorda Region.
        Kyzylorda,
        /// Mangystau Region.
        Mangystau,
        /// North Kazakhstan Region.
        NorthKazakhstan,
        /// Pavlodar Region.
        Pavlodar,
        /// City of Shymkent.
        Shymkent,
        /// Turkistan Region.
        Turkistan,
        /// Ulytau Region.
        Ulytau,
        /// West Kazakhstan Region.
        WestKazakhstan,
    }
}

mirror_enum! {
    /// A priority area of a call.
    pub enum PriorityAreaCode mirrors PriorityArea {
        /// Women and children.
        WomenAndChildren,
        /// Public health.
        PublicHealth,
        /// Older people.
        OlderPeople,
        /// Victims of domestic violence.
        DomesticViolence,
        /// Ecology.
        Ecology,
        /// Rural development.
        RuralDevelopment,
        /// Young people.
        Youth,
        /// People with disabilities.
        Disability,
        /// Education.
        Education,
    }
}

mirror_enum! {
    /// How reviewers' scores are combined for the ranking.
    pub enum AggregationCode mirrors Aggregation {
        /// Arithmetic mean of the reviews' totals.
        Mean,
        /// Median of the reviews' totals.
        Median,
        /// Mean after correcting each reviewer's harshness or leniency.
        NormalizedMean,
    }
}

mirror_enum! {
    /// Where a call is in its life, at the moment of the request.
    pub enum CallStatusCode mirrors CallPhase {
        /// Being prepared; only officers see it.
        Draft,
        /// Published, not yet open.
        Scheduled,
        /// Accepting applications.
        Open,
        /// Past its closing instant, or closed early.
        Closed,
        /// Every application decided.
        Decided,
    }
}

mirror_enum! {
    /// A category of expense.
    pub enum BudgetCategoryCode mirrors BudgetCategory {
        /// Salaries and fees.
        Staff,
        /// Equipment.
        Equipment,
        /// Materials and supplies.
        Materials,
        /// Travel.
        Travel,
        /// Services bought in.
        Services,
        /// Rent of premises.
        Rent,
        /// Communication and publicity.
        Communication,
        /// Anything else.
        Other,
    }
}

mirror_enum! {
    /// An application's status.
    pub enum ApplicationStatusCode mirrors ApplicationStatus {
        /// Being written.
        Draft,
        /// Submitted, awaiting screening.
        Submitted,
        /// Returned to the applicant for changes.
        RevisionRequested,
        /// Being reviewed.
        UnderReview,
        /// Every review is in (staff only; applicants see `under_review`).
        Reviewed,
        /// Fundable if money frees up.
        Waitlisted,
        /// Funded.
        Approved,
        /// Not funded.
        Rejected,
        /// Withdrawn by the applicant.
        Withdrawn,
        /// Does not meet the call's conditions.
        Ineligible,
    }
}

mirror_enum! {
    /// The order of an application list.
    pub enum SortCode mirrors ApplicationSort {
        /// Newest first (the default).
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
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::ToJSON;

    use super::*;

    fn code_of(value: &impl ToJSON) -> Option<String> {
        value.to_json().and_then(|v| v.as_str().map(str::to_owned))
    }

    #[test]
    fn api_codes_are_the_domain_codes() {
        for region in Region::ALL {
            assert_eq!(
                code_of(&RegionCode::from(*region)).as_deref(),
                Some(region.code())
            );
            let parsed: Result<RegionCode, _> =
                serde_json::from_value(serde_json::Value::from(region.code()));
            assert_eq!(parsed.map(Region::from).ok(), Some(*region));
        }
        for language in Language::ALL {
            assert_eq!(
                code_of(&LanguageCode::from(language)).as_deref(),
                Some(language.code())
            );
        }
        for role in Role::ALL {
            assert_eq!(code_of(&RoleCode::from(role)).as_deref(), Some(role.code()));
        }
        for area in PriorityArea::ALL {
            assert_eq!(
                code_of(&PriorityAreaCode::from(area)).as_deref(),
                Some(area.code())
            );
        }
        for aggregation in Aggregation::ALL {
            assert_eq!(
                code_of(&AggregationCode::from(aggregation)).as_deref(),
                Some(aggregation.code())
            );
        }
        for phase in CallPhase::ALL {
            assert_eq!(
                code_of(&CallStatusCode::from(phase)).as_deref(),
                Some(phase.code())
            );
        }
        for category in BudgetCategory::ALL {
            assert_eq!(
                code_of(&BudgetCategoryCode::from(category)).as_deref(),
                Some(category.code())
            );
        }
        for status in ApplicationStatus::ALL {
            assert_eq!(
                code_of(&ApplicationStatusCode::from(status)).as_deref(),
                Some(status.code())
            );
        }
    }
}

mirror_enum! {
    /// Where an outbox mail stands.
    pub enum DeliveryStatusCode mirrors DeliveryStatus {
        /// Waiting for its first or next attempt.
        Pending,
        /// Accepted by the mail server.
        Sent,
        /// Given up after its last attempt; an admin may retry it.
        Failed,
        /// No longer owed when it came to be sent (the recipient left the organisation,
        /// the assignment was declined or recused, or the review submitted).
        Cancelled,
    }
}

mirror_enum! {
    /// What a mail is about.
    pub enum NotificationKindCode mirrors NotificationKind {
        /// The application was submitted (with the receipt).
        Submitted,
        /// An officer asked for a revision.
        RevisionRequested,
        /// The revised application was submitted.
        Resubmitted,
        /// The application was refused as ineligible.
        Ineligible,
        /// The application went to its reviewers.
        UnderReview,
        /// The application was funded.
        Approved,
        /// The application is on the reserve list.
        Waitlisted,
        /// The application was not funded.
        Rejected,
        /// The applicant withdrew the application.
        Withdrawn,
        /// A reviewer was assigned an application.
        ReviewerAssigned,
        /// A review is due within 48 hours.
        ReviewDueSoon,
        /// The code that confirms a registered address.
        VerifyEmail,
        /// Someone tried to register an address that already has an account.
        AccountExists,
        /// The code that resets a forgotten password.
        PasswordReset,
        /// A reviewer recused themselves from an application (to the call's creator).
        ReviewerRecused,
        /// An organisation's owner invited the address to join it.
        MemberInvited,
    }
}

mirror_enum! {
    /// What an invitation to join an organisation is now.
    pub enum InvitationStatusCode mirrors InvitationStatus {
        /// Waiting for the invitee's answer.
        Pending,
        /// The invitee joined.
        Accepted,
        /// The invitee said no.
        Declined,
        /// An owner withdrew it.
        Revoked,
        /// Nobody answered within seven days.
        Expired,
    }
}
