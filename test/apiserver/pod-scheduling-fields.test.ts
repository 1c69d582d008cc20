/**
 * A pod's scheduling fields as kube-apiserver 1.32 takes them: nodeSelector, node affinity, tolerations, topology
 * spread constraints and inter-pod affinity terms validated in kube's words, and on creation pod affinity terms'
 * label keys merged into their selector with the pod's own values (mutatePodAffinity).
 */
import { describe, expect, it } from 'vitest';
import { FieldPath, type Pod, type PodSpec } from '../../src/api/index.js';
import { builtinRegistry } from '../../src/apiserver/registry.js';
import { mergePodAffinityLabelKeys, validatePodSpec } from '../../src/apiserver/resources/pod-spec.js';

const spec = (affinity: PodSpec['affinity'], more: Partial<PodSpec> = {}): PodSpec => ({ containers: [{ name: 'c', image: 'pause' }], ...(affinity === undefined ? {} : { affinity }), ...more });
const errorsOf = (s: PodSpec): string[] => validatePodSpec(s, FieldPath.root('spec')).map((e) => e.toString());

describe('pod affinity validation', () => {
  it('accepts well-formed required and preferred terms', () => {
    expect(
      errorsOf(
        spec({
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname', matchLabelKeys: ['rev'] }],
            preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: {}, namespaces: ['team-a'], topologyKey: 'zone' } }],
          },
        }),
      ),
    ).toEqual([]);
  });

  it('refuses empty topology keys, bad weights, selectors and label keys, in kube\'s words', () => {
    expect(
      errorsOf(
        spec({
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] }, topologyKey: '' }],
            preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, podAffinityTerm: { topologyKey: 'zone', matchLabelKeys: ['rev'] } }],
          },
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: {}, topologyKey: 'zone', namespaces: ['Bad_NS'], matchLabelKeys: ['rev'], mismatchLabelKeys: ['rev'] }],
          },
        }),
      ),
    ).toEqual([
      "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      'spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty',
      'spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: "": name part must be non-empty',
      "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      'spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100',
      'spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.matchLabelKeys: Forbidden: must not be specified when labelSelector is not set',
      "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].namespace: Invalid value: \"Bad_NS\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].matchLabelKeys[0]: Invalid value: "rev": exists in both matchLabelKeys and mismatchLabelKeys',
    ]);
  });
});

describe('node selection, tolerations and spread validation', () => {
  it('accepts what the controllers and kubectl write', () => {
    expect(
      errorsOf(
        spec(
          { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] }] } } },
          {
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            tolerations: [{ operator: 'Exists' }, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { key: 'dedicated', value: 'db', effect: 'NoSchedule' }],
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, matchLabelKeys: ['pod-template-hash'], minDomains: 2 }],
          },
        ),
      ),
    ).toEqual([]);
  });

  it('refuses bad node selector terms, tolerations and spread constraints, in kube\'s words', () => {
    expect(
      errorsOf(
        spec(
          {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Gt', values: ['1', '2'] }], matchFields: [{ key: 'metadata.uid', operator: 'Exists' }] }] },
              preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 101, preference: { matchExpressions: [{ key: 'zone', operator: 'Near' as 'In' }] } }],
            },
          },
          {
            nodeSelector: { 'bad key!': 'x' },
            tolerations: [{ value: 'x' }, { key: 'k', operator: 'Exists', value: 'v' }, { key: 'k', tolerationSeconds: 5, effect: 'NoSchedule' }, { key: 'k', operator: 'Maybe' as 'Exists', effect: 'Sometimes' as 'NoSchedule' }],
            topologySpreadConstraints: [
              { maxSkew: 0, topologyKey: '', whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2, matchLabelKeys: ['app'], labelSelector: { matchLabels: { app: 'web' } } },
              { maxSkew: 1, topologyKey: '', whenUnsatisfiable: 'ScheduleAnyway', nodeTaintsPolicy: 'Always' as 'Honor' },
            ],
          },
        ),
      ),
    ).toEqual([
      "spec.nodeSelector: Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'",
      'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].operator: Invalid value: "Exists": not a valid selector operator',
      'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key: Invalid value: "metadata.uid": not a valid field selector key',
      'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 101: must be in the range 1-100',
      'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator',
      'spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero',
      'spec.topologySpreadConstraints[0].topologyKey: Required value: can not be empty',
      'spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}: Duplicate value: "{, ScheduleAnyway}"',
      'spec.topologySpreadConstraints[0].minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway',
      'spec.topologySpreadConstraints[0].matchLabelKeys[0]: Invalid value: "app": exists in both matchLabelKeys and labelSelector',
      'spec.topologySpreadConstraints[1].topologyKey: Required value: can not be empty',
      'spec.topologySpreadConstraints[1].nodeTaintsPolicy: Unsupported value: "Always": supported values: "Honor", "Ignore"',
      'spec.tolerations[0].operator: Invalid value: "": operator must be Exists when `key` is empty, which means "match all values and all keys"',
      'spec.tolerations[1].operator: Invalid value: "v": value must be empty when `operator` is \'Exists\'',
      "spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
      'spec.tolerations[3].operator: Unsupported value: "Maybe": supported values: "Equal", "Exists"',
      'spec.tolerations[3].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ]);
  });
});

