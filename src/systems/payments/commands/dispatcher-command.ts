import { type CliIo, UsageError, parseOptions } from '../../../kit/cli/args.ts';
import { createLogger } from '../../../kit/observe/log.ts';
import { untilSignal } from '../../../kit/runtime/signals.ts';
import { DispatcherService } from '../roles/dispatcher-service.ts';
import { openBackendStoreOrExplain } from '../store/backend-store.ts';
import { PaymentsCommandError, defaultInstanceId, redactStore } from './common.ts';
import { DISPATCH_OPTION_HELP, DISPATCH_OPTION_SPECS, dispatchSettings } from './dispatch-options.ts';

export const DISPATCHER_HELP = `usage: mensageiro payments dispatcher --store redis://…|redis+unix:///… [--instance ID]
                                    [--processor-default URL] [--processor-fallback URL]
                                    [--max-in-flight 300] [--prefetch 5000] [--max-latency 1200]

Takes the payments that "mensageiro payments serve --dispatcher external" instances accept off the shared
queue, sends each to the default or the fallback processor, and records it in the shared ledger. It also polls
the processors' health (one poller per deployment, by lease). Run more than one to share the work.
${DISPATCH_OPTION_HELP}`;

export async function dispatcherCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro payments dispatcher --help';
  const { values } = parseOptions(argv, help, {
    store: { type: 'string' },
    instance: { type: 'string' },
    ...DISPATCH_OPTION_SPECS,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(DISPATCHER_HELP);
    return 0;
  }
  const storeUrl = values.store ?? process.env.MENSAGEIRO_PAYMENTS_STORE;
  if (!storeUrl || storeUrl.startsWith('memory')) throw new UsageError('a dispatcher shares its store with the API instances: pass --store redis://… (or redis+unix:///…)', help);
  const settings = dispatchSettings(values, help);
  const instanceId = values.instance ?? `dispatcher-${defaultInstanceId()}`;
  const log = createLogger(`payments:${instanceId}`);
  const store = await openBackendStoreOrExplain(storeUrl, instanceId, (message) => new PaymentsCommandError(message));
  const service = await DispatcherService.start({ instanceId, bus: store.bus, ledger: store.ledger, lease: store.lease, journal: store.journal, log, ...settings });
  io.stdout.write(`payments dispatcher ${instanceId} on ${redactStore(storeUrl)}, processors ${settings.processorUrls.default} and ${settings.processorUrls.fallback}\n`);
  await untilSignal();
  await service.close();
  await store.close();
  return 0;
}
