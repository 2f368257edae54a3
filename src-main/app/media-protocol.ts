// The desktop app's side of stimulus media for post-hoc annotation: himoe://app/media/<ticket>
// requests answered from the same ticket registry and range logic as `himoe serve`
// (engine/media-serving.ts), as a web Response for Electron's protocol.handle.

import { Readable } from 'node:stream';
import { answerMediaRequest, MEDIA_URL_PREFIX, type MediaTickets } from '../engine/media-serving.js';
import { APP_ORIGIN } from './security.js';

/** True for a request of our origin under /media/. */
export function isMediaRequest(requestUrl: string): boolean {
  try {
    const u = new URL(requestUrl);
    return `${u.protocol}//${u.host}` === APP_ORIGIN && u.pathname.startsWith(MEDIA_URL_PREFIX);
  } catch {
    return false;
  }
}

/** A media ticket request as a Response (206 with Content-Range for a Range request). */
export async function mediaProtocolResponse(tickets: MediaTickets, request: Request): Promise<Response> {
  const u = new URL(request.url);
  const headers: Record<string, string | undefined> = { host: u.host };
  request.headers.forEach((value, name) => {
    if (name !== 'host') headers[name] = value;
  });
  const reply = await answerMediaRequest(tickets, { method: request.method, pathname: u.pathname, headers });
  const body = reply.body ? (Readable.toWeb(reply.body()) as ReadableStream<Uint8Array>) : (reply.text ?? null);
  return new Response(body, { status: reply.status, headers: reply.headers });
}
