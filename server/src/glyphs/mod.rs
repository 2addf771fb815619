//! Map label glyphs: OpenType/TrueType fonts → MapLibre (Mapbox) glyph PBF ranges,
//! the signed-distance-field format that node-fontnik makes and Martin serves at
//! `/fonts/{fontstack}/{start}-{end}.pbf`.
//!
//! - **Fonts.** [`FontLibrary::from_fonts`] takes the bytes of `.ttf`, `.otf` and
//!   `.ttc`/`.otc` files (TrueType `glyf`, CFF and CFF2 outlines; a variable font at
//!   its default instance) and names every face as MapLibre font stacks name them:
//!   family + `' '` + subfamily, from the `name` table as FreeType picks them (WWS
//!   names when OS/2 says so, else typographic 16/17, else 1/2; Windows English
//!   first), e.g. `"Noto Sans CJK SC Regular"`. A later face of a name already taken
//!   is ignored.
//! - **Ranges.** [`FontLibrary::range`] answers one range of 256 code points
//!   (`start` a multiple of 256, at most 65280) for a font stack `"A,B"`: each code
//!   point is taken from the first face of the stack that maps it to a glyph; code
//!   points no face has are left out. Names of the stack that no face has are skipped,
//!   and a stack none of whose names is known is [`GlyphError::UnknownFont`].
//! - **Glyphs.** As node-fontnik (sdf-glyph-foundry) renders them: 24 px per em,
//!   unhinted, a 3 px buffer, radius 8 and cutoff 0.25, so byte 191 is the outline,
//!   larger is inside, 0 is 6 px or more outside. `left` and `top` are the glyph box's
//!   left and top edge relative to the pen on the baseline, `top` less the face's
//!   ascender (MapLibre GL JS's layout expects exactly this), `advance` in whole
//!   pixels (truncated). A glyph without an outline (space) has width and height 0, no
//!   bitmap, and its advance. See `sdf.rs` for the details and the one deliberate
//!   difference (non-zero winding).
//! - **Protobuf.** `glyphs { stacks: [fontstack { name, range, glyphs }] }` with the
//!   stack's `name` as asked and `range` as `"start-end"` (see `pbf.rs`).
//! - **Cache.** Answers are kept in memory, the [`CACHE_RANGES`] most recently used
//!   (stack as asked, start) pairs: a repeated call returns the same `Arc`.
//!
//! Plain synchronous code with no I/O: an HTTP handler calls [`FontLibrary::range`]
//! from a blocking task (a CJK range of 256 ideographs takes about 20–30 ms on one
//! core in a release build on a cold cache; a cached one, a microsecond or two).

mod pbf;
mod sdf;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use ttf_parser::Face;

/// How many ranges the cache keeps (least recently used go first). A CJK range is
/// about 200 KB (a Latin one 30–80 KB), so a full cache of CJK ranges holds ~100 MB.
pub const CACHE_RANGES: usize = 512;

/// The highest `start` of a range (the last range of the Basic Multilingual Plane).
pub const MAX_START: u32 = 65280;

/// Why a font or a range could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlyphError {
    /// No face of the stack is known; the names of the stack, comma-separated.
    UnknownFont(String),
    /// A range start that is not a multiple of 256 in 0..=65280.
    BadRange(u32),
    /// A font file that could not be read, and why.
    BadFont(String),
}

impl fmt::Display for GlyphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GlyphError::UnknownFont(names) => write!(f, "unknown font: {names}"),
            GlyphError::BadRange(start) => write!(
                f,
                "bad glyph range start {start}: must be a multiple of 256 from 0 to {MAX_START}"
            ),
            GlyphError::BadFont(why) => write!(f, "bad font: {why}"),
        }
    }
}

impl std::error::Error for GlyphError {}

/// One face of one font file.
struct FaceEntry {
    name: String,
    file: usize,
    index: u32,
}

/// The fonts the glyph ranges are made from, with a cache of ranges made.
pub struct FontLibrary {
    files: Vec<Vec<u8>>,
    /// Sorted by name, names unique.
    faces: Vec<FaceEntry>,
    cache: Mutex<RangeCache>,
}

