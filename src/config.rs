//! Command line and environment: parsed once into values passed to the app,
//! never read from globals.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "clinic-stock",
    version,
    about = "Consumables stock for micro-needling clinics"
)]
pub struct Cli {
    /// Database URL: sqlite://PATH (or a bare path) or postgres://…
    #[arg(
        long,
        global = true,
        env = "CLINIC_STOCK_DATABASE_URL",
        default_value = "sqlite://clinic-stock.db"
    )]
    pub database_url: String,

    /// Outgoing mail server (digest, orders by e-mail):
    /// smtp://user:pass@host:587 (STARTTLS), smtps://user:pass@host:465, or
    /// smtp://host:25?tls=none for a relay on this machine. Without it the
    /// app sends no mail.
    #[arg(
        long,
        global = true,
        env = "CLINIC_STOCK_SMTP_URL",
        hide_env_values = true
    )]
    pub smtp_url: Option<String>,

    /// The sender of that mail, e.g. "Clinic stock <stock@clinic.example>".
    #[arg(long, global = true, env = "CLINIC_STOCK_MAIL_FROM")]
    pub mail_from: Option<String>,

    /// The address people open the app at, for links in mail (the daily
    /// digest), e.g. https://stock.clinic.example. Default: http:// and the
    /// listen address.
    #[arg(long, global = true, env = "CLINIC_STOCK_PUBLIC_URL")]
    pub public_url: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve HTTP (the default).
    Serve(ServeArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Load a realistic demo clinic (or, with --large, a benchmark-size one).
    Demo {
        #[arg(long)]
        large: bool,
        /// Ledger rows of history for --large (for benchmarks at other sizes).
        #[arg(long, hide = true, default_value_t = 1_000_000)]
        ledger_rows: u64,
    },
    /// Verify the ledger invariants.
    Check,
    /// Print the permission table (role × action) as Markdown: the text of
    /// docs/permissions.md. Needs no database.
    Permissions,
    /// Consistent online copy of the database.
    Backup { file: String },
    /// Import a CSV file: suppliers, products, stock (opening stock),
    /// protocols, or locations (sites and their locations).
    Import {
        /// suppliers, products, stock, protocols or locations
        kind: String,
        /// The CSV file (UTF-8, comma or semicolon, a header row).
        file: String,
        /// Site for opening stock (default: main).
        #[arg(long)]
        site: Option<String>,
        /// Check the file and print what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// How to read dates like 03/04/2027 when the file leaves it open:
        /// DD/MM/YYYY or MM/DD/YYYY.
        #[arg(long)]
        date_format: Option<String>,
    },
    /// Write every table the clinic owns as CSV files into DIR (the import
    /// formats where one exists, plus ledger, sessions, orders, …).
    Export { dir: String },
    /// Print today's alert digest of every site (or one), as it would be
    /// mailed; with --send, send it now instead of at the digest time.
    Digest {
        /// One site's digest (its code).
        #[arg(long)]
        site: Option<String>,
        /// Send it now (once a day per site: a day already sent is not
        /// sent again; a failed one is tried again at once).
        #[arg(long)]
        send: bool,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CLINIC_STOCK_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Database connections in the pool (default: 32 on SQLite, 8 on
    /// PostgreSQL; see `Backend::default_pool_size`).
    #[arg(long, env = "CLINIC_STOCK_POOL_SIZE")]
    pub pool_size: Option<u32>,
    /// SQLite `synchronous` level: FULL (default, every commit durable) or NORMAL.
    #[arg(long, env = "CLINIC_STOCK_SQLITE_SYNC", default_value = "FULL")]
    pub sqlite_sync: String,
    /// Mark cookies Secure (set when served over TLS, e.g. behind a proxy).
    #[arg(long, env = "CLINIC_STOCK_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,
    /// HTTP worker threads (default: number of cores).
    #[arg(long, env = "CLINIC_STOCK_WORKERS")]
    pub workers: Option<usize>,
    /// Address of a reverse proxy whose X-Forwarded-For is believed (for
    /// sign-in throttling per client address); repeat or comma-separate for
    /// several. Without it the client address is the socket's peer.
    #[arg(
        long = "trusted-proxy",
        env = "CLINIC_STOCK_TRUSTED_PROXY",
        value_delimiter = ','
    )]
    pub trusted_proxy: Vec<std::net::IpAddr>,
    /// Seconds an idle keep-alive connection stays open (0: close after
    /// each response). Keep it above a reverse proxy's idle timeout for
    /// its upstream connections.
    #[arg(long, env = "CLINIC_STOCK_KEEP_ALIVE", default_value_t = 30)]
    pub keep_alive: u64,
    /// Seconds a client has to send a request's headers; slower ones get
    /// 408 and are disconnected.
    #[arg(long, env = "CLINIC_STOCK_REQUEST_TIMEOUT", default_value_t = 10)]
    pub request_timeout: u64,
    /// Seconds in-flight requests get to finish after SIGTERM or SIGINT
    /// (no new connections are taken meanwhile).
    #[arg(long, env = "CLINIC_STOCK_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            bind: "127.0.0.1:8080".into(),
            pool_size: None,
            sqlite_sync: "FULL".into(),
            secure_cookies: false,
            workers: None,
            trusted_proxy: Vec::new(),
            keep_alive: 30,
            request_timeout: 10,
            shutdown_timeout: 30,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; password from CLINIC_STOCK_PASSWORD, else prompted.
    Add {
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        site: Option<String>,
        /// Where the daily digest goes (managers and admins).
        #[arg(long, value_name = "ADDR")]
        email: Option<String>,
        /// The name people read ("Pia Novak"); default: the login.
        #[arg(long, value_name = "NAME")]
        display_name: Option<String>,
    },
    /// Lift the sign-in lock (and any delay) left by failed logins.
    Unlock { name: String },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print a new API token for that user (only its hash is stored).
    Create {
        name: String,
        /// What the token is for (shown in token lists).
        #[arg(long, default_value = "cli")]
        label: String,
        /// The token stops working after this many days.
        #[arg(long)]
        expires_in_days: Option<String>,
    },
    /// List a user's tokens: id, label, created, last used, expiry, status.
    List { name: String },
    /// Revoke a token by id (see `token list`).
    Revoke { id: i64 },
}

