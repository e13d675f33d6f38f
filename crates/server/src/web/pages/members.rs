//! An organisation's members page (owners invite by address and withdraw invitations) and
//! the invitee's page of invitations to accept or decline, which the invitation mail links
//! to. Nobody joins without accepting; the same use cases as the API's.

use domain::ids::{InvitationId, OrganizationId};
use domain::invitation::InvitationStatus;
use domain::organization::MemberRole;
use minijinja::Value;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, Response, handler};

use crate::error::ApiError;
use crate::mail::format;
use crate::state::AppState;
use crate::web::failure;
use crate::web::forms::Problems;
use crate::web::pages::account::once_per_form;
use crate::web::pages::shared::{accept_form, named, signed_in};
use crate::web::visit::{SignedIn, Visit};

fn organization_id(id: &str) -> Option<OrganizationId> {
    id.parse::<uuid::Uuid>().ok().map(Into::into)
}

/// The members page of `id`, with `problems` on the invitation form and what was typed.
async fn members_page(
    state: &AppState,
    visit: &Visit,
    me: &SignedIn,
    id: OrganizationId,
    typed: (&str, &str),
    problems: &Problems,
    notice: bool,
) -> Response {
    let caller = me.acting();
    let found = async {
        let (organization, role) = usecases::organizations::one(&state.store, caller, id).await?;
        let members = usecases::organizations::members(&state.store, caller, id).await?;
        let invitations = usecases::invitations::of_organization(&state.store, caller, id).await?;
        Ok::<_, usecases::Error>((organization, role, members, invitations))
    };
    let (organization, role, members, invitations) = match found.await {
        Ok(found) => found,
        Err(err) => return failure::page(state, visit, ApiError::from(err)),
    };
    let language = visit.language;
    let now = state.clock.now();
    let members: Vec<Value> = members
        .iter()
        .map(|m| {
            minijinja::context! {
                name => m.name.clone(),
                email => m.email.clone(),
                role => named(state, language, "member_role", m.role.code()),
                joined => format::instant(m.joined_at, language),
            }
        })
        .collect();
    let pending: Vec<Value> = invitations
        .iter()
        .filter(|i| i.status(now) == InvitationStatus::Pending)
        .map(|i| {
            minijinja::context! {
                email => i.email.clone(),
                role => named(state, language, "member_role", i.role.code()),
                expires => format::instant(i.expires_at, language),
                revoke_href => format!("/organizations/{}/invitations/{}/revoke", id, i.id),
            }
        })
        .collect();
    let roles: Vec<Value> = MemberRole::ALL
        .iter()
        .map(|r| minijinja::context! { code => r.code(), name => named(state, language, "member_role", r.code()) })
        .collect();
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let problems = problems.clone().labelled_by(
        &[("email", "field_email"), ("role", "col_role")],
        language,
        &state.portal.catalogue,
    );
    let context = minijinja::value::merge_maps([
        minijinja::context! {
            organization => organization.profile.name.clone(),
            organization_href => format!("/organizations/{id}"),
            href => format!("/organizations/{id}/members"),
            members => members,
            pending => pending,
            roles => roles,
            owner => role.is_some_and(MemberRole::manages),
            form => minijinja::context! { email => typed.0, role => typed.1 },
            notice => notice,
        },
        problems.context(&["email", "role"]),
    ]);
    visit.page(state, status, "members.html", context)
}

