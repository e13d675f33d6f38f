//! One-time tokens of the portal's forms, and forms kept for a sender whose sign-in ended.
//!
//! One-time tokens: the first post of a form claims its token and,
//! once it has acted, records how it was answered; a repeat of the same form finds the
//! answer (or a claim still being answered) and does not act again.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::Store;
use crate::entity::{form_token, parked_form};
use crate::error::{Clash, RepoError};

/// After how long a claim left unanswered (its server stopped mid-request) lapses, so the
/// form can be sent again.
const ABANDONED_AFTER: Duration = Duration::minutes(1);

/// What claiming a form's token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormClaim {
    /// The first post of the form: act, then record the answer.
    First,
    /// The form was answered so: answer the repeat the same way.
    Answered(String),
    /// An earlier post of the form is still being answered.
    Pending,
}

impl Store {
    /// Claims the form token `token` at `now`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn claim_form(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<FormClaim, RepoError> {
        form_token::Entity::delete_many()
            .filter(form_token::Column::Token.eq(token))
            .filter(form_token::Column::Outcome.is_null())
            .filter(form_token::Column::CreatedAt.lte(now - ABANDONED_AFTER))
            .exec(&self.db)
            .await?;
        let inserted = form_token::ActiveModel {
            token: Set(token.to_owned()),
            outcome: Set(None),
            created_at: Set(now),
        }
        .insert(&self.db)
        .await
        .map_err(|e| RepoError::unique(e, Clash::IdempotencyKey));
        match inserted {
            Ok(_) => Ok(FormClaim::First),
            Err(RepoError::Conflict(Clash::IdempotencyKey)) => {
                let row = form_token::Entity::find_by_id(token.to_owned())
                    .one(&self.db)
                    .await?;
                Ok(match row.and_then(|r| r.outcome) {
                    Some(outcome) => FormClaim::Answered(outcome),
                    None => FormClaim::Pending,
                })
            }
            Err(err) => Err(err),
        }
    }

    /// Records how the form of `token` was answered.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn answer_form(&self, token: &str, outcome: &str) -> Result<(), RepoError> {
        form_token::Entity::update_many()
            .col_expr(form_token::Column::Outcome, Expr::value(outcome))
            .filter(form_token::Column::Token.eq(token))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Lets the form of `token` be sent again: it was refused, and changed nothing.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn release_form(&self, token: &str) -> Result<(), RepoError> {
        form_token::Entity::delete_many()
            .filter(form_token::Column::Token.eq(token))
            .filter(form_token::Column::Outcome.is_null())
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Forgets form tokens claimed before `before`; returns how many.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn purge_form_tokens(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        let result = form_token::Entity::delete_many()
            .filter(form_token::Column::CreatedAt.lt(before))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }
}

/// After how long a parked form is no longer given back.
const PARKED_FOR: Duration = Duration::hours(24);

impl Store {
    /// Keeps the fields (`fields`, as JSON) of a form posted to `path` after its sender's
    /// sign-in ended, under `token`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn park_form(
        &self,
        token: &str,
        path: &str,
        fields: &str,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        parked_form::ActiveModel {
            token: Set(token.to_owned()),
            path: Set(path.to_owned()),
            fields: Set(fields.to_owned()),
            created_at: Set(now),
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// The fields parked under `token` for `path`, which are then forgotten (a form comes
    /// back once); `None` when there are none, or they are older than a day.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn take_parked_form(
        &self,
        token: &str,
        path: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, RepoError> {
        let Some(row) = parked_form::Entity::find_by_id(token.to_owned())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        if row.path != path {
            return Ok(None);
        }
        let taken = parked_form::Entity::delete_many()
            .filter(parked_form::Column::Token.eq(token))
            .exec(&self.db)
            .await?;
        Ok((taken.rows_affected == 1 && row.created_at > now - PARKED_FOR).then_some(row.fields))
    }

    /// Forgets parked forms older than `before`; returns how many.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn purge_parked_forms(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        let result = parked_form::Entity::delete_many()
            .filter(parked_form::Column::CreatedAt.lt(before))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }
}
