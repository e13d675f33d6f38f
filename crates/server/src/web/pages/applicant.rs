//! The applicant's pages: the dashboard of their organisations and applications, creating
//! an organisation, and its profile (which owners edit). Each calls the use case the API's
//! operation calls, so the same people are let in and the same rules refuse.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::language::Language;
use domain::organization::{MemberRole, OrganizationInput};
use domain::region::Region;
use domain::role::Role;
use minijinja::Value;
use persistence::applications::{ApplicationBrief, ApplicationSort, Position};
use persistence::records::Organization;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, Response, handler};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::mail::format;
use crate::state::AppState;
use crate::web::forms::{Problems, fill};
use crate::web::pages::account::once_per_form;
use crate::web::pages::shared::{named, next_step, signed_in};
use crate::web::visit::{SignedIn, Visit};
use crate::web::{failure, parked};

/// Rows on the dashboard's lists.
const LIST_SIZE: u64 = 50;

/// The signed-in applicant, or the answer for anyone else: strangers are sent to sign in,
/// staff get the 403 page (organisations are run by applicant accounts, as in the API).
fn applicant<'a>(state: &AppState, visit: &'a Visit) -> Result<&'a SignedIn, Box<Response>> {
    match &visit.signed_in {
        None => Err(Box::new(failure::page(
            state,
            visit,
            ApiError::Unauthorized("sign in"),
        ))),
        Some(signed_in) if signed_in.user.role == Role::Applicant => Ok(signed_in),
        Some(_) => Err(Box::new(failure::page(
            state,
            visit,
            ApiError::Forbidden("organisations are run by applicant accounts"),
        ))),
    }
}

fn regions(state: &AppState, language: Language) -> Vec<Value> {
    Region::ALL
        .iter()
        .map(|r| minijinja::context! { code => r.code(), name => named(state, language, "region", r.code()) })
        .collect()
}

/// `GET /dashboard`: the applicant's organisations and their applications, each with its
/// status and what is expected next.
#[handler]
pub async fn dashboard(state: Data<&AppState>, visit: Visit) -> Response {
    let me = match applicant(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    let caller = me.acting();
    let listing = usecases::applications::Listing {
        call_id: None,
        statuses: Vec::new(),
        organization_id: None,
        region: None,
        position: Position::Page {
            sort: ApplicationSort::CreatedDesc,
            page: 1,
        },
        limit: LIST_SIZE,
    };
    let found = async {
        let organizations =
            usecases::organizations::list(&state.store, caller, None, None, LIST_SIZE).await?;
        let (applications, _) =
            usecases::applications::list(&state.store, caller, Some(me.session), listing).await?;
        Ok::<_, usecases::Error>((organizations, applications))
    };
    let (organizations, applications) = match found.await {
        Ok(found) => found,
        Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
    };
    let language = visit.language;
    let words = |key| state.portal.catalogue.text(language, key);
    let organizations: Vec<Value> = organizations
        .items
        .iter()
        .map(|(org, role)| {
            minijinja::context! {
                href => format!("/organizations/{}", org.id),
                name => org.profile.name.clone(),
                role => role.map(|r| named(&state, language, "member_role", r.code())),
                verified => words(if org.verification.is_some() { "yes" } else { "no" }).to_owned(),
            }
        })
        .collect();
    let applications: Vec<Value> = applications
        .items
        .iter()
        .map(|a| brief(&state, a, language))
        .collect();
    visit.page(
        &state,
        StatusCode::OK,
        "dashboard.html",
        minijinja::context! { organizations => organizations, applications => applications },
    )
}

/// An application as the dashboard lists it; applicants see `reviewed` as under review.
fn brief(state: &AppState, application: &ApplicationBrief, language: Language) -> Value {
    let words = |key| state.portal.catalogue.text(language, key).to_owned();
    let status = application.status.as_seen_by_applicant();
    let next = next_step(status);
    minijinja::context! {
        href => format!("/applications/{}", application.id),
        title => application.title.clone().unwrap_or_else(|| words("untitled")),
        status => named(state, language, "status", status.code()),
        requested => format::money(application.requested, language),
        next => words(next),
    }
}

/// The organisation form as typed.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct OrganizationForm {
    #[serde(skip_serializing)]
    csrf: String,
    #[serde(skip_serializing)]
    once: String,
    name: String,
    bin: String,
    region: String,
    settlement: String,
    rural: Option<String>,
    registered_on: String,
    contact_email: String,
    version: String,
}

