import { renderChart } from './render.js';
import type { ChartSpec } from './spec.js';

/**
 * The chart renderer's process entry (forked by renderProcess.ts). One render per message,
 * answered with the PNG (base64) or the error's message, and this process's peak RSS so far.
 * It exits when the bot closes the channel (idle, shutdown) or dies.
 */

const send = process.send?.bind(process);
if (!send) throw new Error('charts/child runs as a forked child process only');

process.on('message', async ({ spec }: { spec: ChartSpec }) => {
  const peakKb = () => process.resourceUsage().maxRSS;
  try {
    const { png, width, height } = await renderChart(spec);
    send({ png: png.toString('base64'), width, height, peakKb: peakKb() });
  } catch (err) {
    send({ error: err instanceof Error ? err.message : String(err), peakKb: peakKb() });
  }
  // resvg's images hold megabytes of native memory that V8 does not count, so it rarely
  // collects them: collect once the answer is sent (the finalisers free them on a later tick)
  setImmediate(() => globalThis.gc?.());
});
process.on('disconnect', () => process.exit(0));
