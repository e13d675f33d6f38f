//! A JSON request body parsed with serde, so a failure names the exact field path.
//!
//! The schema published in the API document is the type's `poem-openapi` schema; parsing
//! goes through `serde` so that `{"budget_lines":[{"quantity":"x"}]}` fails with the path
//! `budget_lines[0].quantity` rather than a message about the whole object.

use poem::{Request, RequestBody};
use tokio::io::AsyncReadExt;

use crate::bounds::MAX_BODY_BYTES;
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, Type};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ProblemField};

/// A JSON body of type `T`.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        is_json(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + DeserializeOwned + ParseFromJSON> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = read_limited(request, body).await?;
        let parsed = parse(&data)?;
        conforms::<T>(&data)?;
        Ok(JsonBody(parsed))
    }
}

/// Checks the limits the document states (lengths, ranges, patterns), which serde does not
/// know and poem-openapi's own parser enforces.
///
/// # Errors
/// [`ApiError::Validation`] naming a field outside the document's limits.
pub fn conforms<T: ParseFromJSON>(data: &[u8]) -> Result<(), ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(data).map_err(|err| ApiError::Malformed {
            detail: format!("the body is not valid JSON: {err}"),
            fields: Vec::new(),
        })?;
    match T::parse_from_json(Some(value)) {
        Ok(_) => Ok(()),
        Err(err) => {
            let message = err.into_message();
            // Parsed again only on this path, so a valid body is not copied.
            let value = serde_json::from_slice(data).unwrap_or_default();
            let field = field_path(&value, &message);
            Err(ApiError::from(domain::ValidationErrors::single(
                field,
                "out_of_limits",
                message,
            )))
        }
    }
}

/// The path of the field that poem-openapi's `message` is about. Its messages name only
/// the innermost field (`field `description` verification failed. maxLength(500)`), so
/// the body is searched for that name, preferring an occurrence that breaks the named
/// length limit: `budget_lines[2].description` rather than `description`.
fn field_path(value: &serde_json::Value, message: &str) -> String {
    let Some(name) = message
        .split_once("field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(name, _)| name)
    else {
        return String::new();
    };
    let limit = |rule: &str| {
        message
            .split_once(rule)
            .and_then(|(_, rest)| rest.split_once(')'))
            .and_then(|(n, _)| n.parse::<usize>().ok())
    };
    let (max, min) = (limit("maxLength("), limit("minLength("));
    let breaks = |found: &serde_json::Value| {
        found.as_str().is_some_and(|text| {
            let len = text.chars().count();
            max.is_some_and(|max| len > max) || min.is_some_and(|min| len < min)
        })
    };
    let mut paths = Vec::new();
    collect_paths(value, name, String::new(), &mut paths);
    paths
        .iter()
        .find(|(_, found)| breaks(found))
        .or_else(|| paths.first())
        .map_or_else(|| name.to_owned(), |(path, _)| path.clone())
}

/// Every path in `value` whose last key is `name`, in document order, with its value.
fn collect_paths<'v>(
    value: &'v serde_json::Value,
    name: &str,
    prefix: String,
    out: &mut Vec<(String, &'v serde_json::Value)>,
) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                if key == name {
                    out.push((path.clone(), inner));
                }
                collect_paths(inner, name, path, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                collect_paths(inner, name, format!("{prefix}[{index}]"), out);
            }
        }
        serde_json::Value::Null
        | serde_json::Value::Bool(_)
        | serde_json::Value::Number(_)
        | serde_json::Value::String(_) => {}
    }
}

/// Reads the body, refusing one longer than [`MAX_BODY_BYTES`] whether or not it declares
/// its length.
async fn read_limited(request: &Request, body: &mut RequestBody) -> Result<Vec<u8>, ApiError> {
    let declared = request
        .header(poem::http::header::CONTENT_LENGTH)
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return Err(ApiError::PayloadTooLarge);
    }
    let reader = body
        .take()
        .map_err(|_| ApiError::Malformed {
            detail: "the request body is missing".to_owned(),
            fields: Vec::new(),
        })?
        .into_async_read();
    let mut data = Vec::new();
    reader
        .take(MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut data)
        .await
        .map_err(|err| ApiError::Malformed {
            detail: format!("the request body could not be read: {err}"),
            fields: Vec::new(),
        })?;
    if data.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    Ok(data)
}

/// Parses `data` as `T`, naming the failing field.
///
/// # Errors
/// [`ApiError::Malformed`] with the path of the first failing field.
pub fn parse<T: DeserializeOwned>(data: &[u8]) -> Result<T, ApiError> {
    if data.is_empty() {
        return Err(ApiError::Malformed {
            detail: "the request body is empty".to_owned(),
            fields: Vec::new(),
        });
    }
    let mut deserializer = serde_json::Deserializer::from_slice(data);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    let value = parsed.map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = inner.to_string();
        let syntax = matches!(
            inner.classify(),
            serde_json::error::Category::Syntax
                | serde_json::error::Category::Eof
                | serde_json::error::Category::Io
        );
        if syntax {
            ApiError::Malformed {
                detail: format!("the body is not valid JSON: {message}"),
                fields: Vec::new(),
            }
        } else {
            let field = if path == "." { String::new() } else { path };
            let (field, code) = missing_field(&message)
                .map(|name| {
                    let full = if field.is_empty() {
                        name.to_owned()
                    } else {
                        format!("{field}.{name}")
                    };
                    (full, "required")
                })
                .unwrap_or((field, "invalid_type"));
            ApiError::Malformed {
                detail: message.clone(),
                fields: vec![ProblemField {
                    field,
                    code: code.to_owned(),
                    message,
                }],
            }
        }
    })?;
    deserializer.end().map_err(|err| ApiError::Malformed {
        detail: format!("the body is not valid JSON: {err}"),
        fields: Vec::new(),
    })?;
    Ok(value)
}

