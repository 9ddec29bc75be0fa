//! The contract in machine form (API.md): `GET /api/v1/openapi.json`, an
//! OpenAPI 3.1 document generated from the handlers' `#[utoipa::path]`
//! annotations and the body types in `routes::api::types`, and
//! `GET /api/docs`, Swagger UI on it (assets embedded, no CDN). Both need
//! no login.
//!
//! Errors are added to every operation here, from one table: the codes of
//! [`ErrorCode`] each operation can answer, besides those every operation
//! can (400, 401, 403, 404, 422, 503; 413 with a body).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use actix_web::{HttpResponse, web};
use serde_json::json;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::ErrorCode;
use ErrorCode as E;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "clinic-stock API",
        version = "1",
        description = "Consumables stock for micro-needling clinics: stock, sessions, \
            orders and reports. Authenticate with `Authorization: Bearer TOKEN` (a token \
            from `clinic-stock token create NAME`). Errors are \
            `{\"error\":{\"code\",\"message\",\"field\"?}}`; quantities are numbers in the \
            product's unit (at most 3 decimals), money is integer cents, dates are \
            `YYYY-MM-DD` at the site, times RFC 3339 UTC."
    ),
    paths(
        openapi_json,
        super::sites::list_sites,
        super::sites::create_site,
        super::sites::get_site,
        super::sites::update_site,
        super::sites::list_locations,
        super::sites::create_location,
        super::alerts::get,
        super::products::list_products,
        super::products::create_product,
        super::products::get_product,
        super::products::patch_product,
        super::products::list_suppliers,
        super::products::create_supplier,
        super::stock::receive,
        super::stock::stock_list,
        super::movements::adjust,
        super::movements::lot,
        super::movements::ledger_list,
        super::lot_moves::quarantine,
        super::lot_moves::release,
        super::lot_moves::transfer,
        super::lot_moves::open_container,
        super::receipts::index,
        super::receipts::show,
        super::counts::index,
        super::counts::submit,
        super::sessions::create_session,
        super::sessions::list_sessions,
        super::sessions::get_session,
        super::sessions::void_session,
        super::follow_ups::create_follow_up,
        super::sessions::list_protocols,
        super::sessions::create_protocol,
        super::sessions::get_protocol,
        super::sessions::update_protocol,
        super::reports::reorder_json,
        super::reports::reorder_csv,
        super::reports::usage_json,
        super::reports::usage_csv,
        super::orders::list_orders,
        super::orders::create,
        super::orders::from_reorder,
        super::orders::get,
        super::orders::edit,
        super::orders::send,
        super::orders::email,
        super::orders::cancel,
        super::orders::receive,
        super::audit::audit_list,
    ),
    modifiers(&Contract),
    tags(
        (name = "sessions", description = "Treatment sessions, follow-ups and protocols"),
        (name = "stock", description = "Stock, lots, receipts, movements and counts"),
        (name = "catalogue", description = "Products and suppliers"),
        (name = "orders", description = "Purchase orders"),
        (name = "reports", description = "Reorder and usage reports"),
        (name = "alerts", description = "Low stock, expiry and overdue orders"),
        (name = "sites", description = "Sites and locations"),
        (name = "audit", description = "Who changed what"),
        (name = "meta", description = "This document"),
    )
)]
pub struct ApiDoc;

