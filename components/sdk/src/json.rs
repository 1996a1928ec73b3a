//! Compact JSON for responses, byte for byte what `serde_json::to_vec` writes, with a
//! faster string scan.
//!
//! serde_json looks up every byte of every string in its escape table, one at a time,
//! and gives no way to replace that scan. In the API component it was the largest
//! single cost of a timeline page (8.4 % of the server's CPU under load: a page is
//! ~30 kB of mostly HTML and URLs). [`to_vec`] skips eight bytes at a time while none
//! of them needs escaping (a SWAR test for `"`, `\` and control bytes) and writes the
//! same escapes serde_json does. Floats are handed to serde_json itself so their
//! spelling cannot drift. Map keys are strings, or integers and bools quoted; any
//! other key is refused, as serde_json refuses it.
//!
//! The unit tests compare the output with serde_json's for edge cases; aerie-core's
//! `tests/json_entities.rs` does the same for the Mastodon entities.

use std::fmt;

use serde::ser::{self, Serialize};

/// Serializes `value` as compact JSON.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut writer = Writer { out: Vec::with_capacity(4096) };
    value.serialize(&mut writer)?;
    Ok(writer.out)
}

/// Why a value could not be written (a serializer refused it, or a map key is not
/// a string or number).
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Error(message.to_string())
    }
}

/// The ten integer methods of a `Serializer`, each running `$body` on `$value`.
macro_rules! integers {
    ($self:ident, $value:ident => $body:expr) => {
        integers!(@each $self, $value => $body; serialize_i8 i8, serialize_i16 i16, serialize_i32 i32, serialize_i64 i64,
            serialize_i128 i128, serialize_u8 u8, serialize_u16 u16, serialize_u32 u32, serialize_u64 u64, serialize_u128 u128);
    };
    (@each $self:ident, $value:ident => $body:expr; $($method:ident $ty:ty),*) => {
        $(
            fn $method($self, $value: $ty) -> Result<(), Error> {
                $body
            }
        )*
    };
}

/// A compound serde trait written exactly as another one: its items (with their
/// keys, for struct fields) by `$target::$write`, its end by `$target::end`.
macro_rules! written_as {
    ($trait:ident::$method:ident($($key:ident: $key_type:ty),*) => $target:ident::$write:ident) => {
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Error;

            fn $method<T: Serialize + ?Sized>(&mut self, $($key: $key_type,)* value: &T) -> Result<(), Error> {
                ser::$target::$write(self, $($key,)* value)
            }

            fn end(self) -> Result<(), Error> {
                ser::$target::end(self)
            }
        }
    };
}

struct Writer {
    out: Vec<u8>,
}

impl Writer {
    /// Opens a variant's wrapping object up to its value: `{"Variant":`.
    fn open_variant(&mut self, variant: &str) {
        self.out.push(b'{');
        write_str(&mut self.out, variant);
        self.out.push(b':');
    }

    fn integer(&mut self, value: impl itoa::Integer) {
        self.out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    /// A float, spelled by serde_json (`null` when not finite).
    fn float(&mut self, value: impl Serialize) -> Result<(), Error> {
        serde_json::to_writer(&mut self.out, &value).map_err(|e| Error(e.to_string()))
    }
}

/// The escape for each byte below 0x80 that needs one (0 for none), as serde_json
/// writes them: the short forms where JSON has them, `\u00XX` for other control bytes.
const fn escape_of(byte: u8) -> u8 {
    match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x09 => b't',
        0x0A => b'n',
        0x0C => b'f',
        0x0D => b'r',
        0x00..=0x1F => b'u',
        _ => 0,
    }
}

