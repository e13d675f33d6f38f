//! The web portal: server-rendered pages for NGO members, reviewers, officers and admins,
//! in Kazakh, Russian and English, mounted at `/` beside the API. Its handlers call the
//! same use cases as the API's; no business rule lives here.
//!
//! It is a module of the server rather than a crate of its own because it needs what only
//! the server has: the shared state, the credentials machinery (Argon2 off the async
//! workers, mailed codes), the login records behind bearer tokens, and the rate limits.
//! Pages are rendered with minijinja, the engine of the mail, from templates compiled into
//! the binary; the style sheet and the one small script are served under content-hashed
//! names. Everything works with scripts off.

pub mod assets;
pub mod cookies;
pub mod countdown;
pub mod csrf;
pub mod failure;
pub mod forms;
pub mod i18n;
pub mod lang;
pub mod once;
pub mod pages;
pub mod parked;
pub mod visit;

use minijinja::{Environment, UndefinedBehavior, Value};
use poem::{Route, get};

use crate::config::Secret;

macro_rules! templates {
    ($($name:literal)+) => {
        [$(
            ($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/web/", $name))),
        )+]
    };
}

const TEMPLATES: [(&str, &str); 32] = templates!(
    "layout.html" "macros.html" "home.html" "call.html" "register.html" "login.html"
    "confirm.html" "reset_request.html" "reset_new.html" "notice.html" "dashboard.html"
    "organization_fields.html" "organization_new.html" "organization.html"
    "application.html" "feedback.html" "editor.html" "members.html" "invitations.html"
    "withdraw.html" "assignments.html" "assignment.html" "receipt.html" "office.html"
    "office_call.html" "call_form.html" "office_applications.html" "office_pool.html"
    "ranking.html" "office_users.html" "office_outbox.html" "profile.html"
);

/// What every portal page is made with.
#[derive(Debug)]
pub struct Portal {
    env: Environment<'static>,
    /// The words in each language.
    pub catalogue: i18n::Catalogue,
    /// Form-token keys.
    pub forms: csrf::FormKeys,
    /// The style sheet and script.
    pub assets: assets::Assets,
}

impl Portal {
    /// Loads the embedded templates and catalogues; form tokens are keyed from `secret`
    /// (and still accepted under `previous` secrets).
    ///
    /// # Errors
    /// When a template or catalogue does not parse.
    pub fn load(secret: &Secret, previous: &[Secret]) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        // A missing value fails the page instead of printing a blank; `if` may still test
        // for one.
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_formatter(escape);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Self {
            env,
            catalogue: i18n::Catalogue::load()?,
            forms: csrf::FormKeys::new(secret, previous),
            assets: assets::Assets::embedded(),
        })
    }

    /// Renders template `name` with `context`.
    ///
    /// # Errors
    /// When the template needs a value `context` lacks.
    pub fn render(&self, name: &str, context: Value) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(context)
    }
}

/// Writes `value` into a page: strings not marked safe with `&`, `<`, `>`, `"` and `'`
/// escaped (not `/`, which HTML does not need escaped, so paths stay readable and short);
/// everything else as minijinja writes it.
fn escape(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if !value.is_safe() => {
            let mut escaped = String::with_capacity(text.len());
            for c in text.chars() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '>' => escaped.push_str("&gt;"),
                    '"' => escaped.push_str("&quot;"),
                    '\'' => escaped.push_str("&#39;"),
                    other => escaped.push(other),
                }
            }
            out.write_str(&escaped).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
            })
        }
        Some(_) | None => minijinja::escape_formatter(out, state, value),
    }
}

/// Adds the portal's pages to `route`.
#[must_use]
pub fn mount(route: Route) -> Route {
    use pages::office::{admin, applications, calls, pool, ranking};
    use pages::{account, applicant, application, editor, members, profile, public, reviewer};
    route
        .at("/", get(public::home))
        .at("/calls/:id", get(public::call_page))
        .at("/static/:name", get(public::asset))
        .at(
            "/register",
            get(account::register_form).post(account::register),
        )
        .at(
            "/confirm",
            get(account::confirm_form).post(account::confirm),
        )
        .at("/confirm/number", poem::post(account::confirm_number))
        .at("/login", get(account::login_form).post(account::login))
        .at("/logout", poem::post(account::logout))
        .at(
            "/password-reset",
            get(account::reset_form).post(account::reset),
        )
        .at(
            "/password-reset/confirm",
            get(account::new_password_form).post(account::new_password),
        )
        .at("/dashboard", get(applicant::dashboard))
        .at(
            "/organizations/new",
            get(applicant::new_organization_form).post(applicant::new_organization),
        )
        .at("/applications/:id", get(application::application_page))
        .at(
            "/applications/:id/edit",
            get(editor::edit_form).post(editor::edit),
        )
        .at("/applications/:id/submit", poem::post(editor::submit))
        .at(
            "/applications/:id/withdraw",
            get(editor::withdraw_form).post(editor::withdraw),
        )
        .at(
            "/organizations/:id/members",
            get(members::members_list).post(members::invite),
        )
        .at(
            "/organizations/:id/invitations/:invitation/revoke",
            poem::post(members::revoke),
        )
        .at("/invitations", get(members::invitations_page))
        .at("/assignments", get(reviewer::assignment_list))
        .at("/assignments/:id", get(reviewer::assignment_view))
        .at("/assignments/:id/accept", poem::post(reviewer::accept_post))
        .at(
            "/assignments/:id/decline",
            poem::post(reviewer::decline_post),
        )
        .at("/assignments/:id/review", poem::post(reviewer::review_post))
        .at("/invitations/:id/accept", poem::post(members::accept))
        .at("/invitations/:id/decline", poem::post(members::decline))
        .at("/calls/:id/apply", poem::post(editor::apply))
        .at(
            "/applications/:id/feedback",
            get(application::feedback_page),
        )
        .at("/applications/:id/receipt", get(application::receipt_page))
        .at(
            "/organizations/:id",
            get(applicant::organization_page).post(applicant::update_organization),
        )
        .at("/applications/:id/screen", poem::post(applications::screen))
        .at("/account", get(profile::account).post(profile::update))
        .at("/account/password", poem::post(profile::change_password))
        .at("/office", get(calls::office_home))
        .at(
            "/office/calls/new",
            get(calls::new_call_form).post(calls::new_call),
        )
        .at("/office/calls/:id", get(calls::call_office))
        .at(
            "/office/calls/:id/edit",
            get(calls::edit_call_form).post(calls::edit_call),
        )
        .at("/office/calls/:id/publish", poem::post(calls::publish))
        .at("/office/calls/:id/close", poem::post(calls::close))
        .at(
            "/office/calls/:id/applications",
            get(applications::call_applications),
        )
        .at(
            "/office/calls/:id/reviewers",
            get(pool::pool_page).post(pool::add),
        )
        .at(
            "/office/calls/:id/reviewers/:user/remove",
            poem::post(pool::remove),
        )
        .at("/office/calls/:id/assign", poem::post(pool::assign))
        .at("/office/calls/:id/ranking", get(ranking::ranking_page))
        .at(
            "/office/calls/:id/ranking.csv",
            get(ranking::ranking_download),
        )
        .at("/office/calls/:id/decisions", poem::post(ranking::decide))
        .at(
            "/office/users",
            get(admin::users_page).post(admin::create_user),
        )
        .at("/office/users/:id", poem::post(admin::change_user))
        .at("/office/outbox", get(admin::outbox_page))
        .at("/office/outbox/:id/retry", poem::post(admin::retry))
}
