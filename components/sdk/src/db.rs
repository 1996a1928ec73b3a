//! Portable SQL through the host's `db` capability.
//!
//! Write placeholders as `$1, $2, ...` on both engines; the host rewrites them for
//! SQLite. Results come back as [`Rows`] with column names, read by name.

use std::cell::{Cell as Hint, RefCell};

#[cfg(not(all(feature = "native-harness", not(target_arch = "wasm32"))))]
use crate::bindings::aerie::host::db as host;
#[cfg(all(feature = "native-harness", not(target_arch = "wasm32")))]
use crate::harness::db as host;

pub use host::{Error, Value};

/// One cell of a result, borrowed from its [`Rows`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// SQL `NULL`.
    Null,
    /// A boolean (PostgreSQL `BOOLEAN`; SQLite has none, and sends integers).
    Boolean(bool),
    /// An integer.
    Int64(i64),
    /// A floating-point number.
    Float64(f64),
    /// Text.
    Text(&'a str),
    /// Bytes (`BLOB` / `BYTEA`).
    Bytes(&'a [u8]),
}

/// Where a cell's value is: inline, or a range of the result's buffer.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Null,
    Boolean(bool),
    Int64(i64),
    Float64(f64),
    Text(u32, u32),
    Bytes(u32, u32),
}

/// The rows of one statement, with named columns. The text and bytes of every cell
/// live in one buffer (the host sends a query's rows packed, see `query-packed` in
/// `wit/host/db.wit`), so reading a page costs one allocation, not one per cell.
pub struct Rows {
    columns: Vec<String>,
    buf: Vec<u8>,
    slots: Vec<Slot>,
    lookups: RefCell<Vec<Lookup>>,
}

/// One row of a result, borrowed from [`Rows`].
pub struct Row<'a> {
    columns: &'a [String],
    buf: &'a [u8],
    slots: &'a [Slot],
    /// Where the next lookup by name is likely to be: row parsers read columns in
    /// the order the query lists them, so checking here first makes each lookup one
    /// comparison instead of a scan of every column name.
    next: Hint<usize>,
    /// The lookups the rows of this result made so far, in call order, and how many
    /// this row has made (see [`Row::get`]).
    lookups: &'a RefCell<Vec<Lookup>>,
    call: Hint<usize>,
}

/// A column name a row parser asked for, by the address and length of its `'static`
/// text, and the column index it resolved to. Every row of a result is read by the
/// same parser in the same order, so from the second row on the n-th lookup is the
/// n-th remembered one: one comparison of two integers instead of comparing names
/// (wasm has no vector `memcmp`; a page makes about a thousand lookups).
#[derive(Clone, Copy)]
struct Lookup {
    name: (usize, usize),
    index: usize,
}

/// Reads the packed layout; the host wrote it, so a malformed buffer is a host bug
/// and is reported as one rather than read past.
struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<usize, Error> {
        let start = self.at;
        if self.buf.len() - start < n {
            return Err(Error::Unavailable("the host sent a truncated packed result".into()));
        }
        self.at += n;
        Ok(start)
    }

    fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.buf[self.take(1)?])
    }

    fn u32(&mut self) -> Result<u32, Error> {
        let at = self.take(4)?;
        Ok(u32::from_le_bytes(self.buf[at..at + 4].try_into().expect("four bytes")))
    }

    fn u64(&mut self) -> Result<u64, Error> {
        let at = self.take(8)?;
        Ok(u64::from_le_bytes(self.buf[at..at + 8].try_into().expect("eight bytes")))
    }

    /// A length-prefixed range: (start, length).
    fn range(&mut self) -> Result<(u32, u32), Error> {
        let len = self.u32()?;
        let start = self.take(len as usize)?;
        Ok((start as u32, len))
    }
}

impl Rows {
    fn from_packed(buf: Vec<u8>) -> Result<Self, Error> {
        let mut reader = Reader { buf: &buf, at: 0 };
        let width = reader.u32()? as usize;
        let mut columns = Vec::with_capacity(width);
        for _ in 0..width {
            let (start, len) = reader.range()?;
            let name = std::str::from_utf8(&buf[start as usize..(start + len) as usize])
                .map_err(|_| Error::Unavailable("the host sent a column name that is not UTF-8".into()))?;
            columns.push(name.to_string());
        }
        // A cell takes 1 to 9 bytes plus its text, so this is about right for typical
        // rows and saves the vector's repeated regrowth.
        let mut slots = Vec::with_capacity((buf.len() - reader.at) / 8);
        while reader.at < buf.len() {
            slots.push(match reader.u8()? {
                0 => Slot::Null,
                1 => Slot::Boolean(false),
                2 => Slot::Boolean(true),
                3 => Slot::Int64(reader.u64()? as i64),
                4 => Slot::Float64(f64::from_bits(reader.u64()?)),
                5 => {
                    let (start, len) = reader.range()?;
                    Slot::Text(start, len)
                }
                6 => {
                    let (start, len) = reader.range()?;
                    Slot::Bytes(start, len)
                }
                tag => return Err(Error::Unavailable(format!("the host sent an unknown cell tag {tag}"))),
            });
        }
        if width == 0 && !slots.is_empty() || width != 0 && slots.len() % width != 0 {
            return Err(Error::Unavailable("the host sent a packed result with a partial row".into()));
        }
        Ok(Rows { columns, buf, slots, lookups: RefCell::default() })
    }

