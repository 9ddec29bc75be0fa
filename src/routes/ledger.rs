//! The ledger page (filters, pages) and its CSV export (managers).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::pages::{PageError, render_status};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::domain::vocab::LedgerKind;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::services::ledger::{self, LedgerQuery};
use crate::services::sites;
use crate::views::Frame;
use crate::views::ledger::{FilterValues, LedgerLine, LedgerPage};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/ledger", web::get().to(ledger_page))
        .route("/ledger.csv", web::get().to(ledger_csv));
}

/// The filters without empty values and without the page, as a query string.
fn query_string(q: &LedgerQuery) -> String {
    let keep = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let clean = LedgerQuery {
        site: keep(&q.site),
        product_id: keep(&q.product_id),
        lot_id: keep(&q.lot_id),
        lot: keep(&q.lot),
        location_id: keep(&q.location_id),
        kind: keep(&q.kind),
        user: keep(&q.user),
        from: keep(&q.from),
        to: keep(&q.to),
        page: None,
    };
    serde_html_form::to_string(&clean).unwrap_or_default()
}

async fn ledger_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<LedgerQuery>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewLedger)?;
    let q = q.into_inner();
    let actor = user.actor.clone();
    let query = q.clone();
    let (choices, clocks, result) = state
        .run(move |conn| {
            let choices = ledger::choices(conn, &actor, Action::ViewLedger)?;
            let clocks = sites::clocks(conn, &actor)?;
            let page = ledger::page_number(&query);
            let result = ledger::filter(conn, &actor, &query)
                .and_then(|f| ledger::page(conn, &actor, &f, page));
            Ok((choices, clocks, result))
        })
        .await?;
    let (status, rows, total, page, pages, error) = match result {
        Ok(p) => (
            StatusCode::OK,
            p.entries
                .iter()
                .map(|e| LedgerLine::from_entry(e, &clocks))
                .collect(),
            p.total,
            p.page,
            p.pages,
            None,
        ),
        Err(e @ ServiceError::Invalid { .. }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Vec::new(),
            0,
            1,
            1,
            Some(e.page_message()),
        ),
        Err(e) => return Err(e.into()),
    };
    render_status(
        status,
        &LedgerPage {
            frame: Frame::new(&user, "Ledger", "/ledger"),
            q: FilterValues::from_query(&q),
            sites: choices.sites,
            products: choices.products,
            locations: choices.locations,
            kinds: LedgerKind::ALL
                .iter()
                .map(|k| (k.code().to_string(), k.label().to_string()))
                .collect(),
            rows,
            total,
            page,
            pages,
            query_string: query_string(&q),
            error,
        },
    )
}

/// Streams the filtered ledger as CSV, newest first, one keyset chunk of
/// rows per database round trip (constant memory for any size).
async fn ledger_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<LedgerQuery>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewLedger)?;
    let q = q.into_inner();
    let actor = user.actor.clone();
    let asker = actor.clone();
    let (filter, header) = state
        .run(move |conn| Ok((ledger::filter(conn, &asker, &q)?, ledger::csv_header()?)))
        .await?;
    Ok(super::csv_download::keyset_csv(
        state.into_inner(),
        "ledger.csv",
        header,
        move |conn, before| ledger::csv_chunk(conn, &actor, &filter, before),
    ))
}
