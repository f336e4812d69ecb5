/**
 * What a soak started, closed in reverse order when it ends (a servers' client before the
 * server); a close that fails is ignored, so the rest still close.
 */
export class Teardown {
  private readonly closers: (() => Promise<void> | void)[] = [];

  add(close: () => Promise<void> | void): void {
    this.closers.push(close);
  }

  async closeAll(): Promise<void> {
    for (const close of this.closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
  }
}
