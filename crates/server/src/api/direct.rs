//! A JSON response body written by serde straight from the response type, for the hottest
//! reads: poem-openapi's `Json` first builds a `serde_json::Value` tree (a map with owned
//! keys per object) and then writes that. The document describes it by the same schema,
//! and tests hold both renderings equal.

use chrono::{DateTime, Utc};
use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::{Json, Payload};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::{Serialize, Serializer};

const JSON: &str = "application/json; charset=utf-8";

/// A body of `T`, described as `T`'s schema and written by `T`'s `Serialize`.
#[derive(Debug)]
pub struct SerdeJson<T>(pub T);

impl<T: Type> Payload for SerdeJson<T> {
    const CONTENT_TYPE: &'static str = JSON;

    fn check_content_type(content_type: &str) -> bool {
        <Json<T> as Payload>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Serialize + Send> IntoResponse for SerdeJson<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => Response::builder().content_type(JSON).body(body),
            Err(err) => {
                tracing::error!(error = %err, "a response could not be written");
                Response::builder()
                    .status(StatusCode::INTERNAL_SERVER_ERROR)
                    .finish()
            }
        }
    }
}

/// An instant as poem-openapi writes it (`to_rfc3339`, offset `+00:00`).
///
/// # Errors
/// Those of the serializer.
pub fn instant<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&at.to_rfc3339())
}

/// An optional instant as poem-openapi writes it; pair with `skip_serializing_if`.
///
/// # Errors
/// Those of the serializer.
pub fn optional_instant<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => instant(at, serializer),
        None => serializer.serialize_none(),
    }
}
