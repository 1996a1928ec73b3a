//! Progress bars for the long steps; hidden when stderr is not a terminal
//! (indicatif's default), so scripts and tests see only the outcome.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar counting bytes for `what`.
pub fn bytes(what: &str, total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{msg:>12} [{bar:30}] {bytes}/{total_bytes} ({eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// A counter of bytes for `what` when the total is not known up front.
pub fn bytes_unknown_total(what: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {bytes} ({binary_bytes_per_sec})") {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar
}
