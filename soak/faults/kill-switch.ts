import type { AwsClients } from '../../functions/adapters/aws-clients.ts';

/**
 * A process that can be killed: every AWS call its clients make goes through a switch that,
 * once thrown, refuses new calls and drops the answers of calls already on the wire — what a
 * SIGKILL does to a Lambda mid-batch. Requests that had reached DynamoDB or SES still did their
 * work there (a claim written, an email accepted): only this process never learns of it. Nothing
 * in the system under test is changed; the switch sits in the SDK clients' middleware stacks.
 */

class ProcessKilledError extends Error {
  override readonly name = 'ProcessKilledError';
}

export interface KillSwitch {
  readonly dead: boolean;
  /** Rejects when the process is killed: race the work of the process against it. */
  readonly death: Promise<never>;
  kill(): void;
}

export function createKillSwitch(): KillSwitch {
  let dead = false;
  let die: (error: Error) => void = () => {};
  const death = new Promise<never>((_, reject) => {
    die = reject;
  });
  // Nobody may be racing it yet when it fires; the rejection is still observed by later races.
  death.catch(() => undefined);
  return {
    get dead() {
      return dead;
    },
    death,
    kill() {
      if (dead) return;
      dead = true;
      die(new ProcessKilledError('the sender process was killed'));
    },
  };
}

/** What each SendEmail call is, for the soak to know which emails SES may have had at a death. */
export interface SendObserver {
  /**
   * Called before the request leaves; may kill the process (the request then never leaves), or
   * return `dieOnAnswer`: the request goes, and the process dies the moment SES's acceptance comes
   * back, before anyone hears of it (the narrowest window there is: SES has the email, the ledger
   * never will from this process).
   */
  beforeSend(email: {
    to: string;
    digestId: string | undefined;
  }): { readonly dieOnAnswer: () => void } | void;
  /**
   * Called when the call ends: `accepted` when SES answered 2xx and the process was alive to
   * hear it. The answer is still being read and handed up through the SDK at this point, so an
   * accepted email is not yet in the ledger.
   */
  afterSend(email: { to: string; digestId: string | undefined }, accepted: boolean): void;
}

/**
 * Puts the switch in every client of the process. The middleware runs for each attempt, inside
 * the SDK's retry loop, so a retry after death is refused too.
 */
export function installKillSwitch(clients: AwsClients, killSwitch: KillSwitch, observer: SendObserver): void {
  const guard =
    <Args, Output>(
      next: (args: Args) => Promise<Output>,
      onSend?: {
        before: () => { readonly dieOnAnswer: () => void } | void;
        after: (accepted: boolean) => void;
      },
    ) =>
    async (args: Args): Promise<Output> => {
      if (killSwitch.dead) throw new ProcessKilledError('the sender process is dead');
      const plan = onSend?.before();
      if (killSwitch.dead) throw new ProcessKilledError('the sender process was killed before this call');
      let accepted = false;
      try {
        const output = await next(args);
        if (killSwitch.dead) throw new ProcessKilledError('the sender process died before the answer came');
        // Inside the deserialize step the answer is still the raw HTTP response.
        const status = (output as { response?: { statusCode?: number } }).response?.statusCode ?? 0;
        if (plan && status >= 200 && status < 300) {
          plan.dieOnAnswer();
          throw new ProcessKilledError('the sender process died as SES accepted the email');
        }
        accepted = status >= 200 && status < 300;
        return output;
      } finally {
        onSend?.after(accepted);
      }
    };
  const options = { step: 'deserialize', name: 'soakKillSwitch', priority: 'low' } as const;

  clients.dynamo.middlewareStack.add((next) => guard(next), options);
  clients.sqs.middlewareStack.add((next) => guard(next), options);
  clients.ses.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendEmailCommand') return guard(next)(args);
      const input = args.input as {
        Destination?: { ToAddresses?: string[] };
        EmailTags?: { Name: string; Value: string }[];
      };
      const email = {
        to: input.Destination?.ToAddresses?.[0] ?? '',
        digestId: input.EmailTags?.find((tag) => tag.Name === 'digest')?.Value,
      };
      return guard(next, {
        before: () => observer.beforeSend(email),
        after: (accepted) => observer.afterSend(email, accepted),
      })(args);
    },
    options,
  );
}
