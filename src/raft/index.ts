/**
 * The Raft consensus core: pure, synchronous and deterministic. See raw-node.ts for the Ready protocol the
 * caller must follow, raft.ts for the state machine, and conf-change.ts for how membership changes.
 */
export * from './types.js';
export * from './errors.js';
export { MemoryStorage, limitSize, cloneConfState, type Storage } from './storage.js';
export { RaftLog } from './log.js';
export { Progress, type ProgressState } from './progress.js';
export { majority, committedIndex, voteResult, type VoteResult } from './quorum.js';
export { encodeConfChange, decodeConfChange, ConfChangeDecodeError } from './conf-change.js';
export { Raft, type Config, type RaftLogger, type RandomSource, type UnsafeBugs, type Status, type ProgressStatus, type CampaignType } from './raft.js';
export { RawNode, type Ready } from './raw-node.js';
