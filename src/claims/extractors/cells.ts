/**
 * Table cells as numbers: `0.20`, `-0.15`, `−1.05`, `89%`, `+24pp`,
 * `+24 p.p.`, `~0`, `≈ 0.3`, `**145**`, `65,536`. Anything else (`n/a`, `—`,
 * `0.20 ± 0.01` keeps its first number) is not a number.
 */

export interface CellNumber {
  value: number;
  decimals: number;
  /** Written with a % sign. */
  percent: boolean;
  /** Written as percentage points (pp, p.p., points). */
  pp: boolean;
  /** Written with ~ or ≈. */
  approx: boolean;
  /** Written with an explicit + or - sign. */
  signed: boolean;
}

/** The text of a cell without emphasis, code marks, trailing footnote marks or emoji. */
export function cellText(text: string): string {
  return text
    .replace(/\*\*|__|`/g, '')
    .replace(/^\*(.*)\*$/, '$1')
    .replace(/\s*[✨✅❌⚠️*†‡]+\s*$/u, '')
    .trim();
}

const CELL = /^(?<approx>[~≈]|approx\.?\s*|about\s+)?\s*(?<sign>[+\-−–])?\s*(?<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)\s*(?<unit>%|pp|p\.p\.|pts?|points|percentage points)?(?:\s*(?:±|\+\/-|\+-)\s*[\d.]+\s*%?)?$/i;

export function cellNumber(raw: string): CellNumber | undefined {
  const m = CELL.exec(cellText(raw));
  if (!m) return undefined;
  const g = m.groups!;
  const num = g.num!.replace(/,/g, '');
  const dot = num.indexOf('.');
  const magnitude = Number(num.startsWith('.') ? `0${num}` : num);
  const negative = g.sign !== undefined && g.sign !== '+';
  const unit = (g.unit ?? '').toLowerCase();
  return {
    value: negative ? -magnitude : magnitude,
    decimals: dot < 0 ? 0 : num.length - dot - 1,
    percent: unit === '%',
    pp: unit !== '' && unit !== '%',
    approx: g.approx !== undefined,
    signed: g.sign !== undefined,
  };
}
