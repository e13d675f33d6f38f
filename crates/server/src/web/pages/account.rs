//! Accounts in the portal: registering, confirming the address from the mail, signing in
//! and out, and resetting a forgotten password. Each calls the same use case as the API,
//! under the same rate limits; a sign-in is a login record like the API's, so logging out
//! and every revocation end both.

use domain::account::AccountInput;
use domain::email::Email;
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::{Deserialize, Serialize};

use crate::api::accounts::credentials;
use crate::api::limits::{self, ClientAddress, Door};
use crate::auth::refresh;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::cookies;
use crate::web::failure::{self, Link};
use crate::web::forms::{Problems, fill};
use crate::web::once::{self, Once};
use crate::web::pages::shared::query_value;
use crate::web::visit::{Visit, session_cookie};

/// A form as posted: every field optional, so a tampered form is refused field by field
/// rather than as a malformed body.
type Posted<T> = poem::Result<Form<T>>;

/// The fields of a posted form, or the form-expired page when its token does not hold.
fn accepted<T: Default + HasToken>(
    state: &AppState,
    visit: &Visit,
    posted: Posted<T>,
) -> Result<T, Box<Response>> {
    let form = posted.map(|f| f.0).unwrap_or_default();
    if visit.form_token_holds(state, form.token()) {
        Ok(form)
    } else {
        Err(Box::new(failure::form_expired(state, visit)))
    }
}

/// Acts on a posted form once: the first post of the form runs `act`, which answers and,
/// when it changed something, names the outcome to record; a repeat of the form is
/// answered by `repeat` from the recorded outcome, without acting again.
pub(crate) async fn once_per_form<Act, Done>(
    state: &AppState,
    visit: &Visit,
    token: &str,
    repeat: impl FnOnce(&str) -> Response,
    act: Act,
) -> Response
where
    Act: FnOnce() -> Done,
    Done: std::future::Future<Output = (Response, Option<String>)>,
{
    match once::claim(state, token).await {
        Ok(Once::Repeat(outcome)) => repeat(&outcome),
        Ok(Once::First(token)) => {
            let (answer, outcome) = act().await;
            match outcome {
                Some(outcome) => once::answered(state, &token, &outcome).await,
                None => once::refused(state, &token).await,
            }
            answer
        }
        Err(err) => failure::page(state, visit, err),
    }
}

/// A form with a form token.
trait HasToken {
    fn token(&self) -> &str;
}

macro_rules! has_token {
    ($($form:ty)+) => {$(
        impl HasToken for $form {
            fn token(&self) -> &str {
                &self.csrf
            }
        }
    )+};
}

/// The registration form.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RegisterForm {
    #[serde(skip_serializing)]
    csrf: String,
    #[serde(skip_serializing)]
    once: String,
    email: String,
    name: String,
    #[serde(skip_serializing)]
    password: String,
    language: String,
}

/// The sign-in form.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct LoginForm {
    #[serde(skip_serializing)]
    csrf: String,
    email: String,
    #[serde(skip_serializing)]
    password: String,
    next: String,
}

/// The confirmation form.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ConfirmForm {
    #[serde(skip_serializing)]
    csrf: String,
    #[serde(skip_serializing)]
    once: String,
    code: String,
    /// With `number`: the address and the eight digits mailed beside the link.
    email: String,
    number: String,
    #[serde(skip_serializing)]
    password: String,
}

/// The form that asks for a reset link.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ResetForm {
    #[serde(skip_serializing)]
    csrf: String,
    #[serde(skip_serializing)]
    once: String,
    email: String,
}

/// The form that sets a new password with a reset code.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct NewPasswordForm {
    #[serde(skip_serializing)]
    csrf: String,
    #[serde(skip_serializing)]
    once: String,
    code: String,
    #[serde(skip_serializing)]
    password: String,
}

/// The sign-out form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LogoutForm {
    csrf: String,
}

has_token!(RegisterForm LoginForm ConfirmForm ResetForm NewPasswordForm LogoutForm);

/// The account forms' fields and the catalogue keys of their labels.
const LABELS: &[(&str, &str)] = &[
    ("email", "field_email"),
    ("name", "field_name"),
    ("password", "field_password"),
    ("language", "field_language"),
    ("code", "confirm_code"),
    ("number", "confirm_number"),
];

