//! The open-file limit: raised to what the system allows at start, and the share of
//! it client connections may take.
//!
//! systemd and most shells start services with a soft limit of 1,024 descriptors (the
//! hard limit is usually far higher). Every client connection is a descriptor, and so
//! is every database connection, blob file and outbound federation request; a process
//! at its limit cannot accept anyone, and cannot open its database either. So the soft
//! limit is raised to the hard one, and the connection cap leaves a reserve below it.

/// Descriptors kept back from client connections at the least: the database pool,
/// SQLite's files, blobs being read or written, outbound fetches and deliveries,
/// compiled-component files, the log.
const MIN_RESERVE: u64 = 256;
/// Connections allowed however small the limit (a limit this low is a misconfiguration,
/// but the instance should still serve a few clients).
const MIN_CONNECTIONS: u64 = 32;

/// The open-file limit after raising the soft limit to the hard one (bounded by the
/// kernel's `fs.nr_open` when the hard limit is unlimited). Logs the result.
pub fn raise_to_hard_limit() -> u64 {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        let error = std::io::Error::last_os_error();
        tracing::warn!(%error, "could not read the open-file limit; assuming 1024");
        return 1024;
    }
    let before = limit.rlim_cur;
    let target = if limit.rlim_max == libc::RLIM_INFINITY { nr_open().unwrap_or(1 << 20) } else { limit.rlim_max };
    if target > before {
        let raised = libc::rlimit { rlim_cur: target, rlim_max: limit.rlim_max };
        // SAFETY: setrlimit reads the struct we pass; raising the soft limit up to the
        // hard one needs no privilege.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            tracing::info!(open_files = target, raised_from = before, "open-file limit raised to the hard limit");
            return target;
        }
        let error = std::io::Error::last_os_error();
        tracing::warn!(%error, open_files = before, "could not raise the open-file limit");
        return before;
    }
    if before <= 4096 {
        tracing::info!(
            open_files = before,
            "open-file limit (the hard limit too); raise it for many clients, e.g. LimitNOFILE=65536 in the systemd unit"
        );
    } else {
        tracing::info!(open_files = before, "open-file limit");
    }
    before
}

/// The kernel's ceiling for a process's descriptors.
fn nr_open() -> Option<u64> {
    std::fs::read_to_string("/proc/sys/fs/nr_open").ok()?.trim().parse().ok()
}

/// The default connection cap for an open-file limit: a quarter (at least
/// [`MIN_RESERVE`]) stays for everything that is not a client connection.
pub fn default_max_connections(open_files: u64) -> usize {
    let reserve = (open_files / 4).max(MIN_RESERVE);
    open_files.saturating_sub(reserve).max(MIN_CONNECTIONS) as usize
}

/// The connection cap: `configured` (0 = from the limit), lowered to what the limit
/// allows with a warning, since a cap above it turns into failed accepts and a
/// database that cannot open files.
pub fn max_connections(configured: u64, open_files: u64) -> usize {
    let allowed = default_max_connections(open_files);
    match configured {
        0 => allowed,
        n if n as usize > allowed => {
            tracing::warn!(
                configured = n,
                open_files,
                using = allowed,
                "server.max_connections is more than the open-file limit leaves for clients; raise the limit (LimitNOFILE=) or lower the key"
            );
            allowed
        }
        n => n as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_a_reserve_for_the_database_blobs_and_federation() {
        assert_eq!(default_max_connections(1024), 768);
        assert_eq!(default_max_connections(65536), 49152);
        assert_eq!(default_max_connections(200), MIN_CONNECTIONS as usize);
        assert_eq!(max_connections(0, 1024), 768);
        assert_eq!(max_connections(100, 1024), 100);
        assert_eq!(max_connections(5000, 1024), 768, "a cap the limit cannot carry is lowered");
    }
}
