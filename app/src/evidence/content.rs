//! Evidence content shared by identical uploads: one blob per SHA-256, counted. Each item
//! not disposed of and each upload in flight holds one reference (`evidence_content.refs`);
//! the blob is deleted only by whoever takes the count to zero, while holding the count's row
//! lock, so an upload of the same content waits for the delete and then writes the blob again
//! instead of finding it and relying on what is about to vanish.
//!
//! A process that dies between [`claim`] and recording its item leaves the count one too high:
//! the blob stays, which is the safe way to be wrong about evidence.

use super::{
    locker::{Locker, Staged},
    store,
};
use crate::platform::{Platform, Result};

/// Takes a reference to the staged content and makes sure the store holds it: the reference
/// is committed first, so from then on no release can delete the blob under this upload.
pub async fn claim(p: &Platform, staged: Staged) -> Result<()> {
    let now = p.clock.now();
    let mut tx = p.db.begin().await?;
    store::add_content_ref(&mut tx, &staged.digests.sha256, now).await?;
    tx.commit().await?;
    let sha256 = staged.digests.sha256.clone();
    if let Err(e) = p.locker.keep(staged).await {
        release(p, &sha256).await?;
        return Err(e);
    }
    Ok(())
}

/// Gives one reference back (a disposed item, an upload whose record failed); the last one
/// deletes the blob before the count's row lock is let go.
pub async fn release(p: &Platform, sha256: &str) -> Result<()> {
    release_in(&p.db, &p.locker, sha256, p.clock.now()).await
}

async fn release_in(
    db: &crate::platform::Db,
    locker: &Locker,
    sha256: &str,
    now: i64,
) -> Result<()> {
    let mut tx = db.begin().await?;
    match store::lock_content_refs(&mut tx, sha256).await? {
        Some(refs) if refs > 1 => store::set_content_refs(&mut tx, sha256, refs - 1, now).await?,
        _ => {
            locker.remove(sha256).await?;
            store::delete_content_refs(&mut tx, sha256).await?;
        }
    }
    tx.commit().await
}