/// The organisation form's fields and the catalogue keys of their labels.
const ORGANIZATION_LABELS: &[(&str, &str)] = &[
    ("name", "field_org_name"),
    ("bin", "field_bin"),
    ("region", "field_region"),
    ("settlement", "field_settlement"),
    ("registered_on", "field_registered_on"),
    ("contact_email", "field_contact_email"),
];

const ORGANIZATION_FIELDS: &[&str] = &[
    "name",
    "bin",
    "region",
    "settlement",
    "registered_on",
    "contact_email",
];

impl OrganizationForm {
    /// The form's fields by name, to keep while its sender signs in again.
    fn fields(&self) -> BTreeMap<String, String> {
        let mut fields = BTreeMap::new();
        for (name, value) in [
            ("name", &self.name),
            ("bin", &self.bin),
            ("region", &self.region),
            ("settlement", &self.settlement),
            ("registered_on", &self.registered_on),
            ("contact_email", &self.contact_email),
            ("version", &self.version),
        ] {
            fields.insert(name.to_owned(), value.clone());
        }
        if let Some(rural) = &self.rural {
            fields.insert("rural".to_owned(), rural.clone());
        }
        fields
    }

    /// The form as kept by [`Self::fields`].
    fn from_fields(fields: &BTreeMap<String, String>) -> Self {
        let get = |name: &str| fields.get(name).cloned().unwrap_or_default();
        Self {
            name: get("name"),
            bin: get("bin"),
            region: get("region"),
            settlement: get("settlement"),
            rural: fields.get("rural").cloned(),
            registered_on: get("registered_on"),
            contact_email: get("contact_email"),
            version: get("version"),
            ..Self::default()
        }
    }

    fn of(organization: &Organization) -> Self {
        let profile = &organization.profile;
        Self {
            csrf: String::new(),
            once: String::new(),
            name: profile.name.clone(),
            bin: profile.bin.as_str().to_owned(),
            region: profile.region.code().to_owned(),
            settlement: profile.settlement.clone(),
            rural: profile.rural.then(|| "yes".to_owned()),
            registered_on: profile.registered_on.to_string(),
            contact_email: profile.contact_email.as_str().to_owned(),
            version: organization.version.to_string(),
        }
    }

    /// The input for the use case, or the date's refusal when it does not parse.
    fn input(&self) -> (OrganizationInput<'_>, Option<&'static str>) {
        let date = self.registered_on.trim();
        let (registered_on, refused) = if date.is_empty() {
            (None, Some("required"))
        } else {
            match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
                Ok(date) => (Some(date), None),
                Err(_) => (None, Some("invalid_date")),
            }
        };
        let input = OrganizationInput {
            name: Some(&self.name),
            bin: Some(&self.bin),
            region: Some(&self.region),
            settlement: Some(&self.settlement),
            rural: Some(self.rural.is_some()),
            registered_on,
            contact_email: Some(&self.contact_email),
        };
        (input, refused)
    }
}

fn organization_problems(
    state: &AppState,
    visit: &Visit,
    err: Option<&usecases::Error>,
    date: Option<&'static str>,
) -> Option<Problems> {
    let mut errors = match err {
        Some(usecases::Error::Invalid(errors)) => errors.clone(),
        Some(_) => return None,
        None => domain::ValidationErrors::new(),
    };
    if let Some(code) = date {
        // The use case saw no date; say why there is none, where it stands.
        let mut told = domain::ValidationErrors::new();
        for e in errors.errors() {
            if e.field == "registered_on" {
                told.push("registered_on", code, "is not a date");
            } else {
                told.push(e.field.clone(), e.code, e.message.clone());
            }
        }
        errors = told;
    }
    Some(Problems::from_validation(
        &errors,
        visit.language,
        &state.portal.catalogue,
    ))
}

fn new_page(
    state: &AppState,
    visit: &Visit,
    form: &OrganizationForm,
    problems: &Problems,
    notice: Option<&'static str>,
) -> Response {
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let context = minijinja::value::merge_maps([
        minijinja::context! {
            form => Value::from(minijinja::value::Serde(form)),
            regions => regions(state, visit.language),
            notice => notice,
        },
        problems
            .clone()
            .labelled_by(ORGANIZATION_LABELS, visit.language, &state.portal.catalogue)
            .context(ORGANIZATION_FIELDS),
    ]);
    visit.page(state, status, "organization_new.html", context)
}