/// What each operation can refuse with besides the codes every operation
/// has (by operation id).
const OPERATION_ERRORS: &[(&str, &[ErrorCode])] = &[
    ("create_site", &[E::DuplicateSite]),
    ("update_site", &[E::DuplicateSite]),
    ("create_location", &[E::DuplicateLocation]),
    ("create_product", &[E::DuplicateSku, E::DuplicateGtin]),
    ("update_product", &[E::DuplicateSku, E::DuplicateGtin]),
    ("create_supplier", &[E::DuplicateSupplier]),
    (
        "receive_stock",
        &[
            E::UnknownProduct,
            E::InvalidGs1,
            E::ExpiredOnReceipt,
            E::LotExpiryMismatch,
        ],
    ),
    ("adjust_stock", &[E::UnknownLot, E::InsufficientStock]),
    (
        "transfer_stock",
        &[
            E::UnknownLot,
            E::InsufficientStock,
            E::LotUnusable,
            E::LotExpired,
        ],
    ),
    (
        "open_container",
        &[
            E::NotOpenable,
            E::AlreadyOpen,
            E::InsufficientStock,
            E::LotUnusable,
            E::LotExpired,
        ],
    ),
    ("submit_count", &[E::StockMoving]),
    (
        "log_session",
        &[
            E::IdempotencyKeyRequired,
            E::InvalidIdempotencyKey,
            E::IdempotencyKeyReused,
            E::NeedleLengthMismatch,
            E::InsufficientStock,
            E::LotExpired,
            E::LotUnusable,
        ],
    ),
    ("void_session", &[E::AlreadyVoided]),
    ("record_follow_up", &[E::SessionVoided]),
    ("create_protocol", &[E::DuplicateProtocol]),
    ("update_protocol", &[E::DuplicateProtocol]),
    ("edit_order", &[E::OrderNotDraft]),
    ("send_order", &[E::OrderNotDraft, E::OrderEmpty]),
    (
        "email_order",
        &[
            E::OrderNotDraft,
            E::OrderEmpty,
            E::SupplierEmailMissing,
            E::MailNotConfigured,
            E::MailFailed,
        ],
    ),
    ("cancel_order", &[E::OrderClosed]),
    (
        "receive_order",
        &[
            E::OrderNotOpen,
            E::ExceedsOpenQuantity,
            E::UnknownProduct,
            E::InvalidGs1,
            E::ExpiredOnReceipt,
            E::LotExpiryMismatch,
        ],
    ),
];

/// The codes any operation can answer with (`body`: it takes a body).
fn common_errors(body: bool, public: bool) -> Vec<ErrorCode> {
    let mut v = vec![
        E::BadRequest,
        E::NotFound,
        E::ValidationFailed,
        E::ControlCharacter,
    ];
    if !public {
        v.extend([E::Unauthorized, E::Forbidden, E::DatabaseBusy]);
    }
    if body {
        v.push(E::PayloadTooLarge);
    }
    v
}

/// The codes an operation can answer with, by status.
pub fn operation_errors(op: &Operation) -> BTreeMap<u16, Vec<ErrorCode>> {
    let id = op.operation_id.as_deref().unwrap_or_default();
    let public = id == "openapi";
    let mut codes = common_errors(op.request_body.is_some(), public);
    if let Some((_, own)) = OPERATION_ERRORS.iter().find(|(k, _)| *k == id) {
        codes.extend(own.iter().copied());
    }
    let mut by_status: BTreeMap<u16, Vec<ErrorCode>> = BTreeMap::new();
    for c in codes {
        by_status.entry(c.status()).or_default().push(c);
    }
    by_status
}

/// Adds the bearer scheme, the error schema and every operation's error
/// responses, and the examples of the main operations.
struct Contract;

impl Modify for Contract {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        api.info.license = None;
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("an API token: `clinic-stock token create NAME`"))
                    .build(),
            ),
        );
        components
            .schemas
            .insert("ErrorCode".into(), error_code_schema());
        components
            .schemas
            .insert("ErrorBody".into(), error_body_schema());
        api.security = Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
        for item in api.paths.paths.values_mut() {
            for op in operations(item) {
                for (status, codes) in operation_errors(op) {
                    op.responses
                        .responses
                        .insert(status.to_string(), error_response(&codes).into());
                }
            }
        }
        examples(api);
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> Vec<&mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `ErrorCode`: every code, with what it means and its status.
fn error_code_schema() -> RefOr<Schema> {
    let described: Vec<String> = ErrorCode::ALL
        .iter()
        .map(|c| format!("- `{}` ({}): {}", c.as_str(), c.status(), c.meaning()))
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
        .description(Some(format!(
            "Every error code of the API:\n\n{}",
            described.join("\n")
        )))
        .into()
}

/// `{"error":{"code","message","field"?,"fields"?}}`; a conflict may add
/// details (`insufficient_stock`: `product_id`, `requested`, `available`).
fn error_body_schema() -> RefOr<Schema> {
    let field_error = ObjectBuilder::new()
        .property("field", ObjectBuilder::new().schema_type(Type::String))
        .property("message", ObjectBuilder::new().schema_type(Type::String))
        .required("field")
        .required("message");
    let error = ObjectBuilder::new()
        .property("code", Ref::from_schema_name("ErrorCode"))
        .property("message", ObjectBuilder::new().schema_type(Type::String))
        .property(
            "field",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(
                    "the field at fault, by its JSON path (`lines[0].quantity`)",
                )),
        )
        .property(
            "fields",
            utoipa::openapi::schema::ArrayBuilder::new().items(field_error),
        )
        .required("code")
        .required("message")
        .description(Some("conflicts may carry more fields (details)"));
    ObjectBuilder::new()
        .property("error", error)
        .required("error")
        .into()
}

