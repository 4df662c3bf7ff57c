//! Where evidence content lives: content-addressed blobs (`sha256/ab/cd/<sha256>`) in an
//! object store — a local directory by default, S3-compatible storage for several processes.
//!
//! An upload is streamed to a temporary file while it is hashed, fsynced, then moved into the
//! store. The temporary file deletes itself when dropped, so an interrupted or oversized upload
//! leaves nothing behind.

use std::{
    path::{Path as FsPath, PathBuf},
    sync::Arc,
    time::{Duration, SystemTime},
};

use bytes::Bytes;
use futures::{Stream, StreamExt as _, TryStreamExt as _, stream::BoxStream};
use object_store::{
    ObjectStore, ObjectStoreExt as _, WriteMultipart, local::LocalFileSystem, memory::InMemory,
    path::Path,
};
use tempfile::TempPath;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::{
    digests::{Digests, Hasher},
    error::{Error, Result},
};
use crate::validate::human_size;

/// The evidence store and its upload rules.
#[derive(Clone)]
pub struct Locker {
    store: Arc<dyn ObjectStore>,
    /// Where uploads are written before they are moved into the store.
    staging: PathBuf,
    /// For the local backend the staging directory lies inside the store, so moving an upload
    /// in is a rename, not a second copy.
    staging_in_store: bool,
    max_bytes: u64,
    description: String,
    /// A throwaway directory removed with the last clone (tests and benchmarks).
    _temporary: Option<Arc<tempfile::TempDir>>,
}

/// Which kind of store, for [`Locker::temporary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Local,
    /// Stands in for S3-compatible storage: the object-store code path without a network.
    InMemory,
}

/// A fully received upload, hashed and on disk, not yet in the store.
pub struct Staged {
    file: TempPath,
    pub digests: Digests,
}

/// Blocks read from the store, as a stream.
pub type ContentStream = BoxStream<'static, std::io::Result<Bytes>>;

const STAGING_DIR: &str = "staging";
/// Uploads to object storage go up in parts of this size, a few at a time, so memory stays
/// bounded whatever the file size.
const PART_SIZE: usize = 8 << 20;
const PARTS_IN_FLIGHT: usize = 4;

impl Locker {
    /// A local directory (the default: `<data dir>/evidence`). Writes are fsynced.
    pub fn local(root: &FsPath, max_bytes: u64) -> Result<Self> {
        let staging = root.join(STAGING_DIR);
        std::fs::create_dir_all(&staging).map_err(|e| {
            Error::Startup(format!(
                "cannot create the evidence directory {}: {e}",
                staging.display()
            ))
        })?;
        let store = LocalFileSystem::new_with_prefix(root)
            .map_err(|e| Error::Startup(format!("evidence directory {}: {e}", root.display())))?
            .with_fsync(true);
        let locker = Self {
            store: Arc::new(store),
            staging,
            staging_in_store: true,
            max_bytes,
            description: format!("local directory {}", root.display()),
            _temporary: None,
        };
        locker.sweep_staging();
        Ok(locker)
    }

    /// Any other object store (S3-compatible, or in-memory in tests); uploads are staged in
    /// `staging` on local disk first.
    pub fn object_store(
        store: Arc<dyn ObjectStore>,
        staging: PathBuf,
        max_bytes: u64,
    ) -> Result<Self> {
        std::fs::create_dir_all(&staging).map_err(|e| {
            Error::Startup(format!(
                "cannot create the evidence staging directory {}: {e}",
                staging.display()
            ))
        })?;
        let description = store.to_string();
        let locker = Self {
            store,
            staging,
            staging_in_store: false,
            max_bytes,
            description,
            _temporary: None,
        };
        locker.sweep_staging();
        Ok(locker)
    }

