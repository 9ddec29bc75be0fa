//! The import page's two steps (preview, then confirm) carry the file
//! between them on the server: the uploaded bytes are kept in a private
//! folder under a random 256-bit id, with who uploaded them, the options
//! chosen and the SHA-256 of the bytes. Confirming runs exactly the bytes
//! that were previewed (the hash is checked, and must match the one the
//! preview page showed), once (the file is claimed by renaming it), by the
//! person who uploaded it. The result is kept in its place for the result
//! page. Everything is removed after a day.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ImportOptions, ImportReport};
use crate::db::DbConn;
use crate::domain::access::Actor;
use crate::domain::import::ImportKind;
use crate::domain::import::cells::DateOrder;
use crate::error::{ErrorCode, ServiceError, ServiceResult};

/// How long an upload waits for its confirmation (and a result is shown).
const KEEP: Duration = Duration::from_secs(24 * 60 * 60);

/// What is remembered with an uploaded file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Upload {
    pub user_id: i64,
    pub kind: ImportKind,
    pub file_name: String,
    pub site: Option<String>,
    /// `DD/MM/YYYY` or `MM/DD/YYYY` when chosen.
    pub date_format: Option<String>,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
}

impl Upload {
    pub fn options(&self, dry_run: bool) -> ImportOptions {
        ImportOptions {
            site: self.site.clone(),
            dry_run,
            date_order: self.date_format.as_deref().and_then(DateOrder::parse),
            file_name: self.file_name.clone(),
        }
    }
}

/// A finished import, kept for its result page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finished {
    pub user_id: i64,
    pub report: ImportReport,
}

/// The SHA-256 of the bytes, hex.
pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Where uploads wait: a folder only this user can read.
pub struct Staging {
    dir: PathBuf,
}

fn io(e: std::io::Error) -> ServiceError {
    ServiceError::Internal(format!("import staging: {e}"))
}

fn gone() -> ServiceError {
    ServiceError::not_found(
        "this upload is no longer waiting (it was imported, cancelled or is more than a day old); upload the file again",
    )
}

