//! One application as one reader sees it, in one statement: the application, its
//! organisation, whether its call hides the applicant from reviewers, whether the reader
//! belongs to the organisation or holds an active assignment to it, and whether the
//! reader's login is still open. An authorised read is then a single round trip.

use std::sync::OnceLock;

use domain::assignment::AssignmentStatus;
use domain::ids::{ApplicationId, UserId};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Iterable, Statement, Value};
use uuid::Uuid;

use crate::Store;
use crate::entity::{application, organization};
use crate::error::RepoError;
use crate::records::{ApplicationRecord, Organization};

/// Who reads: the account, the login its access token belongs to (none for tokens issued
/// without one), and what gives them the right to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader {
    /// The account.
    pub user: UserId,
    /// The login.
    pub session: Option<Uuid>,
    /// What to check of the reader's right.
    pub right: Right,
}

/// What may give a reader the right to read an application; the statement checks only
/// that, so each kind of reader pays for its own check alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Right {
    /// Belonging to the applying organisation.
    Membership,
    /// An active assignment to review it (and whether its call hides the applicant).
    Assignment,
    /// None to check: the reader's role suffices.
    Role,
}

/// What the one statement learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The application.
    pub application: ApplicationRecord,
    /// Its organisation.
    pub organization: Organization,
    /// Whether its call hides the applicant from reviewers (asked for [`Right::Assignment`]
    /// only).
    pub hides_applicant: bool,
    /// Whether the reader belongs to the organisation (asked for [`Right::Membership`]
    /// only).
    pub member: bool,
    /// Whether the reader holds an active assignment to the application (asked for
    /// [`Right::Assignment`] only).
    pub assigned: bool,
    /// Whether the reader's login is still open.
    pub session_open: bool,
}

/// The statement for `backend` and `right`, built once: its parameters are the
/// application, the reader, the login, and whether there is no login to check.
fn statement(backend: DbBackend, right: Right) -> &'static str {
    static STATEMENTS: [OnceLock<String>; 6] = [const { OnceLock::new() }; 6];
    let postgres = backend == DbBackend::Postgres;
    let marks = if postgres {
        ["$1", "$2", "$3", "$4"]
    } else {
        ["?1", "?2", "?3", "?4"]
    };
    let slot = match right {
        Right::Membership => 0,
        Right::Assignment => 1,
        Right::Role => 2,
    } + if postgres { 3 } else { 0 };
    STATEMENTS[slot].get_or_init(|| {
        let [id, user, session, no_session] = marks;
        let organization_columns: Vec<String> = organization::Column::iter()
            .map(|c| {
                let name = sea_orm::IdenStatic::as_str(&c);
                format!("o.{name} AS o_{name}")
            })
            .collect();
        let active: Vec<String> = AssignmentStatus::ALL
            .iter()
            .filter(|s| s.is_active())
            .map(|s| format!("'{}'", s.code()))
            .collect();
        let member = format!(
            "EXISTS (SELECT 1 FROM organization_members m \
             WHERE m.organization_id = a.organization_id AND m.user_id = {user})"
        );
        let assigned = format!(
            "EXISTS (SELECT 1 FROM assignments s \
             WHERE s.application_id = a.id AND s.reviewer_id = {user} \
             AND s.status IN ({active}))",
            active = active.join(", "),
        );
        let (member, assigned, hides, calls) = match right {
            Right::Membership => (member.as_str(), "FALSE", "FALSE", ""),
            Right::Assignment => (
                "FALSE",
                assigned.as_str(),
                "c.hide_applicant_identity",
                " JOIN calls c ON c.id = a.call_id",
            ),
            Right::Role => ("FALSE", "FALSE", "FALSE", ""),
        };
        format!(
            "SELECT a.*, {organization}, {hides} AS hides_applicant, \
             {member} AS member, {assigned} AS assigned, \
             ({no_session} OR EXISTS (SELECT 1 FROM refresh_tokens t \
                     WHERE t.family_id = {session} AND t.revoked_at IS NULL)) AS session_open \
             FROM applications a \
             JOIN organizations o ON o.id = a.organization_id{calls} \
             WHERE a.id = {id}",
            organization = organization_columns.join(", "),
        )
    })
}

impl Store {
    /// Application `id` with its organisation and what `reader` may do with it, in one
    /// statement; `None` when it does not exist.
    ///
    /// # Errors
    /// [`RepoError::Corrupt`] when a stored row does not decode; [`RepoError::Unavailable`]
    /// when the database cannot be reached.
    pub async fn application_seen_by(
        &self,
        id: ApplicationId,
        reader: Reader,
    ) -> Result<Option<Seen>, RepoError> {
        let backend = self.db.get_database_backend();
        let values: [Value; 4] = [
            id.uuid().into(),
            reader.user.uuid().into(),
            reader.session.unwrap_or_default().into(),
            reader.session.is_none().into(),
        ];
        let Some(row) = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                statement(backend, reader.right),
                values,
            ))
            .await?
        else {
            return Ok(None);
        };
        let application = application::Model::from_query_result(&row, "")?;
        let organization = organization::Model::from_query_result(&row, "o_")?;
        Ok(Some(Seen {
            application: super::rows::decode(application)?,
            organization: crate::organizations::decode(organization)?,
            hides_applicant: row.try_get("", "hides_applicant")?,
            member: row.try_get("", "member")?,
            assigned: row.try_get("", "assigned")?,
            session_open: row.try_get("", "session_open")?,
        }))
    }
}
