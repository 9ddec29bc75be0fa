//! One function per use case; each runs in one transaction (`db::write_tx`
//! for writes) and returns a `ServiceResult`. Services never see HTTP; routes
//! and the command line call them with a connection and an `Actor`.

pub mod accounts;
pub mod adjustments;
pub mod alerts;
pub mod areas;
pub mod audit;
pub mod bootstrap;
pub mod catalog;
pub mod counts;
pub mod dashboard;
pub mod dashboard_cache;
pub mod dashboard_lots;
pub mod digest;
pub mod export;
pub mod first_steps;
pub mod health;
pub mod import;
pub mod ledger;
pub mod lots;
pub mod maintenance;
pub mod needle_ranges;
pub mod orders;
pub mod product_stock;
pub mod profile;
pub mod protocols;
pub mod reactions;
pub mod receipt_corrections;
pub mod receipts;
pub mod receive_preview;
pub mod receiving;
pub mod reorder;
pub mod scan;
pub mod scope;
pub mod sessions;
pub mod settings;
pub mod setup;
pub mod signin;
pub mod sites;
pub mod stock;
pub mod stock_value;
pub mod tokens;
pub mod transfers;
pub mod usage;
pub mod users;
pub mod write_off;
