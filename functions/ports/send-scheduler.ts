/**
 * Arms and disarms the one-off timer of a send scheduled for later. The scheduled send itself is
 * recorded in the state table (AdminSendStore); this only makes something put its plan job on the
 * send queue at the time: an EventBridge Scheduler schedule in the cloud; locally nothing, since
 * the local runtime reads the scheduled sends from the state table every minute.
 * Both calls are idempotent: arming an armed send, or disarming one already gone, is no error.
 */
export interface SendScheduler {
  arm(sendId: string, at: Date): Promise<void>;
  disarm(sendId: string): Promise<void>;
}