    /// How many rows came back.
    pub fn len(&self) -> usize {
        if self.columns.is_empty() { 0 } else { self.slots.len() / self.columns.len() }
    }

    /// Whether no row came back.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The column names, in order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Iterates the rows.
    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        // A result without columns has no cells either (`from_packed` checks), so the
        // width only needs to be nonzero for `chunks`.
        self.slots.chunks(self.columns.len().max(1)).map(|slots| Row {
            columns: &self.columns,
            buf: &self.buf,
            slots,
            next: Hint::new(0),
            lookups: &self.lookups,
            call: Hint::new(0),
        })
    }

    /// The first row, if any.
    pub fn first(&self) -> Option<Row<'_>> {
        self.iter().next()
    }
}

impl<'a> Row<'a> {
    /// The value of column `name`, or `None` when there is no such column.
    pub fn get(&self, name: &'static str) -> Option<Cell<'a>> {
        let call = self.call.get();
        self.call.set(call + 1);
        // A `'static` text never moves or changes, so the same address and length is
        // the same name.
        let key = (name.as_ptr() as usize, name.len());
        let remembered = self.lookups.borrow().get(call).copied();
        let index = match remembered {
            Some(lookup) if lookup.name == key => lookup.index,
            _ => {
                let index = self.position(name)?;
                let mut lookups = self.lookups.borrow_mut();
                let lookup = Lookup { name: key, index };
                match lookups.len().cmp(&call) {
                    std::cmp::Ordering::Greater => lookups[call] = lookup,
                    std::cmp::Ordering::Equal => lookups.push(lookup),
                    std::cmp::Ordering::Less => {}
                }
                index
            }
        };
        self.cell(index)
    }

    /// The value of column `name` given at run time (see [`Rows::columns`]).
    pub fn get_named(&self, name: &str) -> Option<Cell<'a>> {
        self.cell(self.position(name)?)
    }

    /// The index of column `name`, trying where the last lookup left off first.
    fn position(&self, name: &str) -> Option<usize> {
        let guess = self.next.get();
        let index = if self.columns.get(guess).is_some_and(|c| c == name) { guess } else { self.columns.iter().position(|c| c == name)? };
        self.next.set(index + 1);
        Some(index)
    }

