//! One function per use case; each runs in one transaction (`db::write_tx`
//! for writes) and returns a `ServiceResult`. Services never see HTTP; routes
//! and the command line call them with a connection and an `Actor`.

pub mod accounts;
pub mod bootstrap;
pub mod catalog;
pub mod demo;
pub mod maintenance;
pub mod order_receipts;
pub mod orders;
pub mod protocols;
pub mod receiving;
pub mod reorder;
pub mod sessions;
pub mod settings;
pub mod sites;
pub mod stock;
pub mod usage;
