//! `aerie:host/log`: guest log lines in the host's log, tagged with the component id.

use wasmtime::component::{HasData, Linker};

use super::aerie::host::log::{self as wit, Host, Level};
use super::{Capability, Grant, Setup, States};
use crate::config::Grants;
use crate::runtime::state::StoreState;

/// The capability: `grants.log` (on by default).
pub struct Log;

/// What the `Host` impl works on: the id lines are tagged with.
pub struct LogView<'a> {
    pub component: &'a str,
}

struct Data;

impl HasData for Data {
    type Data<'a> = LogView<'a>;
}

impl Capability for Log {
    fn name(&self) -> &'static str {
        "log"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["aerie:host/log"]
    }

    fn grant(&self) -> Grant {
        Grant::Switch("log")
    }

    fn granted(&self, grants: &Grants) -> bool {
        grants.log
    }

    fn add_to_linker(&self, linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
        wit::add_to_linker::<StoreState, Data>(linker, |state| LogView { component: &state.component_id })
    }

    fn set_up(&self, _: &Setup<'_>, _: &mut States) {}
}

/// Longest guest log line kept; the rest is cut so a guest cannot flood the log.
const MAX_LINE: usize = 4096;

/// `message` cut to at most [`MAX_LINE`] bytes, at a character boundary.
fn cut(mut message: String) -> String {
    if message.len() > MAX_LINE {
        let mut cut = MAX_LINE;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
    }
    message
}

impl Host for LogView<'_> {
    async fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        let message = cut(message);
        let component = self.component;
        match level {
            Level::Trace => tracing::trace!(component, "{message}"),
            Level::Debug => tracing::debug!(component, "{message}"),
            Level::Info => tracing::info!(component, "{message}"),
            Level::Warn => tracing::warn!(component, "{message}"),
            Level::Error => tracing::error!(component, "{message}"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn long_lines_are_cut_at_a_character_boundary() {
        let line = "é".repeat(MAX_LINE);
        let kept = cut(line);
        assert!(kept.len() <= MAX_LINE && kept.len() > MAX_LINE - 2);
        assert_eq!(cut("short".into()), "short");
        LogView { component: "probe" }.log(Level::Info, "hello".into()).await.unwrap();
    }
}
