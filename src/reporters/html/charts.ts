/**
 * Charts for the HTML report: Vega-Lite specifications built from report data
 * (pure functions), rendered to static SVG at report time by Vega, so the
 * pages need no script and no network to show them.
 *
 * A check shows a plot by putting a `Plot` in its data (`data.plot`, or a list
 * in `data.plots`): named series of (x, y) points and axis titles. The report
 * draws whatever plots the checks give; it knows nothing of RoPE.
 */
import type { CheckResult } from '../../core/types.js';

/** A line chart a check asks the HTML report to draw. */
export interface Plot {
  title: string;
  x: { title: string; scale?: 'linear' | 'log' };
  y: { title: string; scale?: 'linear' | 'log' | 'symlog' };
  /** Each series: a name (the legend) and its points. The first is the learner's by convention. */
  series: Array<{ name: string; points: Array<[number, number]>; dashed?: boolean }>;
  /** A caption under the chart: what to look for. */
  note?: string;
}

/** The plots a check carries, validated loosely (reports are data from disk: a malformed plot is left out, never a crash). */
export function plotsOf(check: CheckResult): Plot[] {
  const data = check.data ?? {};
  const raw = [data.plot, ...(Array.isArray(data.plots) ? data.plots : [])].filter((p) => p !== undefined);
  return raw.filter(isPlot).slice(0, 6);
}

function isPlot(value: unknown): value is Plot {
  if (!value || typeof value !== 'object') return false;
  const p = value as Partial<Plot>;
  return (
    typeof p.title === 'string' &&
    typeof p.x?.title === 'string' &&
    typeof p.y?.title === 'string' &&
    Array.isArray(p.series) &&
    p.series.length > 0 &&
    p.series.length <= 8 &&
    p.series.every(
      (s) =>
        typeof s?.name === 'string' &&
        Array.isArray(s.points) &&
        s.points.length <= 5000 &&
        s.points.every((pt) => Array.isArray(pt) && pt.length === 2 && pt.every((v) => typeof v === 'number' && Number.isFinite(v))),
    )
  );
}

type Spec = Record<string, unknown>;

const COLORS = ['#c2410c', '#1d4ed8', '#15803d', '#7e22ce', '#a16207', '#0e7490', '#be123c', '#4d7c0f'];

/** A Vega-Lite line chart of a plot's series (points marked, the second and later series dashed when asked). */
export function lineChartSpec(plot: Plot, width = 420, height = 220): Spec {
  const values = plot.series.flatMap((s) => s.points.map(([x, y]) => ({ series: s.name, x, y })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width,
    height,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: { size: 18 }, strokeWidth: 2 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: plot.x.title, scale: { type: plot.x.scale ?? 'linear', nice: false } },
      y: { field: 'y', type: 'quantitative', title: plot.y.title, scale: { type: plot.y.scale ?? 'linear', zero: false } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: plot.series.map((s) => s.name), range: COLORS.slice(0, plot.series.length) },
        legend: { orient: 'bottom', labelLimit: 360 },
      },
      strokeDash: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: plot.series.map((s) => s.name), range: plot.series.map((s) => (s.dashed ? [6, 4] : [1, 0])) },
      },
    },
    config: { font: 'system-ui, sans-serif', axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11 } },
  };
}

/** Bars of counts: `bars` labelled on the x axis, in their order. */
export function barChartSpec(title: { x: string; y: string }, bars: Array<{ label: string; count: number }>, width = 420, height = 200): Spec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width,
    height,
    background: 'white',
    data: { values: bars.map((b, order) => ({ ...b, order })) },
    mark: { type: 'bar', color: '#1d4ed8' },
    encoding: {
      x: { field: 'label', type: 'ordinal', title: title.x, sort: { field: 'order' }, axis: { labelAngle: 0 } },
      y: { field: 'count', type: 'quantitative', title: title.y, axis: { tickMinStep: 1 } },
      tooltip: [{ field: 'label' }, { field: 'count' }],
    },
    config: { font: 'system-ui, sans-serif' },
  };
}

/** Horizontal bars of fractions in [0, 1] (e.g. the share of the class failing each check). */
export function shareChartSpec(title: string, bars: Array<{ label: string; share: number }>, width = 420): Spec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width,
    height: Math.max(60, bars.length * 18),
    background: 'white',
    data: { values: bars },
    mark: { type: 'bar', color: '#c2410c' },
    encoding: {
      y: { field: 'label', type: 'nominal', title: null, sort: null },
      x: { field: 'share', type: 'quantitative', title, scale: { domain: [0, 1] }, axis: { format: '.0%' } },
    },
    config: { font: 'system-ui, sans-serif' },
  };
}

let vegaLibs: Promise<{ vega: typeof import('vega'); compile: typeof import('vega-lite').compile }> | undefined;

/** Renders a Vega-Lite specification to an SVG string (Vega is loaded on first use). */
export async function renderSvg(spec: Spec): Promise<string> {
  vegaLibs ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, lite]) => ({ vega, compile: lite.compile }));
  const { vega, compile } = await vegaLibs;
  // Warnings go nowhere: a report is not the place for Vega's console output.
  const quiet = { level: () => quiet, error: () => quiet, warn: () => quiet, info: () => quiet, debug: () => quiet } as never;
  const view = new vega.View(vega.parse(compile(spec as never, { logger: quiet }).spec), { renderer: 'none', logLevel: vega.None });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
