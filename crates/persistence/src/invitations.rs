//! Invitations to join an organisation, and the membership an accepted one makes.

use chrono::{DateTime, Utc};
use domain::email::Email;
use domain::ids::{InvitationId, OrganizationId, UserId};
use domain::invitation::{InvitationState, expires_at};
use domain::notification::NotificationKind;
use domain::organization::MemberRole;
use domain::role::Role;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::{invitation, organization, organization_member, user};
use crate::error::{Clash, RepoError};
use crate::outbox::{insert_rows, new_row};
use crate::records::Invitation;

/// Most invitations an organisation's list shows, newest first.
const LISTED: u64 = 200;

fn decode(model: invitation::Model, organization_name: String) -> Result<Invitation, RepoError> {
    let corrupt = |detail: String| RepoError::Corrupt {
        table: "invitations",
        id: model.id.to_string(),
        detail,
    };
    let role = model
        .role
        .parse::<MemberRole>()
        .map_err(|e| corrupt(format!("role: {e}")))?;
    let state = model
        .state
        .parse::<InvitationState>()
        .map_err(|e| corrupt(format!("state: {e}")))?;
    Ok(Invitation {
        id: model.id.into(),
        organization_id: model.organization_id.into(),
        organization_name,
        email: model.email,
        role,
        state,
        invited_by: model.invited_by.into(),
        created_at: model.created_at,
        expires_at: model.expires_at,
        answered_at: model.answered_at,
    })
}

/// The names of the organisations `ids`.
async fn names<C: ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, String>, RepoError> {
    Ok(organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids))
        .select_only()
        .column(organization::Column::Id)
        .column(organization::Column::Name)
        .into_tuple::<(Uuid, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

async fn decode_all<C: ConnectionTrait>(
    conn: &C,
    models: Vec<invitation::Model>,
) -> Result<Vec<Invitation>, RepoError> {
    let names = names(conn, models.iter().map(|m| m.organization_id)).await?;
    models
        .into_iter()
        .map(|model| {
            let name = names
                .get(&model.organization_id)
                .cloned()
                .unwrap_or_default();
            decode(model, name)
        })
        .collect()
}

async fn one<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Invitation, RepoError> {
    let model = invitation::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)?;
    decode_all(conn, vec![model])
        .await?
        .pop()
        .ok_or(RepoError::NotFound)
}

impl Store {
    /// Every invitation of organisation `id`, newest first (at most 200).
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn invitations_of(&self, id: OrganizationId) -> Result<Vec<Invitation>, RepoError> {
        let models = invitation::Entity::find()
            .filter(invitation::Column::OrganizationId.eq(id.uuid()))
            .order_by_desc(invitation::Column::CreatedAt)
            .order_by_desc(invitation::Column::Id)
            .limit(LISTED)
            .all(&self.db)
            .await?;
        decode_all(&self.db, models).await
    }