/// What the running web app needs to know.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub database_url: String,
    /// `None`: the backend's default ([`crate::db::Backend::default_pool_size`]).
    pub pool_size: Option<u32>,
    pub synchronous_full: bool,
    pub secure_cookies: bool,
    /// Proxies whose X-Forwarded-For gives the client address.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Connection timeouts of the HTTP server (see [`ServeArgs`]).
    pub timeouts: Timeouts,
    /// Outgoing mail; `None`: no mail is sent (pages say it is not set up).
    pub mail: Option<crate::mail::MailConfig>,
    /// Where people open the app (links in mail), without a trailing slash.
    pub public_url: String,
}

/// The HTTP server's connection timeouts, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub keep_alive: u64,
    pub request: u64,
    pub shutdown: u64,
}

impl AppConfig {
    pub fn new(database_url: &str, serve: &ServeArgs) -> AppConfig {
        AppConfig {
            database_url: database_url.to_string(),
            pool_size: serve.pool_size.map(|n| n.max(1)),
            synchronous_full: !serve.sqlite_sync.eq_ignore_ascii_case("NORMAL"),
            secure_cookies: serve.secure_cookies,
            trusted_proxies: serve.trusted_proxy.clone(),
            timeouts: Timeouts {
                keep_alive: serve.keep_alive,
                request: serve.request_timeout.max(1),
                shutdown: serve.shutdown_timeout,
            },
            mail: None,
            public_url: format!("http://{}", serve.bind),
        }
    }
}

/// Checks `CLINIC_STOCK_PUBLIC_URL`: an http(s) address; the trailing slash
/// is dropped.
pub fn parse_public_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => {
            Ok(url.to_string())
        }
        _ => Err(format!(
            "CLINIC_STOCK_PUBLIC_URL: {url} is not an http:// or https:// address \
             (e.g. https://stock.clinic.example)"
        )),
    }
}
