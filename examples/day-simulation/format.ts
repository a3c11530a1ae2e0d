/** Plain-text formatting that never depends on the machine's locale. */

/** `20,268`. */
export function int(n: number): string {
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `97%`. */
export function percent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

/** Minutes as a whole number, or `–` for none. */
export function minutes(value: number | null): string {
  return value === null ? '–' : String(Math.round(value));
}

/** A count, or `–` for zero (easier to scan in a table). */
export function count(n: number): string {
  return n === 0 ? '–' : int(n);
}

/** Column alignment. */
export type Align = 'left' | 'right';

/** Renders rows as aligned columns; the first row is the header, underlined. */
export function table(rows: ReadonlyArray<readonly string[]>, align: readonly Align[], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
  const line = (row: readonly string[]): string =>
    indent +
    row
      .map((cell, i) => {
        const pad = ' '.repeat((widths[i] ?? 0) - width(cell));
        return (align[i] ?? 'left') === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  const [header, ...body] = rows;
  if (header === undefined) return '';
  const rule = indent + widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(header), rule, ...body.map(line)].join('\n');
}

/** Display width (every character here is one column wide). */
function width(text: string): number {
  return [...text].length;
}

/** Escapes text for HTML. */
export function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
