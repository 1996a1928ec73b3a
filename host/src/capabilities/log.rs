//! `aerie:host/log`: guest log lines in the host's log, tagged with the component id.

use wasmtime::component::Linker;

use super::aerie::host::log::{self as wit, Host, Level};
use crate::runtime::state::StoreState;

pub fn add_to_linker(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    wit::add_to_linker::<StoreState, super::StoreData>(linker, |state| state)
}

/// Longest guest log line kept; the rest is cut so a guest cannot flood the log.
const MAX_LINE: usize = 4096;

impl Host for StoreState {
    async fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        let mut message = message;
        if message.len() > MAX_LINE {
            let mut cut = MAX_LINE;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
        }
        let component = &*self.component_id;
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
