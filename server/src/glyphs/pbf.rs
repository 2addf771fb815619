//! Protocol Buffers encoding of `glyphs.proto` (package `llmr.glyphs`), by hand:
//!
//! ```text
//! message glyph     { required uint32 id = 1; optional bytes bitmap = 2;
//!                     required uint32 width = 3; required uint32 height = 4;
//!                     required sint32 left = 5; required sint32 top = 6;
//!                     required uint32 advance = 7; }
//! message fontstack { required string name = 1; required string range = 2;
//!                     repeated glyph glyphs = 3; }
//! message glyphs    { repeated fontstack stacks = 1; }
//! ```
//!
//! Fields are written in number order, as node-fontnik writes them; `bitmap` only for
//! a glyph with a box (width > 0).

use super::sdf::Glyph;

const VARINT: u32 = 0;
const LEN: u32 = 2;

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7F) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire: u32) {
    varint(out, u64::from(field << 3 | wire));
}

fn uint(out: &mut Vec<u8>, field: u32, v: u32) {
    key(out, field, VARINT);
    varint(out, u64::from(v));
}

fn sint(out: &mut Vec<u8>, field: u32, v: i32) {
    key(out, field, VARINT);
    // ZigZag: 0, −1, 1, −2, … → 0, 1, 2, 3, …
    varint(out, u64::from(((v << 1) ^ (v >> 31)) as u32));
}

fn bytes(out: &mut Vec<u8>, field: u32, v: &[u8]) {
    key(out, field, LEN);
    varint(out, v.len() as u64);
    out.extend_from_slice(v);
}

/// The `glyphs` message holding one `fontstack` named `name` for `range`
/// (e.g. `"0-255"`) with `glyphs` in the order given.
pub(super) fn encode(name: &str, range: &str, glyphs: &[Glyph]) -> Vec<u8> {
    let mut stack = Vec::with_capacity(
        16 + name.len() + range.len() + glyphs.iter().map(|g| g.bitmap.len() + 24).sum::<usize>(),
    );
    bytes(&mut stack, 1, name.as_bytes());
    bytes(&mut stack, 2, range.as_bytes());
    let mut glyph = Vec::new();
    for g in glyphs {
        glyph.clear();
        uint(&mut glyph, 1, g.id);
        if g.width > 0 {
            bytes(&mut glyph, 2, &g.bitmap);
        }
        uint(&mut glyph, 3, g.width);
        uint(&mut glyph, 4, g.height);
        sint(&mut glyph, 5, g.left);
        sint(&mut glyph, 6, g.top);
        uint(&mut glyph, 7, g.advance);
        bytes(&mut stack, 3, &glyph);
    }
    let mut out = Vec::with_capacity(stack.len() + 6);
    bytes(&mut out, 1, &stack);
    out
}
