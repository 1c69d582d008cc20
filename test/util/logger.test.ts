import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/util/logger.js';

/** memoryDestination collects what pino writes, one parsed JSON record per line. */
function memoryDestination(): { write(msg: string): void; records(): Record<string, unknown>[] } {
  let buf = '';
  return {
    write(msg: string) {
      buf += msg;
    },
    records() {
      return buf
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}

describe('createLogger', () => {
  it('writes one JSON record per line with level, time, pid, name and message', () => {
    const dest = memoryDestination();
    const log = createLogger({ name: 'm1', destination: dest });
    log.info({ term: 3 }, 'became leader');
    const [rec] = dest.records();
    expect(rec).toMatchObject({ level: 30, pid: process.pid, name: 'm1', term: 3, msg: 'became leader' });
    expect(typeof rec!['time']).toBe('string');
    expect(Number.isNaN(Date.parse(rec!['time'] as string))).toBe(false);
  });

  it('defaults to info and filters lower levels', () => {
    const dest = memoryDestination();
    const log = createLogger({ destination: dest });
    log.debug('hidden');
    log.warn('shown');
    const recs = dest.records();
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ level: 40, msg: 'shown' });
    expect(recs[0]).not.toHaveProperty('name');
  });

  it("accepts etcd's 'warning' level name", () => {
    const dest = memoryDestination();
    const log = createLogger({ level: 'warning', destination: dest });
    expect(log.level).toBe('warn');
    log.info('hidden');
    log.error('shown');
    expect(dest.records().map((r) => r['level'])).toEqual([50]);
  });

  it('passes fields down to child loggers', () => {
    const dest = memoryDestination();
    const log = createLogger({ level: 'debug', destination: dest });
    log.child({ component: 'raft', member: '1' }).debug({ index: 9 }, 'appended');
    expect(dest.records()[0]).toMatchObject({ level: 20, component: 'raft', member: '1', index: 9, msg: 'appended' });
  });
});

describe('silentLogger', () => {
  it('is silent', () => {
    const log = silentLogger();
    expect(log.level).toBe('silent');
    expect(log.isLevelEnabled('fatal')).toBe(false);
  });
});
