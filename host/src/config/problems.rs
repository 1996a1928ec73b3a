//! Configuration problems: each names the key, where it came from, and the fix.

use std::fmt;

/// One thing wrong with the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The dotted key, e.g. `server.listen`.
    pub key: String,
    /// Where the value came from: a file path or an environment variable.
    pub source: String,
    pub message: String,
    pub fix: String,
}

/// Every problem found, reported together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn push(&mut self, key: impl Into<String>, source: impl Into<String>, message: impl Into<String>, fix: impl Into<String>) {
        self.0.push(Problem { key: key.into(), source: source.into(), message: message.into(), fix: fix.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn extend(&mut self, other: Problems) {
        self.0.extend(other.0);
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (from {}): {}\n    fix: {}", self.key, self.source, self.message, self.fix)
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(f, "the configuration has {n} problem{}:", if n == 1 { "" } else { "s" })?;
        for problem in &self.0 {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}
