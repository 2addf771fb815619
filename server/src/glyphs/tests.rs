//! Glyph ranges: the PBF decoded by a small decoder here, on fonts built in the test
//! (a TrueType font with a square, a square with a hole, a triangle and a space, so
//! that values can be asserted exactly) and on Debian's Noto Sans CJK (CFF in a
//! collection; skipped with a note where it is not installed).

use std::sync::Arc;

use super::{CACHE_RANGES, FontLibrary, GlyphError};

// ---------------------------------------------------------------------------------
// A test-only decoder of glyphs.proto.

#[derive(Debug, Default, Clone, PartialEq)]
struct Glyph {
    id: u32,
    bitmap: Option<Vec<u8>>,
    width: u32,
    height: u32,
    left: i32,
    top: i32,
    advance: u32,
}

#[derive(Debug, Default)]
struct Stack {
    name: String,
    range: String,
    glyphs: Vec<Glyph>,
}

impl Glyph {
    fn raster_width(&self) -> usize {
        self.width as usize + 6
    }

    fn raster_height(&self) -> usize {
        self.height as usize + 6
    }

    /// The byte at column `x`, row `y` (row 0 at the top).
    fn at(&self, x: usize, y: usize) -> u8 {
        let bitmap = self.bitmap.as_ref().expect("a bitmap");
        bitmap[y * self.raster_width() + x]
    }

    /// How many pixels of row `y` are inside (above the edge value 191).
    fn inside_in_row(&self, y: usize) -> usize {
        (0..self.raster_width())
            .filter(|&x| self.at(x, y) > 191)
            .count()
    }

    /// The raster as text, for failure messages.
    fn picture(&self) -> String {
        let mut out = String::new();
        for y in 0..self.raster_height() {
            for x in 0..self.raster_width() {
                let v = self.at(x, y);
                out.push(match v {
                    192..=255 => '#',
                    128..=191 => '+',
                    1..=127 => '.',
                    0 => ' ',
                });
            }
            out.push('\n');
        }
        out
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    fn done(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn varint(&mut self) -> u64 {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.data[self.pos];
            self.pos += 1;
            v |= u64::from(b & 0x7F) << shift;
            if b < 0x80 {
                return v;
            }
        }
        panic!("varint too long");
    }

    /// (field, wire type)
    fn key(&mut self) -> (u32, u8) {
        let k = self.varint();
        ((k >> 3) as u32, (k & 7) as u8)
    }

    fn bytes(&mut self) -> &'a [u8] {
        let len = self.varint() as usize;
        let b = &self.data[self.pos..self.pos + len];
        self.pos += len;
        b
    }

    fn skip(&mut self, wire: u8) {
        match wire {
            0 => {
                self.varint();
            }
            1 => self.pos += 8,
            2 => {
                self.bytes();
            }
            5 => self.pos += 4,
            _ => panic!("wire type {wire}"),
        }
    }
}

fn zigzag(v: u64) -> i32 {
    ((v >> 1) as i64 ^ -((v & 1) as i64)) as i32
}

fn decode(pbf: &[u8]) -> Vec<Stack> {
    let mut stacks = Vec::new();
    let mut r = Reader::new(pbf);
    while !r.done() {
        match r.key() {
            (1, 2) => stacks.push(decode_stack(r.bytes())),
            (_, wire) => r.skip(wire),
        }
    }
    stacks
}

fn decode_stack(data: &[u8]) -> Stack {
    let mut stack = Stack::default();
    let mut r = Reader::new(data);
    while !r.done() {
        match r.key() {
            (1, 2) => stack.name = String::from_utf8(r.bytes().to_vec()).expect("utf-8"),
            (2, 2) => stack.range = String::from_utf8(r.bytes().to_vec()).expect("utf-8"),
            (3, 2) => stack.glyphs.push(decode_glyph(r.bytes())),
            (_, wire) => r.skip(wire),
        }
    }
    stack
}

fn decode_glyph(data: &[u8]) -> Glyph {
    let mut g = Glyph::default();
    let mut r = Reader::new(data);
    let mut seen = [false; 8];
    while !r.done() {
        let (field, wire) = r.key();
        if (field as usize) < seen.len() {
            seen[field as usize] = true;
        }
        match (field, wire) {
            (1, 0) => g.id = r.varint() as u32,
            (2, 2) => g.bitmap = Some(r.bytes().to_vec()),
            (3, 0) => g.width = r.varint() as u32,
            (4, 0) => g.height = r.varint() as u32,
            (5, 0) => g.left = zigzag(r.varint()),
            (6, 0) => g.top = zigzag(r.varint()),
            (7, 0) => g.advance = r.varint() as u32,
            (_, wire) => r.skip(wire),
        }
    }
    for required in [1, 3, 4, 5, 6, 7] {
        assert!(
            seen[required],
            "glyph {} lacks required field {required}",
            g.id
        );
    }
    g
}

