import * as grpc from '@grpc/grpc-js';
import type { ClientRequests, StoreMetrics } from '../metrics.js';
import { streamRefusal, type CallRulesHost, type LeaderMonitor } from './call-rules.js';
import { callLabels, codeName } from './rpc-metrics.js';

/**
 * streamInterceptor is the grpc-js server interceptor for streaming calls (unary calls pass through untouched:
 * countedUnary counts them, withEtcdUnaryInterceptors applies the rules). In etcd's order: the rules first (a
 * stream they refuse at open is not counted, as etcd's interceptor runs before go-grpc-prometheus's), then
 * the counting — started when opened, each message each way, handled with the status it ends with, or
 * Canceled when the client goes away first. A stream the leader monitor ends is counted with the status it
 * ends with, and its handler sees the call cancelled.
 */
export function streamInterceptor(metrics: StoreMetrics, host: CallRulesHost, monitor: LeaderMonitor, counted?: ClientRequests): grpc.ServerInterceptor {
  return (desc, call) => {
    if (!desc.requestStream && !desc.responseStream) return new grpc.ServerInterceptingCall(call);
    const labels = callLabels(desc);
    let started = false;
    let ended = false;
    let timed: (() => void) | undefined;
    let unwatch: (() => void) | undefined;
    const handled = (code: number): void => {
      if (!started || ended) return;
      ended = true;
      unwatch?.();
      metrics.grpcHandled.inc({ grpc_code: codeName(code), ...labels });
      timed?.();
    };
    return new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata: grpc.Metadata, nextMetadata: (metadata: grpc.Metadata) => void) => {
            const refused = streamRefusal(host, metadata, counted);
            if (refused !== undefined) {
              // Not passed on: the handler never runs, and the client gets a trailers-only status.
              call.sendStatus({ ...refused, metadata: new grpc.Metadata() });
              return;
            }
            started = true;
            metrics.grpcStarted.inc(labels);
            timed = metrics.grpcHandlingSeconds?.startTimer(labels);
            unwatch = monitor.watch(desc.path, metadata, (status) => {
              handled(status.code);
              call.sendStatus({ ...status, metadata: new grpc.Metadata() });
            });
            nextMetadata(metadata);
          },
          onReceiveMessage: (message: unknown, nextMessage: (message: unknown) => void) => {
            metrics.grpcMsgReceived.inc(labels);
            nextMessage(message);
          },
          // grpc-js also reports a cancel after the status it sent; by then the status has been counted.
          onCancel: () => handled(grpc.status.CANCELLED),
        }),
      // A message the handler sends after the stream ended (the monitor ended it; the handler hears of it once the
      // status is out) goes nowhere and is not counted.
      sendMessage: (message: unknown, next: (message: unknown) => void) => {
        if (ended) return;
        metrics.grpcMsgSent.inc(labels);
        next(message);
      },
      sendStatus: (status, next) => {
        handled(status.code);
        next(status);
      },
    });
  };
}