const ESCAPES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = escape_of(i as u8);
        i += 1;
    }
    table
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any of the eight bytes in `word` is `"`, `\` or below 0x20. Each test is
/// exact for "some byte matches" (borrows only spread above a real match); bytes of
/// 0x80 and up (UTF-8 sequences) never match.
#[inline]
fn needs_escape(word: u64) -> bool {
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    let quote = zero_byte(word ^ (ONES * b'"' as u64));
    let backslash = zero_byte(word ^ (ONES * b'\\' as u64));
    (control | quote | backslash) != 0
}

/// Writes `text` as a JSON string: clean runs copied by [`copy_clean_prefix`], the
/// bytes between them escaped as serde_json escapes them.
fn write_str(out: &mut Vec<u8>, text: &str) {
    out.reserve(text.len() + 2);
    out.push(b'"');
    let mut rest = text.as_bytes();
    loop {
        rest = &rest[copy_clean_prefix(out, rest)..];
        let Some((&byte, after)) = rest.split_first() else { break };
        match ESCAPES[byte as usize] {
            b'u' => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(byte >> 4) as usize], HEX[(byte & 0xF) as usize]]);
            }
            escape => out.extend_from_slice(&[b'\\', escape]),
        }
        rest = after;
    }
    out.push(b'"');
}

/// Copies the longest prefix of `bytes` that needs no escape to `out` and returns its
/// length.
///
/// Most strings need no escape at all, and most are short (ids, dates, URLs, keys), so
/// the prefix is scanned and copied in the same pass, a word at a time, into room
/// reserved up front: a short string then costs no call out of the component (a
/// `memory.copy` is one) and no capacity check per byte.
fn copy_clean_prefix(out: &mut Vec<u8>, bytes: &[u8]) -> usize {
    let len = bytes.len();
    // One more byte than the prefix can take, for the closing quote.
    out.reserve(len + 1);
    let start = out.len();
    let mut clean = 0;
    // SAFETY: `reserve` made room for `len` more bytes after `start`; the loops write
    // at most `len` bytes there, all initialized before `set_len` covers them. Reads
    // stay inside `bytes` (`clean + 8 <= len`, then `clean < len`).
    unsafe {
        let to = out.as_mut_ptr().add(start);
        while clean + 8 <= len {
            let word = std::ptr::read_unaligned(bytes.as_ptr().add(clean).cast::<u64>());
            if needs_escape(word) {
                break;
            }
            std::ptr::write_unaligned(to.add(clean).cast::<u64>(), word);
            clean += 8;
        }
        while clean < len && ESCAPES[bytes[clean] as usize] == 0 {
            *to.add(clean) = bytes[clean];
            clean += 1;
        }
        out.set_len(start + clean);
    }
    clean
}

/// A sequence or map being written: whether the next item is the first.
pub struct Compound<'a> {
    writer: &'a mut Writer,
    first: bool,
    /// Where a variant's wrapping object must be closed too (`{"Variant":...}`).
    close_variant: bool,
}

impl Compound<'_> {
    fn separator(&mut self) {
        if !std::mem::replace(&mut self.first, false) {
            self.writer.out.push(b',');
        }
    }

    fn key(&mut self, key: &str) {
        self.separator();
        write_str(&mut self.writer.out, key);
        self.writer.out.push(b':');
    }

    fn close(self, bracket: u8) {
        self.writer.out.push(bracket);
        if self.close_variant {
            self.writer.out.push(b'}');
        }
    }
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.out.extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }

    integers!(self, value => { self.integer(value); Ok(()) });

    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        self.float(value)
    }

    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        self.float(value)
    }

    fn serialize_char(self, value: char) -> Result<(), Error> {
        write_str(&mut self.out, value.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, value: &str) -> Result<(), Error> {
        write_str(&mut self.out, value);
        Ok(())
    }

    /// Bytes are an array of numbers, as serde_json writes them.
    fn serialize_bytes(self, value: &[u8]) -> Result<(), Error> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(value.len()))?;
        for byte in value {
            seq.serialize_element(byte)?;
        }
        seq.end()
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.open_variant(variant);
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        self.out.push(b'[');
        Ok(Compound { writer: self, first: true, close_variant: false })
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(self, _name: &'static str, _index: u32, variant: &'static str, _len: usize) -> Result<Compound<'a>, Error> {
        self.open_variant(variant);
        self.out.push(b'[');
        Ok(Compound { writer: self, first: true, close_variant: true })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        self.out.push(b'{');
        Ok(Compound { writer: self, first: true, close_variant: false })
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a>, Error> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(self, _name: &'static str, _index: u32, variant: &'static str, _len: usize) -> Result<Compound<'a>, Error> {
        self.open_variant(variant);
        self.out.push(b'{');
        Ok(Compound { writer: self, first: true, close_variant: true })
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.separator();
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result<(), Error> {
        self.close(b']');
        Ok(())
    }
}

// Tuples, tuple structs and tuple variants are written as sequences.
written_as!(SerializeTuple::serialize_element() => SerializeSeq::serialize_element);
written_as!(SerializeTupleStruct::serialize_field() => SerializeSeq::serialize_element);
written_as!(SerializeTupleVariant::serialize_field() => SerializeSeq::serialize_element);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.separator();
        key.serialize(MapKey { out: &mut self.writer.out })?;
        self.writer.out.push(b':');
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result<(), Error> {
        self.close(b'}');
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.key(key);
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result<(), Error> {
        self.close(b'}');
        Ok(())
    }
}

// A struct variant's fields are written as a struct's (its wrapping object is closed
// by `Compound::close`).
written_as!(SerializeStructVariant::serialize_field(key: &'static str) => SerializeStruct::serialize_field);

/// A map key: JSON keys are strings, so numbers and bools are quoted and anything
/// else is refused, as serde_json does.
struct MapKey<'a> {
    out: &'a mut Vec<u8>,
}

impl MapKey<'_> {
    fn quoted(self, text: &str) -> Result<(), Error> {
        self.out.push(b'"');
        self.out.extend_from_slice(text.as_bytes());
        self.out.push(b'"');
        Ok(())
    }

    fn integer(self, value: impl itoa::Integer) -> Result<(), Error> {
        self.quoted(itoa::Buffer::new().format(value))
    }
}

fn key_must_be_a_string() -> Error {
    Error("key must be a string".to_string())
}

impl ser::Serializer for MapKey<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, value: &str) -> Result<(), Error> {
        write_str(self.out, value);
        Ok(())
    }

    fn serialize_char(self, value: char) -> Result<(), Error> {
        write_str(self.out, value.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.quoted(if value { "true" } else { "false" })
    }

    integers!(self, value => self.integer(value));

    fn serialize_f32(self, _value: f32) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_f64(self, _value: f64) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_bytes(self, _value: &[u8]) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_none(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::*;

    /// Asserts [`to_vec`] writes exactly what serde_json writes.
    fn same<T: Serialize + ?Sized + fmt::Debug>(value: &T) {
        let ours = String::from_utf8(to_vec(value).expect("ours")).expect("UTF-8");
        let theirs = serde_json::to_string(value).expect("serde_json");
        assert_eq!(ours, theirs, "for {value:?}");
    }

    #[test]
    fn strings_escape_like_serde_json() {
        let every_ascii: String = (0u8..0x80).map(char::from).collect();
        same(&every_ascii);
        // Each escapable byte at every position of a word, and runs either side.
        for special in ['"', '\\', '\n', '\u{0}', '\u{1f}', '\u{7f}', 'é', '🦀', '\u{2028}'] {
            for before in 0..17 {
                for after in [0, 1, 7, 8, 9, 16] {
                    let text = format!("{}{special}{}", "a".repeat(before), "b".repeat(after));
                    same(&text);
                }
            }
        }
        same("");
        same("<p>Hello <a href=\"https://example.com/@a\" class=\"u-url mention\">@a</a></p>\r\n\ttabs\u{8}\u{c}");
        same(&"é".repeat(50));
        same(&"\"\\".repeat(40));
    }

    #[test]
    fn numbers_and_floats_like_serde_json() {
        same(&[i64::MIN, -1, 0, 1, i64::MAX]);
        same(&[u64::MAX]);
        same(&(i128::MIN, u128::MAX, -7i8, 300u16, -70000i32, 9u8));
        same(&[0.0, -0.0, 0.5, 1.0, 1e300, 1e-7, 123456.789, f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
        same(&[1.5f32, f32::NAN]);
    }

    #[derive(Serialize, Debug)]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(u8, String),
        Struct { a: Option<u8>, b: Vec<bool> },
    }

    #[derive(Serialize, Debug)]
    struct Everything {
        unit: (),
        none: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<String>,
        char: char,
        bytes: serde_bytes_like::Bytes,
        shapes: Vec<Shape>,
        empty_list: Vec<u8>,
        empty_map: BTreeMap<String, u8>,
        numbered: BTreeMap<i32, &'static str>,
        flags: BTreeMap<bool, u8>,
        value: serde_json::Value,
        #[serde(flatten)]
        flattened: BTreeMap<String, String>,
    }

    mod serde_bytes_like {
        /// Serializes through `serialize_bytes`.
        #[derive(Debug)]
        pub struct Bytes(pub Vec<u8>);

        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_bytes(&self.0)
            }
        }
    }

    #[test]
    fn structures_like_serde_json() {
        let value = Everything {
            unit: (),
            none: None,
            skipped: None,
            char: '"',
            bytes: serde_bytes_like::Bytes(vec![0, 1, 255]),
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(3),
                Shape::Tuple(4, "x".into()),
                Shape::Struct { a: None, b: vec![true, false] },
                Shape::Struct { a: Some(1), b: vec![] },
            ],
            empty_list: vec![],
            empty_map: BTreeMap::new(),
            numbered: BTreeMap::from([(-1, "minus"), (2, "two")]),
            flags: BTreeMap::from([(true, 1), (false, 0)]),
            value: serde_json::json!({"a": [1, -2, 3.5, null, true, "s\n"], "b": {"c": {}}, "d": []}),
            flattened: BTreeMap::from([("extra".into(), "x\u{1}".into())]),
        };
        same(&value);
        same(&Vec::<Everything>::new());
        same(&Some(Shape::Unit));
    }

    #[test]
    fn non_string_keys_are_refused_like_serde_json() {
        let map = BTreeMap::from([(vec![1u8], 1u8)]);
        assert!(serde_json::to_vec(&map).is_err());
        assert!(to_vec(&map).is_err());
    }
}
