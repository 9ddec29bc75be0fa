//! Page structs for askama, one per page, grouped by area like `routes/`.
//! Each carries a [`Frame`]: what the base layout needs (title, navigation
//! for the user's role, CSRF token, flash message).

pub mod admin;
pub mod auth;
pub mod charts;
pub mod errors;
pub mod frame;
pub mod home;
pub mod orders;
pub mod reports;
pub mod usage;
pub mod usage_export;

pub use frame::Frame;
