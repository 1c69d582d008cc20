/**
 * A pod's inter-pod affinity as kube-apiserver 1.32 takes it: terms validated in kube's words (selectors, namespace
 * names, topology keys, weights, matchLabelKeys and mismatchLabelKeys), and on creation the label keys merged into
 * the term's selector with the pod's own values (mutatePodAffinity).
 */
import { describe, expect, it } from 'vitest';
import { FieldPath, type PodSpec } from '../../src/api/index.js';
import { mergePodAffinityLabelKeys, validatePodSpec } from '../../src/apiserver/resources/pod-spec.js';

const spec = (affinity: PodSpec['affinity']): PodSpec => ({ containers: [{ name: 'c', image: 'pause' }], affinity });
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
