// An Excel workbook (.xlsx) as CSV, in the browser: the server imports CSV
// only, so the page reads the first worksheet itself (the zip's central
// directory, entries inflated with the platform's DecompressionStream, the
// sheet's XML read by pattern) and sends its cells as UTF-8 CSV. Row numbers
// stay those Excel shows (a missing row becomes an empty line, which the
// server skips but counts), so every bad row the server names is the row the
// user sees in Excel. Nothing leaves the browser but the CSV.

interface Entry {
  name: string;
  method: number;
  compressed: number;
  offset: number;
}

const u16 = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u32 = (b: Uint8Array, i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

/** The entries of a zip file, from its central directory. */
export function zipEntries(b: Uint8Array): Map<string, Entry> {
  let end = -1;
  for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 65_535); i--) {
    if (u32(b, i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip file (no central directory)');
  const count = u16(b, end + 10);
  let p = u32(b, end + 16);
  const out = new Map<string, Entry>();
  const dec = new TextDecoder();
  for (let k = 0; k < count; k++) {
    if (u32(b, p) !== 0x02014b50) throw new Error('a broken zip central directory');
    const nameLen = u16(b, p + 28);
    const name = dec.decode(b.subarray(p + 46, p + 46 + nameLen));
    out.set(name, { name, method: u16(b, p + 10), compressed: u32(b, p + 20), offset: u32(b, p + 42) });
    p += 46 + nameLen + u16(b, p + 30) + u16(b, p + 32);
  }
  return out;
}

async function inflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** One entry's content as text (stored or deflated). */
export async function zipText(b: Uint8Array, e: Entry): Promise<string> {
  if (u32(b, e.offset) !== 0x04034b50) throw new Error(`a broken zip entry ${e.name}`);
  const start = e.offset + 30 + u16(b, e.offset + 26) + u16(b, e.offset + 28);
  const raw = b.subarray(start, start + e.compressed);
  if (e.method === 0) return new TextDecoder().decode(raw);
  if (e.method === 8) return new TextDecoder().decode(await inflate(raw));
  throw new Error(`zip entry ${e.name}: compression method ${e.method} is not read`);
}

/** XML character data with its entities decoded. */
export function xmlText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e] ?? '';
  });
}

/** The text of every `<t>` inside a fragment (a shared string's runs, an inline string). */
function runs(xml: string): string {
  let out = '';
  for (const m of xml.matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>/g)) out += xmlText(m[1]);
  return out;
}

/** The shared strings of a workbook, in order. */
export function sharedStrings(xml: string): string[] {
  return [...xml.matchAll(/<si>([\s\S]*?)<\/si>|<si\/>/g)].map((m) =>
    m[1] === undefined ? '' : runs(m[1].replace(/<rPh[\s\S]*?<\/rPh>/g, '')),
  );
}

/** A column's index from a cell reference (`B12` → 1). */
export function columnIndex(ref: string): number {
  const letters = /^[A-Z]+/.exec(ref)?.[0] ?? '';
  let n = 0;
  for (const c of letters) n = n * 26 + (c.charCodeAt(0) - 64);
  return n - 1;
}

/** A worksheet's rows by their row number (1-based), each a list of cell texts. */
export function sheetRows(xml: string, shared: readonly string[]): Map<number, string[]> {
  const rows = new Map<number, string[]>();
  let next = 1;
  for (const r of xml.matchAll(/<row\b([^>]*?)(?:\/>|>([\s\S]*?)<\/row>)/g)) {
    const num = Number(/\br="(\d+)"/.exec(r[1])?.[1] ?? next);
    next = num + 1;
    const cells: string[] = [];
    let col = 0;
    for (const c of (r[2] ?? '').matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const attrs = c[1];
      const ref = /\br="([A-Z]+\d+)"/.exec(attrs)?.[1];
      if (ref) col = columnIndex(ref);
      const type = /\bt="(\w+)"/.exec(attrs)?.[1];
      const body = c[2] ?? '';
      const v = /<v>([\s\S]*?)<\/v>/.exec(body)?.[1];
      let text: string;
      if (type === 's') text = shared[Number(v)] ?? '';
      else if (type === 'inlineStr') text = runs(body);
      else text = v === undefined ? '' : xmlText(v);
      while (cells.length < col) cells.push('');
      cells[col] = text;
      col++;
    }
    rows.set(num, cells);
  }
  return rows;
}

/** One CSV cell (quoted when it holds a comma, a quote, a line break or edge spaces). */
export function csvCell(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV: row 1 first, every row number up to the last kept (missing ones empty). */
export function rowsToCsv(rows: ReadonlyMap<number, string[]>): string {
  const last = Math.max(0, ...rows.keys());
  const lines: string[] = [];
  for (let i = 1; i <= last; i++) lines.push((rows.get(i) ?? []).map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The path of the workbook's first worksheet. */
async function firstSheet(b: Uint8Array, entries: Map<string, Entry>): Promise<string> {
  const wb = entries.get('xl/workbook.xml');
  const rels = entries.get('xl/_rels/workbook.xml.rels');
  if (wb && rels) {
    const id = /<sheet\b[^>]*\br:id="([^"]+)"/.exec(await zipText(b, wb))?.[1];
    const relXml = await zipText(b, rels);
    for (const m of relXml.matchAll(/<Relationship\b[^>]*>/g)) {
      if (id && new RegExp(`\\bId="${id}"`).test(m[0])) {
        const target = /\bTarget="([^"]+)"/.exec(m[0])?.[1];
        if (target) return target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`;
      }
    }
  }
  return 'xl/worksheets/sheet1.xml';
}

/** The first worksheet of an .xlsx file as UTF-8 CSV, and how many rows it has. */
export async function xlsxToCsv(data: ArrayBuffer | Uint8Array): Promise<{ csv: string; rows: number }> {
  const b = data instanceof Uint8Array ? data : new Uint8Array(data);
  const entries = zipEntries(b);
  const path = await firstSheet(b, entries);
  const sheet = entries.get(path);
  if (!sheet) throw new Error(`no worksheet ${path} in the workbook`);
  const ss = entries.get('xl/sharedStrings.xml');
  const shared = ss ? sharedStrings(await zipText(b, ss)) : [];
  const rows = sheetRows(await zipText(b, sheet), shared);
  return { csv: rowsToCsv(rows), rows: rows.size };
}

/** Whether a file is a zip (an .xlsx) by its first bytes. */
export function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && u32(head, 0) === 0x04034b50;
}