impl fmt::Debug for FontLibrary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FontLibrary")
            .field("faces", &self.names())
            .finish()
    }
}

impl FontLibrary {
    /// Every face of every font file given (bytes of .ttf/.otf/.ttc), named by family
    /// + subfamily as MapLibre font stacks name them, e.g. "Noto Sans CJK SC Regular".
    ///
    /// A file or face that does not parse, or a face without a family name, is
    /// [`GlyphError::BadFont`] naming the file by its position in `files`.
    pub fn from_fonts(files: Vec<Vec<u8>>) -> Result<Self, GlyphError> {
        let mut faces: Vec<FaceEntry> = Vec::new();
        for (file, data) in files.iter().enumerate() {
            let count = ttf_parser::fonts_in_collection(data).unwrap_or(1);
            for index in 0..count {
                let face = Face::parse(data, index).map_err(|e| {
                    GlyphError::BadFont(format!("font file {file}, face {index}: {e}"))
                })?;
                let name = face_name(&face).ok_or_else(|| {
                    GlyphError::BadFont(format!("font file {file}, face {index}: no family name"))
                })?;
                if !faces.iter().any(|f| f.name == name) {
                    faces.push(FaceEntry { name, file, index });
                }
            }
        }
        faces.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(FontLibrary {
            files,
            faces,
            cache: Mutex::new(RangeCache::default()),
        })
    }

    /// The names of all faces, sorted.
    pub fn names(&self) -> Vec<String> {
        self.faces.iter().map(|f| f.name.clone()).collect()
    }

    /// The PBF of the range of 256 code points from `start` (a multiple of 256,
    /// ≤ 65280) for `fontstack` ("A,B": comma-separated face names, spaces around
    /// them ignored; the first face that has a glyph wins). Unknown names are skipped;
    /// a stack with no known name is [`GlyphError::UnknownFont`]. Cached: a second
    /// call for the same stack and start returns the same `Arc`.
    pub fn range(&self, fontstack: &str, start: u32) -> Result<Arc<[u8]>, GlyphError> {
        if !start.is_multiple_of(256) || start > MAX_START {
            return Err(GlyphError::BadRange(start));
        }
        let key = (fontstack.to_owned(), start);
        if let Some(hit) = self.cache().get(&key) {
            return Ok(hit);
        }
        let rendered: Arc<[u8]> = self.render(fontstack, start)?.into();
        Ok(self.cache().insert(key, rendered))
    }

    fn cache(&self) -> MutexGuard<'_, RangeCache> {
        // The cache holds no invariant a panic could break half way.
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The faces of the stack, in its order.
    fn stack(&self, fontstack: &str) -> Result<Vec<&FaceEntry>, GlyphError> {
        let names = fontstack
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let faces: Vec<&FaceEntry> = names
            .clone()
            .filter_map(|name| {
                self.faces
                    .binary_search_by(|f| f.name.as_str().cmp(name))
                    .ok()
                    .map(|i| &self.faces[i])
            })
            .collect();
        if faces.is_empty() {
            return Err(GlyphError::UnknownFont(names.collect::<Vec<_>>().join(",")));
        }
        Ok(faces)
    }

    fn render(&self, fontstack: &str, start: u32) -> Result<Vec<u8>, GlyphError> {
        let mut faces = Vec::new();
        for entry in self.stack(fontstack)? {
            let face = Face::parse(&self.files[entry.file], entry.index)
                .map_err(|e| GlyphError::BadFont(format!("{}: {e}", entry.name)))?;
            let scale = sdf::Scale::new(&face);
            faces.push((face, scale));
        }
        let end = start + 255;
        let mut glyphs = Vec::new();
        for code in start..=end {
            let Some(c) = char::from_u32(code) else {
                continue; // a surrogate
            };
            let found = faces.iter().find_map(|(face, scale)| {
                face.glyph_index(c)
                    .filter(|g| g.0 != 0)
                    .map(|g| (face, scale, g))
            });
            if let Some((face, scale, gid)) = found {
                glyphs.push(sdf::render(face, scale, gid, code));
            }
        }
        Ok(pbf::encode(fontstack, &format!("{start}-{end}"), &glyphs))
    }
}

/// A range as asked: (font stack as given, start).
type RangeKey = (String, u32);

