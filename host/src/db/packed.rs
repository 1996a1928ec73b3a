//! Result rows in one buffer, for `query-packed` in `wit/host/db.wit`.
//!
//! Lowering a `row-set` into a component costs one guest allocation and one copy per
//! text cell (a page of statuses with their authors is about a thousand cells); a
//! packed result crosses as one `list<u8>`. Reads on SQLite are packed straight from
//! the statement's columns, so their text is never held in a `String` on the host
//! either. The layout (little-endian):
//!
//! - `u32` column count, then per column a `u32` byte length and the UTF-8 name;
//! - then the cells, row by row and column by column, each a tag byte and its payload:
//!   `0` null, `1` false, `2` true, `3` int64 (8 bytes), `4` float64 (8 bytes),
//!   `5` text (`u32` length + UTF-8), `6` bytes (`u32` length + bytes).
//!
//! The row count is the number of cells over the column count.

use super::{RowSet, ValueRef};

pub const NULL: u8 = 0;
pub const FALSE: u8 = 1;
pub const TRUE: u8 = 2;
pub const INT64: u8 = 3;
pub const FLOAT64: u8 = 4;
pub const TEXT: u8 = 5;
pub const BYTES: u8 = 6;

/// Writes a packed result: the column names first, then cells in row order.
pub struct Packer {
    buf: Vec<u8>,
}

impl Packer {
    /// Starts a result with these column names.
    pub fn new<'a>(columns: impl ExactSizeIterator<Item = &'a str>) -> Packer {
        let mut packer = Packer { buf: Vec::with_capacity(4096) };
        packer.len(columns.len());
        for name in columns {
            packer.len(name.len());
            packer.buf.extend_from_slice(name.as_bytes());
        }
        packer
    }

    fn len(&mut self, n: usize) {
        // A cell is bounded far below 4 GiB by the database's own limits.
        self.buf.extend_from_slice(&(n as u32).to_le_bytes());
    }

    /// Appends the next cell.
    pub fn value(&mut self, value: ValueRef<'_>) {
        match value {
            ValueRef::Null => self.buf.push(NULL),
            ValueRef::Bool(b) => self.buf.push(if b { TRUE } else { FALSE }),
            ValueRef::Int(v) => {
                self.buf.push(INT64);
                self.buf.extend_from_slice(&v.to_le_bytes());
            }
            ValueRef::Float(v) => {
                self.buf.push(FLOAT64);
                self.buf.extend_from_slice(&v.to_le_bytes());
            }
            ValueRef::Text(s) => {
                self.buf.push(TEXT);
                self.len(s.len());
                self.buf.extend_from_slice(s.as_bytes());
            }
            ValueRef::Bytes(b) => {
                self.buf.push(BYTES);
                self.len(b.len());
                self.buf.extend_from_slice(b);
            }
        }
    }

    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// Packs rows already read (PostgreSQL, and SQLite statements that write).
pub fn pack(rows: &RowSet) -> Vec<u8> {
    let mut packer = Packer::new(rows.columns.iter().map(String::as_str));
    for row in &rows.rows {
        for value in row {
            packer.value(value.as_ref());
        }
    }
    packer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Value;

    #[test]
    fn layout_is_columns_then_tagged_cells() {
        let rows = RowSet {
            columns: vec!["id".into(), "name".into()],
            rows: vec![vec![Value::Int(7), Value::Text("é".into())], vec![Value::Null, Value::Bool(true)]],
        };
        let mut expected = vec![2, 0, 0, 0, 2, 0, 0, 0, b'i', b'd', 4, 0, 0, 0, b'n', b'a', b'm', b'e'];
        expected.push(INT64);
        expected.extend_from_slice(&7i64.to_le_bytes());
        expected.extend_from_slice(&[TEXT, 2, 0, 0, 0, 0xc3, 0xa9, NULL, TRUE]);
        assert_eq!(pack(&rows), expected);
    }
}
