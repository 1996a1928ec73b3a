//! Who hears about a status on the streaming API: moved to the guest SDK
//! (`aerie_guest::stream_audience`), shared with the inbox component.

pub use aerie_guest::stream_audience::*;
