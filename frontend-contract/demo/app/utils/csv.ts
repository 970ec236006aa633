// Enough of CSV to map columns and preview the first rows in the browser (RFC 4180 quoting,
// comma, semicolon, tab or pipe, a BOM). The server parses the file again when the job is queued.
export interface Csv {
  columns: string[];
  rows: Record<string, string>[];
}

export function parseCsv(text: string, maxRows = Infinity): Csv {
  const source = text.replace(/^\uFEFF/, '');
  const firstLine = source.split(/\r?\n/, 1)[0] ?? '';
  const delimiter =
    [',', ';', '\t', '|']
      .map((d) => ({ d, n: firstLine.split(d).length }))
      .sort((a, b) => b.n - a.n)[0]?.d ?? ',';
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < source.length && records.length <= maxRows; i++) {
    const char = source[i];
    if (quoted) {
      if (char === '"' && source[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === delimiter) {
      record.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && source[i + 1] === '\n') i++;
      record.push(field);
      if (record.some((value) => value !== '')) records.push(record);
      record = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || record.length) {
    record.push(field);
    if (record.some((value) => value !== '')) records.push(record);
  }
  const [header = [], ...body] = records;
  const columns = header.map((name) => name.trim());
  const rows = body.map((values) =>
    Object.fromEntries(columns.map((column, i) => [column, values[i] ?? ''])),
  );
  return { columns, rows };
}
