//! Validation failures that name the field they belong to.

use std::fmt;

/// One failing field: its JSON path, a stable machine code and a human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field in the request body, e.g. `budget_lines[2].unit_cost`.
    pub field: String,
    /// Stable code a client can switch on, e.g. `too_long`.
    pub code: &'static str,
    /// Explanation for a person.
    pub message: String,
}

/// Every field that failed validation in one request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationErrors(Vec<FieldError>);

impl ValidationErrors {
    /// An empty collection to push failures into.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A collection holding one failure.
    #[must_use]
    pub fn single(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        let mut errors = Self::new();
        errors.push(field, code, message);
        errors
    }

    /// Records a failure of `field`.
    pub fn push(
        &mut self,
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) {
        self.0.push(FieldError {
            field: field.into(),
            code,
            message: message.into(),
        });
    }

    /// Runs a parser and records its failure under `field`, returning the value on success.
    pub fn check<T, E: FieldProblem>(&mut self, field: &str, parsed: Result<T, E>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(err) => {
                self.push(field, err.code(), err.to_string());
                None
            }
        }
    }

    /// The failures recorded so far.
    #[must_use]
    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    /// Whether no failure was recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing failed.
    ///
    /// # Errors
    /// Returns `self` when at least one failure was recorded.
    pub fn into_result(self) -> Result<(), Self> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: Vec<&str> = self.0.iter().map(|e| e.field.as_str()).collect();
        write!(f, "invalid fields: {}", fields.join(", "))
    }
}

impl std::error::Error for ValidationErrors {}

/// A parse error that knows its stable code.
pub trait FieldProblem: fmt::Display {
    /// Stable machine-readable code for this failure.
    fn code(&self) -> &'static str;
}
