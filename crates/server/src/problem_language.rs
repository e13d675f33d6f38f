//! Problem responses in the caller's language: an API caller whose `Accept-Language`
//! prefers Kazakh or Russian gets the problem's `title` and each field error's `message` in
//! that language (English stays the default and is left as the handlers wrote it), with a
//! `Content-Language` header. The `detail`, which carries the case's own facts, stays
//! English except where it is one of a few fixed sentences.

use std::sync::Arc;

use domain::language::Language;
use poem::http::{HeaderValue, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use serde_json::Value;

use crate::error::PROBLEM_JSON;
use crate::state::AppState;
use crate::web::i18n::Catalogue;

/// Rewrites problem responses of `endpoint` into the language `req` prefers.
pub async fn localise<E: Endpoint>(endpoint: Arc<E>, req: Request) -> poem::Result<Response> {
    let language = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::web::lang::accepted);
    let state = req.data::<AppState>().cloned();
    // Errors become problems here (as the outer layers would make them), so that theirs
    // are translated too; the operation's name goes along for the metrics.
    let response = match endpoint.call(req).await {
        Ok(output) => output.into_response(),
        Err(err) => {
            let operation = err.data::<poem_openapi::OperationId>().copied();
            let mut response = crate::observe::into_problem(err);
            if let Some(operation) = operation {
                response.set_data(operation);
            }
            response
        }
    };
    let (Some(language @ (Language::Kk | Language::Ru)), Some(state)) = (language, state) else {
        return Ok(response);
    };
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if !is_problem {
        return Ok(response);
    }
    let (mut parts, body) = response.into_parts();
    let bytes = body.into_bytes().await.unwrap_or_default();
    let Ok(mut problem) = serde_json::from_slice::<Value>(&bytes) else {
        return Ok(Response::from_parts(parts, bytes.into()));
    };
    translate(&mut problem, language, &state.portal.catalogue);
    let body = serde_json::to_vec(&problem).unwrap_or_else(|_| bytes.to_vec());
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(language.code()),
    );
    Ok(Response::from_parts(parts, body.into()))
}

/// `problem` with its title, fixed details and field messages in `language`, where the
/// catalogue has words for them.
fn translate(problem: &mut Value, language: Language, catalogue: &Catalogue) {
    let slug = problem
        .get("type")
        .and_then(Value::as_str)
        .and_then(|t| t.rsplit('/').next())
        .unwrap_or_default()
        .to_owned();
    if let Some(title) = problem.get("title").and_then(Value::as_str)
        && let Some(words) = catalogue.entry(language, "problem_title", title)
    {
        problem["title"] = Value::from(words);
    }
    if let Some(words) = catalogue.entry(language, "problem_detail", &slug) {
        let detail = match (slug.as_str(), problem.get("detail").and_then(Value::as_str)) {
            // "try again in N seconds": the number is kept.
            ("too-many-requests", Some(detail)) => {
                let seconds: String = detail.chars().filter(char::is_ascii_digit).collect();
                crate::web::forms::fill(words, &[("seconds", &seconds)])
            }
            _ => words.to_owned(),
        };
        problem["detail"] = Value::from(detail);
    }
    if let Some(errors) = problem.get_mut("errors").and_then(Value::as_array_mut) {
        for error in errors {
            let code = error.get("code").and_then(Value::as_str).map(str::to_owned);
            if let Some(words) = code.and_then(|code| catalogue.entry(language, "error", &code)) {
                error["message"] = Value::from(words);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;

    #[test]
    fn every_problem_title_and_fixed_detail_has_words_in_kazakh_and_russian() {
        let catalogue = Catalogue::load().unwrap_or_else(|e| panic!("{e}"));
        let every = [
            ApiError::malformed_field("x", "y"),
            ApiError::Validation(domain::ValidationErrors::single("x", "required", "y")),
            ApiError::Unauthorized("x"),
            ApiError::Forbidden("x"),
            ApiError::NotFound,
            ApiError::Conflict {
                slug: "x",
                detail: String::new(),
            },
            ApiError::Unprocessable {
                slug: "x",
                detail: String::new(),
                fields: Vec::new(),
            },
            ApiError::PreconditionFailed,
            ApiError::PreconditionRequired,
            ApiError::PayloadTooLarge,
            ApiError::UnsupportedMediaType(String::new()),
            ApiError::TooManyRequests(5),
            ApiError::Unavailable(anyhow::anyhow!("x")),
            ApiError::Internal(anyhow::anyhow!("x")),
        ];
        for err in every {
            let problem = err.to_problem();
            for language in [Language::Kk, Language::Ru] {
                assert!(
                    catalogue
                        .entry(language, "problem_title", &problem.title)
                        .is_some(),
                    "{:?} has no words for {:?}",
                    language,
                    problem.title
                );
            }
        }
        let mut problem = serde_json::json!({
            "type": "/problems/too-many-requests",
            "title": "Too many attempts",
            "detail": "try again in 42 seconds",
            "errors": [{"field": "email", "code": "invalid_email", "message": "no"},
                       {"field": "x", "code": "a_code_without_words", "message": "kept"}],
        });
        translate(&mut problem, Language::Ru, &catalogue);
        assert_eq!(problem["title"], "Слишком много попыток");
        assert_eq!(problem["detail"], "Попробуйте снова через 42 с.");
        assert_eq!(
            problem["errors"][0]["message"],
            "Введите адрес электронной почты в виде name@example.kz."
        );
        assert_eq!(problem["errors"][1]["message"], "kept");
    }
}
