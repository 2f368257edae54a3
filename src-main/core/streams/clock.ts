// The session clock: the one timeline every stream is mapped onto. Real-time sessions use
// the host's monotonic clock; accelerated synthetic sessions use the simulation's virtual time.

export interface SessionClock {
  /** Seconds on the session clock. Monotonic, never goes backwards. */
  nowSec(): number;
}

/** A clock advanced by hand (tests, accelerated simulation). */
export class ManualClock implements SessionClock {
  private tSec: number;
  constructor(startSec = 0) {
    this.tSec = startSec;
  }
  nowSec(): number {
    return this.tSec;
  }
  /** Move to `tSec`; moving backwards is ignored so the clock stays monotonic. */
  advanceTo(tSec: number): void {
    if (tSec > this.tSec) this.tSec = tSec;
  }
}
