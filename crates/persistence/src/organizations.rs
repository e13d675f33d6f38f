//! Organisations and their members.

use chrono::{DateTime, Utc};
use domain::ids::{OrganizationId, UserId};
use domain::organization::{
    MemberRole, MembershipError, OrganizationProfile, Verification, check_removal,
};
use domain::{bin::Bin, email::Email};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::{organization, organization_member, user};
use crate::error::{Clash, RepoError};
use crate::records::{Member, Organization, Page};

/// Why removing a member failed.
#[derive(Debug, thiserror::Error)]
pub enum RemoveMemberError {
    /// A membership rule refused it.
    #[error(transparent)]
    Rule(#[from] MembershipError),
    /// The repository failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

pub(crate) fn decode(model: organization::Model) -> Result<Organization, RepoError> {
    let corrupt = |detail: String| RepoError::Corrupt {
        table: "organizations",
        id: model.id.to_string(),
        detail,
    };
    let verification = match (
        model.verified_at,
        model.verified_by,
        &model.verification_note,
    ) {
        (Some(at), Some(by), Some(note)) => Some(Verification {
            at,
            by: by.into(),
            note: note.clone(),
        }),
        (None, None, None) => None,
        _ => return Err(corrupt("verification: partly recorded".to_owned())),
    };
    let bin = Bin::parse(&model.bin).map_err(|e| corrupt(format!("bin: {e}")))?;
    let region = model
        .region
        .parse()
        .map_err(|e| corrupt(format!("region: {e}")))?;
    let contact_email =
        Email::parse(&model.contact_email).map_err(|e| corrupt(format!("contact_email: {e}")))?;
    Ok(Organization {
        id: model.id.into(),
        profile: OrganizationProfile {
            name: model.name,
            bin,
            region,
            settlement: model.settlement,
            rural: model.rural,
            registered_on: model.registered_on,
            contact_email,
        },
        verification,
        version: model.version,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

pub(crate) fn decode_role(model: &organization_member::Model) -> Result<MemberRole, RepoError> {
    model.role.parse().map_err(|e| RepoError::Corrupt {
        table: "organization_members",
        id: format!("{}/{}", model.organization_id, model.user_id),
        detail: format!("role: {e}"),
    })
}

fn decode_member(
    member: &organization_member::Model,
    account: user::Model,
) -> Result<Member, RepoError> {
    Ok(Member {
        user_id: account.id.into(),
        email: account.email,
        name: account.name,
        role: decode_role(member)?,
        joined_at: member.created_at,
    })
}

impl Store {
    /// Creates an organisation, unverified, with `owner` as its first owner, in one
    /// transaction. Any BIN may be claimed: only verified organisations' BINs are unique.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn create_organization(
        &self,
        owner: UserId,
        profile: OrganizationProfile,
        now: DateTime<Utc>,
    ) -> Result<Organization, RepoError> {
        let owner = owner.uuid();
        let tx = self.db.begin().await?;
        let done = create_organization_in(&tx, owner, profile, now).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// The organisation `id` and `user`'s role in it.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist or `user` is not a member.
    pub async fn organization_for_member(
        &self,
        id: OrganizationId,
        user: UserId,
    ) -> Result<(Organization, MemberRole), RepoError> {
        let id = id.uuid();
        let user = user.uuid();
        let (member, org) = organization_member::Entity::find()
            .filter(organization_member::Column::OrganizationId.eq(id))
            .filter(organization_member::Column::UserId.eq(user))
            .find_also_related(organization::Entity)
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        let org = org.ok_or(RepoError::NotFound)?;
        Ok((decode(org)?, decode_role(&member)?))
    }

    /// The organisation `id`, for rules that need its profile (eligibility).
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist.
    pub async fn get_organization(&self, id: OrganizationId) -> Result<Organization, RepoError> {
        let id = id.uuid();
        let model = organization::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        decode(model)
    }

    /// Every organisation `user` belongs to, with their role, oldest first.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn organizations_of(
        &self,
        user: UserId,
    ) -> Result<Vec<(Organization, MemberRole)>, RepoError> {
        let user = user.uuid();
        let rows = organization_member::Entity::find()
            .filter(organization_member::Column::UserId.eq(user))
            .find_also_related(organization::Entity)
            .order_by_asc(organization_member::Column::OrganizationId)
            .all(&self.db)
            .await?;
        rows.into_iter()
            .filter_map(|(member, org)| org.map(|org| (member, org)))
            .map(|(member, org)| Ok((decode(org)?, decode_role(&member)?)))
            .collect()
    }

    /// Replaces the profile of organisation `id`, provided its version is still
    /// `expected_version` when given; `unverify` also clears its verification (the name or
    /// BIN changed).
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist; [`RepoError::Conflict`] (`"version"`)
    /// when it changed since `expected_version`.
    pub async fn update_organization(
        &self,
        id: OrganizationId,
        profile: OrganizationProfile,
        expected_version: Option<i32>,
        unverify: bool,
        now: DateTime<Utc>,
    ) -> Result<Organization, RepoError> {
        let id = id.uuid();
        let mut update = organization::Entity::update_many()
            .col_expr(organization::Column::Name, Expr::value(profile.name))
            .col_expr(organization::Column::Bin, Expr::value(profile.bin.as_str()))
            .col_expr(
                organization::Column::Region,
                Expr::value(profile.region.code()),
            )
            .col_expr(
                organization::Column::Settlement,
                Expr::value(profile.settlement),
            )
            .col_expr(organization::Column::Rural, Expr::value(profile.rural))
            .col_expr(
                organization::Column::RegisteredOn,
                Expr::value(profile.registered_on),
            )
            .col_expr(
                organization::Column::ContactEmail,
                Expr::value(profile.contact_email.as_str()),
            )
            .col_expr(organization::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                organization::Column::Version,
                Expr::col(organization::Column::Version).add(1),
            )
            .filter(organization::Column::Id.eq(id));
        if let Some(version) = expected_version {
            update = update.filter(organization::Column::Version.eq(version));
        }
        if unverify {
            update = update
                .col_expr(
                    organization::Column::VerifiedAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(
                    organization::Column::VerifiedBy,
                    Expr::value(Option::<Uuid>::None),
                )
                .col_expr(
                    organization::Column::VerificationNote,
                    Expr::value(Option::<String>::None),
                );
        }
        let tx = self.db.begin().await?;
        let result = update.exec(&tx).await?;
        let model = organization::Entity::find_by_id(id)
            .one(&tx)
            .await?
            .ok_or(RepoError::NotFound)?;
        if result.rows_affected == 0 {
            return Err(RepoError::Conflict(Clash::Version));
        }
        tx.commit().await?;
        decode(model)
    }

    /// Every organisation, oldest first, `limit` at a time after the cursor `after`;
    /// only verified or only unverified ones when `verified` says so.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn list_organizations(
        &self,
        verified: Option<bool>,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Page<Organization>, RepoError> {
        let mut query = organization::Entity::find().order_by_asc(organization::Column::Id);
        match verified {
            Some(true) => query = query.filter(organization::Column::VerifiedAt.is_not_null()),
            Some(false) => query = query.filter(organization::Column::VerifiedAt.is_null()),
            None => {}
        }
        if let Some(after) = after {
            query = query.filter(organization::Column::Id.gt(after));
        }
        let rows = query.limit(limit + 1).all(&self.db).await?;
        crate::paging::keyset(rows, limit, |m| m.id, decode)
    }

    /// The members of organisation `id`, owners first, then by name.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn members(&self, id: OrganizationId) -> Result<Vec<Member>, RepoError> {
        let id = id.uuid();
        let rows = organization_member::Entity::find()
            .filter(organization_member::Column::OrganizationId.eq(id))
            .find_also_related(user::Entity)
            .order_by_desc(organization_member::Column::Role)
            .order_by_asc(organization_member::Column::CreatedAt)
            .all(&self.db)
            .await?;
        rows.into_iter()
            .filter_map(|(member, account)| account.map(|account| (member, account)))
            .map(|(member, account)| decode_member(&member, account))
            .collect()
    }

    /// Adds the applicant account with `email` to organisation `id` with `role`, without
    /// an invitation: for tests and fixtures only (people join by accepting one).
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when no applicant account has that address; [`RepoError::Conflict`]
    /// (`"member"`) when it is already a member.
    #[cfg(feature = "test-support")]
    pub async fn add_member(
        &self,
        id: OrganizationId,
        email: &str,
        role: MemberRole,
        now: DateTime<Utc>,
    ) -> Result<Member, RepoError> {
        let id = id.uuid();
        add_member_in(&self.db, id, email, role, now).await
    }

    /// Removes `target` from organisation `id` on behalf of `actor`, under the membership
    /// rules, in one transaction.
    ///
    /// # Errors
    /// [`RemoveMemberError::Rule`] when a rule refuses it; [`RepoError::NotFound`] when
    /// `actor` or `target` is not a member.
    pub async fn remove_member(
        &self,
        id: OrganizationId,
        actor: UserId,
        target: UserId,
    ) -> Result<(), RemoveMemberError> {
        let id = id.uuid();
        let actor = actor.uuid();
        let target = target.uuid();
        let tx = self.db.begin().await.map_err(RepoError::from)?;
        // Lock the organisation before reading its members, so two owners leaving at once
        // cannot both count the other as the remaining owner.
        organization::Entity::update_many()
            .col_expr(
                organization::Column::Version,
                Expr::col(organization::Column::Version),
            )
            .filter(organization::Column::Id.eq(id))
            .exec(&tx)
            .await
            .map_err(RepoError::from)?;
        let members = organization_member::Entity::find()
            .filter(organization_member::Column::OrganizationId.eq(id))
            .all(&tx)
            .await
            .map_err(RepoError::from)?;
        let role_of = |user: Uuid| -> Result<MemberRole, RepoError> {
            members
                .iter()
                .find(|m| m.user_id == user)
                .ok_or(RepoError::NotFound)
                .and_then(decode_role)
        };
        let actor_role = role_of(actor)?;
        let target_role = role_of(target)?;
        let owners = members
            .iter()
            .filter(|m| m.role == MemberRole::Owner.code())
            .count();
        check_removal(actor_role, actor == target, target_role, owners as u64)?;
        organization_member::Entity::delete_by_id((id, target))
            .exec(&tx)
            .await
            .map_err(RepoError::from)?;
        tx.commit().await.map_err(RepoError::from)?;
        Ok(())
    }

    /// How many organisations exist; used by readiness and metrics.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn count_organizations(&self) -> Result<u64, RepoError> {
        Ok(organization::Entity::find().count(&self.db).await?)
    }
}

pub(crate) async fn organizations<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> Result<Vec<Organization>, RepoError> {
    organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(decode)
        .collect()
}

async fn create_organization_in<C: ConnectionTrait>(
    conn: &C,
    owner: Uuid,
    profile: OrganizationProfile,
    now: DateTime<Utc>,
) -> Result<Organization, RepoError> {
    let id = Uuid::now_v7();
    let model = organization::ActiveModel {
        id: Set(id),
        name: Set(profile.name),
        bin: Set(profile.bin.as_str().to_owned()),
        region: Set(profile.region.code().to_owned()),
        settlement: Set(profile.settlement),
        rural: Set(profile.rural),
        registered_on: Set(profile.registered_on),
        contact_email: Set(profile.contact_email.as_str().to_owned()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        verified_at: Set(None),
        verified_by: Set(None),
        verification_note: Set(None),
    }
    .insert(conn)
    .await?;
    organization_member::ActiveModel {
        organization_id: Set(id),
        user_id: Set(owner),
        role: Set(MemberRole::Owner.code().to_owned()),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    decode(model)
}

impl crate::Tx {
    /// Registers an organisation, unverified, with `owner` as its owner.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn create_organization(
        &self,
        owner: UserId,
        profile: OrganizationProfile,
        now: DateTime<Utc>,
    ) -> Result<Organization, RepoError> {
        let owner = owner.uuid();
        create_organization_in(&self.tx, owner, profile, now).await
    }
}

#[cfg(feature = "test-support")]
async fn add_member_in<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    email: &str,
    role: MemberRole,
    now: DateTime<Utc>,
) -> Result<Member, RepoError> {
    // Only applicant accounts join organisations: staff never appear in an NGO's list,
    // and an applicant cannot make a reviewer a member to steer assignments.
    let account = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .filter(user::Column::Role.eq(domain::role::Role::Applicant.code()))
        .filter(user::Column::EmailVerifiedAt.is_not_null())
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)?;
    let member = organization_member::ActiveModel {
        organization_id: Set(id),
        user_id: Set(account.id),
        role: Set(role.code().to_owned()),
        created_at: Set(now),
    }
    .insert(conn)
    .await
    .map_err(|e| RepoError::unique(e, Clash::Member))?;
    decode_member(&member, account)
}

impl crate::Tx {
    /// Records that `officer` verified organisation `id` against the state registry, with
    /// `note`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist; [`RepoError::Conflict`]
    /// ([`Clash::Verified`]) when it is verified already, ([`Clash::Bin`]) when another
    /// verified organisation has its BIN.
    pub async fn verify_organization(
        &self,
        id: OrganizationId,
        officer: UserId,
        note: String,
        now: DateTime<Utc>,
    ) -> Result<Organization, RepoError> {
        let id = id.uuid();
        let result = organization::Entity::update_many()
            .col_expr(organization::Column::VerifiedAt, Expr::value(now))
            .col_expr(
                organization::Column::VerifiedBy,
                Expr::value(officer.uuid()),
            )
            .col_expr(organization::Column::VerificationNote, Expr::value(note))
            .col_expr(organization::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                organization::Column::Version,
                Expr::col(organization::Column::Version).add(1),
            )
            .filter(organization::Column::Id.eq(id))
            .filter(organization::Column::VerifiedAt.is_null())
            .exec(&self.tx)
            .await
            .map_err(|e| RepoError::unique(e, Clash::Bin))?;
        let model = organization::Entity::find_by_id(id)
            .one(&self.tx)
            .await?
            .ok_or(RepoError::NotFound)?;
        if result.rows_affected == 0 {
            return Err(RepoError::Conflict(Clash::Verified));
        }
        decode(model)
    }
}
