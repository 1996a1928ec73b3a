//! Errors the operator must fix (configuration, permissions, identity): printed with
//! the fix, exit code 2. Everything else is a plain error with exit code 1.

use std::fmt;

/// A problem with the setup, with what to do about it.
#[derive(Debug)]
pub struct OperatorError {
    pub message: String,
    pub fix: String,
}

impl OperatorError {
    pub fn new(message: impl Into<String>, fix: impl Into<String>) -> OperatorError {
        OperatorError { message: message.into(), fix: fix.into() }
    }
}

impl fmt::Display for OperatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.fix.is_empty() { write!(f, "{}", self.message) } else { write!(f, "{}\n  fix: {}", self.message, self.fix) }
    }
}

impl std::error::Error for OperatorError {}

/// Exit code for errors the operator must fix.
pub const EXIT_OPERATOR: i32 = 2;
