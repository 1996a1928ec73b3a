//! `aerie admin accounts …`: create, modify, delete and list local accounts, like
//! Mastodon's `tootctl accounts`. Works while the server runs (it goes through the
//! database, and leases its own id tag so its ids never collide with a node's).

use std::sync::Arc;

use clap::Subcommand;

use crate::auth::accounts::{self, Changes, NewAccount};
use crate::auth::secrets;
use crate::identity;
use crate::ids::{self, IdGenerator};
use crate::startup::{self, GlobalArgs};

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Create a local account; prints a generated password when none is given.
    Create {
        /// The username (letters, digits, underscores).
        name: String,
        #[arg(long)]
        email: String,
        /// The password; generated and printed when omitted.
        #[arg(long)]
        password: Option<String>,
        /// user, moderator or admin.
        #[arg(long, default_value = "user")]
        role: String,
        /// Mark the email confirmed, so the account can log in right away.
        #[arg(long)]
        confirmed: bool,
    },
    /// Change a local account's email, role, password or state.
    Modify {
        name: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        role: Option<String>,
        /// Set this password (ends the account's sessions).
        #[arg(long, conflicts_with = "reset_password")]
        password: Option<String>,
        /// Generate a new password and print it (ends the account's sessions).
        #[arg(long)]
        reset_password: bool,
        /// Mark the email confirmed.
        #[arg(long)]
        confirm: bool,
        /// Approve a pending sign-up.
        #[arg(long)]
        approve: bool,
        /// Stop the account from logging in.
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        /// Let a disabled account log in again.
        #[arg(long)]
        enable: bool,
    },
    /// Delete a local account: login, keys, tokens and posts; the name stays taken.
    Delete { name: String },
    /// List local accounts.
    List,
}

pub async fn run(global: &GlobalArgs, command: &AccountsCommand) -> anyhow::Result<()> {
    let instance = startup::open_instance(global, true).await?;
    let db = &instance.database;
    let result = async {
        match command {
            AccountsCommand::Create { name, email, password, role, confirmed } => {
                // The account URIs are built from the domain: it must be recorded first.
                identity::check(db, &instance.config, &instance.paths.config_file, true).await?;
                identity::sync_settings(db, &instance.config).await?;
                let generated = password.is_none().then(secrets::random_password);
                let password = password.as_deref().or(generated.as_deref()).unwrap_or_default();
                let node = format!("cli-{}", startup::node_name());
                let tag = ids::claim_node_tag(db, &node).await?;
                let generator = Arc::new(IdGenerator::new(tag));
                let base_url = identity::account_base(db, &instance.config).await?;
                let created = accounts::create_local(
                    db,
                    &generator,
                    NewAccount { username: name, email, password, role, confirmed: *confirmed, base_url: &base_url },
                )
                .await;
                let _ = ids::release_node_tag(db, &node, tag).await;
                let id = created?;
                println!("aerie: created @{name}@{} (id {id}, role {role})", instance.config.domain());
                if let Some(generated) = generated {
                    println!("New password: {generated}");
                }
                if !confirmed {
                    println!("The account is not confirmed; it can log in after `aerie admin accounts modify {name} --confirm`.");
                }
            }
            AccountsCommand::Modify { name, email, role, password, reset_password, confirm, approve, disable, enable } => {
                let id = accounts::local_id(db, name).await?;
                let generated = reset_password.then(secrets::random_password);
                let changes = Changes {
                    email: email.as_deref(),
                    role: role.as_deref(),
                    password: password.as_deref().or(generated.as_deref()),
                    confirm: *confirm,
                    approve: *approve,
                    disabled: if *disable {
                        Some(true)
                    } else if *enable {
                        Some(false)
                    } else {
                        None
                    },
                };
                accounts::modify(db, id, changes).await?;
                println!("aerie: updated @{name}");
                if let Some(generated) = generated {
                    println!("New password: {generated}");
                }
            }
            AccountsCommand::Delete { name } => {
                let id = accounts::local_id(db, name).await?;
                accounts::delete(db, id).await?;
                println!("aerie: deleted @{name}");
            }
            AccountsCommand::List => {
                let listed = accounts::list(db).await?;
                println!("{:<30} {:<32} {:<10} {:<10} {:<8}", "USERNAME", "EMAIL", "ROLE", "CONFIRMED", "STATE");
                for a in &listed {
                    println!(
                        "{:<30} {:<32} {:<10} {:<10} {:<8}",
                        a.username,
                        a.email,
                        a.role,
                        if a.confirmed { "yes" } else { "no" },
                        if a.disabled { "disabled" } else { "active" }
                    );
                }
                println!("{} account(s)", listed.len());
            }
        }
        anyhow::Ok(())
    }
    .await;
    db.close().await;
    result
}
