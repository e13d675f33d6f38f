//! Invitations to join an organisation, as their invitee answers them. The owner's side
//! (inviting, listing, withdrawing) lives with the organisation's routes.

use chrono::{DateTime, Utc};
use persistence::records::Invitation;
use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::ApiTags;
use super::codes::{InvitationStatusCode, MemberRoleCode};
use super::keys::{IdempotencyKey, json_answer};
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// An invitation to join an organisation.
#[derive(Debug, Object)]
pub struct InvitationResponse {
    /// Identifier.
    pub id: Uuid,
    /// The organisation.
    pub organization_id: Uuid,
    /// Its name.
    pub organization_name: String,
    /// The invited address.
    pub email: String,
    /// The role the invitee gets on accepting.
    pub role: MemberRoleCode,
    /// What it is now.
    pub status: InvitationStatusCode,
    /// When it was sent (or last renewed by inviting the address again).
    pub invited_at: DateTime<Utc>,
    /// When it lapses unanswered.
    pub expires_at: DateTime<Utc>,
    /// When it was answered or withdrawn.
    pub answered_at: Option<DateTime<Utc>>,
}

/// The invitation `invitation` as it stands at `now`.
#[must_use]
pub fn invitation_response(invitation: Invitation, now: DateTime<Utc>) -> InvitationResponse {
    InvitationResponse {
        status: invitation.status(now).into(),
        id: invitation.id.uuid(),
        organization_id: invitation.organization_id.uuid(),
        organization_name: invitation.organization_name,
        email: invitation.email,
        role: invitation.role.into(),
        invited_at: invitation.created_at,
        expires_at: invitation.expires_at,
        answered_at: invitation.answered_at,
    }
}

#[derive(Debug, ApiResponse)]
enum Answered {
    /// The answer is recorded; on accepting, the caller is a member.
    #[oai(status = 200)]
    Ok(Json<InvitationResponse>),
}

/// Answering invitations.
#[derive(Debug)]
pub struct InvitationsApi;

impl InvitationsApi {
    async fn answer(
        state: &AppState,
        auth: &BearerAuth,
        key: IdempotencyKey,
        id: Uuid,
        accept: bool,
    ) -> ApiResult<Answered> {
        let now = state.clock.now();
        let invitation = usecases::invitations::answer(
            &state.store,
            auth.0.acting(),
            id.into(),
            accept,
            now,
            key.remember(move |invitation: &Invitation| {
                json_answer(
                    StatusCode::OK,
                    None,
                    &invitation_response(invitation.clone(), now),
                )
            }),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(Answered::Ok(Json(invitation_response(invitation, now))))
    }
}

#[OpenApi(prefix_path = "/invitations", tag = "ApiTags::Organizations")]
impl InvitationsApi {
    /// Accept an invitation addressed to the caller: they join the organisation in the
    /// invitation's role. Refused (409) once it was answered, withdrawn or expired.
    #[oai(
        path = "/:id/accept",
        method = "post",
        operation_id = "accept_invitation"
    )]
    async fn accept(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        id: Path<Uuid>,
    ) -> ApiResult<Answered> {
        Self::answer(&state, &auth, key, id.0, true).await
    }

    /// Decline an invitation addressed to the caller.
    #[oai(
        path = "/:id/decline",
        method = "post",
        operation_id = "decline_invitation"
    )]
    async fn decline(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        id: Path<Uuid>,
    ) -> ApiResult<Answered> {
        Self::answer(&state, &auth, key, id.0, false).await
    }
}
