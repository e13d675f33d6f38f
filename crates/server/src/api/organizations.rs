//! NGOs and their members. Someone who is not a member is told an organisation does not
//! exist.

use chrono::{DateTime, NaiveDate, Utc};
use domain::organization::{MemberRole, OrganizationInput};
use persistence::records::{Member, Organization};
use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;
use uuid::Uuid;

use super::ApiTags;
use super::body::JsonBody;
use super::codes::{MemberRoleCode, RegionCode};
use super::invitations::{InvitationResponse, invitation_response};
use super::keys::{IdempotencyKey, json_answer};
use super::pagination;
use super::preconditions::{IfMatch, etag};
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A new organisation.
#[derive(Debug, Object, Deserialize)]
pub struct CreateOrganizationRequest {
    /// Registered name.
    #[oai(validator(max_length = 300))]
    pub name: String,
    /// Business Identification Number: 12 digits with a valid check digit.
    #[oai(validator(max_length = 12))]
    pub bin: String,
    /// Region of registration.
    pub region: RegionCode,
    /// Village, town or city.
    #[oai(validator(max_length = 200))]
    pub settlement: String,
    /// Whether the settlement is rural.
    pub rural: bool,
    /// Date of state registration.
    pub registered_on: NaiveDate,
    /// Address for official correspondence.
    #[oai(validator(max_length = 254))]
    pub contact_email: String,
}

/// Changes to an organisation; absent fields stay as they are.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct UpdateOrganizationRequest {
    /// Registered name.
    #[oai(validator(max_length = 300))]
    pub name: Option<String>,
    /// Business Identification Number.
    #[oai(validator(max_length = 12))]
    pub bin: Option<String>,
    /// Region of registration.
    pub region: Option<RegionCode>,
    /// Village, town or city.
    #[oai(validator(max_length = 200))]
    pub settlement: Option<String>,
    /// Whether the settlement is rural.
    pub rural: Option<bool>,
    /// Date of state registration.
    pub registered_on: Option<NaiveDate>,
    /// Address for official correspondence.
    #[oai(validator(max_length = 254))]
    pub contact_email: Option<String>,
}

/// An organisation as its members see it.
#[derive(Debug, Object)]
pub struct OrganizationResponse {
    /// Identifier.
    pub id: Uuid,
    /// Registered name.
    pub name: String,
    /// Business Identification Number.
    pub bin: String,
    /// Region of registration.
    pub region: RegionCode,
    /// Village, town or city.
    pub settlement: String,
    /// Whether the settlement is rural.
    pub rural: bool,
    /// Date of state registration.
    pub registered_on: NaiveDate,
    /// Address for official correspondence.
    pub contact_email: String,
    /// The caller's role in the organisation; absent for operator staff, who belong to
    /// none.
    pub my_role: Option<MemberRoleCode>,
    /// Whether an officer has verified the organisation against the state registry.
    pub verified: bool,
    /// The officer's verification, while it holds (another name or BIN clears it).
    pub verification: Option<VerificationResponse>,
    /// Incremented by every change; also the `ETag`.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// An officer's check of an organisation against the state registry.
#[derive(Debug, Object)]
pub struct VerificationResponse {
    /// When it was verified.
    pub verified_at: DateTime<Utc>,
    /// The officer who verified it; shown to operator staff only.
    pub verified_by: Option<Uuid>,
    /// What the officer checked.
    pub note: String,
}

/// A page of organisations.
#[derive(Debug, Object)]
pub struct OrganizationPage {
    /// The organisations, oldest first.
    pub items: Vec<OrganizationResponse>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_cursor: Option<Uuid>,
}

/// An officer's verification of an organisation.
#[derive(Debug, Object, Deserialize)]
pub struct VerifyOrganizationRequest {
    /// What was checked and where (the registry entry, a certificate's number).
    #[oai(validator(max_length = 1000))]
    pub note: String,
}

fn organization_response(org: Organization, role: Option<MemberRole>) -> OrganizationResponse {
    let staff = role.is_none();
    OrganizationResponse {
        verified: org.verification.is_some(),
        verification: org.verification.map(|v| VerificationResponse {
            verified_at: v.at,
            verified_by: staff.then(|| v.by.uuid()),
            note: v.note,
        }),
        id: org.id.uuid(),
        name: org.profile.name,
        bin: org.profile.bin.as_str().to_owned(),
        region: org.profile.region.into(),
        settlement: org.profile.settlement,
        rural: org.profile.rural,
        registered_on: org.profile.registered_on,
        contact_email: org.profile.contact_email.as_str().to_owned(),
        my_role: role.map(Into::into),
        version: org.version,
        created_at: org.created_at,
        updated_at: org.updated_at,
    }
}

/// A person to invite to an organisation.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct AddMemberRequest {
    /// Their e-mail address (they need an applicant account with it to accept).
    #[oai(validator(max_length = 254))]
    pub email: String,
    /// Their role; `member` when absent.
    pub role: Option<MemberRoleCode>,
}

