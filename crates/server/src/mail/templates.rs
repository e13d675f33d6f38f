//! The mail templates: for every notification kind and language, a `.txt` file with a
//! `subject` and a `body` block and an `.html` file on the language's layout. They are
//! compiled into the binary, so a missing file fails the build.

use domain::language::Language;
use domain::notification::NotificationKind;
use minijinja::{Environment, UndefinedBehavior, Value};

macro_rules! language_files {
    ($lang:literal; $($event:literal)+) => {
        [
            (
                concat!($lang, "/layout.html"),
                include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/mail/", $lang, "/layout.html")),
            ),
            $(
                (
                    concat!($lang, "/", $event, ".txt"),
                    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/mail/", $lang, "/", $event, ".txt")),
                ),
                (
                    concat!($lang, "/", $event, ".html"),
                    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/mail/", $lang, "/", $event, ".html")),
                ),
            )+
        ]
    };
}

macro_rules! every_event {
    ($lang:literal) => {
        language_files!($lang;
            "submitted" "revision_requested" "resubmitted" "ineligible" "under_review"
            "approved" "waitlisted" "rejected" "withdrawn" "reviewer_assigned" "review_due_soon"
            "verify_email" "account_exists" "password_reset" "reviewer_recused" "member_invited")
    };
}

const KK: [(&str, &str); 33] = every_event!("kk");
const RU: [(&str, &str); 33] = every_event!("ru");
const EN: [(&str, &str); 33] = every_event!("en");

/// A rendered mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
}

/// Why a mail could not be rendered: a template refers to a value the mail lacks.
#[derive(Debug, thiserror::Error)]
#[error("rendering {template}: {source}")]
pub struct RenderError {
    template: String,
    #[source]
    source: minijinja::Error,
}

/// The loaded templates.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Loads every embedded template. Undefined values are errors, so a template never
    /// sends a blank where a fact should be.
    ///
    /// # Errors
    /// When a template does not parse.
    pub fn load() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, source) in KK.into_iter().chain(RU).chain(EN) {
            env.add_template(name, source)?;
        }
        Ok(Self { env })
    }

    /// Renders `kind` in `language` with `facts`.
    ///
    /// # Errors
    /// [`RenderError`] when a template needs a value `facts` lacks.
    pub fn render(
        &self,
        kind: NotificationKind,
        language: Language,
        facts: &Value,
    ) -> Result<Rendered, RenderError> {
        let text_name = format!("{}/{}.txt", language.code(), kind.code());
        let html_name = format!("{}/{}.html", language.code(), kind.code());
        let fail = |template: &str| {
            let template = template.to_owned();
            move |source| RenderError { template, source }
        };
        let text = self
            .env
            .get_template(&text_name)
            .map_err(fail(&text_name))?;
        let mut captured = text
            .render_captured(facts.clone())
            .map_err(fail(&text_name))?;
        let (subject, body) = captured
            .with_state_mut(|state| {
                Ok::<_, minijinja::Error>((
                    state.render_block("subject")?,
                    state.render_block("body")?,
                ))
            })
            .map_err(fail(&text_name))?;
        let html = self
            .env
            .get_template(&html_name)
            .and_then(|t| t.render(facts))
            .map_err(fail(&html_name))?;
        Ok(Rendered {
            // A subject is one line whatever a title holds.
            subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
            text: format!("{}\n", body.trim()),
            html,
        })
    }
}
