//! Where export files go: a folder (one file each) or a zip archive
//! (the `zip` crate, deflated).

use std::io::{Seek, Write};
use std::path::PathBuf;

use super::csv_err;
use crate::error::{ServiceError, ServiceResult};

/// Receives the export one file at a time.
pub trait ExportSink {
    /// Creates `name` and lets `fill` write its bytes.
    fn file(
        &mut self,
        name: &str,
        fill: &mut dyn FnMut(&mut dyn Write) -> ServiceResult<()>,
    ) -> ServiceResult<()>;
}

/// A folder; it is created when missing, and existing export files in it
/// are refused rather than overwritten.
pub struct DirSink {
    dir: PathBuf,
}

impl DirSink {
    pub fn new(dir: impl Into<PathBuf>) -> ServiceResult<DirSink> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| {
            ServiceError::invalid("dir", format!("cannot create {}: {e}", dir.display()))
        })?;
        Ok(DirSink { dir })
    }
}

impl ExportSink for DirSink {
    fn file(
        &mut self,
        name: &str,
        fill: &mut dyn FnMut(&mut dyn Write) -> ServiceResult<()>,
    ) -> ServiceResult<()> {
        let path = self.dir.join(name);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| {
                ServiceError::invalid("dir", format!("cannot write {}: {e}", path.display()))
            })?;
        let mut w = std::io::BufWriter::new(file);
        fill(&mut w)?;
        w.flush().map_err(csv_err)
    }
}

/// A zip archive being written.
pub struct ZipSink<W: Write + Seek> {
    zip: zip::ZipWriter<W>,
}

impl<W: Write + Seek> ZipSink<W> {
    pub fn new(w: W) -> ZipSink<W> {
        ZipSink {
            zip: zip::ZipWriter::new(w),
        }
    }

    /// Writes the archive's directory; returns the writer.
    pub fn finish(self) -> ServiceResult<W> {
        self.zip.finish().map_err(csv_err)
    }
}

impl<W: Write + Seek> ExportSink for ZipSink<W> {
    fn file(
        &mut self,
        name: &str,
        fill: &mut dyn FnMut(&mut dyn Write) -> ServiceResult<()>,
    ) -> ServiceResult<()> {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        self.zip.start_file(name, options).map_err(csv_err)?;
        fill(&mut self.zip)
    }
}