/// A member of an organisation.
#[derive(Debug, Object)]
pub struct MemberResponse {
    /// The member's account.
    pub user_id: Uuid,
    /// The member's address.
    pub email: String,
    /// The member's name.
    pub name: String,
    /// Their role.
    pub role: MemberRoleCode,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

impl From<Member> for MemberResponse {
    fn from(member: Member) -> Self {
        Self {
            user_id: member.user_id.uuid(),
            email: member.email,
            name: member.name,
            role: member.role.into(),
            joined_at: member.joined_at,
        }
    }
}

#[derive(Debug, ApiResponse)]
enum OrgCreated {
    /// The organisation was created; the caller is its owner.
    #[oai(status = 201)]
    Created(Json<OrganizationResponse>, #[oai(header = "ETag")] String),
}

#[derive(Debug, ApiResponse)]
enum OrgFound {
    /// The organisation.
    #[oai(status = 200)]
    Ok(Json<OrganizationResponse>, #[oai(header = "ETag")] String),
}

#[derive(Debug, ApiResponse)]
enum OrgList {
    /// The organisations the caller may see.
    #[oai(status = 200)]
    Ok(Json<OrganizationPage>),
}

#[derive(Debug, ApiResponse)]
enum MemberList {
    /// The members, owners first.
    #[oai(status = 200)]
    Ok(Json<Vec<MemberResponse>>),
}

#[derive(Debug, ApiResponse)]
enum Invited {
    /// The invitation is sent (or renewed); the person joins once they accept it.
    #[oai(status = 202)]
    Accepted(Json<InvitationResponse>),
}

#[derive(Debug, ApiResponse)]
enum InvitationList {
    /// The invitations, newest first.
    #[oai(status = 200)]
    Ok(Json<Vec<InvitationResponse>>),
}

#[derive(Debug, ApiResponse)]
enum Revoked {
    /// The invitation is withdrawn.
    #[oai(status = 204)]
    Done,
}

#[derive(Debug, ApiResponse)]
enum MemberRemoved {
    /// The member was removed.
    #[oai(status = 204)]
    Done,
}

/// NGOs and their members.
#[derive(Debug)]
pub struct OrganizationsApi;

#[OpenApi(prefix_path = "/organizations", tag = "ApiTags::Organizations")]
impl OrganizationsApi {
    /// Register an organisation; the caller becomes its owner.
    #[oai(path = "/", method = "post", operation_id = "create_organization")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: JsonBody<CreateOrganizationRequest>,
    ) -> ApiResult<OrgCreated> {
        let body = body.0;
        let input = OrganizationInput {
            name: Some(&body.name),
            bin: Some(&body.bin),
            region: Some(domain::region::Region::from(body.region).code()),
            settlement: Some(&body.settlement),
            rural: Some(body.rural),
            registered_on: Some(body.registered_on),
            contact_email: Some(&body.contact_email),
        };
        let remember = key.remember(|org: &persistence::records::Organization| {
            json_answer(
                StatusCode::CREATED,
                Some(etag(org.version)),
                &organization_response(org.clone(), Some(MemberRole::Owner)),
            )
        });
        let org = usecases::organizations::create(
            &state.store,
            auth.0.acting(),
            input,
            state.clock.now(),
            remember,
        )
        .await
        .map_err(ApiError::from)?;
        let tag = etag(org.version);
        Ok(OrgCreated::Created(
            Json(organization_response(org, Some(MemberRole::Owner))),
            tag,
        ))
    }

    /// Organisations: operator staff see every one (officers find those waiting for
    /// verification with `verified=false`), anyone else those they belong to. Oldest first.
    #[oai(path = "/", method = "get", operation_id = "list_organizations")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only verified (`true`) or only unverified (`false`) organisations.
        verified: Query<Option<bool>>,
        /// The `next_cursor` of the previous page.
        after: Query<Option<Uuid>>,
        /// Page size, 1 to 100 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
    ) -> ApiResult<OrgList> {
        let page = usecases::organizations::list(
            &state.store,
            auth.0.acting(),
            verified.0,
            after.0,
            pagination::limit(limit.0),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(OrgList::Ok(Json(OrganizationPage {
            items: page
                .items
                .into_iter()
                .map(|(org, role)| organization_response(org, role))
                .collect(),
            next_cursor: page.next,
        })))
    }

    /// Verify an organisation against the state registry (officers only), with a note of
    /// what was checked. Its BIN is then unique among verified organisations (409
    /// `bin-taken` when another verified one holds it), and calls that require verified
    /// applicants admit it. Changing its name or BIN clears the verification.
    #[oai(
        path = "/:id/verify",
        method = "post",
        operation_id = "verify_organization"
    )]
    async fn verify(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        id: Path<Uuid>,
        body: JsonBody<VerifyOrganizationRequest>,
    ) -> ApiResult<OrgFound> {
        let remember = key.remember(|org: &persistence::records::Organization| {
            json_answer(
                StatusCode::OK,
                Some(etag(org.version)),
                &organization_response(org.clone(), None),
            )
        });
        let org = usecases::organizations::verify(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            &body.0.note,
            state.clock.now(),
            remember,
        )
        .await
        .map_err(ApiError::from)?;
        let tag = etag(org.version);
        Ok(OrgFound::Ok(Json(organization_response(org, None)), tag))
    }