    /// The invitations addressed to the account `user` that still wait for an answer at
    /// `now`, oldest first.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the account does not exist.
    pub async fn open_invitations_for(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Invitation>, RepoError> {
        let email = email_of(&self.db, user).await?;
        let models = invitation::Entity::find()
            .filter(invitation::Column::Email.eq(email))
            .filter(invitation::Column::State.eq(InvitationState::Pending.code()))
            .filter(invitation::Column::ExpiresAt.gt(now))
            .order_by_asc(invitation::Column::CreatedAt)
            .limit(LISTED)
            .all(&self.db)
            .await?;
        decode_all(&self.db, models).await
    }
}

async fn email_of<C: ConnectionTrait>(conn: &C, user: UserId) -> Result<String, RepoError> {
    user::Entity::find_by_id(user.uuid())
        .select_only()
        .column(user::Column::Email)
        .into_tuple::<String>()
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

impl crate::Tx {
    /// Invites `email` to organisation `id` as `role` on behalf of `inviter`, for
    /// [`domain::invitation::INVITATION_DAYS`] days: a pending invitation of the address
    /// is renewed rather than repeated. When the address belongs to a confirmed applicant
    /// account, its holder is mailed; otherwise the invitation waits for someone to
    /// register the address.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the organisation does not exist; [`RepoError::Conflict`]
    /// ([`Clash::Member`]) when the address already belongs to a member.
    pub async fn invite(
        &self,
        id: OrganizationId,
        email: &Email,
        role: MemberRole,
        inviter: UserId,
        now: DateTime<Utc>,
    ) -> Result<Invitation, RepoError> {
        let org = id.uuid();
        // Lock the organisation, so two invitations of one address cannot both insert.
        let locked = organization::Entity::update_many()
            .col_expr(
                organization::Column::Version,
                Expr::col(organization::Column::Version),
            )
            .filter(organization::Column::Id.eq(org))
            .exec(&self.tx)
            .await?;
        if locked.rows_affected == 0 {
            return Err(RepoError::NotFound);
        }
        let member = organization_member::Entity::find()
            .inner_join(user::Entity)
            .filter(organization_member::Column::OrganizationId.eq(org))
            .filter(user::Column::Email.eq(email.as_str()))
            .one(&self.tx)
            .await?;
        if member.is_some() {
            return Err(RepoError::Conflict(Clash::Member));
        }
        let pending = invitation::Entity::find()
            .filter(invitation::Column::OrganizationId.eq(org))
            .filter(invitation::Column::Email.eq(email.as_str()))
            .filter(invitation::Column::State.eq(InvitationState::Pending.code()))
            .one(&self.tx)
            .await?;
        let model = match pending {
            Some(pending) => {
                let mut renewed: invitation::ActiveModel = pending.into();
                renewed.role = Set(role.code().to_owned());
                renewed.invited_by = Set(inviter.uuid());
                renewed.created_at = Set(now);
                renewed.expires_at = Set(expires_at(now));
                renewed.update(&self.tx).await?
            }
            None => {
                invitation::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    organization_id: Set(org),
                    email: Set(email.as_str().to_owned()),
                    role: Set(role.code().to_owned()),
                    state: Set(InvitationState::Pending.code().to_owned()),
                    invited_by: Set(inviter.uuid()),
                    created_at: Set(now),
                    expires_at: Set(expires_at(now)),
                    answered_at: Set(None),
                }
                .insert(&self.tx)
                .await?
            }
        };
        let invitee = user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .filter(user::Column::Role.eq(Role::Applicant.code()))
            .filter(user::Column::EmailVerifiedAt.is_not_null())
            .select_only()
            .column(user::Column::Id)
            .into_tuple::<Uuid>()
            .one(&self.tx)
            .await?;
        if let Some(invitee) = invitee {
            let mut row = new_row(
                NotificationKind::MemberInvited,
                invitee,
                None,
                None,
                None,
                now,
            );
            row.invitation_id = Set(Some(model.id));
            insert_rows(&self.tx, vec![row]).await?;
        }
        // The row just written is the answer; only the organisation's name is read.
        let name = names(&self.tx, [org])
            .await?
            .remove(&org)
            .ok_or(RepoError::NotFound)?;
        decode(model, name)
    }

    /// Invitation `id`, when it is addressed to the account `user`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist or names another address.
    pub async fn invitation_for(
        &self,
        id: InvitationId,
        user: UserId,
    ) -> Result<Invitation, RepoError> {
        let email = email_of(&self.tx, user).await?;
        let found = one(&self.tx, id.uuid()).await?;
        if found.email == email {
            Ok(found)
        } else {
            Err(RepoError::NotFound)
        }
    }

    /// Invitation `id` of organisation `organization`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist or belongs to another organisation.
    pub async fn invitation_of(
        &self,
        organization: OrganizationId,
        id: InvitationId,
    ) -> Result<Invitation, RepoError> {
        let found = one(&self.tx, id.uuid()).await?;
        if found.organization_id == organization {
            Ok(found)
        } else {
            Err(RepoError::NotFound)
        }
    }

    /// Settles pending invitation `id` as `state` at `now`; when `state` is
    /// [`InvitationState::Accepted`], `user` joins its organisation in its role.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] ([`Clash::Status`]) when it was settled meanwhile,
    /// ([`Clash::Member`]) when `user` is a member already.
    pub async fn settle_invitation(
        &self,
        id: InvitationId,
        state: InvitationState,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<Invitation, RepoError> {
        let settled = invitation::Entity::update_many()
            .col_expr(invitation::Column::State, Expr::value(state.code()))
            .col_expr(invitation::Column::AnsweredAt, Expr::value(now))
            .filter(invitation::Column::Id.eq(id.uuid()))
            .filter(invitation::Column::State.eq(InvitationState::Pending.code()))
            .exec(&self.tx)
            .await?;
        if settled.rows_affected == 0 {
            return Err(RepoError::Conflict(Clash::Status));
        }
        let invitation = one(&self.tx, id.uuid()).await?;
        if state == InvitationState::Accepted {
            organization_member::ActiveModel {
                organization_id: Set(invitation.organization_id.uuid()),
                user_id: Set(user.uuid()),
                role: Set(invitation.role.code().to_owned()),
                created_at: Set(now),
            }
            .insert(&self.tx)
            .await
            .map_err(|e| RepoError::unique(e, Clash::Member))?;
        }
        Ok(invitation)
    }
}
