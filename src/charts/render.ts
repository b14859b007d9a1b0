import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderAsync } from '@resvg/resvg-js';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TitleComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { chartOption } from './options.js';
import { CHART_HEIGHT, CHART_WIDTH, type ChartSpec, type RenderedChart } from './spec.js';

/**
 * ChartSpec → PNG, with no browser: ECharts draws an SVG string (server-side mode), resvg
 * rasterises it. Only the font shipped in assets/fonts is used (system fonts are not loaded),
 * so an image looks the same on every machine and in the Docker image, Cyrillic included.
 *
 * The SVG is built on the calling thread (15–30 ms for a 30-day chart); rasterising, the larger
 * part, runs on libuv's thread pool (renderAsync), so the event loop is held only for the SVG.
 */

echarts.use([LineChart, BarChart, GridComponent, TitleComponent, LegendComponent, MarkLineComponent, SVGRenderer]);

/** src/charts or dist/charts → <root>/assets/fonts */
export const FONT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets', 'fonts');
const FONT_FILES = [join(FONT_DIR, 'DejaVuSans.ttf'), join(FONT_DIR, 'DejaVuSans-Bold.ttf')];
const FONT_NAME = 'DejaVu Sans';

/** the SVG text of a chart (exported for tests and the bench) */
export function chartSvg(spec: ChartSpec): string {
  const width = spec.width ?? CHART_WIDTH;
  const height = spec.height ?? CHART_HEIGHT;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(chartOption(spec));
    return expandFontShorthand(chart.renderToSVGString());
  } finally {
    chart.dispose();
  }
}

/**
 * Some labels come out styled with the CSS `font` shorthand, which resvg ignores (they would
 * fall back to 12 px): spell it out as font-style/weight/size/family.
 */
function expandFontShorthand(svg: string): string {
  return svg.replace(/font: ?(\S+) (\S+) (\d+(?:\.\d+)?)px ([^";]+)/g, 'font-style:$1;font-weight:$2;font-size:$3px;font-family:$4');
}

export async function renderChart(spec: ChartSpec): Promise<RenderedChart> {
  const svg = chartSvg(spec);
  const image = await renderAsync(svg, {
    font: { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: FONT_NAME, sansSerifFamily: FONT_NAME },
    background: '#ffffff',
    fitTo: { mode: 'original' },
    logLevel: 'off',
  });
  return { png: image.asPng(), width: image.width, height: image.height };
}
