import { Prefix, prefixed, type BatchOp } from './backend.js';
import type * as pb from './grpc/types.js';
import { int64, toBigInt } from './grpc/types.js';

const alarmTypes: pb.AlarmType[] = ['NONE', 'NOSPACE', 'CORRUPT'];

/**
 * AlarmStore holds the raised alarms (etcd's alarm store): member ID and alarm type. Alarms change only
 * through the Raft log, so every member sees the same set; they are persisted in the alarm bucket.
 */
export class AlarmStore {
  private readonly alarms = new Map<string, { memberID: bigint; alarm: pb.AlarmType }>();

  /** has reports whether any member has raised the alarm. */
  has(alarm: pb.AlarmType): boolean {
    for (const a of this.alarms.values()) if (a.alarm === alarm) return true;
    return false;
  }

  /** list returns the raised alarms in the wire shape. */
  list(): pb.AlarmMember[] {
    return [...this.alarms.values()].map((a) => ({ memberID: int64(a.memberID), alarm: a.alarm }));
  }

  /** reset forgets every alarm (before restoring them from an installed snapshot). */
  reset(): void {
    this.alarms.clear();
  }

  /** restore adds an alarm read back from the backend. */
  restore(key: Buffer): void {
    const memberID = key.readBigUInt64BE(1);
    const alarm = alarmTypes[key[9]!] ?? 'NONE';
    this.alarms.set(`${memberID}/${alarm}`, { memberID, alarm });
  }

  /** apply carries out an AlarmRequest from the log: the backend ops and the alarms to report. */
  apply(r: pb.AlarmRequest): { ops: BatchOp[]; alarms: pb.AlarmMember[] } {
    const memberID = toBigInt(r.memberID);
    const ops: BatchOp[] = [];
    switch (r.action) {
      case 'GET':
        return { ops, alarms: this.list() };
      case 'ACTIVATE': {
        if (r.alarm === 'NONE') return { ops, alarms: [] };
        const k = `${memberID}/${r.alarm}`;
        if (!this.alarms.has(k)) {
          this.alarms.set(k, { memberID, alarm: r.alarm });
          ops.push({ type: 'put', key: alarmKey(memberID, r.alarm), value: Buffer.alloc(0) });
        }
        return { ops, alarms: [{ memberID: int64(memberID), alarm: r.alarm }] };
      }
      case 'DEACTIVATE': {
        const out: pb.AlarmMember[] = [];
        for (const [k, a] of this.alarms) {
          if ((memberID === 0n || a.memberID === memberID) && (r.alarm === 'NONE' || a.alarm === r.alarm)) {
            this.alarms.delete(k);
            ops.push({ type: 'del', key: alarmKey(a.memberID, a.alarm) });
            out.push({ memberID: int64(a.memberID), alarm: a.alarm });
          }
        }
        return { ops, alarms: out };
      }
    }
  }
}

/** alarmKey is an alarm's backend key: member ID and alarm type. */
export function alarmKey(memberID: bigint, alarm: pb.AlarmType): Buffer {
  const b = Buffer.allocUnsafe(9);
  b.writeBigUInt64BE(memberID, 0);
  b[8] = alarmTypes.indexOf(alarm);
  return prefixed(Prefix.alarm, b);
}
