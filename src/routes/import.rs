//! The import page and the export download (managers and admins; sites and
//! locations, and the export, are the admin's): upload a file (multipart,
//! streamed with a size cap, never read past it), see the preview, confirm
//! or cancel, see the result; download a template for each kind; download
//! the whole export as a zip. The work is `services::import::staged` and
//! `services::export`.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;

use super::pages::{PageError, Posted, flash_redirect, render_status, see_other};
use crate::app::AppState;
use crate::auth;
use crate::domain::access::Action;
use crate::domain::import::ImportKind;
use crate::domain::import::file::MAX_BYTES;
use crate::domain::input::control_character;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::services::import::staged::{self, Staging, Upload};
use crate::services::import::{ImportReport, required_action};
use crate::services::{export, sites};
use crate::views::Frame;
use crate::views::import::{
    ImportPage, KindChoice, ReportPage, SiteChoice, UploadForm, UploadValues,
};

/// Room for the form's other fields and the multipart framing.
const FRAMING: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/import", web::get().to(page))
        .route("/admin/import/preview", web::post().to(preview))
        .route("/admin/import/confirm", web::post().to(confirm))
        .route("/admin/import/cancel", web::post().to(cancel))
        .route("/admin/import/result/{id}", web::get().to(result))
        .route("/admin/import/template/{file}", web::get().to(template))
        .route("/admin/export.zip", web::get().to(export_zip));
}

fn staging() -> Staging {
    Staging::default_dir()
}

/// The kinds this user may import.
fn kinds_for(user: &CurrentUser) -> Vec<ImportKind> {
    ImportKind::ALL
        .iter()
        .copied()
        .filter(|k| user.may(required_action(*k)))
        .collect()
}

fn columns_help(kind: ImportKind) -> String {
    kind.columns()
        .iter()
        .map(|c| {
            if c.required {
                format!("{}*", c.name)
            } else {
                c.name.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The upload form for this user, with the values sent (if any).
async fn upload_form(
    state: &AppState,
    user: &CurrentUser,
    values: &UploadValues,
    error: Option<(String, String)>,
) -> Result<UploadForm, PageError> {
    let all = state.run(sites::list).await?;
    let own = user.actor.bound_site();
    let list: Vec<_> = all
        .into_iter()
        .filter(|s| own.is_none_or(|id| s.id == id))
        .collect();
    let chosen = if values.site.is_empty() {
        list.iter()
            .find(|s| Some(s.id) == user.actor.site_id)
            .or(list.first())
            .map(|s| s.code.clone())
            .unwrap_or_default()
    } else {
        values.site.clone()
    };
    let kind = if values.kind.is_empty() {
        "suppliers"
    } else {
        values.kind.as_str()
    };
    let (error_field, error) = match error {
        Some((f, m)) => (f, Some(m)),
        None => (String::new(), None),
    };
    Ok(UploadForm {
        csrf: user.csrf.clone(),
        kinds: kinds_for(user)
            .into_iter()
            .map(|k| KindChoice {
                code: k.code(),
                label: k.label(),
                selected: k.code() == kind,
                columns: columns_help(k),
            })
            .collect(),
        sites: list
            .into_iter()
            .map(|s| SiteChoice {
                selected: s.code == chosen,
                code: s.code,
                name: s.name,
            })
            .collect(),
        site_locked: own.is_some(),
        date_format: values.date_format.clone(),
        error,
        error_field,
    })
}

async fn import_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    values: &UploadValues,
    error: Option<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let page = ImportPage {
        frame: Frame::new(user, "Import", "/admin/import"),
        form: upload_form(state, user, values, error).await?,
        can_export: user.may(Action::ExportData),
    };
    render_status(status, &page)
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    kind: String,
}

async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ImportData)?;
    let values = UploadValues {
        kind: ImportKind::parse(&query.kind)
            .map(|k| k.code().to_string())
            .unwrap_or_default(),
        ..UploadValues::default()
    };
    import_page(&state, &user, StatusCode::OK, &values, None).await
}

/// What the upload form sent.
#[derive(Default)]
struct Sent {
    csrf: String,
    values: UploadValues,
    file_name: String,
    file: Option<Vec<u8>>,
}

/// Why an upload is refused before its content is looked at.
enum Refused {
    TooLarge(String),
    Unreadable(String),
}

fn too_large(bytes: Option<usize>) -> Refused {
    let limit = MAX_BYTES / (1024 * 1024);
    Refused::TooLarge(match bytes {
        Some(b) => format!(
            "the file is {:.1} MB; the largest accepted is {limit} MB — split it into smaller files",
            b as f64 / (1024.0 * 1024.0)
        ),
        None => format!(
            "the file is larger than {limit} MB, the largest accepted — split it into smaller files"
        ),
    })
}

/// The file's own name, without folders or anything odd.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).take(100).collect();
    if clean.trim().is_empty() {
        "upload.csv".into()
    } else {
        clean.trim().to_string()
    }
}