/// serde reports a missing field at the path of the object that lacks it; name the field.
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}

impl<'a, T: Type + DeserializeOwned + ParseFromJSON> ApiExtractor<'a> for JsonBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <Self as Payload>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: <Self as Payload>::CONTENT_TYPE,
                schema: <Self as Payload>::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        match request.content_type() {
            Some(content_type) if is_json(content_type) => {
                <Self as ParsePayload>::from_request(request, body).await
            }
            other => Err(not_json(other).into()),
        }
    }
}

/// The refusal of a body that does not say it is JSON.
fn not_json(content_type: Option<&str>) -> ApiError {
    ApiError::UnsupportedMediaType(content_type.map_or_else(
        || "the Content-Type header is missing; send application/json".to_owned(),
        |content_type| format!("expected application/json, got {content_type}"),
    ))
}

/// A JSON body of type `T` that may be left out: an empty body is `None`.
#[derive(Debug, Clone)]
pub struct OptionalJsonBody<T>(pub Option<T>);

impl<'a, T: Type + DeserializeOwned + ParseFromJSON> ApiExtractor<'a> for OptionalJsonBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: <JsonBody<T> as Payload>::CONTENT_TYPE,
                schema: T::schema_ref(),
            }],
            required: false,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let data = read_limited(request, body).await?;
        if data.is_empty() {
            return Ok(Self(None));
        }
        match request.content_type() {
            Some(content_type) if is_json(content_type) => {
                let parsed = parse(&data)?;
                conforms::<T>(&data)?;
                Ok(Self(Some(parsed)))
            }
            other => Err(not_json(other).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Line {
        quantity: u32,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        lines: Vec<Line>,
    }

    fn fields(result: Result<Body, ApiError>) -> Vec<(String, String)> {
        match result {
            Err(ApiError::Malformed { fields, .. }) => {
                fields.into_iter().map(|f| (f.field, f.code)).collect()
            }
            other => panic!("expected malformed, got {other:?}"),
        }
    }

    #[test]
    fn a_limit_broken_inside_an_array_names_the_element() {
        let body = serde_json::json!({
            "title": "ok",
            "budget_lines": [
                {"description": "short"},
                {"description": "x".repeat(501)}
            ]
        });
        let message = "failed to parse \"BudgetLineBody\": field `description` verification \
                       failed. maxLength(500) (occurred while parsing \"Vec<BudgetLineBody>\")";
        assert_eq!(field_path(&body, message), "budget_lines[1].description");
        let top = serde_json::json!({"title": "x".repeat(301)});
        assert_eq!(
            field_path(&top, "field `title` verification failed. maxLength(300)"),
            "title"
        );
        assert_eq!(field_path(&top, "something else"), "");
    }

    #[test]
    fn wrong_type_names_the_nested_path() {
        let result = parse::<Body>(br#"{"name":"a","lines":[{"quantity":1},{"quantity":"x"}]}"#);
        assert_eq!(
            fields(result),
            vec![("lines[1].quantity".to_owned(), "invalid_type".to_owned())]
        );
    }

    #[test]
    fn missing_field_is_named() {
        assert_eq!(
            fields(parse::<Body>(br#"{"lines":[]}"#)),
            vec![("name".to_owned(), "required".to_owned())]
        );
        assert_eq!(
            fields(parse::<Body>(br#"{"name":"a","lines":[{}]}"#)),
            vec![("lines[0].quantity".to_owned(), "required".to_owned())]
        );
    }

    #[test]
    fn broken_json_has_no_field() {
        assert_eq!(
            fields(parse::<Body>(br#"{"name":"#)),
            Vec::<(String, String)>::new()
        );
        assert_eq!(
            fields(parse::<Body>(br#"{"name":"a","lines":[]} trailing"#)),
            Vec::<(String, String)>::new()
        );
    }

    #[derive(Debug, poem_openapi::Object)]
    struct Limited {
        #[oai(validator(max_length = 5))]
        name: String,
        nickname: Option<String>,
    }

    #[test]
    fn a_null_is_an_absent_optional_field() {
        assert!(conforms::<Limited>(br#"{"name":"a","nickname":null}"#).is_ok());
        assert!(conforms::<Limited>(br#"{"name":"a"}"#).is_ok());
    }

    #[test]
    fn the_documents_limits_are_enforced() {
        match conforms::<Limited>(br#"{"name":"abcdef"}"#) {
            Err(ApiError::Validation(errors)) => {
                let text = format!("{errors:?}");
                assert!(
                    text.contains("name") && text.contains("maxLength"),
                    "{text}"
                );
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }
}
