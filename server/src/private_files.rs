//! Keeps Casefile's local data private to the user it runs as: the SQLite database holds
//! sessions, TOTP seeds and webhook secrets, the data directory the evidence and the audit
//! signing key. New files are made 0600 and directories 0700 whatever the umask was, and
//! start-up warns about anything already there that others may read.

use std::path::Path;

use rustix::fs::Mode;

/// From here on, files this process creates are readable by its own user only.
pub fn restrict_new_files() {
    rustix::process::umask(Mode::from_raw_mode(0o077));
}

/// Warnings for the data directory, its top-level files and the evidence directory when
/// their permissions let other users in.
pub fn loose_permissions(data_dir: &Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut paths = vec![data_dir.to_path_buf(), data_dir.join("evidence")];
    if let Ok(entries) = std::fs::read_dir(data_dir) {
        paths.extend(
            entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.path()),
        );
    }
    paths
        .into_iter()
        .filter_map(|path| {
            let mode = std::fs::metadata(&path).ok()?.permissions().mode() & 0o777;
            (mode & 0o077 != 0).then(|| {
                let want = if path.is_dir() { "0700" } else { "0600" };
                format!(
                    "{} is readable by other users (mode {mode:04o}); make it {want}: chmod {} {}",
                    path.display(),
                    &want[1..],
                    path.display()
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn new_files_are_private_and_loose_ones_are_named() {
        restrict_new_files();
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        std::fs::create_dir_all(data.join("evidence")).unwrap();
        std::fs::write(data.join("casefile.db"), b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("casefile.db")), 0o600);
        assert!(loose_permissions(&data).is_empty());

        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(
            data.join("casefile.db"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let warnings = loose_permissions(&data);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("mode 0755") && warnings[0].contains("chmod 700"));
        assert!(warnings[1].contains("casefile.db") && warnings[1].contains("chmod 600"));
    }
}