    /// An S3-compatible bucket from a URL such as `s3://bucket/prefix`; credentials, region
    /// and endpoint come from the usual `AWS_*` environment variables.
    pub fn s3(url: &str, staging: PathBuf, max_bytes: u64) -> Result<Self> {
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_url(url)
            .build()
            .map_err(|e| Error::Startup(format!("evidence store {url}: {e}")))?;
        let prefix = url
            .strip_prefix("s3://")
            .and_then(|rest| rest.split_once('/'))
            .map(|(_, p)| p.trim_matches('/'))
            .unwrap_or_default();
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(store)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(store, prefix))
        };
        Self::object_store(store, staging, max_bytes)
    }

    /// An in-memory store with staging under `staging` (tests and benchmarks).
    pub fn in_memory(staging: PathBuf, max_bytes: u64) -> Result<Self> {
        Self::object_store(Arc::new(InMemory::new()), staging, max_bytes)
    }

    /// A store in a fresh temporary directory, deleted when the last clone is dropped (tests
    /// and benchmarks).
    pub fn temporary(backend: Backend, max_bytes: u64) -> Result<Self> {
        let dir = tempfile::tempdir()
            .map_err(|e| Error::Startup(format!("cannot create a temporary directory: {e}")))?;
        let mut locker = match backend {
            Backend::Local => Self::local(dir.path(), max_bytes)?,
            Backend::InMemory => Self::in_memory(dir.path().join(STAGING_DIR), max_bytes)?,
        };
        locker._temporary = Some(Arc::new(dir));
        Ok(locker)
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// What the store is, for the start-up log.
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// Where an item's content lives.
    pub fn content_path(sha256: &str) -> Path {
        Path::from(format!(
            "sha256/{}/{}/{sha256}",
            &sha256[0..2],
            &sha256[2..4]
        ))
    }

    /// Writes `body` to a staging file while hashing it; refuses past the size limit. On any
    /// error the partial file is deleted.
    pub async fn stage<S, E>(&self, mut body: S) -> Result<Staged>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let (file, path) = self.temp_file("upload-").await?.into_parts();
        let mut file = tokio::fs::File::from_std(file);
        let mut hasher = Hasher::default();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                Error::invalid(format!(
                    "The upload was interrupted before the file was complete ({e}); nothing was stored."
                ))
            })?;
            if hasher.len() + chunk.len() as u64 > self.max_bytes {
                return Err(self.too_large());
            }
            hasher.update(&chunk);
            file.write_all(&chunk)
                .await
                .map_err(|e| Error::internal(format!("writing the staging file: {e}")))?;
        }
        file.flush()
            .await
            .map_err(|e| Error::internal(format!("flushing the staging file: {e}")))?;
        file.sync_all()
            .await
            .map_err(|e| Error::internal(format!("fsync of the staging file: {e}")))?;
        Ok(Staged {
            file: path,
            digests: hasher.finish(),
        })
    }

    /// The error for an upload past the limit.
    pub fn too_large(&self) -> Error {
        Error::TooLarge(format!(
            "The file is larger than the evidence size limit of {} ({} bytes); nothing was stored. Ask an administrator to raise the limit, or split the file.",
            human_size(self.max_bytes as i64),
            self.max_bytes
        ))
    }

    /// Moves a staged upload into the store under its SHA-256. Content already stored (the same
    /// file uploaded before) is kept as it is.
    pub async fn keep(&self, staged: Staged) -> Result<()> {
        let target = Self::content_path(&staged.digests.sha256);
        match self.store.head(&target).await {
            Ok(_) => return Ok(()),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(store_error("checking the evidence store", e)),
        }
        if self.staging_in_store {
            let name = staged
                .file
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| Error::internal("staging file without a name"))?
                .to_owned();
            let from = Path::from(format!("{STAGING_DIR}/{name}"));
            self.store
                .rename(&from, &target)
                .await
                .map_err(|e| store_error("moving the upload into the store", e))?;
            // The file now lives at `target`; the temp handle must not delete anything.
            let _ = staged.file.keep();
            return Ok(());
        }
        let upload = self
            .store
            .put_multipart(&target)
            .await
            .map_err(|e| store_error("starting the upload to the store", e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut file = tokio::fs::File::open(&staged.file)
            .await
            .map_err(|e| Error::internal(format!("reopening the staging file: {e}")))?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = file
                .read(&mut buf)
                .await
                .map_err(|e| Error::internal(format!("reading the staging file: {e}")))?;
            if n == 0 {
                break;
            }
            writer
                .wait_for_capacity(PARTS_IN_FLIGHT)
                .await
                .map_err(|e| store_error("uploading to the store", e))?;
            writer.write(&buf[..n]);
        }
        writer
            .finish()
            .await
            .map_err(|e| store_error("completing the upload to the store", e))?;
        Ok(())
    }

    /// The stored content of an item, as a stream of blocks.
    pub async fn read(&self, sha256: &str) -> Result<ContentStream> {
        let got = self
            .store
            .get(&Self::content_path(sha256))
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => Error::conflict(
                    "The stored file for this item is missing from the evidence store. Tell your administrator; the item's hashes are still on record.",
                ),
                e => store_error("reading from the evidence store", e),
            })?;
        Ok(got
            .into_stream()
            .map_err(|e| std::io::Error::other(e.to_string()))
            .boxed())
    }

    /// Deletes stored content (after disposal, when no other item holds the same content).
    pub async fn remove(&self, sha256: &str) -> Result<()> {
        match self.store.delete(&Self::content_path(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_error("deleting from the evidence store", e)),
        }
    }

    /// Overwrites stored content: only for tests that simulate tampering on disk.
    #[cfg(feature = "test-support")]
    pub async fn tamper(&self, sha256: &str, content: Vec<u8>) {
        self.store
            .put(&Self::content_path(sha256), content.into())
            .await
            .expect("tamper");
    }

    /// A temporary file in the staging directory (for building zips to send).
    pub async fn scratch_file(&self) -> Result<tempfile::NamedTempFile> {
        self.temp_file("scratch-").await
    }

    /// A new temporary file in the staging directory, deleted when dropped.
    async fn temp_file(&self, prefix: &'static str) -> Result<tempfile::NamedTempFile> {
        let staging = self.staging.clone();
        tokio::task::spawn_blocking(move || {
            tempfile::Builder::new().prefix(prefix).tempfile_in(staging)
        })
        .await
        .map_err(|e| Error::internal(format!("staging task: {e}")))?
        .map_err(|e| Error::internal(format!("cannot create a staging file: {e}")))
    }

    /// Removes staging files left by a process that stopped mid-upload (older than a day, so
    /// another process's upload in progress is never touched).
    fn sweep_staging(&self) {
        let Ok(entries) = std::fs::read_dir(&self.staging) else {
            return;
        };
        let cutoff = SystemTime::now() - Duration::from_secs(24 * 3600);
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < cutoff);
            if old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Files in the staging directory now (tests check nothing is left behind).
    pub fn staging_files(&self) -> usize {
        std::fs::read_dir(&self.staging).map_or(0, |d| d.flatten().count())
    }
}

fn store_error(doing: &str, e: object_store::Error) -> Error {
    Error::internal(format!("{doing}: {e}"))
}

impl std::fmt::Debug for Locker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Locker")
            .field("store", &self.description)
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}
