pub mod instance;
pub mod notifications;
