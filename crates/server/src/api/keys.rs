//! The `Idempotency-Key` header as an operation takes it: the key the middleware claimed
//! for the request, handed to the use case with a renderer for the answer it stores.

use std::sync::{Arc, Mutex, PoisonError};

use persistence::idempotency::{KeyClaim, StoredResponse};
use poem::Request;
use poem::http::StatusCode;
use poem_openapi::registry::{MetaParamIn, MetaSchemaRef, Registry};
use poem_openapi::types::{ToJSON, Type};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use usecases::Remember;

/// The media type of the answers operations store.
const JSON: &str = "application/json; charset=utf-8";

/// The key of one request, as the middleware hands it to the operation.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeySlot {
    claim: Option<KeyClaim>,
    /// The answer the operation's use case stored, sent as the first answer too.
    answer: Arc<Mutex<Option<StoredResponse>>>,
}

impl KeySlot {
    /// A slot for `claim`, without an answer yet.
    pub(crate) fn new(claim: KeyClaim) -> Self {
        Self {
            claim: Some(claim),
            answer: Arc::default(),
        }
    }

    /// The answer the operation stored, once it has.
    pub(crate) fn answer(&self) -> Option<StoredResponse> {
        self.answer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The `Idempotency-Key` header of an operation whose use case stores its answer.
#[derive(Debug, Clone, Default)]
pub struct IdempotencyKey(KeySlot);

impl IdempotencyKey {
    /// The key for the use case, with `render` turning its outcome into the answer stored
    /// and sent; `None` without a key.
    pub fn remember<'a, T>(
        &self,
        render: impl FnOnce(&T) -> StoredResponse + Send + Sync + 'a,
    ) -> Option<Remember<'a, T>> {
        let claim = self.0.claim.clone()?;
        let slot = Arc::clone(&self.0.answer);
        Some(Remember::new(claim, move |outcome: &T| {
            let answer = render(outcome);
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(answer.clone());
            answer
        }))
    }
}

/// An answer without a body.
#[must_use]
pub fn empty_answer(status: StatusCode) -> StoredResponse {
    StoredResponse {
        status: status.as_u16(),
        content_type: None,
        headers: Vec::new(),
        body: String::new(),
    }
}

/// A JSON answer with `status` and, when given, an `ETag`.
#[must_use]
pub fn json_answer<T: ToJSON>(
    status: StatusCode,
    etag: Option<String>,
    body: &T,
) -> StoredResponse {
    StoredResponse {
        status: status.as_u16(),
        content_type: Some(JSON.to_owned()),
        headers: etag
            .map(|tag| ("etag".to_owned(), tag))
            .into_iter()
            .collect(),
        body: body.to_json_string(),
    }
}

impl<'a> ApiExtractor<'a> for IdempotencyKey {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::Parameter];
    type ParamType = Option<String>;
    type ParamRawType = Option<String>;

    fn register(registry: &mut Registry) {
        <Option<String> as Type>::register(registry);
    }

    fn param_in() -> Option<MetaParamIn> {
        Some(MetaParamIn::Header)
    }

    fn param_schema_ref() -> Option<MetaSchemaRef> {
        Some(<Option<String> as Type>::schema_ref())
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut poem::RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        Ok(Self(
            request
                .extensions()
                .get::<KeySlot>()
                .cloned()
                .unwrap_or_default(),
        ))
    }
}
