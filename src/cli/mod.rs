//! The subcommands of API.md. Each opens the database (migrations and the
//! default site run first), calls services, prints, and returns an exit code.

use std::net::TcpListener;

use crate::app::AppState;
use crate::config::{AppConfig, Cli, Command, ServeArgs, TokenCommand, UserCommand};
use crate::db::DbConn;
use crate::demo;
use crate::error::ServiceError;
use crate::logging::{complain, say};
use crate::mail::MailConfig;
use crate::services::{accounts, bootstrap, maintenance, signin, tokens};

mod digest;
mod transfer;

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs::default()));
    if let Command::Permissions = command {
        print!("{}", crate::domain::access::permissions_markdown());
        return 0;
    }
    let serve_args = match &command {
        Command::Serve(a) => a.clone(),
        _ => ServeArgs {
            pool_size: Some(2),
            ..ServeArgs::default()
        },
    };
    let mut config = AppConfig::new(&cli.database_url, &serve_args);
    config.mail = match MailConfig::parse(cli.smtp_url.as_deref(), cli.mail_from.as_deref()) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if let Some(url) = cli.public_url.as_deref() {
        match crate::config::parse_public_url(url) {
            Ok(u) => config.public_url = u,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    }
    let state = match AppState::open(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let mut conn = match state.pool.get() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: database: {e}");
            return 2;
        }
    };
    if let Err(e) = bootstrap::ensure_defaults(&mut conn) {
        eprintln!("error: {e}");
        return 2;
    }
    let result = match command {
        Command::Serve(args) => {
            drop(conn);
            return serve(state, &args);
        }
        Command::User(UserCommand::Add {
            name,
            role,
            site,
            email,
            display_name,
        }) => user_add(
            &mut conn,
            accounts::NewUser {
                username: name,
                password: String::new(),
                role,
                site,
                display_name,
                email,
            },
        ),
        Command::User(UserCommand::Unlock { name }) => user_unlock(&mut conn, &name),
        Command::Token(TokenCommand::Create {
            name,
            label,
            expires_in_days,
        }) => token_create(&mut conn, name, label, expires_in_days),
        Command::Token(TokenCommand::List { name }) => token_list(&mut conn, &name),
        Command::Token(TokenCommand::Revoke { id }) => token_revoke(&mut conn, id),
        Command::Demo { large, ledger_rows } => {
            demo::run(&mut conn, &demo::DemoOptions { large, ledger_rows }).map(|summary| {
                println!("{summary}");
            })
        }
        Command::Check => return check(&mut conn),
        Command::Permissions => Ok(()),
        Command::Backup { file } => maintenance::backup(&mut conn, &file).map(|()| {
            println!("backup written to {file}");
        }),
        Command::Import {
            kind,
            file,
            site,
            dry_run,
            date_format,
        } => {
            return transfer::import(
                &mut conn,
                &transfer::ImportArgs {
                    kind,
                    file,
                    site,
                    dry_run,
                    date_format,
                },
            );
        }
        Command::Export { dir } => return transfer::export(&mut conn, &dir),
        Command::Digest { site, send } => {
            return digest::run(&state, &mut conn, site.as_deref(), send);
        }
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {}", e.public_message_or_detail());
            1
        }
    }
}

impl ServiceError {
    /// On the command line the operator may see the detail of internal errors.
    fn public_message_or_detail(&self) -> String {
        match self {
            ServiceError::Db(_) | ServiceError::Internal(_) => self.to_string(),
            other => other.public_message(),
        }
    }
}

fn user_add(conn: &mut DbConn, mut input: accounts::NewUser) -> Result<(), ServiceError> {
    let name = input.username.clone();
    let password = match std::env::var("CLINIC_STOCK_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let p = rpassword::prompt_password(format!("Password for {name}: "))
                .map_err(|e| ServiceError::BadRequest(format!("cannot read password: {e}")))?;
            let again = rpassword::prompt_password("Again: ")
                .map_err(|e| ServiceError::BadRequest(format!("cannot read password: {e}")))?;
            if p != again {
                return Err(ServiceError::invalid(
                    "password",
                    "the two passwords differ",
                ));
            }
            p
        }
    };
    input.password = password;
    let id = accounts::create_user(conn, &input)?;
    println!("user {name} ({}) created with id {id}", input.role);
    Ok(())
}