    /// One organisation the caller belongs to (any one, for operator staff).
    #[oai(path = "/:id", method = "get", operation_id = "get_organization")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<OrgFound> {
        let (org, role) = usecases::organizations::one(&state.store, auth.0.acting(), id.0.into())
            .await
            .map_err(ApiError::from)?;
        let tag = etag(org.version);
        Ok(OrgFound::Ok(Json(organization_response(org, role)), tag))
    }

    /// Change an organisation (owners only).
    ///
    /// Send `If-Match` with the `ETag` you read to be sure nobody changed it meanwhile;
    /// a stale one is answered with 412.
    #[oai(path = "/:id", method = "patch", operation_id = "update_organization")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<UpdateOrganizationRequest>,
    ) -> ApiResult<OrgFound> {
        let expected = IfMatch::parse(if_match.0.as_deref())?.expected();
        let body = body.0;
        let input = OrganizationInput {
            name: body.name.as_deref(),
            bin: body.bin.as_deref(),
            region: body.region.map(|r| domain::region::Region::from(r).code()),
            settlement: body.settlement.as_deref(),
            rural: body.rural,
            registered_on: body.registered_on,
            contact_email: body.contact_email.as_deref(),
        };
        let (updated, role) = usecases::organizations::update(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            expected,
            input,
            state.clock.now(),
        )
        .await
        .map_err(ApiError::from)?;
        let tag = etag(updated.version);
        Ok(OrgFound::Ok(
            Json(organization_response(updated, Some(role))),
            tag,
        ))
    }

    /// The members of an organisation the caller belongs to.
    #[oai(path = "/:id/members", method = "get", operation_id = "list_members")]
    async fn members(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<MemberList> {
        let members = usecases::organizations::members(&state.store, auth.0.acting(), id.0.into())
            .await
            .map_err(ApiError::from)?;
        Ok(MemberList::Ok(Json(
            members.into_iter().map(MemberResponse::from).collect(),
        )))
    }

    /// Invite an address to the organisation (owners only). The answer is the same
    /// whether or not the address has an account: the holder of a confirmed applicant
    /// account is mailed, and anyone who registers the address later finds the invitation
    /// waiting (`GET /me/invitations`). Only on accepting within seven days do they become
    /// a member. Inviting an address again renews its pending invitation; an address that
    /// already belongs to a member is a 409 problem.
    #[oai(path = "/:id/members", method = "post", operation_id = "invite_member")]
    async fn invite_member(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        id: Path<Uuid>,
        body: JsonBody<AddMemberRequest>,
    ) -> ApiResult<Invited> {
        let body = body.0;
        let now = state.clock.now();
        let invitation = usecases::invitations::invite(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            &body.email,
            body.role.map_or(MemberRole::Member, MemberRole::from),
            now,
            key.remember(move |invitation: &persistence::records::Invitation| {
                json_answer(
                    StatusCode::ACCEPTED,
                    None,
                    &invitation_response(invitation.clone(), now),
                )
            }),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(Invited::Accepted(Json(invitation_response(
            invitation, now,
        ))))
    }

    /// The organisation's invitations, newest first (its members).
    #[oai(
        path = "/:id/invitations",
        method = "get",
        operation_id = "list_invitations"
    )]
    async fn invitations(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<InvitationList> {
        let now = state.clock.now();
        let all =
            usecases::invitations::of_organization(&state.store, auth.0.acting(), id.0.into())
                .await
                .map_err(ApiError::from)?;
        Ok(InvitationList::Ok(Json(
            all.into_iter()
                .map(|invitation| invitation_response(invitation, now))
                .collect(),
        )))
    }

    /// Withdraw a pending invitation (owners only).
    #[oai(
        path = "/:id/invitations/:invitation_id",
        method = "delete",
        operation_id = "revoke_invitation"
    )]
    async fn revoke_invitation(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        invitation_id: Path<Uuid>,
    ) -> ApiResult<Revoked> {
        usecases::invitations::revoke(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            invitation_id.0.into(),
            state.clock.now(),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(Revoked::Done)
    }

    /// Remove a member (owners), or leave the organisation (any member). The last owner
    /// cannot leave.
    #[oai(
        path = "/:id/members/:user_id",
        method = "delete",
        operation_id = "remove_member"
    )]
    async fn remove_member(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        user_id: Path<Uuid>,
    ) -> ApiResult<MemberRemoved> {
        usecases::organizations::remove_member(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            user_id.0.into(),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(MemberRemoved::Done)
    }
}