/// The one stack of a range, checked for its name and range and for every bitmap
/// having the size its width and height say.
fn one_stack(pbf: &[u8], name: &str, start: u32) -> Stack {
    let mut stacks = decode(pbf);
    assert_eq!(stacks.len(), 1);
    let stack = stacks.remove(0);
    assert_eq!(stack.name, name);
    assert_eq!(stack.range, format!("{}-{}", start, start + 255));
    for g in &stack.glyphs {
        assert!(
            (start..start + 256).contains(&g.id),
            "glyph {} outside the range",
            g.id
        );
        match &g.bitmap {
            Some(b) => assert_eq!(
                b.len(),
                g.raster_width() * g.raster_height(),
                "glyph {}",
                g.id
            ),
            None => assert_eq!((g.width, g.height), (0, 0), "glyph {}", g.id),
        }
    }
    stack
}

fn glyph(stack: &Stack, c: char) -> Glyph {
    stack
        .glyphs
        .iter()
        .find(|g| g.id == c as u32)
        .cloned()
        .unwrap_or_else(|| panic!("no glyph for {c:?} in {}", stack.range))
}

// ---------------------------------------------------------------------------------
// A TrueType font built here: units per em 1000 (= 24 px, so 125 units = 3 px),
// ascender 800 (19.2 px, 20 as FreeType rounds it up), descender −200.

/// A glyph of the test font: contours of points (font units, on the curve or not).
struct TestGlyph {
    code: char,
    advance: u16,
    contours: Vec<Vec<(i16, i16, bool)>>,
}

/// A contour of on-curve points only.
fn on_curve(points: &[(i16, i16)]) -> Vec<(i16, i16, bool)> {
    points.iter().map(|&(x, y)| (x, y, true)).collect()
}