/// A response listing `codes` (all of one status) with an example each.
fn error_response(codes: &[ErrorCode]) -> utoipa::openapi::Response {
    let description = codes
        .iter()
        .map(|c| format!("`{}`: {}", c.as_str(), c.meaning()))
        .collect::<Vec<_>>()
        .join("; ");
    let mut content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build();
    for c in codes {
        content.examples.insert(
            c.as_str().to_string(),
            utoipa::openapi::example::ExampleBuilder::new()
                .value(Some(
                    json!({"error": {"code": c.as_str(), "message": c.meaning()}}),
                ))
                .into(),
        );
    }
    ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
        .build()
}

/// Examples for the main operations: logging a session, the reorder report.
fn examples(api: &mut utoipa::openapi::OpenApi) {
    let set =
        |api: &mut utoipa::openapi::OpenApi, path: &str, status: &str, v: serde_json::Value| {
            let Some(item) = api.paths.paths.get_mut(path) else {
                return;
            };
            for op in operations(item) {
                if let Some(RefOr::T(r)) = op.responses.responses.get_mut(status)
                    && let Some(c) = r.content.get_mut("application/json")
                {
                    c.example = Some(v.clone());
                }
            }
        };
    set(
        api,
        "/api/v1/sessions",
        "201",
        json!({"id": 812, "site": "main", "client_ref": "C-1042", "practitioner": "pia",
            "practitioner_name": "Pia Novak", "performed_at": "2026-12-01T09:30:00Z",
            "local_date": "2026-12-01", "time_zone": "Europe/London", "indication": "acne_scars",
            "needle_length_mm": 1.5, "protocol_id": 1, "protocol": "Face, acne scars",
            "addons": [], "side_effects": [], "side_effect_other": null, "notes": null,
            "warnings": [], "voided": false, "voided_at": null, "voided_by": null,
            "void_reason": null,
            "lines": [{"id": 2301, "product_id": 3, "sku": "CART-15", "name": "Cartridge 1.5 mm",
                "unit": "piece", "quantity": 1, "lot_id": null,
                "allocations": [{"lot_id": 57, "lot": "L2409", "expiry": "2027-09-30",
                    "location": "store", "quantity": 1}]}],
            "follow_ups": []}),
    );
    set(
        api,
        "/api/v1/reports/reorder",
        "200",
        json!({"site": "main", "as_of": "2026-12-01", "window": 28, "safety_days": 7,
            "cover_days": 30, "order_cost_cents": 5400, "total": 1,
            "items": [{"product_id": 3, "sku": "CART-15", "name": "Cartridge 1.5 mm",
                "unit": "piece", "supplier_id": 2, "supplier": "Dermaline", "status": "order_now",
                "usable": 12, "on_order": 0, "in_draft": 0, "consumed": 56, "use_per_day": 2,
                "lead_days": 5, "min_level": 24, "min_level_manual": false, "max_level": 84,
                "max_level_manual": false, "position": 12, "order_now": true, "watch": false,
                "order_packs": 3, "pack_size": 24, "order_quantity": 72, "pack_cost_cents": 1800,
                "order_cost_cents": 5400, "days_of_cover": 6.0, "expiring_before_use": 0}]}),
    );
}

/// The document, generated once.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| ApiDoc::openapi().to_pretty_json().unwrap_or_default())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(openapi_json));
}

/// The OpenAPI document of this API.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi",
    tag = "meta",
    security(()),
    responses((status = 200, description = "This OpenAPI 3.1 document", content_type = "application/json", body = Object)),
)]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document())
}

/// `GET /api/docs`: Swagger UI on the document (assets in `static/`).
pub async fn docs_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(DOCS_HTML)
}

const DOCS_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>clinic-stock API</title>
<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<noscript><p>The reference needs JavaScript; the document itself is at
<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></noscript>
<script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"#;
