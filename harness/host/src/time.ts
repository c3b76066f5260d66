// Waiting: the one sleep of the harness and its clients (a subpath of its own, so worker processes load nothing else).

/** Resolves after `ms`, or at once when `signal` aborts (the abort listener goes when the sleep ends). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((res) => {
    if (signal?.aborted) return res();
    const onAbort = (): void => (clearTimeout(t), res());
    const t = setTimeout(() => (signal?.removeEventListener("abort", onAbort), res()), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