fn be16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn be32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// The tables of a TrueType font of family `family`, subfamily `style`.
fn font_tables(family: &str, style: &str, glyphs: &[TestGlyph]) -> Vec<([u8; 4], Vec<u8>)> {
    let num_glyphs = glyphs.len() as u16 + 1; // glyph 0 is .notdef (empty)

    let mut head = Vec::new();
    be32(&mut head, 0x0001_0000); // version
    be32(&mut head, 0x0001_0000); // fontRevision
    be32(&mut head, 0); // checkSumAdjustment
    be32(&mut head, 0x5F0F_3CF5); // magicNumber
    be16(&mut head, 0x000B); // flags: baseline at y=0, lsb at x=0, integer ppem
    be16(&mut head, 1000); // unitsPerEm
    head.extend_from_slice(&[0; 16]); // created, modified
    for v in [0i16, -200, 1000, 800] {
        be16(&mut head, v as u16); // xMin, yMin, xMax, yMax
    }
    be16(&mut head, 0); // macStyle
    be16(&mut head, 8); // lowestRecPPEM
    be16(&mut head, 2); // fontDirectionHint
    be16(&mut head, 1); // indexToLocFormat: long
    be16(&mut head, 0); // glyphDataFormat

    let mut hhea = Vec::new();
    be32(&mut hhea, 0x0001_0000);
    for v in [800i16, -200, 0] {
        be16(&mut hhea, v as u16); // ascender, descender, lineGap
    }
    be16(&mut hhea, 1000); // advanceWidthMax
    hhea.extend_from_slice(&[0; 22]); // minLSB … metricDataFormat
    be16(&mut hhea, num_glyphs); // numberOfHMetrics

    let mut maxp = Vec::new();
    be32(&mut maxp, 0x0000_5000);
    be16(&mut maxp, num_glyphs);

    let mut hmtx = Vec::new();
    be32(&mut hmtx, 0); // .notdef: advance 0, lsb 0
    let mut glyf = Vec::new();
    let mut loca = Vec::new();
    be32(&mut loca, 0);
    be32(&mut loca, 0); // .notdef is empty
    for g in glyphs {
        let points: Vec<(i16, i16, bool)> = g.contours.iter().flatten().copied().collect();
        let x_min = points.iter().map(|p| p.0).min().unwrap_or(0);
        be16(&mut hmtx, g.advance);
        be16(&mut hmtx, x_min as u16);
        if !points.is_empty() {
            be16(&mut glyf, g.contours.len() as u16);
            let y_min = points.iter().map(|p| p.1).min().unwrap_or(0);
            let x_max = points.iter().map(|p| p.0).max().unwrap_or(0);
            let y_max = points.iter().map(|p| p.1).max().unwrap_or(0);
            for v in [x_min, y_min, x_max, y_max] {
                be16(&mut glyf, v as u16);
            }
            let mut end = 0u16;
            for c in &g.contours {
                end += c.len() as u16;
                be16(&mut glyf, end - 1);
            }
            be16(&mut glyf, 0); // no instructions
            // Flags: bit 0 on curve; coordinates as i16 deltas.
            glyf.extend(points.iter().map(|p| u8::from(p.2)));
            let mut prev = 0i16;
            for p in &points {
                be16(&mut glyf, (p.0 - prev) as u16);
                prev = p.0;
            }
            prev = 0;
            for p in &points {
                be16(&mut glyf, (p.1 - prev) as u16);
                prev = p.1;
            }
            while glyf.len() % 4 != 0 {
                glyf.push(0);
            }
        }
        be32(&mut loca, glyf.len() as u32);
    }

    // cmap: one format 12 subtable, Windows Unicode full repertoire.
    let mut cmap = Vec::new();
    be16(&mut cmap, 0);
    be16(&mut cmap, 1);
    be16(&mut cmap, 3);
    be16(&mut cmap, 10);
    be32(&mut cmap, 12);
    be16(&mut cmap, 12);
    be16(&mut cmap, 0);
    be32(&mut cmap, 16 + 12 * glyphs.len() as u32);
    be32(&mut cmap, 0);
    be32(&mut cmap, glyphs.len() as u32);
    let mut by_code: Vec<(u32, u32)> = glyphs
        .iter()
        .enumerate()
        .map(|(i, g)| (g.code as u32, i as u32 + 1))
        .collect();
    by_code.sort();
    for (code, gid) in by_code {
        be32(&mut cmap, code);
        be32(&mut cmap, code);
        be32(&mut cmap, gid);
    }

    let mut name = Vec::new();
    let strings: Vec<Vec<u8>> = [family, style]
        .iter()
        .map(|s| s.encode_utf16().flat_map(u16::to_be_bytes).collect())
        .collect();
    be16(&mut name, 0);
    be16(&mut name, 2);
    be16(&mut name, 6 + 12 * 2);
    let mut offset = 0u16;
    for (id, s) in strings.iter().enumerate() {
        for v in [3, 1, 0x409, id as u16 + 1, s.len() as u16, offset] {
            be16(&mut name, v);
        }
        offset += s.len() as u16;
    }
    for s in &strings {
        name.extend_from_slice(s);
    }

    // Sorted by tag, as the table directory must be.
    vec![
        (*b"cmap", cmap),
        (*b"glyf", glyf),
        (*b"head", head),
        (*b"hhea", hhea),
        (*b"hmtx", hmtx),
        (*b"loca", loca),
        (*b"maxp", maxp),
        (*b"name", name),
    ]
}

/// The table directory and tables of one font placed at `base` in its file.
fn sfnt(tables: &[([u8; 4], Vec<u8>)], base: usize) -> Vec<u8> {
    let mut out = Vec::new();
    be32(&mut out, 0x0001_0000);
    be16(&mut out, tables.len() as u16);
    out.extend_from_slice(&[0; 6]); // searchRange, entrySelector, rangeShift
    let mut offset = base + 12 + 16 * tables.len();
    for (tag, data) in tables {
        out.extend_from_slice(tag);
        be32(&mut out, 0); // checksum
        be32(&mut out, offset as u32);
        be32(&mut out, data.len() as u32);
        offset += data.len().next_multiple_of(4);
    }
    for (_, data) in tables {
        out.extend_from_slice(data);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }
    out
}

