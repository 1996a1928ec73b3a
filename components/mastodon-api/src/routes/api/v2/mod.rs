pub mod filters;
pub mod instance;
pub mod notification_groups;
pub mod notification_policy;
pub mod notifications;
pub mod search;
pub mod suggestions;
