//! The contract in machine form: `GET /api/v1/openapi.json` (OpenAPI 3.1,
//! no login) generated from the code, and `GET /api/docs` showing it with
//! embedded assets. Every error code the API uses is listed there (the
//! support helpers check each error answer of every test against it).

use std::collections::BTreeSet;

use clinic_stock::error::ErrorCode;
use serde_json::Value;

use crate::support::{TestApp, spec_error_codes};

async fn spec(app: &TestApp) -> Value {
    let r = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    r.json().await.unwrap()
}

#[tokio::test]
async fn the_spec_is_served_without_login_and_describes_every_api_route() {
    let app = TestApp::new().await;
    let doc = spec(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    // Every route registered under /api/v1 is an operation of the spec.
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.insert((method.to_uppercase(), path.clone()));
            let id = op["operationId"].as_str().unwrap();
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{id}: no success response"
            );
            for code in ["400", "404", "422"] {
                assert!(responses.contains_key(code), "{id}: no {code}");
            }
            if id != "openapi" {
                for code in ["401", "403"] {
                    assert!(responses.contains_key(code), "{id}: no {code}");
                }
            }
        }
    }
    for (method, path) in [
        ("POST", "/api/v1/sessions"),
        ("GET", "/api/v1/sessions/{id}"),
        ("POST", "/api/v1/sessions/{id}/follow-ups"),
        ("POST", "/api/v1/transfers"),
        ("POST", "/api/v1/containers"),
        ("POST", "/api/v1/lots/{id}/quarantine"),
        ("POST", "/api/v1/lots/{id}/release"),
        ("GET", "/api/v1/counts"),
        ("POST", "/api/v1/counts"),
        ("GET", "/api/v1/receipts"),
        ("GET", "/api/v1/receipts/{id}"),
        ("GET", "/api/v1/alerts"),
        ("POST", "/api/v1/purchase-orders/{id}/email"),
        ("GET", "/api/v1/audit"),
        ("GET", "/api/v1/reports/reorder"),
        ("GET", "/api/v1/openapi.json"),
    ] {
        assert!(
            ops.contains(&(method.to_string(), path.to_string())),
            "{method} {path} missing"
        );
    }
    // Logging a session: the Idempotency-Key header, an example, its refusals.
    let log = &doc["paths"]["/api/v1/sessions"]["post"];
    assert!(
        log["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
    );
    assert!(log["responses"]["201"]["content"]["application/json"]["example"].is_object());
    let conflicts = &log["responses"]["409"]["content"]["application/json"]["examples"];
    for code in ["insufficient_stock", "lot_expired", "lot_unusable"] {
        assert!(conflicts[code].is_object(), "409 {code} not documented");
    }
    let email = &doc["paths"]["/api/v1/purchase-orders/{id}/email"]["post"]["responses"];
    for status in ["200", "409", "422", "502"] {
        assert!(email[status].is_object(), "email: no {status}");
    }
    // The reorder report has an example.
    let reorder = &doc["paths"]["/api/v1/reports/reorder"]["get"]["responses"]["200"];
    assert!(reorder["content"]["application/json"]["example"]["items"].is_array());
}

#[tokio::test]
async fn every_error_code_is_in_the_spec_with_its_status() {
    let app = TestApp::new().await;
    let doc = spec(&app).await;
    let listed: BTreeSet<String> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let all: BTreeSet<String> = ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    assert_eq!(listed, all);
    assert_eq!(spec_error_codes(), &all);
    // Each code is documented under its own status wherever it is listed.
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for (status, r) in op["responses"].as_object().unwrap() {
                let Some(ex) = r["content"]["application/json"]["examples"].as_object() else {
                    continue;
                };
                for code in ex.keys() {
                    let c = ErrorCode::parse(code).unwrap();
                    assert_eq!(c.status().to_string(), *status, "{code}");
                }
            }
        }
    }
    // A code the API answers with is a listed one (401 here).
    let (s, v) = app.api_get("not-a-token", "/api/v1/stock").await;
    assert_eq!(s, 401);
    assert!(listed.contains(v["error"]["code"].as_str().unwrap()));
}

#[tokio::test]
async fn the_docs_page_uses_embedded_assets() {
    let app = TestApp::new().await;
    let r = reqwest::get(app.url("/api/docs")).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("/api/v1/openapi.json"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no CDN"
    );
    for asset in [
        "/static/swagger-ui/swagger-ui-bundle.js",
        "/static/swagger-ui/swagger-ui.css",
        "/static/api-docs.js",
    ] {
        assert!(html.contains(asset), "{asset} not on the page");
        let r = reqwest::get(app.url(asset)).await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{asset}");
        assert!(r.bytes().await.unwrap().len() > 100, "{asset}");
    }
}