const REGISTER_FIELDS: &[&str] = &["email", "name", "password", "language"];
const LOGIN_FIELDS: &[&str] = &["email", "password"];
const CONFIRM_FIELDS: &[&str] = &["code", "password", "email", "number"];
const RESET_FIELDS: &[&str] = &["email"];
const NEW_PASSWORD_FIELDS: &[&str] = &["code", "password"];

fn words<'a>(state: &'a AppState, visit: &Visit, key: &'a str) -> &'a str {
    state.portal.catalogue.text(visit.language, key)
}

fn problems_of(state: &AppState, visit: &Visit, err: &usecases::Error) -> Option<Problems> {
    match err {
        usecases::Error::Invalid(errors) => Some(Problems::from_validation(
            errors,
            visit.language,
            &state.portal.catalogue,
        )),
        usecases::Error::NotFound
        | usecases::Error::Forbidden(_)
        | usecases::Error::Refused { .. }
        | usecases::Error::CallRefused(_)
        | usecases::Error::Assignment(_)
        | usecases::Error::ReviewIncomplete(_)
        | usecases::Error::Conflict(_)
        | usecases::Error::Stale
        | usecases::Error::AlreadyAnswered
        | usecases::Error::Unauthenticated(_)
        | usecases::Error::NotThisLogin
        | usecases::Error::WrongCredentials
        | usecases::Error::WrongPassword
        | usecases::Error::InvalidCode(_)
        | usecases::Error::Unexpected(_)
        | usecases::Error::Store(_) => None,
    }
}

/// `template` with `form` as typed and its `problems` (422 when there are any).
fn form_page(
    state: &AppState,
    visit: &Visit,
    template: &str,
    form: &impl Serialize,
    problems: &Problems,
    fields: &[&str],
    extra: minijinja::Value,
) -> Response {
    let problems = problems
        .clone()
        .labelled_by(LABELS, visit.language, &state.portal.catalogue);
    let context = minijinja::value::merge_maps([
        minijinja::context! { form => minijinja::Value::from(minijinja::value::Serde(form)) },
        problems.context(fields),
        extra,
    ]);
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    visit.page(state, status, template, context)
}

/// `GET /register`.
#[handler]
pub fn register_form(state: Data<&AppState>, visit: Visit) -> Response {
    let form = RegisterForm {
        language: visit.language.code().to_owned(),
        ..RegisterForm::default()
    };
    form_page(
        &state,
        &visit,
        "register.html",
        &form,
        &Problems::default(),
        REGISTER_FIELDS,
        minijinja::Value::from(()),
    )
}

/// `POST /register`: the same use case as `POST /api/v1/auth/register`.
#[handler]
pub async fn register(
    state: Data<&AppState>,
    visit: Visit,
    client: ClientAddress,
    posted: Posted<RegisterForm>,
) -> Response {
    let form = match accepted(&state, &visit, posted) {
        Ok(form) => form,
        Err(page) => return *page,
    };
    let sent = |email: &str| {
        failure::notice(
            &state,
            &visit,
            StatusCode::OK,
            words(&state, &visit, "sent_title"),
            &[
                &fill(words(&state, &visit, "sent_body"), &[("email", email)]),
                words(&state, &visit, "sent_hint"),
            ],
            None,
        )
    };
    once_per_form(&state, &visit, &form.once, sent, || async {
        if let Err(err) = limits::admit_address(&state, Door::Register, &client, &form.email).await
        {
            return (failure::page(&state, &visit, err), None);
        }
        let input = AccountInput {
            email: &form.email,
            password: &form.password,
            name: &form.name,
            language: Some(form.language.as_str()).filter(|l| !l.is_empty()),
        };
        match usecases::signin::register(
            &state.store,
            &credentials(&state),
            input,
            state.clock.now(),
        )
        .await
        {
            Ok(email) => (sent(&email), Some(email)),
            Err(err) => match problems_of(&state, &visit, &err) {
                Some(problems) => (
                    form_page(
                        &state,
                        &visit,
                        "register.html",
                        &form,
                        &problems,
                        REGISTER_FIELDS,
                        minijinja::Value::from(()),
                    ),
                    None,
                ),
                None => (failure::page(&state, &visit, ApiError::from(err)), None),
            },
        }
    })
    .await
}

