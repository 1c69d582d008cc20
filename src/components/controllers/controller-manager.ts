/**
 * controllerManager is the work of `capstan controller-manager`: the enabled controllers, run concurrently
 * in one leadership term on the term's shared informers (kube-controller-manager's StartControllers). One
 * controller failing is logged and does not end the others' term; the term ends when the signal aborts.
 */
import type { ComponentContext, Controller } from '../runtime/controller.js';

/** controllerManager runs controllers side by side as one Controller. */
export function controllerManager(controllers: readonly Controller[]): Controller {
  return {
    name: 'controller-manager',
    async run(ctx: ComponentContext, signal: AbortSignal): Promise<void> {
      await Promise.all(
        controllers.map(async (c) => {
          const log = ctx.log.child({ controller: c.name });
          log.info('starting controller');
          try {
            await c.run({ ...ctx, log }, signal);
          } catch (err) {
            if (!signal.aborted) log.error({ err }, 'controller failed');
          }
        }),
      );
    },
  };
}