/// A `.ttc` of the fonts given as tables.
fn collection(fonts: &[Vec<([u8; 4], Vec<u8>)>]) -> Vec<u8> {
    let mut out = b"ttcf".to_vec();
    be32(&mut out, 0x0001_0000);
    be32(&mut out, fonts.len() as u32);
    let header = 12 + 4 * fonts.len();
    let mut blobs = Vec::new();
    let mut at = header;
    for tables in fonts {
        let blob = sfnt(tables, at);
        be32(&mut out, at as u32);
        at += blob.len();
        blobs.push(blob);
    }
    for blob in blobs {
        out.extend_from_slice(&blob);
    }
    out
}

/// 'A': the square 3..15 × 0..12 px. 'B': the same with a hole 6..12 × 3..9 px.
/// 'C': a right triangle, right angle at the bottom left. 'D' and 'O': quadratic
/// curves with implied on-curve points ('O' has only off-curve points). ' ': no
/// outline.
fn test_glyphs() -> Vec<TestGlyph> {
    // TrueType outer contours run clockwise, holes counter-clockwise.
    let square = on_curve(&[(125, 0), (125, 500), (625, 500), (625, 0)]);
    let hole = on_curve(&[(250, 125), (500, 125), (500, 375), (250, 375)]);
    let glyph = |code, advance, contours| TestGlyph {
        code,
        advance,
        contours,
    };
    vec![
        glyph(' ', 250, vec![]),
        glyph('A', 700, vec![square.clone()]),
        glyph('B', 700, vec![square, hole]),
        glyph('C', 700, vec![on_curve(&[(125, 0), (125, 500), (625, 0)])]),
        glyph(
            'D',
            700,
            vec![vec![
                (107, 0, true),
                (107, 521, true),
                (400, 521, true),
                (621, 503, false),
                (643, 265, false),
                (621, 22, false),
                (400, 0, true),
            ]],
        ),
        glyph(
            'O',
            700,
            vec![vec![
                (100, 100, false),
                (100, 540, false),
                (621, 540, false),
                (621, 100, false),
            ]],
        ),
    ]
}

fn test_font() -> Vec<u8> {
    sfnt(&font_tables("Test Sans", "Regular", &test_glyphs()), 0)
}

fn test_library() -> FontLibrary {
    let other = vec![TestGlyph {
        code: 'Z',
        advance: 500,
        contours: vec![on_curve(&[(0, 0), (0, 1000), (250, 1000), (250, 0)])],
    }];
    let ttc = collection(&[
        font_tables("Test Other", "Bold", &other),
        font_tables("Test Serif", "Italic", &test_glyphs()),
    ]);
    FontLibrary::from_fonts(vec![test_font(), ttc]).expect("test fonts load")
}

// ---------------------------------------------------------------------------------
// On the built fonts (always run).

#[test]
fn library_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<FontLibrary>();
}

#[test]
fn names_cover_every_face_of_every_file_sorted() {
    assert_eq!(
        test_library().names(),
        ["Test Other Bold", "Test Sans Regular", "Test Serif Italic"]
    );
}

#[test]
fn bad_font_bytes_are_bad_font() {
    let err = FontLibrary::from_fonts(vec![test_font(), b"not a font".to_vec()]);
    assert!(matches!(err, Err(GlyphError::BadFont(ref why)) if why.contains("font file 1")));
}

#[test]
fn square_has_exact_metrics_and_distances() {
    let lib = test_library();
    let stack = one_stack(
        &lib.range("Test Sans Regular", 0).expect("range"),
        "Test Sans Regular",
        0,
    );
    // Only the code points the font has, in code point order.
    let ids: Vec<u32> = stack.glyphs.iter().map(|g| g.id).collect();
    assert_eq!(ids, [32, 65, 66, 67, 68, 79]);

    let a = glyph(&stack, 'A');
    // 125..625 × 0..500 units = 3..15 × 0..12 px; top = 12 − ascender 20.
    assert_eq!(
        (a.width, a.height, a.left, a.top, a.advance),
        (12, 12, 3, -8, 16)
    );
    let pic = a.picture();
    // The square spans raster columns and rows 3..15 (3 px buffer each side).
    // Pixel centres half a pixel inside the edge: 64 − 16 = 48 → 255 − 48.
    for (x, y) in [(3, 3), (14, 3), (3, 14), (14, 14), (8, 3), (3, 8)] {
        assert_eq!(a.at(x, y), 207, "({x},{y})\n{pic}");
    }
    // Half a pixel outside: 255 − (64 + 16).
    for (x, y) in [(2, 8), (15, 8), (8, 2), (8, 15)] {
        assert_eq!(a.at(x, y), 175, "({x},{y})\n{pic}");
    }
    // 1.5 px inside: 255 − (64 − 48); 2.5 px inside and beyond saturate.
    assert_eq!(a.at(4, 8), 239, "{pic}");
    assert_eq!(a.at(5, 8), 255, "{pic}");
    assert_eq!(a.at(9, 9), 255, "{pic}");
    // The raster corner is 2.5·√2 px from the square's corner: 64 + 113.1 → 255 − 177.
    assert_eq!(a.at(0, 0), 78, "{pic}");
    assert_eq!(a.at(17, 17), 78, "{pic}");
}

