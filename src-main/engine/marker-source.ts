// Markers typed by the researcher (buttons, keyboard shortcuts) as a string stream on the
// session clock, so they are recorded in the XDF beside the signals they label.

import { SourceError } from '../core/errors.js';
import type { SessionClock } from '../core/streams/clock.js';
import { ListenerSet, type SignalSource, type SourceEvent, type SourceState } from '../core/streams/source.js';
import type { StreamInfo } from '../core/streams/types.js';

export const MARKER_SOURCE_ID = 'workstation-markers';
export const MARKER_STREAM_ID = 'workstation:markers';

export class MarkerSource implements SignalSource {
  readonly id = MARKER_SOURCE_ID;
  readonly label = 'Researcher markers';
  readonly streams: readonly StreamInfo[] = [
    {
      id: MARKER_STREAM_ID,
      name: 'Markers',
      type: 'MARKER',
      channels: [{ label: 'label', unit: 'text' }],
      channelFormat: 'string',
      nominalRateHz: 0,
      sourceId: MARKER_SOURCE_ID,
      desc: { origin: 'workstation user interface' },
    },
  ];
  private current: SourceState = 'idle';
  private count = 0;
  private readonly listeners = new ListenerSet<SourceEvent>();

  constructor(private readonly clock: SessionClock) {}

  get state(): SourceState {
    return this.current;
  }

  subscribe(listener: (event: SourceEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  async start(): Promise<void> {
    this.assertNotReleased();
    if (this.current === 'running') return;
    this.setState('running');
  }

  async stop(): Promise<void> {
    if (this.current !== 'running') return;
    this.setState('stopped');
  }

  async release(): Promise<void> {
    if (this.current === 'released') return;
    this.setState('released');
    this.listeners.clear();
  }

  /** Insert a marker now; returns its session time. Rejected unless running. */
  add(label: string): number {
    if (this.current !== 'running') {
      throw new SourceError('NOT_RUNNING', this.id, `cannot add marker "${label}": no session is running`);
    }
    const tSec = this.clock.nowSec();
    this.listeners.emit({
      kind: 'chunk',
      chunk: { streamId: MARKER_STREAM_ID, values: [label], timestamps: Float64Array.of(tSec), firstIndex: this.count },
    });
    this.count += 1;
    return tSec;
  }

  private assertNotReleased(): void {
    if (this.current === 'released') throw new SourceError('RELEASED', this.id, 'marker source was released');
  }

  private setState(state: SourceState): void {
    this.current = state;
    this.listeners.emit({ kind: 'state', state });
  }
}
