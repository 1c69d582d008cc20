import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Random } from '../../util/random.js';
import { EventRecorder } from '../client/event-recorder.js';
import type { RestClient } from '../client/rest-client.js';
import type { Registry } from 'prom-client';
import type { InformerFactory } from './informer-factory.js';
import type { Journal } from './journal.js';

/**
 * ComponentContext is what a component's work receives each time it starts acting: the API client, the shared
 * informers (started by the work itself, stopped by the runtime when the term ends), and the process's clock,
 * randomness, logger, metrics registry and action journal.
 */
export interface ComponentContext {
  readonly client: RestClient;
  /**
   * heartbeatClient is a client of its own for heartbeats (node Leases), so that they never wait behind the
   * component's bulk requests in client's queue: the kubelet's HeartbeatClient; leader election uses it too
   * (kube-controller-manager's "leader-election" client).
   */
  readonly heartbeatClient: RestClient;
  readonly informers: InformerFactory;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  readonly metrics: Registry;
  /** identity is this replica's leader-election identity (host name and a unique suffix, as client-go's). */
  readonly identity: string;
  readonly journal: Journal;
}

/**
 * Controller is one control loop of the controller-manager (or the scheduler's loop): run works until signal
 * aborts, then stops acting at once and resolves when its workers have returned. It is started anew, with a
 * fresh context, each time its replica becomes leader.
 */
export interface Controller {
  /** name is the controller's name as kube-controller-manager's --controllers lists it (e.g. `replicaset`). */
  readonly name: string;
  run(ctx: ComponentContext, signal: AbortSignal): Promise<void>;
}

/**
 * eventRecorder is a recorder of the Events component writes during one term of leadership: it reports as this
 * replica and stops when signal aborts.
 */
export function eventRecorder(ctx: ComponentContext, signal: AbortSignal, component: string): EventRecorder {
  return new EventRecorder({ client: ctx.client, clock: ctx.clock, log: ctx.log, component, instance: ctx.identity, signal });
}
