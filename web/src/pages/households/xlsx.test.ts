import { describe, expect, test } from 'vitest';
import { columnIndex, csvCell, isZip, rowsToCsv, sharedStrings, sheetRows, xlsxToCsv, xmlText } from './xlsx';

/** A zip of these files (the first one deflated, the rest stored), as Excel would write it. */
async function zip(files: [string, string][]): Promise<Uint8Array> {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [i, [name, text]] of files.entries()) {
    const raw = enc.encode(text);
    const deflate = i === 0;
    const data = deflate
      ? new Uint8Array(await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer())
      : raw;
    const n = enc.encode(name);
    const local = new Uint8Array(30 + n.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(8, deflate ? 8 : 0, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, raw.length, true);
    lv.setUint16(26, n.length, true);
    local.set(n, 30);
    const c = new Uint8Array(46 + n.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(10, deflate ? 8 : 0, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, raw.length, true);
    cv.setUint16(28, n.length, true);
    cv.setUint32(42, offset, true);
    c.set(n, 46);
    parts.push(local, data);
    central.push(c);
    offset += local.length + data.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, files.length, true);
  ev.setUint16(10, files.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const SHEET = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>
<row r="2"><c r="A2"><v>17</v></c><c r="B2" t="s"><v>4</v></c><c r="C2" t="inlineStr"><is><t>张三</t></is></c><c r="D2" t="str"><v>11010519491231002X</v></c></row>
<row r="4"><c r="A4"><v>17</v></c><c r="C4" t="s"><v>5</v></c><c r="B4" s="1"/></row>
</sheetData></worksheet>`;

const SHARED = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="6" uniqueCount="6">
<si><t>楼栋号</t></si><si><t>室</t></si><si><t>姓名</t></si><si><t>身份证号</t></si>
<si><r><t>10</t></r><r><t xml:space="preserve">1</t></r></si><si><t>李&amp;四, "小"</t><rPh><t>li</t></rPh></si></sst>`;

const WORKBOOK = `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="住户" sheetId="1" r:id="rId3"/></sheets></workbook>`;
const RELS = `<Relationships><Relationship Id="rId1" Type="styles" Target="styles.xml"/><Relationship Id="rId3" Type="worksheet" Target="worksheets/data.xml"/></Relationships>`;

describe('an .xlsx read as CSV', () => {
  test('cells: shared, inline and formula strings, numbers, gaps; rows keep their numbers', async () => {
    const file = await zip([
      ['xl/worksheets/data.xml', SHEET],
      ['xl/sharedStrings.xml', SHARED],
      ['xl/workbook.xml', WORKBOOK],
      ['xl/_rels/workbook.xml.rels', RELS],
    ]);
    expect(isZip(file)).toBe(true);
    const { csv, rows } = await xlsxToCsv(file);
    expect(rows).toBe(3);
    expect(csv).toBe('楼栋号,室,姓名,身份证号\r\n17,101,张三,11010519491231002X\r\n\r\n17,,"李&四, ""小"""\r\n');
  });

  test('the pieces', () => {
    expect(columnIndex('A1')).toBe(0);
    expect(columnIndex('AB12')).toBe(27);
    expect(xmlText('a&lt;b&#x4e2d;&#25991;')).toBe('a<b中文');
    expect(sharedStrings('<sst><si><t>a</t></si><si/><si><t>b</t></si></sst>')).toEqual(['a', '', 'b']);
    expect(sheetRows('<row r="2"><c r="C2"><v>5</v></c></row>', [])).toEqual(new Map([[2, ['', '', '5']]]));
    expect(rowsToCsv(new Map([[2, ['x']]]))).toBe('\r\nx\r\n');
    expect(csvCell(' a')).toBe('" a"');
    expect(isZip(new TextEncoder().encode('楼栋号,室'))).toBe(false);
  });

  test('not a zip is an error', async () => {
    await expect(xlsxToCsv(new TextEncoder().encode('hello, world'))).rejects.toThrow(/not a zip/);
  });
});
