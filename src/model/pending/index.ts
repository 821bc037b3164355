export { explainPending } from './explain';
export { nodeRequestsFrom, parseFitMessage, type FitMessage, type SchedulerReason } from './scheduler';
export { parseKueueMessage, type KueueReason } from './kueue';
export { parseQuotaRefusal, type QuotaRefusal } from './quota';
export { ordinal } from './quantity';
export type * from './types';
