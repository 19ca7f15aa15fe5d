import { type ProcessorEmulator, startProcessorEmulator } from '../../src/systems/payments/emulator/processor-emulator.ts';
import { exitOf, freePort, startCli } from './cli-process.ts';
import { waitFor } from './wait.ts';

export interface RunningPaymentsCluster {
  cluster: ReturnType<typeof startCli>;
  /** nginx's address, in front of the backends. */
  url: string;
  processors: { default: ProcessorEmulator; fallback: ProcessorEmulator };
  /** Ctrl-C to the cluster if it still runs (SIGKILL when that does not stop it), and the emulators closed. */
  close(): Promise<void>;
}

/** `mensageiro payments cluster` as a user runs it, on a free port, with the test's own two processor emulators. */
export async function startPaymentsCluster(extraArgs: string[] = []): Promise<RunningPaymentsCluster> {
  const processors = { default: await startProcessorEmulator({ fee: 0.05 }), fallback: await startProcessorEmulator({ fee: 0.15 }) };
  const port = await freePort();
  const cluster = startCli(['payments', 'cluster', '--port', String(port), '--processor-default', processors.default.url, '--processor-fallback', processors.fallback.url, ...extraArgs]);
  const close = async () => {
    if (cluster.exitCode === null) {
      cluster.kill('SIGINT');
      await exitOf(cluster, 30_000).catch(() => cluster.kill('SIGKILL'));
    }
    await processors.default.close();
    await processors.fallback.close();
  };
  try {
    await waitFor(() => cluster.output().includes('payments cluster: nginx on'), 'the cluster to come up', 180_000);
  } catch (err) {
    await close();
    throw err;
  }
  return { cluster, url: `http://127.0.0.1:${port}`, processors, close };
}