#[test]
fn hole_is_outside() {
    let lib = test_library();
    let stack = one_stack(
        &lib.range("Test Sans Regular", 0).expect("range"),
        "Test Sans Regular",
        0,
    );
    let b = glyph(&stack, 'B');
    let pic = b.picture();
    // The hole is 6..12 × 3..9 px of the glyph, raster columns 6..12, rows 6..12.
    // Pixel (9, 9) has its centre at (9.5, 8.5): 2.5 px from the hole's nearest edges.
    assert_eq!(b.at(9, 9), 255 - (64 + 80), "inside the hole\n{pic}");
    assert_eq!(b.at(6, 9), 175, "half a pixel into the hole\n{pic}");
    assert_eq!(b.at(5, 9), 207, "half a pixel into the ink\n{pic}");
    assert_eq!(b.inside_in_row(9), 6, "{pic}");
}

#[test]
fn glyphs_are_upright() {
    let lib = test_library();
    let stack = one_stack(
        &lib.range("Test Sans Regular", 0).expect("range"),
        "Test Sans Regular",
        0,
    );
    let c = glyph(&stack, 'C');
    let pic = c.picture();
    // Right angle at the bottom left: wide at the bottom (last rows), a point at the top.
    assert_eq!((c.width, c.height, c.left, c.top), (12, 12, 3, -8));
    assert!(c.inside_in_row(14) >= 10, "{pic}");
    assert!(c.inside_in_row(4) <= 2, "{pic}");
    assert!(c.at(4, 8) > 191 && c.at(14, 4) < 128, "{pic}");
}

#[test]
fn quadratic_curves_match_fontnik_on_freetype() {
    // The reference: node-fontnik's renderer (sdf-glyph-foundry's RenderSDF: FreeType
    // outline decomposition, AGG flattening, the same distance and encoding) ported to
    // Python over freetype-py and run on this test font with FreeType 2.12.1. 'O' has
    // implied on-curve points whose 26.6 position FreeType truncates (25 of its bytes
    // differ by one if they are taken from the font units instead).
    const D_REFERENCE: [&str; 19] = [
        "4b5a5f5f5f5f5f5f5f5f5c5752493b2d1f0f",
        "64777f7f7f7f7f7f7f7f7c777266584a3b27",
        "76919f9f9f9f9f9f9f9f9b9790837567553d",
        "7d9dbdbfbfbfbfbfbfbfbbb6ad9f92826a4f",
        "7d9dbddddfdfdfdfdfdfdbd6cabcae967c61",
        "7d9dbdddfdfffffffffffaf5e7d9c3a88d6e",
        "7d9dbdddfdffffffffffffffffefd3b39474",
        "7d9dbdddfdfffffffffffffffff6d6b69676",
        "7d9dbdddfdfffffffffffffffff7d8b89878",
        "7d9dbdddfdfffffffffffffffff9d9b99979",
        "7d9dbdddfdfffffffffffffffff8d8b89878",
        "7d9dbdddfdfffffffffffffffff6d7b79777",
        "7d9dbdddfdfffffffffffffffff4d5b59575",
        "7d9dbdddfdfffffffffffffff3e4c9ae9070",
        "7d9dbdddefefefefefefeae4d6c8b89d8267",
        "7d9dbdcfcfcfcfcfcfcfcac5baab9d8b7156",
        "7c9aafafafafafafafafaba59d8f80725d44",
        "6e858f8f8f8f8f8f8f8f8b86807264554530",
        "58696f6f6f6f6f6f6f6f6c66615647392a19",
    ];
    const O_REFERENCE: [&str; 17] = [
        "01152a3e4e5760686c6e6d6a635a5144301c07",
        "182e42576a767f878c8e8d8a81796f5e49341f",
        "2c455b6f84959da6acaeada9a0978b76614c34",
        "3c5973889db1bcc5ccceccc8bfb6a38e7a6145",
        "486583a0b5cadbe4eceeece6ded0bba78c6f51",
        "53718fadcae2f7fffffffffffde9d4b6987a5d",
        "5e7d9bb8d6f4fffffffffffffffde0c2a48667",
        "6181a1c0e0ffffffffffffffffffeacaaa8b6b",
        "6282a2c2e2ffffffffffffffffffecccac8c6c",
        "6080a0c0defcffffffffffffffffe7c9aa8a6a",
        "5b7997b4d2f0fffffffffffffff8dbbea08264",
        "4f6d8ba9c5d9eef7fffffffaf2e0cbb2947659",
        "44617f98acc1d0d9e0e2e1dbd3c7b39e876b4d",
        "37526b7f94a8b1bac0c2c1bdb4ab9a86715a40",
        "263d52677b8a929ba0a2a19e958c816d59442d",
        "10253a4e606b747c8182817f766e6555402c17",
        "000d2135434c555d6162615f574f463a281300",
    ];
    let lib = test_library();
    let stack = one_stack(
        &lib.range("Test Sans Regular", 0).expect("range"),
        "Test Sans Regular",
        0,
    );
    for (c, metrics, reference) in [
        ('D', (12, 13, 3, -7, 16), &D_REFERENCE[..]),
        ('O', (13, 11, 2, -7, 16), &O_REFERENCE[..]),
    ] {
        let g = glyph(&stack, c);
        assert_eq!(
            (g.width, g.height, g.left, g.top, g.advance),
            metrics,
            "{c}"
        );
        let w = g.raster_width();
        for (y, row) in reference.iter().enumerate() {
            let ours: String = (0..w).map(|x| format!("{:02x}", g.at(x, y))).collect();
            assert_eq!(&ours, row, "{c}, row {y}\n{}", g.picture());
        }
    }
}

