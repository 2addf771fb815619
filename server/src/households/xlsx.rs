//! Excel (.xlsx) household files: the first sheet, read with `calamine`, written
//! out as CSV for [`super::import::import_csv`], so one reader checks both and a
//! row keeps the number Excel shows (the header must be on row 1; an empty row
//! inside the sheet stays a row). Numbers Excel holds as numbers (a phone typed
//! as 13800138000) are written as the digits shown; an identity number typed as a
//! number has lost its last digits in Excel already (18 digits are more than a
//! double holds) and is refused by its check digit — the sheet should hold it as
//! text, as Chinese templates do.

use calamine::{Data, Reader, Xlsx};

use super::import::{ImportError, RowError};

/// Whether the bytes look like an .xlsx file (a ZIP archive).
pub fn is_xlsx(data: &[u8]) -> bool {
    data.starts_with(b"PK\x03\x04")
}

fn refuse(reason: String) -> ImportError {
    ImportError {
        errors: vec![RowError {
            row: 1,
            column: None,
            reason,
        }],
        bad_rows: 1,
        rows: 0,
    }
}

/// The first sheet of an .xlsx file as CSV (UTF-8, a header row).
pub fn to_csv(data: &[u8]) -> Result<Vec<u8>, ImportError> {
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(data))
        .map_err(|e| refuse(format!("not a readable .xlsx file: {e}")))?;
    let Some(name) = wb.sheet_names().first().cloned() else {
        return Err(refuse("the workbook has no sheet".into()));
    };
    let range = wb
        .worksheet_range(&name)
        .map_err(|e| refuse(format!("sheet {name:?} cannot be read: {e}")))?;
    match range.start() {
        None => return Err(refuse("the file is empty: no header row".into())),
        Some((0, _)) => {}
        Some((r, _)) => {
            return Err(refuse(format!(
                "the header must be on row 1 of sheet {name:?} (the first filled row is {})",
                r + 1
            )));
        }
    }
    let mut w = csv::WriterBuilder::new().from_writer(Vec::with_capacity(data.len() * 4));
    let mut cells: Vec<String> = Vec::new();
    for row in range.rows() {
        cells.clear();
        cells.extend(row.iter().map(cell));
        w.write_record(&cells)
            .map_err(|e| refuse(format!("cannot convert the sheet: {e}")))?;
    }
    w.into_inner()
        .map_err(|e| refuse(format!("cannot convert the sheet: {e}")))
}

fn cell(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        #[allow(clippy::cast_possible_truncation)] // integral and within i64, checked
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        other => other.to_string(),
    }
}

/// CRC-32 (IEEE), for the stored ZIP entries below.
fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for b in data {
        c ^= u32::from(*b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A ZIP archive of uncompressed entries.
fn zip(entries: &[(&str, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, body) in entries {
        let (name, body) = (name.as_bytes(), body.as_bytes());
        let crc = crc32(body);
        let at = u32::try_from(out.len()).unwrap_or(u32::MAX);
        let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
        let nlen = u16::try_from(name.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&nlen.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(body);
        central.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&len.to_le_bytes());
        central.extend_from_slice(&len.to_le_bytes());
        central.extend_from_slice(&nlen.to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&at.to_le_bytes());
        central.extend_from_slice(name);
    }
    let start = u32::try_from(out.len()).unwrap_or(u32::MAX);
    let size = u32::try_from(central.len()).unwrap_or(u32::MAX);
    let n = u16::try_from(entries.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00");
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A minimal .xlsx of one sheet (uncompressed, inline strings), for tests and
/// demo files: `rows[r]` is Excel's row r + 1 (None: no
/// row element), each cell inline text or, prefixed `#`, a number.
pub fn minimal_xlsx(rows: &[Option<Vec<&str>>]) -> Vec<u8> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in rows.iter().enumerate() {
        let Some(row) = row else { continue };
        sheet.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, v) in row.iter().enumerate() {
            let col = char::from(b'A' + u8::try_from(c % 26).unwrap_or(0));
            let at = format!("{col}{}", r + 1);
            match v.strip_prefix('#') {
                Some(n) => sheet.push_str(&format!(r#"<c r="{at}"><v>{n}</v></c>"#)),
                None if v.is_empty() => {}
                None => sheet.push_str(&format!(
                    r#"<c r="{at}" t="inlineStr"><is><t>{v}</t></is></c>"#
                )),
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    zip(&[
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#
                .to_owned(),
        ),
        (
            "_rels/.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="住户" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
            ),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_becomes_csv_keeping_excels_row_numbers() {
        let file = minimal_xlsx(&[
            Some(vec!["楼栋号", "室", "姓名", "手机号"]),
            Some(vec!["#7", "101", "张三", "#13800138000"]),
            None,
            Some(vec!["#7", "102", "李四", "138"]),
        ]);
        assert!(is_xlsx(&file));
        let csv = String::from_utf8(to_csv(&file).unwrap()).unwrap();
        assert_eq!(
            csv,
            "楼栋号,室,姓名,手机号\n7,101,张三,13800138000\n,,,\n7,102,李四,138\n"
        );
        let e = to_csv(&minimal_xlsx(&[None, Some(vec!["楼栋号"])])).unwrap_err();
        assert!(e.errors[0].reason.contains("row 1"), "{e:?}");
        assert!(to_csv(b"PK\x03\x04 not a zip").is_err());
    }
}
