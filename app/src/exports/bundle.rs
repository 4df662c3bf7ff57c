//! Writing a zip as it streams out: each file's SHA-256 is computed while it is written, and
//! the manifest listing them goes last, with its signature.

use async_zip::{
    Compression, ZipEntryBuilder, base::write::EntryStreamWriter, tokio::write::ZipFileWriter,
};
use futures::AsyncWriteExt as _;
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWrite;

use super::ManifestFile;
use crate::platform::{Error, Result};

pub struct Bundle<W: AsyncWrite + Unpin> {
    zip: ZipFileWriter<W>,
    pub files: Vec<ManifestFile>,
}

/// One file being written into the bundle.
pub struct BundleFile<'a, W: AsyncWrite + Unpin> {
    entry: EntryStreamWriter<'a, tokio_util::compat::Compat<W>>,
    sha: Sha256,
    bytes: u64,
    path: String,
    files: &'a mut Vec<ManifestFile>,
}

fn zip_error(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("writing the bundle: {e}"))
}

impl<W: AsyncWrite + Unpin> Bundle<W> {
    pub fn new(out: W) -> Self {
        Self {
            zip: ZipFileWriter::with_tokio(out),
            files: Vec::new(),
        }
    }

    /// Starts a file; `compress` is off for evidence, which is usually compressed already.
    pub async fn file(&mut self, path: &str, compress: bool) -> Result<BundleFile<'_, W>> {
        let method = if compress {
            Compression::Deflate
        } else {
            Compression::Stored
        };
        let entry = self
            .zip
            .write_entry_stream(ZipEntryBuilder::new(path.to_owned().into(), method))
            .await
            .map_err(zip_error)?;
        Ok(BundleFile {
            entry,
            sha: Sha256::new(),
            bytes: 0,
            path: path.to_owned(),
            files: &mut self.files,
        })
    }

    /// Writes a whole file that is not listed in the manifest (the manifest and its signature).
    pub async fn unlisted(&mut self, path: &str, data: &[u8]) -> Result<()> {
        self.zip
            .write_entry_whole(
                ZipEntryBuilder::new(path.to_owned().into(), Compression::Deflate),
                data,
            )
            .await
            .map_err(zip_error)
    }

    pub async fn close(self) -> Result<()> {
        self.zip.close().await.map_err(zip_error)?;
        Ok(())
    }
}

impl<W: AsyncWrite + Unpin> BundleFile<'_, W> {
    pub async fn write(&mut self, data: &[u8]) -> Result<()> {
        self.sha.update(data);
        self.bytes += data.len() as u64;
        self.entry.write_all(data).await.map_err(zip_error)
    }

    /// Ends the file and lists it with its hash; returns the hash.
    pub async fn finish(self) -> Result<String> {
        self.entry.close().await.map_err(zip_error)?;
        let sha256 = hex::encode(self.sha.finalize());
        self.files.push(ManifestFile {
            path: self.path,
            sha256: sha256.clone(),
            bytes: self.bytes,
        });
        Ok(sha256)
    }
}
