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

use super::{RowSet, Value};

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

    pub fn null(&mut self) {
        self.buf.push(NULL);
    }

    pub fn boolean(&mut self, value: bool) {
        self.buf.push(if value { TRUE } else { FALSE });
    }

    pub fn int(&mut self, value: i64) {
        self.buf.push(INT64);
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    pub fn float(&mut self, value: f64) {
        self.buf.push(FLOAT64);
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    pub fn text(&mut self, value: &str) {
        self.buf.push(TEXT);
        self.len(value.len());
        self.buf.extend_from_slice(value.as_bytes());
    }

    pub fn bytes(&mut self, value: &[u8]) {
        self.buf.push(BYTES);
        self.len(value.len());
        self.buf.extend_from_slice(value);
    }

    pub fn value(&mut self, value: &Value) {
        match value {
            Value::Null => self.null(),
            Value::Bool(b) => self.boolean(*b),
            Value::Int(v) => self.int(*v),
            Value::Float(v) => self.float(*v),
            Value::Text(s) => self.text(s),
            Value::Bytes(b) => self.bytes(b),
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
            packer.value(value);
        }
    }
    packer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

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
