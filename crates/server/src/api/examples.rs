//! Examples of every request body and main response, kept in `examples.json` and placed
//! on their schemas in the document. The tests parse each example with its Rust type and
//! compare what it writes back, so an example that no longer fits its type fails, and
//! they check that every operation's body and main answer has one.

use serde_json::Value;

/// The examples, by schema name.
const EXAMPLES: &str = include_str!("examples.json");

/// Puts each example on its schema in `doc`.
pub(super) fn add(doc: &mut Value) {
    let examples: serde_json::Map<String, Value> = serde_json::from_str(EXAMPLES)
        .unwrap_or_else(|err| panic!("examples.json is not a JSON object: {err}"));
    let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") else {
        return;
    };
    for (name, example) in examples {
        if let Some(Value::Object(schema)) = schemas.get_mut(&name) {
            schema.insert("example".to_owned(), example);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use poem_openapi::types::{ParseFromJSON, ToJSON, Type};
    use serde_json::{Map, Value, json};

    use super::EXAMPLES;

    /// The structure of `value`: objects keep their non-null members, arrays their items,
    /// and every scalar becomes its kind.
    fn shape(value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), shape(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
            Value::String(_) => json!("string"),
            Value::Number(_) => json!("number"),
            Value::Bool(_) => json!("boolean"),
            Value::Null => Value::Null,
        }
    }

    /// Parses the example of `T` with `T` and writes it back: the same structure, or why not.
    fn fits<T: ParseFromJSON + ToJSON + Type>(
        examples: &Map<String, Value>,
    ) -> (String, Result<(), String>) {
        let name = T::name().into_owned();
        let Some(example) = examples.get(&name) else {
            return (name, Err("no example".to_owned()));
        };
        let outcome = T::parse_from_json(Some(example.clone()))
            .map_err(|err| format!("does not parse: {}", err.into_message()))
            .and_then(|parsed| {
                let back = parsed.to_json().unwrap_or_default();
                if shape(&back) == shape(example) {
                    Ok(())
                } else {
                    Err(format!("reads back as {back}"))
                }
            });
        (name, outcome)
    }

    fn examples() -> Map<String, Value> {
        serde_json::from_str(EXAMPLES).unwrap_or_else(|err| panic!("examples.json: {err}"))
    }

    #[test]
    fn every_example_fits_its_type_and_every_example_is_checked() {
        let examples = examples();
        let checked = [
            fits::<super::super::organizations::AddMemberRequest>(&examples),
            fits::<super::super::reviews::AddReviewerRequest>(&examples),
            fits::<super::super::decisions::ApproveRequest>(&examples),
            fits::<super::super::reviews::AssignRequest>(&examples),
            fits::<super::super::reviews::AutoAssignRequest>(&examples),
            fits::<super::super::reviews::ConflictRequest>(&examples),
            fits::<super::super::applications::dto::ContentBody>(&examples),
            fits::<super::super::applications::dto::CreateApplicationRequest>(&examples),
            fits::<super::super::calls::CreateCallRequest>(&examples),
            fits::<super::super::organizations::CreateOrganizationRequest>(&examples),
            fits::<super::super::users::CreateUserRequest>(&examples),
            fits::<super::super::decisions::DecisionsRequest>(&examples),
            fits::<super::super::reviews::DeclineRequest>(&examples),
            fits::<super::super::accounts::LoginRequest>(&examples),
            fits::<super::super::accounts::LogoutRequest>(&examples),
            fits::<super::super::me::PasswordChange>(&examples),
            fits::<super::super::accounts::PasswordResetConfirmation>(&examples),
            fits::<super::super::accounts::PasswordResetRequest>(&examples),
            fits::<super::super::me::ProfilePatch>(&examples),
            fits::<super::super::applications::dto::ReasonRequest>(&examples),
            fits::<super::super::accounts::RefreshRequest>(&examples),
            fits::<super::super::accounts::RegisterRequest>(&examples),
            fits::<super::super::reviews::ReopenRequest>(&examples),
            fits::<super::super::reviews::ReviewBody>(&examples),
            fits::<super::super::applications::dto::RevisionRequest>(&examples),
            fits::<super::super::calls::UpdateCallRequest>(&examples),
            fits::<super::super::organizations::UpdateOrganizationRequest>(&examples),
            fits::<super::super::users::UpdateUserRequest>(&examples),
            fits::<super::super::accounts::VerifyEmailRequest>(&examples),
            fits::<super::super::accounts::VerifyEmailNumberRequest>(&examples),
            fits::<super::super::organizations::VerifyOrganizationRequest>(&examples),
            fits::<super::super::decisions::WaitlistRequest>(&examples),
            fits::<super::super::applications::dto::ApplicationPage>(&examples),
            fits::<super::super::applications::dto::ApplicationResponse>(&examples),
            fits::<super::super::reviews::AssignmentPage>(&examples),
            fits::<super::super::reviews::AssignmentResponse>(&examples),
            fits::<super::super::reviews::AutoAssignResponse>(&examples),
            fits::<super::super::calls::CallPage>(&examples),
            fits::<super::super::calls::CallResponse>(&examples),
            fits::<super::super::reviews::ConflictResponse>(&examples),
            fits::<super::super::decisions::DecisionsResponse>(&examples),
            fits::<super::super::decisions::FeedbackResponse>(&examples),
            fits::<super::super::applications::dto::HistoryEntry>(&examples),
            fits::<super::super::invitations::InvitationResponse>(&examples),
            fits::<super::super::organizations::MemberResponse>(&examples),
            fits::<super::super::organizations::OrganizationPage>(&examples),
            fits::<super::super::organizations::OrganizationResponse>(&examples),
            fits::<super::super::outbox::OutboxMail>(&examples),
            fits::<super::super::outbox::OutboxPage>(&examples),
            fits::<super::super::accounts::PasswordResetStarted>(&examples),
            fits::<super::super::reviews::PoolMemberResponse>(&examples),
            fits::<super::super::decisions::RankingResponse>(&examples),
            fits::<super::super::accounts::RegistrationAccepted>(&examples),
            fits::<super::super::reviews::ReviewView>(&examples),
            fits::<super::super::accounts::TokenResponse>(&examples),
            fits::<super::super::users::UserPage>(&examples),
            fits::<super::super::accounts::UserResponse>(&examples),
        ];
        let failures: Vec<String> = checked
            .iter()
            .filter_map(|(name, outcome)| {
                outcome.as_ref().err().map(|why| format!("{name}: {why}"))
            })
            .collect();
        assert!(failures.is_empty(), "{failures:#?}");
        let names: BTreeSet<&str> = checked.iter().map(|(name, _)| name.as_str()).collect();
        let unchecked: Vec<&String> = examples
            .keys()
            .filter(|k| !names.contains(k.as_str()))
            .collect();
        assert!(
            unchecked.is_empty(),
            "examples without a type to check them: {unchecked:?}"
        );
    }

    /// The schema an operation's body or answer refers to, directly or as array items.
    fn referred(media: &Value) -> Option<String> {
        let schema = media.get("schema")?;
        let schema = schema.get("items").unwrap_or(schema);
        let reference = schema.get("$ref")?.as_str()?;
        reference.rsplit('/').next().map(str::to_owned)
    }

    #[test]
    fn every_body_and_main_answer_has_an_example() {
        let doc: Value = serde_json::from_str(super::super::document::json())
            .unwrap_or_else(|err| panic!("{err}"));
        let schemas = &doc["components"]["schemas"];
        let mut missing = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                let bodies = operation["requestBody"]["content"]
                    .as_object()
                    .into_iter()
                    .flatten();
                let answers = operation["responses"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(status, _)| status.starts_with('2'))
                    .flat_map(|(_, answer)| answer["content"].as_object().into_iter().flatten());
                for (media_type, media) in bodies.chain(answers) {
                    if !media_type.starts_with("application/json") {
                        continue;
                    }
                    let Some(name) = referred(media) else {
                        continue;
                    };
                    if schemas[&name]["example"].is_null() {
                        missing.push(format!("{method} {path}: {name}"));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "without an example: {missing:#?}");
    }
}
