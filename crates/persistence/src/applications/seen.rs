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

/// Who reads: the account, and the login its access token belongs to (none for tokens
/// issued without one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader {
    /// The account.
    pub user: UserId,
    /// The login.
    pub session: Option<Uuid>,
}

/// What the one statement learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The application.
    pub application: ApplicationRecord,
    /// Its organisation.
    pub organization: Organization,
    /// Whether its call hides the applicant from reviewers.
    pub hides_applicant: bool,
    /// Whether the reader belongs to the organisation.
    pub member: bool,
    /// Whether the reader holds an active assignment to the application.
    pub assigned: bool,
    /// Whether the reader's login is still open.
    pub session_open: bool,
}

/// The statement for `backend`, built once: its parameters are the application, the
/// reader, the login, and whether there is no login to check.
fn statement(backend: DbBackend) -> &'static str {
    static POSTGRES: OnceLock<String> = OnceLock::new();
    static SQLITE: OnceLock<String> = OnceLock::new();
    let (cell, marks) = if backend == DbBackend::Postgres {
        (&POSTGRES, ["$1", "$2", "$3", "$4"])
    } else {
        (&SQLITE, ["?1", "?2", "?3", "?4"])
    };
    cell.get_or_init(|| {
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
        format!(
            "SELECT a.*, {organization}, c.hide_applicant_identity AS hides_applicant, \
             EXISTS (SELECT 1 FROM organization_members m \
                     WHERE m.organization_id = a.organization_id AND m.user_id = {user}) AS member, \
             EXISTS (SELECT 1 FROM assignments s \
                     WHERE s.application_id = a.id AND s.reviewer_id = {user} \
                     AND s.status IN ({active})) AS assigned, \
             ({no_session} OR EXISTS (SELECT 1 FROM refresh_tokens t \
                     WHERE t.family_id = {session} AND t.revoked_at IS NULL)) AS session_open \
             FROM applications a \
             JOIN organizations o ON o.id = a.organization_id \
             JOIN calls c ON c.id = a.call_id \
             WHERE a.id = {id}",
            organization = organization_columns.join(", "),
            active = active.join(", "),
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
                statement(backend),
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