    fn cell(&self, index: usize) -> Option<Cell<'a>> {
        let range = |start: u32, len: u32| &self.buf[start as usize..(start + len) as usize];
        Some(match *self.slots.get(index)? {
            Slot::Null => Cell::Null,
            Slot::Boolean(b) => Cell::Boolean(b),
            Slot::Int64(v) => Cell::Int64(v),
            Slot::Float64(v) => Cell::Float64(v),
            // The host packs text from Rust strings or checked SQLite text, so this
            // only fails on a host bug; such a cell reads as not text.
            Slot::Text(start, len) => std::str::from_utf8(range(start, len)).map(Cell::Text).unwrap_or(Cell::Null),
            Slot::Bytes(start, len) => Cell::Bytes(range(start, len)),
        })
    }

    /// Column `name` as an integer (booleans count as 0/1); `None` for NULL or another type.
    pub fn i64(&self, name: &'static str) -> Option<i64> {
        match self.get(name)? {
            Cell::Int64(v) => Some(v),
            Cell::Boolean(b) => Some(b as i64),
            _ => None,
        }
    }

    /// Column `name` as a 0/1 boolean; NULL and missing columns are false.
    pub fn bool(&self, name: &'static str) -> bool {
        self.i64(name).is_some_and(|v| v != 0)
    }

    /// Column `name` as owned text; `None` for NULL.
    pub fn string(&self, name: &'static str) -> Option<String> {
        self.text(name).map(str::to_string)
    }

    /// Column `name` as text; `None` for NULL or another type.
    pub fn text(&self, name: &'static str) -> Option<&'a str> {
        match self.get(name)? {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// Runs one statement and returns its rows.
pub fn query(sql: &str, params: &[Value]) -> Result<Rows, Error> {
    host::query_packed(sql, params).and_then(Rows::from_packed)
}

/// Runs one statement and returns how many rows it changed.
pub fn execute(sql: &str, params: &[Value]) -> Result<u64, Error> {
    host::execute(sql, params)
}

/// A write transaction; dropped without [`Transaction::commit`], it is rolled back.
pub struct Transaction(host::Transaction);

impl Transaction {
    /// Runs one statement inside the transaction and returns its rows.
    pub fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, Error> {
        self.0.query_packed(sql, params).and_then(Rows::from_packed)
    }

    /// Runs one statement inside the transaction; returns how many rows it changed.
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, Error> {
        self.0.execute(sql, params)
    }

    /// Commits the transaction.
    pub fn commit(self) -> Result<(), Error> {
        host::Transaction::commit(self.0)
    }
}

/// Opens a write transaction.
pub fn begin() -> Result<Transaction, Error> {
    host::begin().map(Transaction)
}

/// Where a statement runs: inside a [`Transaction`], or on its own ([`Autocommit`]).
/// Code that owns SQL takes `&impl Handle`, so its caller decides whether several
/// statements commit together.
pub trait Handle {
    /// Runs one statement and returns its rows.
    fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, Error>;
    /// Runs one statement and returns how many rows it changed.
    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, Error>;
}

/// Each statement committed on its own, as [`query`] and [`execute`] run it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Autocommit;

impl Handle for Autocommit {
    fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, Error> {
        query(sql, params)
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, Error> {
        execute(sql, params)
    }
}

impl Handle for Transaction {
    fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, Error> {
        Transaction::query(self, sql, params)
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, Error> {
        Transaction::execute(self, sql, params)
    }
}

/// `$first, $first+1, ...` for `count` values, for `IN (...)` lists.
pub fn placeholders(first: usize, count: usize) -> String {
    use std::fmt::Write as _;
    // One buffer, not a `String` per placeholder joined (a page builds several lists).
    let mut list = String::with_capacity(count * 6);
    for n in first..first + count {
        if n > first {
            list.push_str(", ");
        }
        let _ = write!(list, "${n}");
    }
    list
}

/// Ids as parameters.
pub fn ids(ids: &[i64]) -> Vec<Value> {
    ids.iter().map(|&id| Value::Int64(id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A packed result as the host writes it (`host/src/db/packed.rs`): text cells only.
    fn packed(columns: &[&str], cells: &[&str]) -> Vec<u8> {
        let mut buf = (columns.len() as u32).to_le_bytes().to_vec();
        for name in columns {
            buf.extend_from_slice(&(name.len() as u32).to_le_bytes());
            buf.extend_from_slice(name.as_bytes());
        }
        for cell in cells {
            buf.push(5);
            buf.extend_from_slice(&(cell.len() as u32).to_le_bytes());
            buf.extend_from_slice(cell.as_bytes());
        }
        buf
    }

    #[test]
    fn placeholder_lists() {
        assert_eq!(placeholders(2, 3), "$2, $3, $4");
        assert_eq!(placeholders(1, 1), "$1");
        assert_eq!(placeholders(5, 0), "");
    }

    #[test]
    fn remembered_lookups_answer_the_same_as_searching() {
        let rows = Rows::from_packed(packed(&["a", "b", "c"], &["a1", "b1", "c1", "a2", "b2", "c2", "a3", "b3", "c3"])).unwrap();
        let mut seen = Vec::new();
        for (n, row) in rows.iter().enumerate() {
            // The same order on every row (the remembered path from the second row on),
            // then a different order and a missing column on the last row only.
            seen.push((row.text("a"), row.text("b"), row.text("c")));
            if n == 2 {
                assert_eq!((row.text("c"), row.text("zz"), row.text("a")), (Some("c3"), None, Some("a3")));
            }
        }
        assert_eq!(
            seen,
            [(Some("a1"), Some("b1"), Some("c1")), (Some("a2"), Some("b2"), Some("c2")), (Some("a3"), Some("b3"), Some("c3"))]
        );
        // Another parser over the same rows, in another order, still reads by name.
        let reversed: Vec<_> = rows.iter().map(|row| (row.text("c"), row.text("b"), row.text("a"))).collect();
        assert_eq!(reversed[1], (Some("c2"), Some("b2"), Some("a2")));
        let named: Vec<_> = rows.iter().map(|row| row.get_named(&String::from("b"))).collect();
        assert_eq!(named[2], Some(Cell::Text("b3")));
    }
}