describe('pod affinity label keys after the creation-time merge', () => {
  it('refuses a matchLabelKeys key the selector already names (kube\'s path: the term, indexed), and keys on both sides', () => {
    const s = spec({
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'zone', matchLabelKeys: ['rev', 'app'], mismatchLabelKeys: ['app'] }],
      },
    });
    mergePodAffinityLabelKeys(s, { app: 'web', rev: 'v1' });
    // The merge added `app In` and `app NotIn`: each is reported, as kube's loop reports them.
    expect(errorsOf(s)).toEqual([
      'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0][1]: Invalid value: "app": exists in both matchLabelKeys and labelSelector',
      'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0][1]: Invalid value: "app": exists in both matchLabelKeys and labelSelector',
      'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].matchLabelKeys[1]: Invalid value: "app": exists in both matchLabelKeys and mismatchLabelKeys',
    ]);
  });

  it('does not take an Object member for a label', () => {
    const s = spec({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'zone', matchLabelKeys: ['constructor'] }] } });
    mergePodAffinityLabelKeys(s, { app: 'web' });
    expect(s.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0]?.labelSelector).toEqual({ matchLabels: { app: 'web' } });
    expect(errorsOf(s)).toEqual([]);
  });
});

describe('terminationGracePeriodSeconds', () => {
  it('accepts a negative period, as kube, and a deletion of the bound pod then waits 1 s', () => {
    expect(errorsOf(spec(undefined, { terminationGracePeriodSeconds: -5 }))).toEqual([]);
    const pods = builtinRegistry().lookup('', 'v1', 'pods')!;
    const bound: Pod = { metadata: { name: 'p' }, spec: { ...spec(undefined, { terminationGracePeriodSeconds: -5 }), nodeName: 'node-1' }, status: { phase: 'Running' } };
    expect(pods.gracePeriodSeconds?.(bound)).toBe(1);
  });
});

describe('matchLabelKeys and mismatchLabelKeys on creation', () => {
  it('adds key In (value) and key NotIn (value) for the keys the pod has, to terms with a selector only', () => {
    const s = spec({
      podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'zone', matchLabelKeys: ['rev', 'missing'], mismatchLabelKeys: ['team'] }] },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: { topologyKey: 'zone', matchLabelKeys: ['rev'] } }] },
    });
    mergePodAffinityLabelKeys(s, { rev: 'v2', team: 'a' });
    expect(s.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0]?.labelSelector).toEqual({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'rev', operator: 'In', values: ['v2'] },
        { key: 'team', operator: 'NotIn', values: ['a'] },
      ],
    });
    expect(s.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm.labelSelector).toBeUndefined();
  });
});
