import { parentPort } from 'node:worker_threads';
import { renderChart } from './render.js';
import type { ChartSpec } from './spec.js';

/**
 * The chart worker's entry (started by offThread.ts): one render per message, answered with the
 * PNG bytes (their buffer transferred, not copied) or the error's message.
 */

const port = parentPort;
if (!port) throw new Error('charts/worker runs as a worker thread only');

port.on('message', async ({ spec }: { spec: ChartSpec }) => {
  try {
    const { png, width, height } = await renderChart(spec);
    const bytes = new Uint8Array(png); // a copy with a buffer of its own, safe to transfer
    port.postMessage({ png: bytes, width, height }, [bytes.buffer]);
  } catch (err) {
    port.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});
