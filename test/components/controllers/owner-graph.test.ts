/** The garbage collector's graph and decisions, table-driven over small owner → dependent graphs. */
import { describe, expect, it } from 'vitest';
import type { OwnerReference } from '../../../src/api/index.js';
import { CONFIGMAPS, PODS } from '../../../src/components/client/resource.js';
import { decide, OwnerGraph, type GCAction, type GraphNode } from '../../../src/components/controllers/index.js';

function ref(uid: string, block = true): OwnerReference {
  return { apiVersion: 'v1', kind: 'ConfigMap', name: uid, uid, controller: true, blockOwnerDeletion: block };
}

function n(uid: string, o: { owners?: OwnerReference[]; deleting?: boolean; finalizers?: string[] } = {}): GraphNode {
  return { uid, resource: o.owners === undefined ? CONFIGMAPS : PODS, namespace: 'ns', name: uid, owners: o.owners ?? [], beingDeleted: o.deleting ?? false, finalizers: o.finalizers ?? [], resourceVersion: '1' };
}

function summary(a: GCAction): string {
  switch (a.kind) {
    case 'none':
      return 'none';
    case 'orphan':
      return `orphan ${a.dependents.map((d) => d.uid).join(',')}`;
    case 'foreground':
      return `foreground enqueue=${a.enqueue.map((d) => d.uid).join(',')} blocking=${String(a.blocking)}`;
    case 'removeFinalizer':
      return `removeFinalizer ${a.finalizer}`;
    case 'removeOwnerRefs':
      return `removeOwnerRefs ${a.uids.join(',')} dangling=${a.dangling.map((r) => r.uid).join(',')}`;
    case 'delete':
      return `delete ${a.policy} dangling=${a.dangling.map((r) => r.uid).join(',')}`;
  }
}

describe('decide', () => {
  const cases: { name: string; nodes: GraphNode[]; uid: string; want: string }[] = [
    { name: 'an object without owners stays', nodes: [n('x')], uid: 'x', want: 'none' },
    { name: 'a dependent of a live owner stays', nodes: [n('o'), n('p', { owners: [ref('o')] })], uid: 'p', want: 'none' },
    { name: 'background: owner gone → delete (after confirming)', nodes: [n('p', { owners: [ref('o')] })], uid: 'p', want: 'delete Background dangling=o' },
    { name: 'one owner gone, another live → drop the dangling ref', nodes: [n('o2'), n('p', { owners: [ref('o'), ref('o2')] })], uid: 'p', want: 'removeOwnerRefs o dangling=o' },
    { name: 'orphan: owner deleting with orphan → orphan its dependents', nodes: [n('o', { deleting: true, finalizers: ['orphan'] }), n('p', { owners: [ref('o')] }), n('q', { owners: [ref('o')] })], uid: 'o', want: 'orphan p,q' },
    { name: 'orphan: none left → drop the finalizer', nodes: [n('o', { deleting: true, finalizers: ['orphan'] }), n('p')], uid: 'o', want: 'removeFinalizer orphan' },
    { name: 'foreground: owner waits for blocking dependents', nodes: [n('o', { deleting: true, finalizers: ['foregroundDeletion'] }), n('p', { owners: [ref('o')] })], uid: 'o', want: 'foreground enqueue=p blocking=1' },
    { name: 'foreground: a dependent of a waiting owner is deleted', nodes: [n('o', { deleting: true, finalizers: ['foregroundDeletion'] }), n('p', { owners: [ref('o')] })], uid: 'p', want: 'delete Background dangling=' },
    { name: 'foreground: a dependent with dependents of its own goes in the foreground too', nodes: [n('o', { deleting: true, finalizers: ['foregroundDeletion'] }), n('p', { owners: [ref('o')] }), n('q', { owners: [ref('p')] })], uid: 'p', want: 'delete Foreground dangling=' },
    { name: 'foreground: terminating dependents still block', nodes: [n('o', { deleting: true, finalizers: ['foregroundDeletion'] }), n('p', { owners: [ref('o')], deleting: true })], uid: 'o', want: 'foreground enqueue= blocking=1' },
    { name: 'foreground: non-blocking dependents do not hold the owner', nodes: [n('o', { deleting: true, finalizers: ['foregroundDeletion'] }), n('p', { owners: [ref('o', false)] })], uid: 'o', want: 'foreground enqueue=p blocking=0' },
    { name: 'foreground: nothing left → drop the finalizer', nodes: [n('o', { deleting: true, finalizers: ['foregroundDeletion'] })], uid: 'o', want: 'removeFinalizer foregroundDeletion' },
    { name: 'a live owner and a waiting one → drop the waiting ref', nodes: [n('o', { deleting: true, finalizers: ['foregroundDeletion'] }), n('o2'), n('p', { owners: [ref('o'), ref('o2')] })], uid: 'p', want: 'removeOwnerRefs o dangling=' },
    { name: 'an orphaned dependent that asked for orphan deletion keeps its policy', nodes: [n('p', { owners: [ref('o')], finalizers: ['orphan'] })], uid: 'p', want: 'delete Orphan dangling=o' },
    { name: 'an object being deleted without GC finalizers is left to the API server', nodes: [n('p', { owners: [ref('o')], deleting: true })], uid: 'p', want: 'none' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const g = new OwnerGraph();
      for (const node of c.nodes) g.upsert(node);
      expect(summary(decide(g, c.uid))).toBe(c.want);
    });
  }

  it('the graph follows upserts and removals', () => {
    const g = new OwnerGraph();
    g.upsert(n('p', { owners: [ref('o')] }));
    expect(g.dependentsOf('o').map((d) => d.uid)).toEqual(['p']);
    g.upsert(n('p', { owners: [ref('o2')] }));
    expect(g.dependentsOf('o')).toEqual([]);
    expect(g.dependentsOf('o2').map((d) => d.uid)).toEqual(['p']);
    g.remove('p');
    expect(g.dependentsOf('o2')).toEqual([]);
    expect(g.size).toBe(0);
  });
});