fn confirm_page(
    state: &AppState,
    visit: &Visit,
    form: &ConfirmForm,
    problems: &Problems,
    autosubmit: bool,
) -> Response {
    form_page(
        state,
        visit,
        "confirm.html",
        form,
        problems,
        CONFIRM_FIELDS,
        minijinja::context! {
            autosubmit => autosubmit,
            // The password is asked for only when the address was registered more than once.
            ask_password => problems.names("password"),
            by_number => !form.email.is_empty() || !form.number.is_empty() || form.code.is_empty(),
            script => autosubmit,
        },
    )
}

/// `GET /confirm?code=…`: the page the confirmation mail links to. It confirms nothing by
/// itself (mail scanners fetch links); its one button posts the code, and with scripts on
/// the page presses it.
#[handler]
pub fn confirm_form(state: Data<&AppState>, visit: Visit, req: &Request) -> Response {
    let code = query_value(req, "code").unwrap_or_default();
    let autosubmit = !code.is_empty();
    let form = ConfirmForm {
        code,
        ..ConfirmForm::default()
    };
    confirm_page(&state, &visit, &form, &Problems::default(), autosubmit)
}

/// `POST /confirm`: the same use case as `POST /api/v1/auth/verify-email`.
#[handler]
pub async fn confirm(
    state: Data<&AppState>,
    visit: Visit,
    client: ClientAddress,
    posted: Posted<ConfirmForm>,
) -> Response {
    let form = match accepted(&state, &visit, posted) {
        Ok(form) => form,
        Err(page) => return *page,
    };
    let confirmed = |_: &str| confirmed_page(&state, &visit);
    once_per_form(&state, &visit, &form.once, confirmed, || async {
        if let Err(err) = limits::admit(&state, Door::Confirm, &client, None).await {
            return (failure::page(&state, &visit, err), None);
        }
        let password = Some(form.password.clone()).filter(|p| !p.is_empty());
        match usecases::signin::confirm_address(
            &state.store,
            &credentials(&state),
            form.code.trim(),
            password,
            state.clock.now(),
        )
        .await
        {
            Ok(_) => (confirmed(""), Some("confirmed".to_owned())),
            Err(usecases::Error::InvalidCode(_)) => {
                let problems = Problems::one(
                    "code",
                    "invalid_code",
                    visit.language,
                    &state.portal.catalogue,
                );
                (confirm_page(&state, &visit, &form, &problems, false), None)
            }
            Err(err) => match problems_of(&state, &visit, &err) {
                Some(problems) => (confirm_page(&state, &visit, &form, &problems, false), None),
                None => (failure::page(&state, &visit, ApiError::from(err)), None),
            },
        }
    })
    .await
}

/// The page that tells the address is confirmed, with the way to sign in.
fn confirmed_page(state: &AppState, visit: &Visit) -> Response {
    failure::notice(
        state,
        visit,
        StatusCode::OK,
        words(state, visit, "confirmed_title"),
        &[words(state, visit, "confirmed_body")],
        Some(Link {
            href: "/login".to_owned(),
            text: words(state, visit, "nav_sign_in").to_owned(),
        }),
    )
}

/// `POST /confirm/number`: the address and the eight-digit number from the mail, typed on
/// a phone; a wrong number counts against the code (at the fifth a new one is mailed).
#[handler]
pub async fn confirm_number(
    state: Data<&AppState>,
    visit: Visit,
    client: ClientAddress,
    posted: Posted<ConfirmForm>,
) -> Response {
    let form = match accepted(&state, &visit, posted) {
        Ok(form) => form,
        Err(page) => return *page,
    };
    let confirmed = |_: &str| confirmed_page(&state, &visit);
    once_per_form(&state, &visit, &form.once, confirmed, || async {
        if let Err(err) = limits::admit(&state, Door::Confirm, &client, None).await {
            return (failure::page(&state, &visit, err), None);
        }
        let password = Some(form.password.clone()).filter(|p| !p.is_empty());
        match usecases::signin::confirm_by_number(
            &state.store,
            &credentials(&state),
            &form.email,
            &form.number,
            password,
            state.clock.now(),
        )
        .await
        {
            Ok(_) => (confirmed(""), Some("confirmed".to_owned())),
            Err(err) => match problems_of(&state, &visit, &err) {
                Some(problems) => (confirm_page(&state, &visit, &form, &problems, false), None),
                None => (failure::page(&state, &visit, ApiError::from(err)), None),
            },
        }
    })
    .await
}

