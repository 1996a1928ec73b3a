pub mod filters;
pub mod instance;
pub mod notifications;
pub mod search;
pub mod suggestions;
