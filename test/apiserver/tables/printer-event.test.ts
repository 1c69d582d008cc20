import { describe, expect, it } from 'vitest';
import type { Event } from '../../../src/api/core-v1.js';
import { eventTableConvertor } from '../../../src/apiserver/tables/printer-event.js';
import { DAY, NOW, ago, microAgo } from './fixtures.js';

function event(e: Partial<Event>): Event {
  return {
    metadata: { name: 'event' },
    involvedObject: { kind: 'Deployment', name: 'Deployment Name', fieldPath: 'spec.containers{foo}' },
    reason: 'Event Reason',
    message: 'Message Data',
    source: { component: 'kubelet', host: 'Node1' },
    type: 'Warning',
    ...e,
  };
}

// Cases and expected cells from TestPrintEvent in Kubernetes' printers_test.go (all printed wide, as
// kube-apiserver does: LAST SEEN TYPE REASON OBJECT SUBOBJECT SOURCE MESSAGE FIRST SEEN COUNT NAME).
describe('event printer', () => {
  it.each<[string, Event, unknown[]]>([
    [
      'basic event',
      event({
        metadata: { name: 'event1' },
        source: { component: 'kubelet' },
        involvedObject: { kind: 'Pod', name: 'Pod Name', fieldPath: 'spec.containers{foo}' },
        firstTimestamp: ago(3 * DAY),
        lastTimestamp: ago(2 * DAY),
        count: 6,
        type: 'Normal',
      }),
      ['2d', 'Normal', 'Event Reason', 'pod/Pod Name', 'spec.containers{foo}', 'kubelet', 'Message Data', '3d', 6, 'event1'],
    ],
    [
      'basic event with a host',
      event({ metadata: { name: 'event2' }, firstTimestamp: ago(3 * DAY), lastTimestamp: ago(2 * DAY), count: 6 }),
      ['2d', 'Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, Node1', 'Message Data', '3d', 6, 'event2'],
    ],
    [
      'without firstTimestamp',
      event({ metadata: { name: 'event3' }, eventTime: microAgo(3 * DAY), lastTimestamp: ago(3 * DAY), count: 1 }),
      ['3d', 'Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, Node1', 'Message Data', '3d', 1, 'event3'],
    ],
    [
      'without lastTimestamp',
      event({ metadata: { name: 'event4' }, eventTime: microAgo(3 * DAY), firstTimestamp: ago(3 * DAY), count: 1 }),
      ['3d', 'Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, Node1', 'Message Data', '3d', 1, 'event4'],
    ],
    [
      'without first and last timestamps',
      event({ metadata: { name: 'event5' }, eventTime: microAgo(3 * DAY), count: 1 }),
      ['3d', 'Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, Node1', 'Message Data', '3d', 1, 'event5'],
    ],
    [
      'a series without timestamps or count',
      event({ metadata: { name: 'event6' }, series: { count: 2, lastObservedTime: microAgo(2 * DAY) }, eventTime: microAgo(3 * DAY) }),
      ['2d', 'Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, Node1', 'Message Data', '3d', 2, 'event6'],
    ],
    [
      'a singleton without timestamps or count counts once',
      event({ metadata: { name: 'event7' }, eventTime: microAgo(3 * DAY) }),
      ['3d', 'Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, Node1', 'Message Data', '3d', 1, 'event7'],
    ],
    [
      'empty source falls back to reportingComponent and reportingInstance',
      event({ metadata: { name: 'event2' }, source: {}, reportingComponent: 'kubelet', reportingInstance: 'test', firstTimestamp: ago(3 * DAY), lastTimestamp: ago(2 * DAY), count: 6 }),
      ['2d', 'Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, test', 'Message Data', '3d', 6, 'event2'],
    ],
    [
      'no times at all, an unnamed object, a message with spaces',
      event({ metadata: { name: 'e' }, involvedObject: { kind: 'Node' }, message: '  Starting kubelet.\n', source: { component: 'kubelet' }, type: 'Normal' }),
      ['<unknown>', 'Normal', 'Event Reason', 'node', '', 'kubelet', 'Starting kubelet.', '<unknown>', 1, 'e'],
    ],
  ])('%s', (_, e, want) => {
    expect(eventTableConvertor.row(e, NOW).cells).toEqual(want);
  });

  it('defines LAST SEEN TYPE REASON OBJECT MESSAGE as the narrow columns', () => {
    expect(eventTableConvertor.columns.filter((c) => c.priority === 0).map((c) => c.name)).toEqual(['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
    expect(eventTableConvertor.columns.map((c) => c.name)).toEqual([
      'Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name',
    ]);
    expect(eventTableConvertor.columns.find((c) => c.name === 'Name')?.format).toBe('name');
  });
});