fn user_unlock(conn: &mut DbConn, name: &str) -> Result<(), ServiceError> {
    let actor = accounts::command_line_actor(conn)?;
    if signin::unlock(conn, &actor, name)? {
        println!("sign-in of {} unlocked", name.trim());
    } else {
        println!("sign-in of {} was not locked", name.trim());
    }
    Ok(())
}

fn token_create(
    conn: &mut DbConn,
    name: String,
    label: String,
    expires_in_days: Option<String>,
) -> Result<(), ServiceError> {
    let actor = accounts::command_line_actor(conn)?;
    let (_, token) = tokens::create(
        conn,
        &actor,
        &tokens::NewToken {
            username: name,
            name: label,
            expires_in_days,
            expires_on: None,
        },
    )?;
    println!("{token}");
    Ok(())
}

fn token_list(conn: &mut DbConn, name: &str) -> Result<(), ServiceError> {
    let actor = accounts::command_line_actor(conn)?;
    let list = tokens::list(conn, &actor, Some(name))?;
    let now = crate::db::now();
    let when = |t: Option<chrono::NaiveDateTime>| {
        t.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_else(|| "-".into())
    };
    println!("id\tlabel\tcreated\tlast_used\texpires\tstatus");
    for t in &list {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            t.id,
            t.name,
            when(Some(t.created_at)),
            when(t.last_used_at),
            when(t.expires_at),
            t.status(now)
        );
    }
    Ok(())
}

fn token_revoke(conn: &mut DbConn, id: i64) -> Result<(), ServiceError> {
    let actor = accounts::command_line_actor(conn)?;
    tokens::revoke(conn, &actor, id)?;
    println!("token {id} revoked");
    Ok(())
}

fn check(conn: &mut DbConn) -> i32 {
    match maintenance::check(conn) {
        Ok(report) => {
            println!(
                "ledger rows: {}, balances: {}, discrepancies: {}",
                report.ledger_rows,
                report.balances,
                report.discrepancies.len()
            );
            println!(
                "usage digests: {}, stale: {}",
                report.usage_days,
                report.stale_usage_days.len()
            );
            for (site, day) in &report.stale_usage_days {
                println!("usage digest of site {site} on {day} differs from the tables");
            }
            if report.discrepancies.is_empty() && report.stale_usage_days.is_empty() {
                println!(
                    "ok: every balance equals the sum of its ledger rows and none is negative; \
                     every usage digest matches the tables"
                );
                0
            } else {
                for d in &report.discrepancies {
                    println!(
                        "lot {} location {}: balance {} but ledger sums to {}",
                        d.lot_id,
                        d.location_id,
                        d.balance
                            .map(|b| b.to_string())
                            .unwrap_or_else(|| "missing".into()),
                        d.ledger_sum
                    );
                }
                1
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn serve(state: AppState, args: &ServeArgs) -> i32 {
    let listener = match TcpListener::bind(&args.bind) {
        Ok(l) => l,
        Err(e) => {
            complain(&format!("error: cannot listen on {}: {e}", args.bind));
            return 2;
        }
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| args.bind.clone());
    let setup = state
        .pool
        .get()
        .map_err(|e| ServiceError::Internal(e.to_string()))
        .and_then(|mut c| accounts::issue_setup_token(&mut c));
    match setup {
        Ok(Some(token)) => {
            say("No users yet. Create the first admin here (this link works once):");
            say(&format!("  http://{addr}/setup/{token}"));
        }
        Ok(None) => {}
        Err(e) => {
            complain(&format!("error: {e}"));
            return 2;
        }
    }
    say(&format!(
        "clinic-stock listening on http://{addr} ({})",
        state.backend.name()
    ));
    if state.mailer.is_some() {
        // The daily digest: its own thread, a step a minute.
        if let Err(e) = crate::digest::spawn(state.clone()) {
            complain(&format!("error: cannot start the digest thread: {e}"));
            return 2;
        }
        say(&format!(
            "daily digest on (links to {})",
            state.config.public_url
        ));
    }
    let system = actix_web::rt::System::new();
    let workers = args.workers;
    let result = system.block_on(async move {
        match crate::server::serve(state, listener, workers) {
            Ok(server) => server.await,
            Err(e) => Err(e),
        }
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            complain(&format!("error: server: {e}"));
            1
        }
    }
}
