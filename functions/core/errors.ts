/**
 * One errors module for the whole project. Every error we raise on purpose is a DigestError
 * subclass with a stable `code`, so handlers can map them to results (HTTP status, SQS retry,
 * run summary) without matching on message text. `cause` is always kept.
 */
export class DigestError extends Error {
  readonly code: string = 'DIGEST_ERROR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A setting is missing or invalid; the message names the setting. */
export class ConfigError extends DigestError {
  override readonly code = 'CONFIG_INVALID';
}

/** Input from a person or a client (form, JSON, CLI argument) failed validation. */
export class ValidationError extends DigestError {
  override readonly code = 'VALIDATION_FAILED';
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Content files (topics, sources, articles, templates) are malformed. */
export class ContentError extends DigestError {
  override readonly code = 'CONTENT_INVALID';
}

/** Kinds of feed failure, recorded per source and reported in run summaries. */
export type FeedFailureKind =
  | 'timeout'
  | 'http-status'
  | 'too-large'
  | 'blocked-address'
  | 'too-many-redirects'
  | 'network'
  | 'not-a-feed'
  | 'malformed-xml'
  | 'entity-expansion'
  | 'too-many-items'
  | 'unsupported-encoding'
  // API sources (PubMed, ClinicalTrials.gov): JSON cut short, a shape the API does not document
  // (missing fields, an API change), or an error the API reports inside a 200 answer.
  | 'malformed-json'
  | 'unexpected-response'
  | 'api-error';

/** A source could not be fetched or parsed. One source failing never stops the others. */
export class FeedError extends DigestError {
  override readonly code = 'FEED_FAILED';
  constructor(
    readonly kind: FeedFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A non-2xx answer, with its status: API clients retry 429 and 5xx, honouring Retry-After. */
export class HttpStatusError extends FeedError {
  constructor(
    readonly status: number,
    message: string,
    /** The server's Retry-After, in milliseconds, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super('http-status', message);
  }
}

/**
 * Another ingest holds the articles' writer lease (and kept it past our wait), or this writer
 * lost its lease mid-run. Nothing is written without the lease: the next run picks up the rest.
 */
export class IngestBusyError extends DigestError {
  override readonly code = 'INGEST_BUSY';
}

/**
 * A signed link is malformed, forged, signed with a key we do not hold (any but the current and
 * previous link secret), expired, or used for the wrong purpose.
 */
export class TokenError extends DigestError {
  override readonly code = 'TOKEN_INVALID';
  constructor(
    readonly reason: 'malformed' | 'unknown-key' | 'bad-signature' | 'expired' | 'wrong-purpose',
    message: string,
  ) {
    super(message);
  }
}

/**
 * A sealed value (an address on the send queue or in a pending subscription) does not open: it
 * was altered, sealed for another use, or sealed under a link secret we no longer hold.
 */
export class SealedValueError extends DigestError {
  override readonly code = 'SEALED_VALUE_INVALID';
}

/** The mail service refused to take a message right now; retrying later may succeed. */
export class MailThrottledError extends DigestError {
  override readonly code = 'MAIL_THROTTLED';
}

/** The mail service will never accept this message (bad address, rejected content). */
export class MailRejectedError extends DigestError {
  override readonly code = 'MAIL_REJECTED';
}

/** The account's daily sending quota is used up: stop sending, keep the rest queued. */
export class MailQuotaExceededError extends DigestError {
  override readonly code = 'MAIL_QUOTA_EXCEEDED';
}

/**
 * What about the account's setup stops SES from sending anything: a person must fix it in SES.
 * `identity-not-verified`: the From address or its domain is not verified in the region;
 * `configuration-set-missing`: the configuration set we name does not exist;
 * `mail-from-not-verified`: the custom MAIL FROM domain's MX record cannot be read;
 * `sending-paused`: SES paused the account's (or the configuration set's) sending;
 * `account-suspended`: SES restricted the account's sending for good.
 */
export type MailConfigurationProblem =
  | 'identity-not-verified'
  | 'configuration-set-missing'
  | 'mail-from-not-verified'
  | 'sending-paused'
  | 'account-suspended';

/**
 * SES refused the message because of how the account is set up, not because of this reader or
 * this email: every send would meet the same refusal until a person fixes it. Sending stops and
 * the readers stay unsent (never failed), to be sent once it is fixed.
 */
export class MailConfigurationError extends DigestError {
  override readonly code = 'MAIL_CONFIGURATION';
  constructor(
    readonly problem: MailConfigurationProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A transient failure of the mail service (5xx, network); retry later. */
export class MailUnavailableError extends DigestError {
  override readonly code = 'MAIL_UNAVAILABLE';
}

/** A queued job does not match its schema: a poison message, never retried. */
export class PoisonMessageError extends DigestError {
  override readonly code = 'POISON_MESSAGE';
}

/**
 * A send id is already taken by a send with another subject, body or audience: an id names one
 * announcement for good, so that re-running it can never mail different content to anyone.
 */
export class SendConflictError extends DigestError {
  override readonly code = 'SEND_CONFLICT';
}

/** Local runtime: a port we need is taken by another program. */
export class PortInUseError extends DigestError {
  override readonly code = 'PORT_IN_USE';
}

/** Returns a one-line description of anything thrown, for summaries and logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** An editor named an article that is not stored (the desk's hide, pin, retag): bad input, 404 over HTTP. */
export class ArticleNotFoundError extends ValidationError {}
