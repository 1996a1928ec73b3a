//! The data directory: created 0700 on first start; an unwritable one is reported
//! with the exact command that fixes it.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::operator_error::OperatorError;

/// The name to give `chown`: the login name, or the numeric uid.
fn current_user() -> String {
    std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| {
        // SAFETY: geteuid has no preconditions.
        unsafe { libc::geteuid() }.to_string()
    })
}

/// Makes sure `dir` exists, is a directory, is writable and is private (0700).
pub fn prepare(dir: &Path) -> Result<(), OperatorError> {
    let shown = dir.display();
    let user = current_user();
    if !dir.exists() {
        if let Err(e) = fs::create_dir_all(dir) {
            return Err(OperatorError::new(
                format!("cannot create the data directory {shown}: {e}"),
                format!("sudo install -d -m 700 -o {user} {shown}   (or choose another place with --data-dir)"),
            ));
        }
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| OperatorError::new(format!("cannot set the mode of {shown}: {e}"), format!("chmod 700 {shown}")))?;
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(OperatorError::new(
            format!("the data directory {shown} exists but is not a directory"),
            "move that file away, or choose another place with --data-dir",
        ));
    }
    // Per process: several may prepare the same directory at once on a first start.
    let probe = dir.join(format!(".aerie-write-test-{}", std::process::id()));
    match fs::write(&probe, b"") {
        Ok(()) => {
            let _ = fs::remove_file(&probe);
        }
        Err(e) if e.kind() == ErrorKind::PermissionDenied || e.kind() == ErrorKind::ReadOnlyFilesystem => {
            return Err(OperatorError::new(
                format!("the data directory {shown} is not writable by {user}: {e}"),
                format!("sudo chown -R {user} {shown} && chmod 700 {shown}"),
            ));
        }
        Err(e) => {
            return Err(OperatorError::new(format!("cannot write in the data directory {shown}: {e}"), "check the disk and the mount"));
        }
    }
    if let Ok(meta) = fs::metadata(dir)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(dir = %shown, "the data directory was readable by others; setting it to 0700");
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
    }
    Ok(())
}
