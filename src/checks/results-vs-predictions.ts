/**
 * Check kind `results-vs-predictions`: once results are handed in
 * (`results.json` or a Markdown results table), a table per metric of what
 * was predicted and what was observed, whether each prediction hit within
 * the rubric's tolerance, whether the observed Δ went the predicted way, and
 * whether the headline ("the big gap at T=20") held. See
 * src/experiment/results.ts for the shapes read and the rules.
 *
 *   kind: results-vs-predictions
 *   options:
 *     predictions: [predictions.md, spec.md]
 *     results: [results.json, results.md]
 *     variants: [{ name: sinusoidal, match: [sinusoidal, sin] }, { name: RoPE, match: [rope, rotary] }]
 *     tolerance: { absolute: 0.05, relative: 0.2, points: 5 }
 *     headline: { match: ['headline'], share: 0.5 }
 *
 * **Feedback, not a grade on being right**: the outcome is `pass` when every
 * prediction hit and went the predicted way, `warn` otherwise (a warning
 * keeps its points); `skip` while no results are handed in or no
 * predictions table exists. The comparison goes to the report as a table
 * (`table`), shown by every format.
 */
import type { Detail, ResultTable } from '../core/types.js';
import { findFile, listAlternatives } from '../experiment/files.js';
import { findHeadline } from '../experiment/predictions.js';
import { formatQuantity } from '../experiment/quantity.js';
import {
  compareRow,
  DEFAULT_TOLERANCE,
  headlineRows,
  matchRows,
  resultsFromJson,
  resultsFromMarkdown,
  type MetricComparison,
  type ObservedRow,
  type Tolerance,
  type VariantNames,
} from '../experiment/results.js';
import { parseJsonLocated } from '../input/json.js';
import { loadMarkdown } from '../markdown/load.js';
import type { CheckKind } from './kind.js';
import { locatePredictions, predictionsLocationSchema, type VariantSpec } from './predictions-table.js';

export interface ResultsVsPredictionsOptions {
  predictions: string[];
  predictionHeadings?: string[];
  variants?: VariantSpec[];
  results: string[];
  tolerance?: Partial<Tolerance>;
  headline?: { match: string[]; share?: number };
}

const strings = { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } as const;

function show(value: number | undefined, decimals: number, unit: string, signed = false): string {
  return value === undefined ? '–' : formatQuantity(value, decimals, unit, signed);
}

function variantCell(c: MetricComparison, i: number): string {
  const v = c.variants[i]!;
  if (!v.predicted) return v.observed ? `– → ${v.observed.raw}` : '–';
  if (!v.observed) return `${v.predicted.raw} → no result`;
  return `${v.predicted.raw} → ${v.observed.raw} ${v.hit ? '✓' : '✗'}${v.note ? ` (${v.note})` : ''}`;
}

function deltaCell(c: MetricComparison): string {
  const predicted = c.parity ? '~0' : show(c.predictedDelta, c.deltaDecimals, c.deltaUnit, true);
  return `${predicted} → ${show(c.observedDelta, c.deltaDecimals, c.deltaUnit, true)}`;
}