fn login_page(
    state: &AppState,
    visit: &Visit,
    form: &LoginForm,
    problems: &Problems,
    expired: bool,
) -> Response {
    form_page(
        state,
        visit,
        "login.html",
        form,
        problems,
        LOGIN_FIELDS,
        minijinja::context! { next => failure::local_path(&form.next), expired => expired },
    )
}

/// `GET /login?next=…`.
#[handler]
pub fn login_form(state: Data<&AppState>, visit: Visit, req: &Request) -> Response {
    let form = LoginForm {
        next: query_value(req, "next").unwrap_or_else(|| "/".to_owned()),
        ..LoginForm::default()
    };
    let expired = query_value(req, "expired").is_some();
    login_page(&state, &visit, &form, &Problems::default(), expired)
}

/// `POST /login`: checks the password as `POST /api/v1/auth/login` does, under the same
/// limits, and starts a login whose token only the browser's cookie holds.
#[handler]
pub async fn login(
    state: Data<&AppState>,
    mut visit: Visit,
    client: ClientAddress,
    posted: Posted<LoginForm>,
) -> Response {
    let form = match accepted(&state, &visit, posted) {
        Ok(form) => form,
        Err(page) => return *page,
    };
    let email = Email::parse(&form.email).ok();
    let account = email.as_ref().map(Email::as_str);
    if let Err(err) = limits::admit_login(&state, &client, account).await {
        return failure::page(&state, &visit, err);
    }
    let user = match usecases::signin::authenticate(
        &state.store,
        &credentials(&state),
        email.as_ref(),
        form.password.clone(),
    )
    .await
    {
        Ok(user) => user,
        Err(usecases::Error::WrongCredentials) => {
            if let Err(err) = limits::count_login_failure(&state, &client, account).await {
                return failure::page(&state, &visit, err);
            }
            let problems = Problems::one(
                "email",
                "wrong_credentials",
                visit.language,
                &state.portal.catalogue,
            );
            return login_page(&state, &visit, &form, &problems, false);
        }
        Err(usecases::Error::Forbidden(_)) => {
            let problems = Problems::one(
                "email",
                "account_disabled",
                visit.language,
                &state.portal.catalogue,
            );
            return login_page(&state, &visit, &form, &problems, false);
        }
        Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
    };
    let token = match refresh::generate() {
        Ok(token) => token,
        Err(err) => return failure::page(&state, &visit, err),
    };
    let now = state.clock.now();
    if let Err(err) = usecases::signin::start_login(
        &state.store,
        &user,
        refresh::digest(&token),
        domain::account::portal_session_expires_at(now),
        now,
    )
    .await
    {
        return failure::page(&state, &visit, ApiError::from(err));
    }
    visit.set_cookie(session_cookie(&token, visit.secure()));
    visit.redirect(failure::local_path(&form.next))
}

/// `POST /logout`: ends this browser's login (the account's other logins go on).
#[handler]
pub async fn logout(
    state: Data<&AppState>,
    mut visit: Visit,
    posted: Posted<LogoutForm>,
) -> Response {
    if let Err(page) = accepted(&state, &visit, posted) {
        return *page;
    }
    if let Some(signed_in) = &visit.signed_in
        && let Err(err) = usecases::signin::end_login(
            &state.store,
            signed_in.acting(),
            Some(signed_in.session),
            None,
            state.clock.now(),
        )
        .await
    {
        return failure::page(&state, &visit, ApiError::from(err));
    }
    let secure = visit.secure();
    visit.set_cookie(cookies::remove(cookies::SESSION, secure));
    visit.redirect("/")
}

/// `GET /password-reset`.
#[handler]
pub fn reset_form(state: Data<&AppState>, visit: Visit) -> Response {
    form_page(
        &state,
        &visit,
        "reset_request.html",
        &ResetForm::default(),
        &Problems::default(),
        RESET_FIELDS,
        minijinja::Value::from(()),
    )
}

