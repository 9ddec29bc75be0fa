//! clinic-stock: consumables stock for collagen-induction-therapy clinics.
//!
//! Data flows one way: `routes` (HTTP only) → `services` (one transaction per
//! use case) → `db` (queries); `domain` is pure logic the services call.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod csv_cell;
pub mod db;
pub mod demo;
pub mod digest;
pub mod domain;
pub mod error;
pub mod logging;
pub mod mail;
pub mod order_mail;
pub mod routes;
pub mod server;
pub mod services;
pub mod views;