/// `GET /organizations/{id}/members`: members see who is in; owners also invite.
#[handler]
pub async fn members_list(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    req: &Request,
) -> Response {
    let me = match signed_in(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    let Some(id) = organization_id(&id) else {
        return failure::page(&state, &visit, ApiError::NotFound);
    };
    let notice = req.uri().query().is_some_and(|q| q.contains("invited=1"));
    members_page(
        &state,
        &visit,
        me,
        id,
        ("", "member"),
        &Problems::default(),
        notice,
    )
    .await
}

/// `POST /organizations/{id}/members`: an owner invites an address (as
/// `POST /api/v1/organizations/{id}/members`); the answer is the same whether or not the
/// address has an account.
#[handler]
pub async fn invite(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: poem::Result<Form<Vec<(String, String)>>>,
) -> Response {
    let (me, form) = match accept_form(&state, &visit, posted, None).await {
        Ok(accepted) => accepted,
        Err(page) => return *page,
    };
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let Some(id) = organization_id(&id) else {
        return failure::page(&state, &visit, ApiError::NotFound);
    };
    let role = match field("role") {
        "owner" => MemberRole::Owner,
        _ => MemberRole::Member,
    };
    let place = format!("/organizations/{id}/members?invited=1");
    let repeat = |location: &str| visit.redirect(location);
    once_per_form(&state, &visit, field("once"), repeat, || async {
        let now = state.clock.now();
        match usecases::invitations::invite(
            &state.store,
            me.acting(),
            id,
            field("email"),
            role,
            now,
            None,
        )
        .await
        {
            Ok(_) => (visit.redirect(&place), Some(place.clone())),
            Err(usecases::Error::Invalid(errors)) => {
                let problems =
                    Problems::from_validation(&errors, visit.language, &state.portal.catalogue);
                let typed = (field("email"), role.code());
                (
                    members_page(&state, &visit, me, id, typed, &problems, false).await,
                    None,
                )
            }
            Err(err) => (failure::page(&state, &visit, ApiError::from(err)), None),
        }
    })
    .await
}

/// `POST /organizations/{id}/invitations/{invitation}/revoke`: an owner withdraws a pending
/// invitation.
#[handler]
pub async fn revoke(
    state: Data<&AppState>,
    visit: Visit,
    Path((id, invitation)): Path<(String, String)>,
    posted: poem::Result<Form<Vec<(String, String)>>>,
) -> Response {
    let (me, _) = match accept_form(&state, &visit, posted, None).await {
        Ok(accepted) => accepted,
        Err(page) => return *page,
    };
    let (Some(id), Some(invitation)) = (
        organization_id(&id),
        invitation
            .parse::<uuid::Uuid>()
            .ok()
            .map(InvitationId::from),
    ) else {
        return failure::page(&state, &visit, ApiError::NotFound);
    };
    let now = state.clock.now();
    match usecases::invitations::revoke(&state.store, me.acting(), id, invitation, now).await {
        Ok(()) => visit.redirect(&format!("/organizations/{id}/members")),
        Err(err) => failure::page(&state, &visit, ApiError::from(err)),
    }
}

/// `GET /invitations`: the signed-in person's open invitations, each to accept or decline.
#[handler]
pub async fn invitations_page(state: Data<&AppState>, visit: Visit) -> Response {
    let me = match signed_in(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    let now = state.clock.now();
    let open = match usecases::invitations::mine(&state.store, me.acting(), now).await {
        Ok(open) => open,
        Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
    };
    let language = visit.language;
    let open: Vec<Value> = open
        .iter()
        .map(|i| {
            minijinja::context! {
                organization => i.organization_name.clone(),
                role => named(&state, language, "member_role", i.role.code()),
                expires => format::instant(i.expires_at, language),
                accept_href => format!("/invitations/{}/accept", i.id),
                decline_href => format!("/invitations/{}/decline", i.id),
            }
        })
        .collect();
    visit.page(
        &state,
        StatusCode::OK,
        "invitations.html",
        minijinja::context! { invitations => open },
    )
}

/// `POST /invitations/{id}/accept` and `…/decline`: the invitee's answer; joining leads
/// to the dashboard.
async fn answer(
    state: &AppState,
    visit: &Visit,
    id: &str,
    joins: bool,
    posted: poem::Result<Form<Vec<(String, String)>>>,
) -> Response {
    let (me, form) = match accept_form(state, visit, posted, None).await {
        Ok(accepted) => accepted,
        Err(page) => return *page,
    };
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let Some(id) = id.parse::<uuid::Uuid>().ok().map(InvitationId::from) else {
        return failure::page(state, visit, ApiError::NotFound);
    };
    let place = if joins { "/dashboard" } else { "/invitations" };
    let repeat = |location: &str| visit.redirect(location);
    once_per_form(state, visit, field("once"), repeat, || async {
        let now = state.clock.now();
        match usecases::invitations::answer(&state.store, me.acting(), id, joins, now, None).await {
            Ok(_) => (visit.redirect(place), Some(place.to_owned())),
            Err(err) => (failure::page(state, visit, ApiError::from(err)), None),
        }
    })
    .await
}

/// `POST /invitations/{id}/accept`.
#[handler]
pub async fn accept(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: poem::Result<Form<Vec<(String, String)>>>,
) -> Response {
    answer(&state, &visit, &id, true, posted).await
}

/// `POST /invitations/{id}/decline`.
#[handler]
pub async fn decline(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: poem::Result<Form<Vec<(String, String)>>>,
) -> Response {
    answer(&state, &visit, &id, false, posted).await
}
