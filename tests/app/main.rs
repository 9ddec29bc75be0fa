//! The integration suite: one binary, one module per capability. Every test
//! runs against a real server on a fresh database: a temporary SQLite file,
//! or with `CLINIC_STOCK_TEST_BACKEND=postgres` a fresh PostgreSQL database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures;
mod movements_fixtures;
mod server_process;
mod support;

mod access_docs;
mod access_matrix;
mod access_sites;
mod access_sites_world;
mod api_movements;
mod architecture;
mod audit_log;
mod audit_pages;
mod audit_signin;
mod browser;
mod clock_days;
mod demo;
mod edges_csv;
mod edges_hostile;
mod edges_hostile_table;
mod edges_inputs;
mod foundation_auth;
mod foundation_db;
mod foundation_schema;
mod import_cli;
mod import_page;
mod import_roundtrip;
mod login_throttle;
mod login_tokens;
mod ops_crash_drill;
mod ops_server;
mod ops_two_servers;
mod reports_fixtures;
mod reports_orders;
mod reports_reorder;
mod reports_reorder_exact;
mod reports_usage;
mod sessions_api;
mod sessions_concurrency;
mod sessions_demo;
mod sessions_fefo_ties;
mod sessions_fixtures;
mod sessions_pages;
mod stock_catalog_api;
mod stock_counts;
mod stock_dashboard;
mod stock_ledger;
mod stock_lots;
mod stock_movements;
mod stock_pages;
mod stock_receive;
mod stock_receive_labels;
mod webdriver;