#[test]
fn space_has_advance_and_no_bitmap() {
    let lib = test_library();
    let stack = one_stack(
        &lib.range("Test Sans Regular", 0).expect("range"),
        "Test Sans Regular",
        0,
    );
    let space = glyph(&stack, ' ');
    assert_eq!(space.bitmap, None);
    // As fontnik: no box, top = −ascender; 250 units = 6 px.
    assert_eq!(
        (
            space.width,
            space.height,
            space.left,
            space.top,
            space.advance
        ),
        (0, 0, 0, -20, 6)
    );
}

#[test]
fn first_face_with_the_glyph_wins_and_unknown_names_are_skipped() {
    let lib = test_library();
    let name = "Nope, Test Other Bold ,Test Serif Italic";
    let stack = one_stack(&lib.range(name, 0).expect("range"), name, 0);
    let ids: Vec<u32> = stack.glyphs.iter().map(|g| g.id).collect();
    assert_eq!(ids, [32, 65, 66, 67, 68, 79, 90]);
    // 'Z' from Test Other (a 250 × 1000 unit bar: 6 × 24 px), the rest from Test Serif.
    let z = glyph(&stack, 'Z');
    assert_eq!((z.width, z.height, z.advance), (6, 24, 12));
    assert_eq!(glyph(&stack, 'A').width, 12);
}

#[test]
fn unknown_stack_and_bad_ranges_are_errors() {
    let lib = test_library();
    assert_eq!(
        lib.range("Nope", 0),
        Err(GlyphError::UnknownFont("Nope".into()))
    );
    assert_eq!(
        lib.range("Nope, Neither", 0),
        Err(GlyphError::UnknownFont("Nope,Neither".into()))
    );
    assert_eq!(
        lib.range("", 0),
        Err(GlyphError::UnknownFont(String::new()))
    );
    for start in [100, 65536, 255, u32::MAX] {
        assert_eq!(
            lib.range("Test Sans Regular", start),
            Err(GlyphError::BadRange(start))
        );
    }
    // The last range of the BMP is fine (and empty here).
    let pbf = lib.range("Test Sans Regular", 65280).expect("range");
    assert!(
        one_stack(&pbf, "Test Sans Regular", 65280)
            .glyphs
            .is_empty()
    );
    assert!(
        GlyphError::UnknownFont("Nope".into())
            .to_string()
            .contains("Nope")
    );
}

