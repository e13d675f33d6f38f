//! What repositories hand back: decoded rows in domain terms.

use chrono::{DateTime, Utc};
use domain::language::Language;
use domain::organization::{MemberRole, OrganizationProfile};
use domain::role::Role;
use uuid::Uuid;

/// An account without its credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Identifier.
    pub id: Uuid,
    /// Login and mail address, lower-cased.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Preferred language.
    pub language: Language,
    /// The account's role.
    pub role: Role,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// An account to store; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login and mail address, lower-cased.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Preferred language.
    pub language: Language,
    /// The account's role.
    pub role: Role,
    /// PHC string of the Argon2id hash.
    pub password_hash: String,
}

/// An organisation and its optimistic-concurrency version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// Identifier.
    pub id: Uuid,
    /// The validated profile.
    pub profile: OrganizationProfile,
    /// Incremented by every update.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// A member of an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's account.
    pub user_id: Uuid,
    /// The member's address.
    pub email: String,
    /// The member's name.
    pub name: String,
    /// Their role in the organisation.
    pub role: MemberRole,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

/// One page of a keyset-paginated list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items, at most the requested limit.
    pub items: Vec<T>,
    /// The cursor of the next page, when there is one.
    pub next: Option<Uuid>,
}
