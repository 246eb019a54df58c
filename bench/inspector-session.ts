/**
 * A session with a process's inspector (it runs with `--inspect=127.0.0.1:0`): what
 * bench/cpu-profile.ts and bench/allocation-profile.ts send their Profiler and HeapProfiler
 * commands through.
 */

/** The inspector's address, from the line node prints on stderr when started with --inspect. */
export function inspectorUrlOf(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1];
    if (url) return url;
  }
  return undefined;
}

/** An open inspector session: `call` sends one command and resolves with its result. */
export interface InspectorSession {
  call(method: string, params?: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

/** Opens a session with the inspector at `url`. */
export async function openInspector(url: string): Promise<InspectorSession> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("error", () => reject(new Error(`cannot reach the inspector at ${url}`)), {
      once: true,
    });
  });
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();
  socket.addEventListener("message", (message) => {
    const answer = JSON.parse(String(message.data)) as { id?: number; result?: unknown; error?: unknown };
    if (answer.id === undefined) return;
    const waiter = pending.get(answer.id);
    pending.delete(answer.id);
    if (answer.error) waiter?.reject(new Error(`inspector: ${JSON.stringify(answer.error)}`));
    else waiter?.resolve(answer.result);
  });
  let next = 0;
  return {
    call: (method, params = {}) =>
      new Promise<unknown>((resolve, reject) => {
        const id = ++next;
        pending.set(id, { resolve, reject });
        socket.send(JSON.stringify({ id, method, params }));
      }),
    close: () => socket.close(),
  };
}
