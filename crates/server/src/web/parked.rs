//! Forms posted after the sender's sign-in ended (a month without a visit, a sign-out in
//! another tab, a password reset): what was typed is kept, the sender signs in, and the
//! form comes back filled, to be checked and saved again. Only a form this browser was
//! served (its form token holds) is kept, never its passwords or tokens, for a day, and it
//! comes back once, to the page it was posted from.

use std::collections::BTreeMap;

use poem::{Request, Response};

use super::visit::Visit;
use super::{csrf, failure};
use crate::error::ApiError;
use crate::state::AppState;

/// Fields never kept.
const NEVER_KEPT: &[&str] = &["csrf", "once", "password", "current_password"];

/// Keeps `fields`, posted to be shown again at `path`, and sends the sender to sign in,
/// then back to `path` with them.
pub async fn park(
    state: &AppState,
    visit: &Visit,
    path: &str,
    fields: &BTreeMap<String, String>,
) -> Response {
    let kept: BTreeMap<&String, &String> = fields
        .iter()
        .filter(|(name, _)| !NEVER_KEPT.contains(&name.as_str()))
        .collect();
    let parked = async {
        let token = csrf::fresh()
            .map_err(|e| ApiError::internal(anyhow::anyhow!("random source failed: {e}")))?;
        let json = serde_json::to_string(&kept).map_err(ApiError::internal)?;
        state
            .store
            .park_form(&token, path, &json, state.clock.now())
            .await?;
        Ok::<_, ApiError>(token)
    };
    match parked.await {
        Ok(token) => {
            let back = format!("{path}?parked={token}");
            visit.redirect(&failure::sign_in_path(&back, true))
        }
        Err(err) => failure::page(state, visit, err),
    }
}

/// The fields parked for `path` under the `parked` token of `req`'s query, if any; they are
/// then forgotten.
pub async fn take(state: &AppState, req: &Request, path: &str) -> Option<BTreeMap<String, String>> {
    let token = url::form_urlencoded::parse(req.uri().query()?.as_bytes())
        .find(|(key, _)| key == "parked")
        .map(|(_, value)| value.into_owned())?;
    match state
        .store
        .take_parked_form(&token, path, state.clock.now())
        .await
    {
        Ok(Some(json)) => serde_json::from_str(&json).ok(),
        Ok(None) => None,
        Err(err) => {
            tracing::warn!(error = %err, "reading a parked form failed");
            None
        }
    }
}
