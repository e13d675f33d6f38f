//! Closed sets of codes as they appear in the API document, mapped to the domain.

use domain::language::Language;
use domain::organization::MemberRole;
use domain::region::Region;
use domain::role::Role;
use poem_openapi::Enum;
use serde::Deserialize;

/// A preferred language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum LanguageCode {
    /// Kazakh.
    Kk,
    /// Russian.
    Ru,
    /// English.
    En,
}

impl From<LanguageCode> for Language {
    fn from(code: LanguageCode) -> Self {
        match code {
            LanguageCode::Kk => Self::Kk,
            LanguageCode::Ru => Self::Ru,
            LanguageCode::En => Self::En,
        }
    }
}

impl From<Language> for LanguageCode {
    fn from(language: Language) -> Self {
        match language {
            Language::Kk => Self::Kk,
            Language::Ru => Self::Ru,
            Language::En => Self::En,
        }
    }
}

/// An account role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum RoleCode {
    /// NGO member who applies.
    Applicant,
    /// Expert reviewer.
    Reviewer,
    /// Programme officer.
    Officer,
    /// Administrator.
    Admin,
}

impl From<Role> for RoleCode {
    fn from(role: Role) -> Self {
        match role {
            Role::Applicant => Self::Applicant,
            Role::Reviewer => Self::Reviewer,
            Role::Officer => Self::Officer,
            Role::Admin => Self::Admin,
        }
    }
}

impl From<RoleCode> for Role {
    fn from(code: RoleCode) -> Self {
        match code {
            RoleCode::Applicant => Self::Applicant,
            RoleCode::Reviewer => Self::Reviewer,
            RoleCode::Officer => Self::Officer,
            RoleCode::Admin => Self::Admin,
        }
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

/// A member's role in an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum MemberRoleCode {
    /// Edits the organisation and manages members.
    Owner,
    /// Works on applications.
    Member,
}

impl From<MemberRoleCode> for MemberRole {
    fn from(code: MemberRoleCode) -> Self {
        match code {
            MemberRoleCode::Owner => Self::Owner,
            MemberRoleCode::Member => Self::Member,
        }
    }
}

impl From<MemberRole> for MemberRoleCode {
    fn from(role: MemberRole) -> Self {
        match role {
            MemberRole::Owner => Self::Owner,
            MemberRole::Member => Self::Member,
        }
    }
}

/// An oblast or a city of republican significance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum RegionCode {
    Abai,
    Akmola,
    Aktobe,
    Almaty,
    AlmatyCity,
    Astana,
    Atyrau,
    EastKazakhstan,
    Jambyl,
    Jetisu,
    Karaganda,
    Kostanay,
    Kyzylorda,
    Mangystau,
    NorthKazakhstan,
    Pavlodar,
    Shymkent,
    Turkistan,
    Ulytau,
    WestKazakhstan,
}

impl From<RegionCode> for Region {
    fn from(code: RegionCode) -> Self {
        match code {
            RegionCode::Abai => Self::Abai,
            RegionCode::Akmola => Self::Akmola,
            RegionCode::Aktobe => Self::Aktobe,
            RegionCode::Almaty => Self::Almaty,
            RegionCode::AlmatyCity => Self::AlmatyCity,
            RegionCode::Astana => Self::Astana,
            RegionCode::Atyrau => Self::Atyrau,
            RegionCode::EastKazakhstan => Self::EastKazakhstan,
            RegionCode::Jambyl => Self::Jambyl,
            RegionCode::Jetisu => Self::Jetisu,
            RegionCode::Karaganda => Self::Karaganda,
            RegionCode::Kostanay => Self::Kostanay,
            RegionCode::Kyzylorda => Self::Kyzylorda,
            RegionCode::Mangystau => Self::Mangystau,
            RegionCode::NorthKazakhstan => Self::NorthKazakhstan,
            RegionCode::Pavlodar => Self::Pavlodar,
            RegionCode::Shymkent => Self::Shymkent,
            RegionCode::Turkistan => Self::Turkistan,
            RegionCode::Ulytau => Self::Ulytau,
            RegionCode::WestKazakhstan => Self::WestKazakhstan,
        }
    }
}

impl From<Region> for RegionCode {
    fn from(region: Region) -> Self {
        match region {
            Region::Abai => Self::Abai,
            Region::Akmola => Self::Akmola,
            Region::Aktobe => Self::Aktobe,
            Region::Almaty => Self::Almaty,
            Region::AlmatyCity => Self::AlmatyCity,
            Region::Astana => Self::Astana,
            Region::Atyrau => Self::Atyrau,
            Region::EastKazakhstan => Self::EastKazakhstan,
            Region::Jambyl => Self::Jambyl,
            Region::Jetisu => Self::Jetisu,
            Region::Karaganda => Self::Karaganda,
            Region::Kostanay => Self::Kostanay,
            Region::Kyzylorda => Self::Kyzylorda,
            Region::Mangystau => Self::Mangystau,
            Region::NorthKazakhstan => Self::NorthKazakhstan,
            Region::Pavlodar => Self::Pavlodar,
            Region::Shymkent => Self::Shymkent,
            Region::Turkistan => Self::Turkistan,
            Region::Ulytau => Self::Ulytau,
            Region::WestKazakhstan => Self::WestKazakhstan,
        }
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::ToJSON;

    use super::*;

    #[test]
    fn api_region_codes_are_the_domain_codes() {
        for region in Region::ALL {
            let code = RegionCode::from(*region);
            assert_eq!(code.to_json(), Some(serde_json::Value::from(region.code())));
            assert_eq!(Region::from(code), *region);
            let parsed: Result<RegionCode, _> =
                serde_json::from_value(serde_json::Value::from(region.code()));
            assert_eq!(parsed.ok(), Some(code));
        }
    }

    #[test]
    fn api_language_and_role_codes_are_the_domain_codes() {
        for language in Language::ALL {
            assert_eq!(
                LanguageCode::from(language).to_json(),
                Some(serde_json::Value::from(language.code()))
            );
        }
        for role in Role::ALL {
            assert_eq!(
                RoleCode::from(role).to_json(),
                Some(serde_json::Value::from(role.code()))
            );
        }
    }
}