#[test]
fn cache_returns_the_same_bytes_and_is_bounded() {
    let lib = test_library();
    let first = lib.range("Test Sans Regular", 0).expect("range");
    let second = lib.range("Test Sans Regular", 0).expect("range");
    assert!(Arc::ptr_eq(&first, &second));
    // Another spelling of the stack is another entry, with the same glyphs.
    let spaced = lib.range(" Test Sans Regular", 0).expect("range");
    assert!(!Arc::ptr_eq(&first, &spaced));
    assert_eq!(decode(&first)[0].glyphs, decode(&spaced)[0].glyphs);

    // Filling the cache past its bound evicts the least recently used.
    for i in 0..CACHE_RANGES {
        let stack = format!("Test Sans Regular{}", " ".repeat(i + 1));
        lib.range(&stack, 0).expect("range");
    }
    let len = lib.cache().entries.len();
    assert_eq!(len, CACHE_RANGES);
    let again = lib.range("Test Sans Regular", 0).expect("range");
    assert!(
        !Arc::ptr_eq(&first, &again),
        "range 0 was the least recently used"
    );
}

// ---------------------------------------------------------------------------------
// On Debian's Noto Sans CJK (a .ttc of ten CFF faces).

const NOTO_CJK: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
const SC: &str = "Noto Sans CJK SC Regular";

fn noto() -> Option<FontLibrary> {
    match std::fs::read(NOTO_CJK) {
        Ok(bytes) => Some(FontLibrary::from_fonts(vec![bytes]).expect("Noto CJK loads")),
        Err(e) => {
            eprintln!("skipped: {NOTO_CJK} not readable ({e}); install fonts-noto-cjk");
            None
        }
    }
}

/// The size of Debian 12's NotoSansCJK-Regular.ttc (fonts-noto-cjk 1:20220127), the
/// file the reference checksums below were made from.
const NOTO_CJK_BOOKWORM_LEN: usize = 19_484_784;

/// FNV-1a (64 bit) of the bitmaps of a stack, concatenated in code point order.
fn bitmaps_checksum(stack: &Stack) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in stack
        .glyphs
        .iter()
        .filter_map(|g| g.bitmap.as_ref())
        .flatten()
    {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[test]
fn noto_cjk_matches_fontnik_on_freetype() {
    // The reference: node-fontnik's renderer ported to Python over freetype-py, run
    // with FreeType 2.12.1 on the face "Noto Sans CJK SC" (index 2) of Debian 12's file;
    // every byte of both ranges agrees (a checksum of all bitmaps stands for them).
    let Some(lib) = noto() else { return };
    let len = std::fs::metadata(NOTO_CJK)
        .map(|m| m.len() as usize)
        .unwrap_or(0);
    if len != NOTO_CJK_BOOKWORM_LEN {
        eprintln!("skipped: {NOTO_CJK} is not Debian 12's ({len} bytes)");
        return;
    }
    let cjk = one_stack(&lib.range(SC, 32512).expect("range"), SC, 32512);
    assert_eq!(cjk.glyphs.len(), 256);
    let wang = glyph(&cjk, '网');
    let metrics = (wang.width, wang.height, wang.left, wang.top, wang.advance);
    assert_eq!(metrics, (20, 21, 2, -9, 24));
    assert_eq!(bitmaps_checksum(&cjk), 0x4c6b_4c17_a5d5_f2dc);

    let latin = one_stack(&lib.range(SC, 0).expect("range"), SC, 0);
    assert_eq!(latin.glyphs.len(), 191);
    let expected = [
        ('A', (15, 18, 0, -10, 14)),
        ('g', (12, 19, 1, -15, 13)),
        ('l', (4, 19, 2, -9, 6)),
        (' ', (0, 0, 0, -28, 5)),
    ];
    for (c, metrics) in expected {
        let g = glyph(&latin, c);
        assert_eq!(
            (g.width, g.height, g.left, g.top, g.advance),
            metrics,
            "{c:?}"
        );
    }
    assert_eq!(bitmaps_checksum(&latin), 0x8a87_e62b_6ddb_3646);
}

#[test]
fn noto_cjk_names() {
    let Some(lib) = noto() else { return };
    let names = lib.names();
    assert_eq!(names.len(), 10, "{names:?}");
    for name in [
        SC,
        "Noto Sans CJK JP Regular",
        "Noto Sans Mono CJK TC Regular",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
    }
}

#[test]
fn noto_cjk_wang() {
    let Some(lib) = noto() else { return };
    let pbf = lib.range(SC, 32512).expect("range 0x7F00");
    let stack = one_stack(&pbf, SC, 32512);
    assert!(stack.glyphs.len() > 200, "{} glyphs", stack.glyphs.len());
    let wang = glyph(&stack, '网');
    let pic = wang.picture();
    assert_eq!(wang.advance, 24);
    // An ideograph nearly fills the em: ~20 px square, its top a few px under the
    // ascender (28 px), its left edge a px or two right of the pen.
    assert!(
        (17..=23).contains(&wang.width) && (17..=23).contains(&wang.height),
        "{pic}"
    );
    assert!((0..=4).contains(&wang.left), "{}", wang.left);
    assert!((-9..=-3).contains(&wang.top), "{}", wang.top);
    // 网 is a frame 冂 with two crosses: its left stroke runs the full height, so the
    // columns just right of the box's left edge are inside from near the top to the
    // bottom. The raster's corners are outside, 2.5 to 3.5 px from the box's corner.
    let (w, h) = (wang.raster_width(), wang.raster_height());
    let column_inside = (0..h)
        .filter(|&y| (3..6).any(|x| wang.at(x, y) > 192))
        .count();
    assert!(
        column_inside >= wang.height as usize - 3,
        "{column_inside}\n{pic}"
    );
    for (x, y) in [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)] {
        assert!(wang.at(x, y) < 128, "({x},{y})\n{pic}");
    }
    // Far outside, 4 px or more from any stroke: the open bottom of the frame.
    let far = (w / 3..2 * w / 3)
        .filter(|&x| wang.at(x, h - 1) < 64)
        .count();
    assert!(far > 0, "{pic}");
    let deepest = wang.bitmap.iter().flatten().max().copied().unwrap_or(0);
    assert!(deepest > 210, "{deepest}\n{pic}");
    // The top stroke of 冂 spans the width near the top; at the bottom only the two
    // legs of the frame are ink (the frame is open at the bottom).
    let top_row = (3..9).map(|y| wang.inside_in_row(y)).max().unwrap_or(0);
    assert!(top_row >= wang.width as usize - 4, "{top_row}\n{pic}");
    let bottom_rows = h - 5;
    let bottom_left = (0..w / 3)
        .filter(|&x| wang.at(x, bottom_rows) > 192)
        .count();
    let bottom_middle = (w / 3..2 * w / 3)
        .filter(|&x| wang.at(x, bottom_rows) > 192)
        .count();
    assert!(bottom_left > 0 && bottom_middle == 0, "{pic}");
}