/// `POST /password-reset`: the same use case as `POST /api/v1/auth/password-reset`; the
/// answer does not tell whether the address has an account.
#[handler]
pub async fn reset(
    state: Data<&AppState>,
    visit: Visit,
    client: ClientAddress,
    posted: Posted<ResetForm>,
) -> Response {
    let form = match accepted(&state, &visit, posted) {
        Ok(form) => form,
        Err(page) => return *page,
    };
    let sent = |email: &str| {
        failure::notice(
            &state,
            &visit,
            StatusCode::OK,
            words(&state, &visit, "reset_sent_title"),
            &[&fill(
                words(&state, &visit, "reset_sent_body"),
                &[("email", email)],
            )],
            None,
        )
    };
    once_per_form(&state, &visit, &form.once, sent, || async {
        let email = match limits::admit_address(&state, Door::Reset, &client, &form.email).await {
            Ok(Some(email)) => email,
            Ok(None) => {
                let problems = Problems::one(
                    "email",
                    "invalid_email",
                    visit.language,
                    &state.portal.catalogue,
                );
                let page = form_page(
                    &state,
                    &visit,
                    "reset_request.html",
                    &form,
                    &problems,
                    RESET_FIELDS,
                    minijinja::Value::from(()),
                );
                return (page, None);
            }
            Err(err) => return (failure::page(&state, &visit, err), None),
        };
        match usecases::signin::start_reset(
            &state.store,
            &credentials(&state),
            &email,
            state.clock.now(),
        )
        .await
        {
            Ok(()) => (sent(email.as_str()), Some(email.as_str().to_owned())),
            Err(err) => (failure::page(&state, &visit, ApiError::from(err)), None),
        }
    })
    .await
}

fn new_password_page(
    state: &AppState,
    visit: &Visit,
    form: &NewPasswordForm,
    problems: &Problems,
) -> Response {
    form_page(
        state,
        visit,
        "reset_new.html",
        form,
        problems,
        NEW_PASSWORD_FIELDS,
        minijinja::Value::from(()),
    )
}

/// `GET /password-reset/confirm?code=…`: the page the reset mail links to.
#[handler]
pub fn new_password_form(state: Data<&AppState>, visit: Visit, req: &Request) -> Response {
    let form = NewPasswordForm {
        code: query_value(req, "code").unwrap_or_default(),
        ..NewPasswordForm::default()
    };
    new_password_page(&state, &visit, &form, &Problems::default())
}

/// `POST /password-reset/confirm`: the same use case as the API's; every login of the
/// account ends, this browser's too.
#[handler]
pub async fn new_password(
    state: Data<&AppState>,
    visit: Visit,
    client: ClientAddress,
    posted: Posted<NewPasswordForm>,
) -> Response {
    let form = match accepted(&state, &visit, posted) {
        Ok(form) => form,
        Err(page) => return *page,
    };
    // Every login of the account ends, this browser's too: the page says so signed out.
    let done = |_: &str| {
        let mut signed_out = visit.clone();
        signed_out.signed_in = None;
        signed_out.set_cookie(cookies::remove(cookies::SESSION, visit.secure()));
        failure::notice(
            &state,
            &signed_out,
            StatusCode::OK,
            words(&state, &visit, "reset_done_title"),
            &[words(&state, &visit, "reset_done_body")],
            Some(Link {
                href: "/login".to_owned(),
                text: words(&state, &visit, "nav_sign_in").to_owned(),
            }),
        )
    };
    once_per_form(&state, &visit, &form.once, done, || async {
        if let Err(err) = limits::admit(&state, Door::ResetConfirm, &client, None).await {
            return (failure::page(&state, &visit, err), None);
        }
        match usecases::signin::finish_reset(
            &state.store,
            &credentials(&state),
            form.code.trim(),
            form.password.clone(),
            state.clock.now(),
        )
        .await
        {
            Ok(()) => (done(""), Some("done".to_owned())),
            Err(usecases::Error::InvalidCode(_)) => {
                let problems = Problems::one(
                    "code",
                    "invalid_code",
                    visit.language,
                    &state.portal.catalogue,
                );
                (new_password_page(&state, &visit, &form, &problems), None)
            }
            Err(err) => match problems_of(&state, &visit, &err) {
                Some(problems) => (new_password_page(&state, &visit, &form, &problems), None),
                None => (failure::page(&state, &visit, ApiError::from(err)), None),
            },
        }
    })
    .await
}
