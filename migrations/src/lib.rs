//! Schema migrations of the grant service, portable across SQLite and PostgreSQL.
//!
//! A migration never changes once released: later changes come as new migrations, and a
//! NOT NULL column added to an existing table always carries a default.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_accounts;
mod m20261126_000002_organizations;
mod m20261126_000003_calls_and_applications;
mod m20261126_000004_reviews;
mod m20261126_000005_outbox;
mod m20261126_000006_rate_limits;
mod m20261127_000007_email_verification;
mod m20261202_000008_disabled_accounts;
mod m20261202_000009_password_reset;
mod m20261203_000010_registrations;
mod m20261203_000011_organization_verification;
mod m20261203_000012_invitations;
mod m20261203_000013_application_list_order;
mod m20261203_000014_call_translations;
mod m20261203_000015_form_tokens;
mod m20261203_000016_parked_forms;
mod m20261203_000017_confirmation_tries;

/// Runs every migration in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_accounts::Migration),
            Box::new(m20261126_000002_organizations::Migration),
            Box::new(m20261126_000003_calls_and_applications::Migration),
            Box::new(m20261126_000004_reviews::Migration),
            Box::new(m20261126_000005_outbox::Migration),
            Box::new(m20261126_000006_rate_limits::Migration),
            Box::new(m20261127_000007_email_verification::Migration),
            Box::new(m20261202_000008_disabled_accounts::Migration),
            Box::new(m20261202_000009_password_reset::Migration),
            Box::new(m20261203_000010_registrations::Migration),
            Box::new(m20261203_000011_organization_verification::Migration),
            Box::new(m20261203_000012_invitations::Migration),
            Box::new(m20261203_000013_application_list_order::Migration),
            Box::new(m20261203_000014_call_translations::Migration),
            Box::new(m20261203_000015_form_tokens::Migration),
            Box::new(m20261203_000016_parked_forms::Migration),
            Box::new(m20261203_000017_confirmation_tries::Migration),
        ]
    }
}
