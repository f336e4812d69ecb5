import { MailUnavailableError, SendConflictError, ValidationError } from '../../../core/errors.ts';
import { fieldErrorsOf } from '../../input.ts';
import type { AdminFieldErrors } from '../../pages/admin-compose-page.ts';

type ProblemStatus = 400 | 409 | 503;

/**
 * An admin's mistake or SES's refusal, as field errors for the page and JSON for the API.
 * @throws the error itself when it is neither (a fault of ours: a 500).
 */
export function adminProblemOf(error: unknown): {
  status: ProblemStatus;
  errors: AdminFieldErrors;
  json: Record<string, unknown>;
} {
  if (error instanceof SendConflictError) {
    return {
      status: 409,
      errors: { id: error.message },
      json: { error: 'send_conflict', message: error.message },
    };
  }
  if (error instanceof MailUnavailableError) {
    return {
      status: 503,
      errors: { testTo: error.message },
      json: { error: 'mail_unavailable', message: error.message },
    };
  }
  if (error instanceof ValidationError) {
    const issues = error.issues.length > 0 ? error.issues : [`request: ${error.message}`];
    return {
      status: 400,
      errors: fieldErrorsOf(new ValidationError(error.message, issues)),
      json: { error: 'invalid_request', issues, message: issues.join('. ') },
    };
  }
  throw error;
}