/// Least recently used cache of ranges.
#[derive(Default)]
struct RangeCache {
    /// The bytes of each range, with the clock reading of their last use.
    entries: HashMap<RangeKey, (Arc<[u8]>, u64)>,
    clock: u64,
}

impl RangeCache {
    fn get(&mut self, key: &RangeKey) -> Option<Arc<[u8]>> {
        self.clock += 1;
        let clock = self.clock;
        self.entries.get_mut(key).map(|(bytes, used)| {
            *used = clock;
            Arc::clone(bytes)
        })
    }

    /// Keeps `bytes` under `key`, or returns what another caller kept there first.
    fn insert(&mut self, key: RangeKey, bytes: Arc<[u8]>) -> Arc<[u8]> {
        self.clock += 1;
        if let Some((kept, used)) = self.entries.get_mut(&key) {
            *used = self.clock;
            return Arc::clone(kept);
        }
        if self.entries.len() >= CACHE_RANGES {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(key, (Arc::clone(&bytes), self.clock));
        bytes
    }
}

/// Name IDs of the `name` table.
const FAMILY: u16 = 1;
const SUBFAMILY: u16 = 2;
const TYPOGRAPHIC_FAMILY: u16 = 16;
const TYPOGRAPHIC_SUBFAMILY: u16 = 17;
const WWS_FAMILY: u16 = 21;
const WWS_SUBFAMILY: u16 = 22;

/// "Family Subfamily" as FreeType's `family_name` and `style_name` give it (and so
/// node-fontnik and Martin name faces), or the family alone without a subfamily.
fn face_name(face: &Face) -> Option<String> {
    // OS/2 fsSelection bit 8: the WWS names are consistent and preferred.
    let wws = face
        .raw_face()
        .table(ttf_parser::Tag::from_bytes(b"OS/2"))
        .and_then(|os2| os2.get(62..64))
        .is_some_and(|b| u16::from_be_bytes([b[0], b[1]]) & 0x100 != 0);
    let pick = |ids: &[u16]| ids.iter().find_map(|&id| name_string(face, id));
    let (family, style) = if wws {
        (
            pick(&[WWS_FAMILY, TYPOGRAPHIC_FAMILY, FAMILY])?,
            pick(&[WWS_SUBFAMILY, TYPOGRAPHIC_SUBFAMILY, SUBFAMILY]),
        )
    } else {
        (
            pick(&[TYPOGRAPHIC_FAMILY, FAMILY])?,
            pick(&[TYPOGRAPHIC_SUBFAMILY, SUBFAMILY]),
        )
    };
    Some(match style {
        Some(style) => format!("{family} {style}"),
        None => family,
    })
}

/// One name of the face, chosen as FreeType chooses: a Windows English record, else
/// a Macintosh (English or Roman) one, else any Windows one, else a Unicode one.
fn name_string(face: &Face, id: u16) -> Option<String> {
    use ttf_parser::PlatformId;
    let (mut win_en, mut win, mut mac, mut unicode) = (None, None, None, None);
    for name in face.names() {
        if name.name_id != id || name.name.is_empty() {
            continue;
        }
        match name.platform_id {
            PlatformId::Windows if matches!(name.encoding_id, 0 | 1 | 10) => {
                if name.language_id & 0x3FF == 0x009 {
                    win_en.get_or_insert(name);
                } else {
                    win.get_or_insert(name);
                }
            }
            PlatformId::Macintosh if name.language_id == 0 || name.encoding_id == 0 => {
                mac.get_or_insert(name);
            }
            PlatformId::Unicode | PlatformId::Iso => {
                unicode.get_or_insert(name);
            }
            _ => {}
        }
    }
    let text = if let Some(name) = win_en.or(if mac.is_none() { win } else { None }) {
        utf16_be(name.name)
    } else if let Some(name) = mac {
        // Mac Roman: ASCII as is, the rest as FreeType does ('?').
        name.name
            .iter()
            .map(|&b| if b.is_ascii() { char::from(b) } else { '?' })
            .collect()
    } else {
        utf16_be(unicode?.name)
    };
    Some(text).filter(|t| !t.is_empty())
}

fn utf16_be(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}
