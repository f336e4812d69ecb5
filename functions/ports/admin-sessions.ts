/**
 * The generation of admin sessions (token mode): every session cookie carries the generation it
 * was signed in under, and one of an older generation is refused. "Sign out everywhere" moves the
 * generation on, so a stolen or forgotten cookie dies at once on every server, before it expires.
 */
export interface AdminSessionGeneration {
  /** The current generation (0 until the first revocation). Read consistently: a revocation holds at once. */
  current(): Promise<number>;
  /** Signs every session out: the generation moves on by one, and the new one is returned. */
  revokeAll(revocation: { readonly at: Date; readonly by: string }): Promise<number>;
}
