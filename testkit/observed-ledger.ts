import type { DeliveryKey } from '../functions/model/deliveries.ts';
import type { DeliveryLedger } from '../functions/ports/delivery-ledger.ts';

/**
 * What an observer hears of each `markSent` (and `markAcceptedSent`, which records a send too): as
 * it starts, once it is stored, and when it settles either way.
 */
export interface MarkSentObserver {
  onMarking?: () => void;
  onRecorded?: (key: DeliveryKey) => void;
  onSettled?: () => void;
}

/**
 * The same ledger, reporting each `markSent`. The crash test and the soak's sender fleet kill a
 * sender mid-batch and must hold their reports to what the ledger really stored, not to what
 * SES accepted.
 */
export function observeMarkSent(ledger: DeliveryLedger, observer: MarkSentObserver): DeliveryLedger {
  return {
    claim: (...args) => ledger.claim(...args),
    markFailed: (...args) => ledger.markFailed(...args),
    markSkipped: (...args) => ledger.markSkipped(...args),
    release: (...args) => ledger.release(...args),
    listForDigest: (...args) => ledger.listForDigest(...args),
    countByStatus: (...args) => ledger.countByStatus(...args),
    sentTimes: (...args) => ledger.sentTimes(...args),
    listForReader: (...args) => ledger.listForReader(...args),
    anonymiseReader: (...args) => ledger.anonymiseReader(...args),
    recordAccepted: (...args) => ledger.recordAccepted(...args),
    async markAcceptedSent(...args) {
      observer.onMarking?.();
      try {
        const recorded = await ledger.markAcceptedSent(...args);
        if (recorded) observer.onRecorded?.(args[0]);
        return recorded;
      } finally {
        observer.onSettled?.();
      }
    },
    async markSent(...args) {
      observer.onMarking?.();
      try {
        await ledger.markSent(...args);
        observer.onRecorded?.(args[0]);
      } finally {
        observer.onSettled?.();
      }
    },
  };
}
