//! The portable SQL's placeholders: components and the host write `$1..$n`
//! (PostgreSQL's spelling); for SQLite they are rewritten to `?1..?n` — by the host's
//! db layer, and by the SDK's native test harness the same way.
//!
//! SQLite reads `$2` as a *named* parameter and numbers parameters by first
//! appearance, so `... b = $2 AND a = $1` would bind the wrong values. `?NNN` is
//! positional. String literals, quoted identifiers and comments are left untouched.

/// Rewrites `$N` placeholders outside literals and comments to `?N`.
pub fn to_sqlite(sql: &str) -> String {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' | b'"' | b'`' => {
                let end = find_closing(bytes, i + 1, c);
                out.push_str(&sql[i..end]);
                i = end;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                let end = sql[i..].find('\n').map(|n| i + n).unwrap_or(bytes.len());
                out.push_str(&sql[i..end]);
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = sql[i + 2..].find("*/").map(|n| i + 2 + n + 2).unwrap_or(bytes.len());
                out.push_str(&sql[i..end]);
                i = end;
            }
            b'$' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let start = i + 1;
                let mut end = start;
                while end < bytes.len() && bytes[end].is_ascii_digit() {
                    end += 1;
                }
                out.push('?');
                out.push_str(&sql[start..end]);
                i = end;
            }
            // Everything up to the next byte that may start one of the cases above,
            // copied at once (this runs for every query a component makes). Those
            // bytes are ASCII, so the slice ends on a character boundary.
            _ => {
                let end = bytes[i + 1..]
                    .iter()
                    .position(|b| matches!(b, b'\'' | b'"' | b'`' | b'-' | b'/' | b'$'))
                    .map_or(bytes.len(), |n| i + 1 + n);
                out.push_str(&sql[i..end]);
                i = end;
            }
        }
    }
    out
}

/// The index just past the quote closing a literal that opened before `from`;
/// a doubled quote is an escaped quote.
fn find_closing(bytes: &[u8], mut from: usize, quote: u8) -> usize {
    while from < bytes.len() {
        if bytes[from] == quote {
            if bytes.get(from + 1) == Some(&quote) {
                from += 2;
                continue;
            }
            return from + 1;
        }
        from += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::to_sqlite;

    #[test]
    fn rewrites_placeholders_in_any_order() {
        assert_eq!(to_sqlite("SELECT * FROM t WHERE b = $2 AND a = $1"), "SELECT * FROM t WHERE b = ?2 AND a = ?1");
        assert_eq!(to_sqlite("VALUES ($10, $1)"), "VALUES (?10, ?1)");
    }

    #[test]
    fn leaves_literals_identifiers_and_comments_alone() {
        assert_eq!(to_sqlite("SELECT '$1', \"$2\" -- $3\n, $4 /* $5 */"), "SELECT '$1', \"$2\" -- $3\n, ?4 /* $5 */");
        assert_eq!(to_sqlite("SELECT 'it''s $1', $1"), "SELECT 'it''s $1', ?1");
        assert_eq!(to_sqlite("SELECT 'é$1', $2"), "SELECT 'é$1', ?2");
    }

    #[test]
    fn a_lone_dollar_is_not_a_placeholder() {
        assert_eq!(to_sqlite("SELECT '$' || $ || $a"), "SELECT '$' || $ || $a");
    }
}