/// A well-formed id: 64 lower-case hex digits (never a path).
fn valid_id(id: &str) -> bool {
    id.len() == 64
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Staging {
    /// The default folder: `clinic-stock-imports` in the system's temporary folder.
    pub fn default_dir() -> Staging {
        Staging::at(std::env::temp_dir().join("clinic-stock-imports"))
    }

    pub fn at(dir: impl Into<PathBuf>) -> Staging {
        Staging { dir: dir.into() }
    }

    fn path(&self, id: &str, ext: &str) -> PathBuf {
        self.dir.join(format!("{id}.{ext}"))
    }

    fn ensure_dir(&self) -> ServiceResult<()> {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(&self.dir).map_err(io)
    }

    /// Keeps the bytes; returns the id.
    pub fn put(&self, upload: &Upload, bytes: &[u8]) -> ServiceResult<String> {
        self.ensure_dir()?;
        self.prune();
        let id = crate::auth::random_token();
        write_new(&self.path(&id, "csv"), bytes)?;
        let meta = serde_json::to_vec(upload).map_err(|e| ServiceError::Internal(e.to_string()))?;
        write_new(&self.path(&id, "json"), &meta)?;
        Ok(id)
    }

    /// The upload with this id, if it is this user's and still waiting.
    pub fn upload(&self, id: &str, user_id: i64) -> ServiceResult<Upload> {
        if !valid_id(id) {
            return Err(gone());
        }
        let meta = std::fs::read(self.path(id, "json")).map_err(|_| gone())?;
        let upload: Upload = serde_json::from_slice(&meta).map_err(|_| gone())?;
        if upload.user_id != user_id {
            return Err(gone());
        }
        Ok(upload)
    }

    /// Takes the bytes for confirming: only one request gets them, and only
    /// when they still hash to `sha256` (what the preview showed).
    pub fn claim(&self, id: &str, user_id: i64, sha: &str) -> ServiceResult<(Upload, Vec<u8>)> {
        let upload = self.upload(id, user_id)?;
        if !crate::auth::same_token(&upload.sha256, sha) {
            return Err(ServiceError::Conflict {
                code: ErrorCode::UploadChanged,
                message: "the file is not the one previewed; upload it again".into(),
                details: serde_json::Map::new(),
            });
        }
        let running = self.path(id, "running");
        std::fs::rename(self.path(id, "csv"), &running).map_err(|_| gone())?;
        let bytes = std::fs::read(&running).map_err(io)?;
        if sha256(&bytes) != upload.sha256 {
            let _ = std::fs::remove_file(&running);
            return Err(gone());
        }
        Ok((upload, bytes))
    }

    /// After a confirmation: keeps the result (when it was applied) or puts
    /// the bytes back to be confirmed again (when it was refused).
    pub fn finish(&self, id: &str, user_id: i64, report: &ImportReport) -> ServiceResult<()> {
        let running = self.path(id, "running");
        if report.applied {
            let done = serde_json::to_vec(&Finished {
                user_id,
                report: report.clone(),
            })
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
            write_new(&self.path(id, "done"), &done)?;
            let _ = std::fs::remove_file(&running);
            let _ = std::fs::remove_file(self.path(id, "json"));
        } else {
            std::fs::rename(&running, self.path(id, "csv")).map_err(io)?;
        }
        Ok(())
    }

    /// Forgets an upload (cancel).
    pub fn discard(&self, id: &str, user_id: i64) -> ServiceResult<()> {
        self.upload(id, user_id)?;
        let _ = std::fs::remove_file(self.path(id, "csv"));
        let _ = std::fs::remove_file(self.path(id, "json"));
        Ok(())
    }

    /// The result of a confirmed import, for the person who ran it.
    pub fn finished(&self, id: &str, user_id: i64) -> ServiceResult<ImportReport> {
        if !valid_id(id) {
            return Err(ServiceError::not_found("no such import"));
        }
        let bytes = std::fs::read(self.path(id, "done"))
            .map_err(|_| ServiceError::not_found("no such import (results are kept for a day)"))?;
        match serde_json::from_slice::<Finished>(&bytes) {
            Ok(f) if f.user_id == user_id => Ok(f.report),
            _ => Err(ServiceError::not_found("no such import")),
        }
    }

    /// True when a confirmed result exists for this id (a second click on confirm).
    pub fn is_finished(&self, id: &str) -> bool {
        valid_id(id) && self.path(id, "done").exists()
    }

    /// Removes files older than a day (best effort).
    fn prune(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let now = SystemTime::now();
        for e in entries.flatten() {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age > KEEP);
            if old {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// The page's first step: a dry run of the file; when nothing is wrong the
/// bytes are kept to be confirmed, and the id and hash are handed back.
pub fn preview(
    conn: &mut DbConn,
    actor: &Actor,
    staging: &Staging,
    upload: Upload,
    bytes: &[u8],
) -> ServiceResult<(ImportReport, Option<String>)> {
    let report = super::run(conn, actor, upload.kind, bytes, &upload.options(true))?;
    if report.has_errors() {
        return Ok((report, None));
    }
    let id = staging.put(&upload, bytes)?;
    Ok((report, Some(id)))
}

/// The page's second step: the previewed bytes imported for real, in one
/// transaction. A refusal (the database changed since the preview) keeps
/// the upload waiting; the report says why.
pub fn confirm(
    conn: &mut DbConn,
    actor: &Actor,
    staging: &Staging,
    id: &str,
    sha: &str,
) -> ServiceResult<ImportReport> {
    let (upload, bytes) = staging.claim(id, actor.user_id, sha)?;
    let outcome = super::run(conn, actor, upload.kind, &bytes, &upload.options(false));
    match outcome {
        Ok(report) => {
            staging.finish(id, actor.user_id, &report)?;
            Ok(report)
        }
        Err(e) => {
            let refused = ImportReport::new(upload.kind, &upload.file_name, false);
            staging.finish(id, actor.user_id, &refused)?;
            Err(e)
        }
    }
}

fn write_new(path: &Path, bytes: &[u8]) -> ServiceResult<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staging() -> Staging {
        Staging::at(std::env::temp_dir().join(format!(
            "cs-staging-test-{}-{}",
            std::process::id(),
            crate::auth::random_token()
        )))
    }

    fn upload(bytes: &[u8]) -> Upload {
        Upload {
            user_id: 7,
            kind: ImportKind::Suppliers,
            file_name: "s.csv".into(),
            site: None,
            date_format: None,
            sha256: sha256(bytes),
        }
    }

    #[test]
    fn an_upload_is_confirmed_once_by_its_owner_with_its_hash() {
        let s = staging();
        let bytes = b"name\nA\n";
        let up = upload(bytes);
        let id = s.put(&up, bytes).unwrap();
        assert!(s.upload(&id, 8).is_err(), "another user");
        assert!(s.upload("../etc/passwd", 7).is_err());
        assert!(s.claim(&id, 7, &sha256(b"other")).is_err(), "other hash");
        let (got, b) = s.claim(&id, 7, &up.sha256).unwrap();
        assert_eq!(b, bytes);
        assert_eq!(got.file_name, "s.csv");
        assert!(s.claim(&id, 7, &up.sha256).is_err(), "claimed once");
        let mut report = ImportReport::new(ImportKind::Suppliers, "s.csv", false);
        report.applied = true;
        s.finish(&id, 7, &report).unwrap();
        assert!(s.is_finished(&id));
        assert!(s.finished(&id, 7).unwrap().applied);
        assert!(s.finished(&id, 8).is_err());
        let _ = std::fs::remove_dir_all(&s.dir);
    }

    #[test]
    fn a_refused_confirmation_puts_the_file_back() {
        let s = staging();
        let bytes = b"name\nA\n";
        let up = upload(bytes);
        let id = s.put(&up, bytes).unwrap();
        s.claim(&id, 7, &up.sha256).unwrap();
        let report = ImportReport::new(ImportKind::Suppliers, "s.csv", false);
        s.finish(&id, 7, &report).unwrap();
        assert!(s.claim(&id, 7, &up.sha256).is_ok());
        let _ = std::fs::remove_dir_all(&s.dir);
    }
}