/// Reads the multipart form: small fields up to 1 KB each, the file up to
/// the import limit. A body announced larger than the limit is refused
/// before any of it is read; one that turns out larger is refused as soon
/// as it passes the limit.
async fn read_upload(req: &HttpRequest, payload: web::Payload) -> Result<Sent, Refused> {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(n) = announced
        && n > MAX_BYTES + FRAMING
    {
        return Err(too_large(Some(n)));
    }
    let unreadable = |e: actix_multipart::MultipartError| {
        Refused::Unreadable(format!(
            "the upload could not be read ({e}); choose the file and send it again"
        ))
    };
    let mut sent = Sent::default();
    let mut parts = Multipart::new(req.headers(), payload);
    let mut fields = 0;
    while let Some(field) = parts.next().await {
        let mut field = field.map_err(unreadable)?;
        fields += 1;
        if fields > 20 {
            return Err(Refused::Unreadable("the upload has too many fields".into()));
        }
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            sent.file_name = clean_name(
                field
                    .content_disposition()
                    .and_then(|cd| cd.get_filename())
                    .unwrap_or(""),
            );
            let mut buf: Vec<u8> = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(unreadable)?;
                if buf.len() + chunk.len() > MAX_BYTES {
                    return Err(too_large(announced));
                }
                buf.extend_from_slice(&chunk);
            }
            sent.file = Some(buf);
            continue;
        }
        let value = match field.bytes(1024).await {
            Ok(Ok(b)) => String::from_utf8_lossy(&b).trim().to_string(),
            Ok(Err(e)) => return Err(unreadable(e)),
            Err(_) => return Err(Refused::Unreadable(format!("the field {name} is too long"))),
        };
        match name.as_str() {
            "csrf" => sent.csrf = value,
            "kind" => sent.values.kind = value,
            "site" => sent.values.site = value,
            "date_format" => sent.values.date_format = value,
            _ => {}
        }
    }
    Ok(sent)
}

