// The renderer's API client over the WebSocket of `himoe serve`. Request names, parameters
// and results are the types of src-main/api/contract.ts, so a renamed field fails to
// compile here and in the engine alike. Sample frames arrive as binary messages.

import { eventSchema, type ApiEvent, type RequestName, type RequestParams, type RequestResult, type ResponseEnvelope } from '../../../src-main/api/contract.js';
import { decodeFrame, type Frame } from '../../../src-main/api/frames.js';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/** What the views use, whichever transport carries it. */
export interface WorkstationClient {
  call<N extends RequestName>(method: N, params: RequestParams<N>): Promise<RequestResult<N>>;
  onEvent(listener: (e: ApiEvent) => void): () => void;
  onFrame(listener: (f: Frame) => void): () => void;
  onClose(listener: (reason: string) => void): () => void;
}

/** The bridge the Electron preload exposes as `window.himoe` (named functions only). */
interface PreloadBridge {
  call(method: string, params: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: { code: string; message: string } }>;
  onEvent(listener: (event: unknown) => void): () => void;
  onFrames(viewId: string, listener: (bytes: ArrayBuffer) => void): () => void;
}

/** The desktop app's client: the same contract over Electron IPC and MessagePorts. */
export class IpcClient implements WorkstationClient {
  private readonly frameListeners = new Set<(f: Frame) => void>();
  private readonly viewOffs = new Map<string, () => void>();

  constructor(private readonly bridge: PreloadBridge) {}

  static fromWindow(): IpcClient | null {
    const bridge = (window as unknown as { himoe?: PreloadBridge }).himoe;
    return bridge ? new IpcClient(bridge) : null;
  }

  async call<N extends RequestName>(method: N, params: RequestParams<N>): Promise<RequestResult<N>> {
    if (method === 'view.subscribe') {
      const viewId = (params as RequestParams<'view.subscribe'>).viewId;
      this.viewOffs.get(viewId)?.();
      this.viewOffs.set(
        viewId,
        this.bridge.onFrames(viewId, (bytes) => {
          const frame = decodeFrame(new Uint8Array(bytes));
          for (const l of this.frameListeners) l(frame);
        }),
      );
    }
    const outcome = await this.bridge.call(method, params);
    if (!outcome.ok) throw new ApiError(outcome.error.code, outcome.error.message);
    return outcome.result as RequestResult<N>;
  }

  onEvent(listener: (e: ApiEvent) => void): () => void {
    return this.bridge.onEvent((raw) => {
      const parsed = eventSchema.safeParse(raw);
      if (parsed.success) listener(parsed.data);
    });
  }

  onFrame(listener: (f: Frame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  onClose(): () => void {
    // The window and the main process live and die together.
    return () => {};
  }
}

export class ApiClient implements WorkstationClient {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly eventListeners = new Set<(e: ApiEvent) => void>();
  private readonly frameListeners = new Set<(f: Frame) => void>();
  private readonly closeListeners = new Set<(reason: string) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (msg) => this.onMessage(msg.data);
    ws.onclose = (ev) => {
      const reason = ev.reason || `connection closed (${ev.code})`;
      for (const p of this.pending.values()) p.reject(new ApiError('DISCONNECTED', reason));
      this.pending.clear();
      for (const l of this.closeListeners) l(reason);
    };
  }

  /** Connect to the server that served this page, with the token from the URL fragment. */
  static connect(token: string, url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`): Promise<ApiClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, ['himoe.v1', `token.${token}`]);
      ws.onopen = () => resolve(new ApiClient(ws));
      ws.onerror = () => reject(new ApiError('CONNECT_FAILED', 'could not connect to the workstation (wrong or missing token?)'));
    });
  }

  call<N extends RequestName>(method: N, params: RequestParams<N>): Promise<RequestResult<N>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  onEvent(listener: (e: ApiEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onFrame(listener: (f: Frame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(): void {
    this.ws.close();
  }

  private onMessage(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      const frame = decodeFrame(new Uint8Array(data));
      for (const l of this.frameListeners) l(frame);
      return;
    }
    const msg = JSON.parse(String(data)) as ResponseEnvelope;
    if (msg.type === 'event') {
      const parsed = eventSchema.safeParse(msg.event);
      if (!parsed.success) return;
      for (const l of this.eventListeners) l(parsed.data);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new ApiError(msg.error.code, msg.error.message));
  }
}

/** The token passed in the page address after '#token='. */
export function tokenFromLocation(): string | null {
  const m = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  return m ? m[1] : null;
}