export const resultsVsPredictionsKind: CheckKind<ResultsVsPredictionsOptions> = {
  name: 'results-vs-predictions',
  summary: 'feedback: each prediction against the result handed in (hit within tolerance, direction of Δ, the headline), as a table',
  targets: ['lab'],
  optionsSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    additionalProperties: false,
    required: ['predictions', 'results'],
    properties: {
      predictions: predictionsLocationSchema.file,
      predictionHeadings: predictionsLocationSchema.headings,
      variants: predictionsLocationSchema.variants,
      results: { ...strings, description: 'Results files, in order: results.json (JSON) or a Markdown file with a results table.' },
      tolerance: {
        type: 'object',
        additionalProperties: false,
        properties: {
          absolute: { type: 'number', minimum: 0, description: `Absolute difference a plain value may be off (default ${DEFAULT_TOLERANCE.absolute}).` },
          relative: { type: 'number', minimum: 0, description: `Relative difference a plain value may be off, a fraction of the prediction (default ${DEFAULT_TOLERANCE.relative}); the larger bound applies.` },
          points: { type: 'number', minimum: 0, description: `Percentage points a percentage may be off (default ${DEFAULT_TOLERANCE.points}).` },
        },
      },
      headline: {
        type: 'object',
        additionalProperties: false,
        required: ['match'],
        properties: {
          match: { ...strings, description: 'Phrases (any letter case) of the sentence that names the headline prediction.' },
          share: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Share of the predicted Δ the observed Δ must reach for the headline to hold.' },
        },
      },
    },
  },
  async run(ctx, options) {
    const tolerance: Tolerance = { ...DEFAULT_TOLERANCE, ...(options.tolerance ?? {}) };
    const { located } = await locatePredictions(ctx, options.predictions, options.predictionHeadings);
    if (!located) return { status: 'skip', message: `no predictions table to compare results with (see the predictions table check; looked in ${listAlternatives(options.predictions)})` };
    const { found, path: predictionsPath, doc } = located;
    const names: VariantNames = {
      names: found.variantNames.map((header, i) => {
        const spec = options.variants?.find((v) => (v.match ?? [v.name]).some((w) => header.toLowerCase().includes(w.toLowerCase())));
        return [header, ...(spec ? [spec.name, ...(spec.match ?? [])] : []), ...(options.variants && !spec ? [options.variants[i]?.name ?? ''] : [])].filter(Boolean);
      }),
    };
    const resultsFile = await findFile(ctx, options.results);
    if (!resultsFile) return { status: 'skip', message: `no results handed in yet (looked for ${listAlternatives(options.results)}); predictions are compared once they are` };
    const read = await ctx.files.readText(resultsFile);
    if (!read.ok) return { status: 'warn', message: `the results in ${resultsFile} cannot be read: ${read.message}`, location: { file: resultsFile } };
    for (const n of read.notices) ctx.notice(n);
    let observed: ObservedRow[];
    if (/\.json$/i.test(resultsFile)) {
      const parsed = parseJsonLocated(read.text, read.path);
      if (!parsed.ok) return { status: 'warn', message: `${read.path} is not valid JSON: ${parsed.message}`, location: parsed.location };
      observed = resultsFromJson(parsed, names);
    } else {
      const loaded = await loadMarkdown(ctx, resultsFile);
      if (!loaded.ok) return loaded.outcome;
      observed = resultsFromMarkdown(loaded.doc, loaded.path, names, loaded.path === predictionsPath ? found.table.line : undefined);
    }
    const variantsText = found.variantNames.join(', ');
    if (observed.length === 0) {
      return { status: 'warn', message: `${read.path} holds no results rows with values for ${variantsText} (see the shapes rubricate reads in the rubric's hint)`, location: { file: read.path } };
    }
    const matched = matchRows(found.rows, observed);
    const comparisons = found.rows.map((row, i) => compareRow(row, matched[i], tolerance));
    const withResult = comparisons.filter((c) => c.observed);
    if (withResult.length === 0) {
      return {
        status: 'warn',
        message: `none of the ${found.rows.length} predicted metrics has a result in ${read.path} (results name: ${observed.slice(0, 4).map((o) => `'${o.label}'`).join(', ')})`,
        location: { file: read.path },
      };
    }
    const details: Detail[] = [];
    for (const c of comparisons) {
      const at = { file: predictionsPath, line: c.row.labelCell.line, column: c.row.labelCell.column };
      if (!c.observed) {
        details.push({ message: `no result for '${c.row.label}' in ${read.path}`, location: at });
        continue;
      }
      const misses = c.variants.map((v, i) => (v.hit === false ? `${found.variantNames[i]} predicted ${v.predicted!.raw}, observed ${v.observed!.raw}` : undefined)).filter(Boolean);
      if (misses.length > 0) details.push({ message: `'${c.row.label}': outside the tolerance: ${misses.join('; ')}`, location: c.observed.location });
      if (c.direction === 'wrong') {
        details.push({
          message: c.parity
            ? `'${c.row.label}': predicted no difference, observed Δ ${show(c.observedDelta, c.deltaDecimals, c.deltaUnit, true)}`
            : `'${c.row.label}': Δ went the other way: predicted ${show(c.predictedDelta, c.deltaDecimals, c.deltaUnit, true)}, observed ${show(c.observedDelta, c.deltaDecimals, c.deltaUnit, true)}`,
          location: c.observed.location,
        });
      }
    }
    const unpredicted = observed.filter((o) => !matched.includes(o));
    if (unpredicted.length > 0) details.push({ message: `results without a prediction: ${unpredicted.slice(0, 6).map((o) => `'${o.label}'`).join(', ')}`, location: unpredicted[0]!.location });

    // The headline.
    let headlineText: string | undefined;
    let headlineHeld: boolean | undefined;
    if (options.headline) {
      const sentence = findHeadline(doc, found, options.headline.match);
      const rows = headlineRows(sentence?.text ?? '', withResult);
      const share = options.headline.share ?? 0.5;
      if (rows.length > 0) {
        const held = rows.map((c) => c.direction === 'right' && c.observedDelta !== undefined && (c.parity || Math.abs(c.observedDelta) >= share * Math.abs(c.predictedDelta ?? 0)));
        headlineHeld = held.every(Boolean);
        const what = rows.map((c) => `Δ ${show(c.observedDelta, c.deltaDecimals, c.deltaUnit, true)} on '${c.row.label}' (predicted ${c.parity ? '~0' : show(c.predictedDelta, c.deltaDecimals, c.deltaUnit, true)})`).join(', ');
        const verdict = `${headlineHeld ? 'confirmed' : held.some(Boolean) ? 'partly confirmed' : 'not confirmed'}: observed ${what}`;
        const source = sentence ? `"${sentence.text}"` : 'the largest predicted gap';
        headlineText = `headline ${source}${sentence ? ` (${predictionsPath}:${sentence.line}:${sentence.column})` : ''}: ${verdict}`;
        // The detail is located at the sentence, so it does not repeat where it is.
        details.unshift({ message: `headline ${source}: ${verdict}`, location: sentence ? { file: predictionsPath, line: sentence.line, column: sentence.column } : { file: predictionsPath, line: rows[0]!.row.labelCell.line } });
      }
    }

    const table: ResultTable = {
      caption: `Predictions (${predictionsPath}) against results (${read.path}); tolerance ±${tolerance.absolute} or ±${Math.round(tolerance.relative * 100)}% for values, ±${tolerance.points}pp for percentages`,
      columns: ['Metric', ...found.variantNames.map((n) => `${n}: predicted → observed`), 'Δ: predicted → observed', 'Within tolerance', 'Direction of Δ'],
      rows: comparisons.map((c) => {
        const hits = c.variants.filter((v) => v.hit !== undefined);
        return [
          c.row.label,
          ...c.variants.map((_, i) => variantCell(c, i)),
          deltaCell(c),
          hits.length === 0 ? '–' : `${hits.filter((v) => v.hit).length} of ${hits.length}`,
          c.direction ?? '–',
        ];
      }),
    };
    const hitCount = withResult.filter((c) => c.variants.every((v) => v.hit !== false)).length;
    const rightCount = withResult.filter((c) => c.direction === 'right').length;
    const judged = withResult.filter((c) => c.direction !== undefined).length;
    const allGood = hitCount === comparisons.length && rightCount === judged && headlineHeld !== false;
    const data = {
      predictions: predictionsPath,
      results: read.path,
      metrics: comparisons.length,
      withResult: withResult.length,
      hit: hitCount,
      directionRight: rightCount,
      directionJudged: judged,
      ...(headlineHeld !== undefined ? { headline: headlineHeld } : {}),
      tolerance,
    };
    const message =
      `feedback, no points depend on it: ${hitCount} of ${comparisons.length} predictions within tolerance, Δ in the predicted direction for ${rightCount} of ${judged}` +
      `${headlineText ? `; ${headlineText}` : ''}`;
    return { status: allGood ? 'pass' : 'warn', message, location: { file: predictionsPath, line: found.table.line, column: 1 }, details, data, table };
  },
};