async fn preview(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ImportData)?;
    let sent = match read_upload(&req, payload).await {
        Ok(s) => s,
        Err(Refused::TooLarge(m)) => {
            return import_page(
                &state,
                &user,
                StatusCode::PAYLOAD_TOO_LARGE,
                &UploadValues::default(),
                Some(("file".into(), m)),
            )
            .await;
        }
        Err(Refused::Unreadable(m)) => {
            return import_page(
                &state,
                &user,
                StatusCode::BAD_REQUEST,
                &UploadValues::default(),
                Some(("file".into(), m)),
            )
            .await;
        }
    };
    if !auth::same_token(&sent.csrf, &user.csrf) {
        return Err(PageError::Service(ServiceError::Forbidden(
            "This form has expired or did not come from this site. Go back, reload the page and try again.".into(),
        )));
    }
    let values = sent.values;
    let refuse = |field: &str, message: String| Some((field.to_string(), message));
    let kind = ImportKind::parse(&values.kind).filter(|k| kinds_for(&user).contains(k));
    let problem = if let Some((f, c)) = [
        ("kind", &values.kind),
        ("site", &values.site),
        ("date_format", &values.date_format),
    ]
    .into_iter()
    .find_map(|(f, v)| control_character(f, v).map(|c| (f, c)))
    {
        refuse(f, crate::domain::input::control_character_message(c))
    } else if kind.is_none() {
        refuse("kind", "choose what the file holds".into())
    } else if !matches!(
        values.date_format.as_str(),
        "" | "DD/MM/YYYY" | "MM/DD/YYYY"
    ) {
        refuse("date_format", "choose DD/MM/YYYY or MM/DD/YYYY".into())
    } else {
        match &sent.file {
            None => refuse("file", "choose the file to import".into()),
            Some(_) if sent.file_name.is_empty() => {
                refuse("file", "choose the file to import".into())
            }
            Some(_) => None,
        }
    };
    let form = upload_form(&state, &user, &values, None).await?;
    if !values.site.is_empty() && !form.sites.iter().any(|s| s.code == values.site) {
        let m = if form.site_locked {
            "you bring stock into your own site only".to_string()
        } else {
            format!("no site with code {}", values.site)
        };
        return import_page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            &values,
            Some(("site".into(), m)),
        )
        .await;
    }
    let (Some(kind), Some(bytes), None) = (kind, sent.file, problem.clone()) else {
        return import_page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            &values,
            problem,
        )
        .await;
    };
    let site = (kind == ImportKind::Stock)
        .then(|| {
            form.sites
                .iter()
                .find(|s| s.selected)
                .map(|s| s.code.clone())
        })
        .flatten();
    let upload = Upload {
        user_id: user.actor.user_id,
        kind,
        file_name: sent.file_name,
        site: site.clone(),
        date_format: Some(values.date_format.clone()).filter(|d| !d.is_empty()),
        sha256: staged::sha256(&bytes),
    };
    let actor = user.actor.clone();
    let outcome = state
        .run(move |conn| {
            staged::preview(conn, &actor, &staging(), upload.clone(), &bytes)
                .map(|r| (r, upload.sha256))
        })
        .await;
    let ((report, id), sha) = match outcome {
        Ok(x) => x,
        Err(ServiceError::Invalid { errors, .. }) => {
            let e = errors.into_iter().next();
            return import_page(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                &values,
                e.map(|e| (e.field, e.message)),
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    let mut page = ReportPage::new(
        Frame::new(&user, "Import preview", "/admin/import"),
        &report,
    );
    page.site = site.unwrap_or_default();
    let status = if report.has_errors() {
        page.form = Some(upload_form(&state, &user, &values, None).await?);
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        page.confirm = id.map(|id| (id, sha));
        StatusCode::OK
    };
    render_status(status, &page)
}

#[derive(Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    upload: String,
    #[serde(default)]
    sha256: String,
}

async fn confirm(
    state: web::Data<AppState>,
    posted: Posted<ConfirmForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ImportData)?;
    let id = form.upload.trim().to_string();
    let done = format!("/admin/import/result/{id}");
    let store = staging();
    if store.is_finished(&id) && store.finished(&id, user.actor.user_id).is_ok() {
        // A second click on confirm: the import already ran once.
        return Ok(see_other(&done));
    }
    let actor = user.actor.clone();
    let sha = form.sha256.trim().to_string();
    let run_id = id.clone();
    let report = state
        .run(move |conn| staged::confirm(conn, &actor, &staging(), &run_id, &sha))
        .await?;
    if report.applied {
        return Ok(see_other(&done));
    }
    // The database changed since the preview: show why; nothing was written.
    let mut page = ReportPage::new(
        Frame::new(&user, "Import refused", "/admin/import"),
        &report,
    );
    page.form = Some(
        upload_form(
            &state,
            &user,
            &UploadValues {
                kind: report.kind.code().to_string(),
                ..UploadValues::default()
            },
            None,
        )
        .await?,
    );
    render_status(StatusCode::CONFLICT, &page)
}

async fn cancel(
    state: web::Data<AppState>,
    posted: Posted<ConfirmForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ImportData)?;
    let id = form.upload.trim().to_string();
    let uid = user.actor.user_id;
    // Already gone (imported or cancelled) is fine: nothing is waiting.
    let _ = staging().discard(&id, uid);
    flash_redirect(
        &state,
        &user,
        "/admin/import",
        "Import cancelled; nothing was written.",
    )
    .await
}

async fn result(id: web::Path<String>, user: CurrentUser) -> Result<HttpResponse, PageError> {
    user.require(Action::ImportData)?;
    let report: ImportReport = staging().finished(&id, user.actor.user_id)?;
    let page = ReportPage::new(Frame::new(&user, "Imported", "/admin/import"), &report);
    render_status(StatusCode::OK, &page)
}

async fn template(file: web::Path<String>, user: CurrentUser) -> Result<HttpResponse, PageError> {
    user.require(Action::ImportData)?;
    let kind = file
        .strip_suffix(".csv")
        .and_then(ImportKind::parse)
        .ok_or_else(|| ServiceError::not_found("there is no template with that name"))?;
    user.require(required_action(kind))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(format!(
                "{}-template.csv",
                kind.code()
            ))],
        })
        .body(kind.template()))
}

/// The whole export as one zip (admin: it holds users and every site's history).
async fn export_zip(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ExportData)?;
    let actor = user.actor.clone();
    let bytes = state
        .run(move |conn| {
            let mut sink = export::ZipSink::new(std::io::Cursor::new(Vec::new()));
            export::export(conn, &actor, &mut sink)?;
            Ok(sink.finish()?.into_inner())
        })
        .await?;
    let name = format!(
        "clinic-stock-export-{}.zip",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name)],
        })
        .body(bytes))
}
