//! Page structs for askama, one per page, grouped by area like `routes/`.
//! Each carries a [`Frame`]: what the base layout needs (title, navigation
//! for the user's role, CSRF token, flash message).

pub mod account;
pub mod admin;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod charts;
pub mod clinic;
pub mod clinical_admin;
pub mod counts;
pub mod digest;
pub mod errors;
pub mod filters;
pub mod follow_ups;
pub mod form;
pub mod frame;
pub mod home;
pub mod import;
pub mod ledger;
pub mod lot_reactions;
pub mod lots;
pub mod order_mail;
pub mod orders;
pub mod pager;
pub mod products;
pub mod protocols;
pub mod receipts;
pub mod receive;
pub mod reports;
pub mod session_confirm;
pub mod session_list;
pub mod sessions;
pub mod sites_admin;
pub mod stock;
pub mod usage;
pub mod usage_export;
pub mod usage_reactions;
pub mod write_off;

pub use frame::Frame;
