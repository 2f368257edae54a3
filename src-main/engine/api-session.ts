// One client's session with the workstation API, whatever carries it (WebSocket, Electron
// IPC): validates the request against the contract, dispatches it to the service, and owns
// the client's plot views. Transports only move bytes and envelopes.

import { isRequestName, requests } from '../api/contract.js';
import { HimoeError } from '../core/errors.js';
import type { ViewHandle, WorkstationService } from './workstation-service.js';

export type ApiOutcome = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

export class ApiSession {
  private readonly views = new Map<string, ViewHandle>();

  constructor(
    private readonly service: WorkstationService,
    /** Delivers a view's binary frame to this client (may drop it if the client is slow). */
    private readonly sendFrame: (viewId: string, bytes: Uint8Array) => void,
  ) {}

  async handle(method: string, rawParams: unknown): Promise<ApiOutcome> {
    if (!isRequestName(method)) return { ok: false, error: { code: 'UNKNOWN_METHOD', message: `unknown method "${method}"` } };
    const parsed = requests[method].params.safeParse(rawParams ?? {});
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ');
      return { ok: false, error: { code: 'BAD_PARAMS', message: `${method}: ${detail}` } };
    }
    try {
      if (method === 'view.subscribe') {
        const p = requests['view.subscribe'].params.parse(parsed.data);
        this.views.get(p.viewId)?.close();
        this.views.set(p.viewId, this.service.openView(p, (bytes) => this.sendFrame(p.viewId, bytes)));
        return { ok: true, result: { viewId: p.viewId } };
      }
      if (method === 'view.unsubscribe') {
        const p = requests['view.unsubscribe'].params.parse(parsed.data);
        this.views.get(p.viewId)?.close();
        this.views.delete(p.viewId);
        return { ok: true, result: { viewId: p.viewId } };
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- validated above against this method's own schema
      return { ok: true, result: await this.service.call(method, parsed.data as any) };
    } catch (err) {
      if (err instanceof HimoeError) return { ok: false, error: { code: err.code, message: err.message } };
      return { ok: false, error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } };
    }
  }

  /** The client went away: stop its views. */
  close(): void {
    for (const v of this.views.values()) v.close();
    this.views.clear();
  }
}
