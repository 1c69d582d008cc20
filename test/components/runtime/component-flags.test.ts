import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addComponentFlags, ComponentFlagsError, resolveComponentFlags, type RawComponentFlags } from '../../../src/components/runtime/component-flags.js';

const D = { leaseName: 'kube-scheduler', port: 10251 };

function parse(args: string[]): RawComponentFlags {
  const cmd = addComponentFlags(new Command('x').exitOverride(), D);
  cmd.parse(args, { from: 'user' });
  return cmd.opts<RawComponentFlags>();
}

describe('component flags', () => {
  it('fills in kube-scheduler\'s defaults', () => {
    const f = resolveComponentFlags(parse(['--kubeconfig', '/k']), D);
    expect(f).toMatchObject({ kubeconfig: '/k', leaderElect: true, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, leaseName: 'kube-scheduler', leaseNamespace: 'kube-system', bindAddress: '127.0.0.1', port: 10251, logLevel: 'info' });
    expect(f.identity).toMatch(/^.+_[0-9a-f-]{36}$/);
  });

  it.each([
    [['--leader-elect'], true],
    [['--leader-elect=true'], true],
    [['--leader-elect=false'], false],
    [['--leader-elect', 'false'], false],
  ])('reads %j as leaderElect=%s', (args, want) => {
    expect(resolveComponentFlags(parse(['--master', 'http://127.0.0.1:1', ...args]), D).leaderElect).toBe(want);
  });

  it.each([
    [[], 'give --kubeconfig (or --master)'],
    [['--kubeconfig', 'k', '--leader-elect=maybe'], '--leader-elect: "maybe" is not true or false'],
    [['--kubeconfig', 'k', '--port', '70000'], '--port: "70000" is not a port'],
    [['--kubeconfig', 'k', '--leader-elect-lease-duration', 'soon'], '--leader-elect-lease-duration: "soon" is not a positive duration such as 15s'],
    [['--kubeconfig', 'k', '--leader-elect-lease-duration', '5s'], 'renewDeadline'],
    [['--kubeconfig', 'k', '--log-level', 'loud'], '--log-level: "loud" is not debug, info, warn or error'],
  ])('refuses %j', (args, message) => {
    expect(() => resolveComponentFlags(parse(args), D)).toThrow(ComponentFlagsError);
    expect(() => resolveComponentFlags(parse(args), D)).toThrow(message);
  });

  it('takes the timings, Lease and identity given', () => {
    const f = resolveComponentFlags(parse(['--kubeconfig', 'k', '--leader-elect-lease-duration', '3s', '--leader-elect-renew-deadline', '2s', '--leader-elect-retry-period', '500ms', '--leader-elect-resource-name', 'x', '--leader-elect-resource-namespace', 'y', '--identity', 'me', '--port', '0']), D);
    expect(f).toMatchObject({ leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500, leaseName: 'x', leaseNamespace: 'y', identity: 'me', port: 0 });
  });
});