#[test]
fn noto_cjk_ascii() {
    let Some(lib) = noto() else { return };
    let stack = one_stack(&lib.range(SC, 0).expect("range 0"), SC, 0);
    let a = glyph(&stack, 'A');
    assert!(a.bitmap.is_some() && a.width > 8 && a.height > 12, "{a:?}");
    // Capital height 733/1000 em: 17.6 px, standing on the baseline.
    assert_eq!(a.height, 18);
    assert_eq!(a.top, 18 - 28);
    let space = glyph(&stack, ' ');
    assert_eq!(
        (space.bitmap.as_ref(), space.width, space.height),
        (None, 0, 0)
    );
    assert!(space.advance > 0);
    let l = glyph(&stack, 'l');
    assert!(l.height > 2 * l.width, "{l:?}");
    let middle = l.raster_height() / 2;
    assert!(
        (1..=3).contains(&l.inside_in_row(middle)),
        "{}",
        l.picture()
    );
    // No control characters.
    assert!(
        stack.glyphs.iter().all(|g| g.id >= 32),
        "{:?}",
        stack.glyphs.first()
    );
}

#[test]
fn noto_cjk_stack_fallback_and_errors() {
    let Some(lib) = noto() else { return };
    let name = format!("Nope,{SC}");
    let fallback = one_stack(&lib.range(&name, 32512).expect("range"), &name, 32512);
    let plain = one_stack(&lib.range(SC, 32512).expect("range"), SC, 32512);
    assert_eq!(fallback.glyphs, plain.glyphs);
    assert_eq!(
        lib.range("Nope", 32512),
        Err(GlyphError::UnknownFont("Nope".into()))
    );
    assert_eq!(lib.range(SC, 100), Err(GlyphError::BadRange(100)));
    let first = lib.range(SC, 32512).expect("range");
    assert!(Arc::ptr_eq(&first, &lib.range(SC, 32512).expect("range")));
}