/// `GET /organizations/new`.
#[handler]
pub async fn new_organization_form(
    state: Data<&AppState>,
    visit: Visit,
    req: &Request,
) -> Response {
    if let Err(page) = applicant(&state, &visit) {
        return *page;
    }
    // A form posted after the sign-in ended comes back as it was typed.
    let (form, notice) = match parked::take(&state, req, "/organizations/new").await {
        Some(typed) => (OrganizationForm::from_fields(&typed), Some("form_restored")),
        None => (
            OrganizationForm {
                rural: Some("yes".to_owned()),
                ..OrganizationForm::default()
            },
            None,
        ),
    };
    new_page(&state, &visit, &form, &Problems::default(), notice)
}

/// `POST /organizations/new`: the same use case as `POST /api/v1/organizations`; the
/// creator becomes its owner.
#[handler]
pub async fn new_organization(
    state: Data<&AppState>,
    visit: Visit,
    posted: poem::Result<Form<OrganizationForm>>,
) -> Response {
    let form = posted.map(|f| f.0).unwrap_or_default();
    if !visit.form_token_holds(&state, &form.csrf) {
        return failure::form_expired(&state, &visit);
    }
    if visit.signed_in.is_none() {
        // The sign-in ended while the form was being filled: keep what was typed.
        return parked::park(&state, &visit, "/organizations/new", &form.fields()).await;
    }
    let me = match applicant(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    // A date that does not parse is left out, so the use case refuses it with the rest.
    let (input, date) = form.input();
    // A double tap creates one organisation: the repeat is sent where the first went.
    let repeat = |location: &str| visit.redirect(location);
    once_per_form(&state, &visit, &form.once, repeat, || async {
        let now = state.clock.now();
        match usecases::organizations::create(&state.store, me.acting(), input, now, None).await {
            Ok(created) => {
                let location = format!("/organizations/{}?saved=1", created.id);
                (visit.redirect(&location), Some(location))
            }
            Err(err) => match organization_problems(&state, &visit, Some(&err), date) {
                Some(problems) => (new_page(&state, &visit, &form, &problems, None), None),
                None => (failure::page(&state, &visit, ApiError::from(err)), None),
            },
        }
    })
    .await
}

fn profile_page(
    state: &AppState,
    visit: &Visit,
    organization: &Organization,
    role: Option<MemberRole>,
    form: &OrganizationForm,
    problems: &Problems,
    notice: Option<&'static str>,
) -> Response {
    let language = visit.language;
    let words = |key| state.portal.catalogue.text(language, key);
    let profile = &organization.profile;
    let view = minijinja::context! {
        href => format!("/organizations/{}", organization.id),
        name => profile.name.clone(),
        bin => profile.bin.as_str().to_owned(),
        region => named(state, language, "region", profile.region.code()),
        settlement => profile.settlement.clone(),
        registered_on => profile.registered_on.to_string(),
        contact_email => profile.contact_email.as_str().to_owned(),
        verified => words(if organization.verification.is_some() { "org_verified" } else { "org_unverified" }).to_owned(),
        role => role.map(|r| fill(words("org_role"), &[("role", &named(state, language, "member_role", r.code()))])),
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let context = minijinja::value::merge_maps([
        minijinja::context! {
            organization => view,
            form => Value::from(minijinja::value::Serde(form)),
            regions => regions(state, language),
            can_edit => role.is_some_and(MemberRole::manages),
            notice => notice,
        },
        problems
            .clone()
            .labelled_by(ORGANIZATION_LABELS, visit.language, &state.portal.catalogue)
            .context(ORGANIZATION_FIELDS),
    ]);
    visit.page(state, status, "organization.html", context)
}

fn organization_id(id: &str) -> Option<domain::ids::OrganizationId> {
    id.parse::<uuid::Uuid>().ok().map(Into::into)
}

/// `GET /organizations/{id}`: members read it and owners edit it; staff read it; anyone
/// else gets the 404 page, as `GET /api/v1/organizations/{id}` answers.
#[handler]
pub async fn organization_page(
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
    match usecases::organizations::one(&state.store, me.acting(), id).await {
        Ok((organization, role)) => {
            let saved = req.uri().query().is_some_and(|q| q.contains("saved=1"));
            // A change posted after the sign-in ended comes back as it was typed.
            let path = format!("/organizations/{id}");
            let (form, notice) = match parked::take(&state, req, &path).await {
                Some(typed) => (OrganizationForm::from_fields(&typed), Some("form_restored")),
                None => (
                    OrganizationForm::of(&organization),
                    saved.then_some("org_saved"),
                ),
            };
            profile_page(
                &state,
                &visit,
                &organization,
                role,
                &form,
                &Problems::default(),
                notice,
            )
        }
        Err(err) => failure::page(&state, &visit, ApiError::from(err)),
    }
}

/// `POST /organizations/{id}`: an owner's change, as `PATCH /api/v1/organizations/{id}`
/// with `If-Match` on the version the form was served with; a change made meanwhile by
/// someone else is not overwritten.
#[handler]
pub async fn update_organization(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: poem::Result<Form<OrganizationForm>>,
) -> Response {
    let form = posted.map(|f| f.0).unwrap_or_default();
    if !visit.form_token_holds(&state, &form.csrf) {
        return failure::form_expired(&state, &visit);
    }
    let Some(id) = organization_id(&id) else {
        return failure::page(&state, &visit, ApiError::NotFound);
    };
    let Some(me) = &visit.signed_in else {
        // The sign-in ended while the form was being filled: keep what was typed.
        let path = format!("/organizations/{id}");
        return parked::park(&state, &visit, &path, &form.fields()).await;
    };
    let expected = form
        .version
        .parse()
        .map_or(usecases::Expected::Any, usecases::Expected::Version);
    let (input, date) = form.input();
    if let Some(code) = date {
        // A change names every field, so a date that does not parse is refused rather
        // than left as it was.
        let problems = Problems::one(
            "registered_on",
            code,
            visit.language,
            &state.portal.catalogue,
        );
        return match usecases::organizations::one(&state.store, me.acting(), id).await {
            Ok((organization, role)) => {
                profile_page(&state, &visit, &organization, role, &form, &problems, None)
            }
            Err(err) => failure::page(&state, &visit, ApiError::from(err)),
        };
    }
    let repeat = |location: &str| visit.redirect(location);
    once_per_form(&state, &visit, &form.once, repeat, || async {
        let answer = change(&state, &visit, me, id, expected, input, &form, date).await;
        let outcome = (answer.status() == StatusCode::SEE_OTHER)
            .then(|| format!("/organizations/{id}?saved=1"));
        (answer, outcome)
    })
    .await
}

/// An owner's change of organisation `id`, answered as a redirect to its page or the page
/// with the refusal.
#[allow(clippy::too_many_arguments)]
async fn change(
    state: &AppState,
    visit: &Visit,
    me: &SignedIn,
    id: domain::ids::OrganizationId,
    expected: usecases::Expected,
    input: OrganizationInput<'_>,
    form: &OrganizationForm,
    date: Option<&'static str>,
) -> Response {
    let now = state.clock.now();
    match usecases::organizations::update(&state.store, me.acting(), id, expected, input, now).await
    {
        Ok((updated, _)) => visit.redirect(&format!("/organizations/{}?saved=1", updated.id)),
        Err(usecases::Error::Stale) => {
            // Show what is there now, and say so.
            match usecases::organizations::one(&state.store, me.acting(), id).await {
                Ok((organization, role)) => {
                    let problems =
                        Problems::one("name", "stale", visit.language, &state.portal.catalogue);
                    let form = OrganizationForm::of(&organization);
                    profile_page(state, visit, &organization, role, &form, &problems, None)
                }
                Err(err) => failure::page(state, visit, ApiError::from(err)),
            }
        }
        Err(err) => match organization_problems(state, visit, Some(&err), date) {
            Some(problems) => {
                match usecases::organizations::one(&state.store, me.acting(), id).await {
                    Ok((organization, role)) => {
                        profile_page(state, visit, &organization, role, form, &problems, None)
                    }
                    Err(err) => failure::page(state, visit, ApiError::from(err)),
                }
            }
            None => failure::page(state, visit, ApiError::from(err)),
        },
    }
}
