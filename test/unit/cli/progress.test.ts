import { describe, expect, it } from 'vitest';
import { ProgressReporter } from '../../../src-main/cli/progress.js';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, write: (s: string) => void out.push(s), isTTY, columns: 100 };
}

describe('ProgressReporter', () => {
  it('prints one plain line per 10 % when the output is not a terminal', () => {
    const s = sink(false);
    const p = new ProgressReporter(s, 'recording', 60, 's');
    for (let t = 0; t <= 60; t += 0.5) p.update(t);
    p.finish('done');
    expect(s.out).toHaveLength(12);
    expect(s.out[0]).toMatch(/^ {2}0% recording 0\.0\/60\.0 s\n$/);
    expect(s.out[10]).toMatch(/^100% /);
    expect(s.out.every((l) => !l.includes('\r'))).toBe(true);
    expect(s.out[11]).toBe('done\n');
  });

  it('redraws a bar in place on a terminal, at most every 100 ms', () => {
    const s = sink(true);
    let now = 0;
    const p = new ProgressReporter(s, 'recording', 10, 's', () => now);
    now = 200;
    p.update(5, '300x real time');
    now = 250;
    p.update(6);
    now = 400;
    p.update(10);
    p.finish();
    expect(s.out).toHaveLength(3);
    expect(s.out[0]).toMatch(/^\r\[#+-+\] {2}50% recording 5\.0\/10\.0 s {2}300x real time/);
    expect(s.out[1]).toMatch(/100%/);
    expect(s.out[2]).toBe('\r\x1b[K');
  });
});
