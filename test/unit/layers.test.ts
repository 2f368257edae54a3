// The dependency direction of DESIGN §1 is enforced by ESLint; these tests prove the rules bite.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules (DESIGN §1)', () => {
  it('forbids Node built-ins and outer layers in src-main/core', async () => {
    const msgs = await restrictedImports(
      'src-main/core/streams/probe.ts',
      "import { readFileSync } from 'node:fs';\nimport { XdfWriter } from '../../storage/xdf/xdf-writer.js';\nexport const x = [readFileSync, XdfWriter];\n",
    );
    expect(msgs).toHaveLength(2);
    expect(msgs[0]).toMatch(/no Node built-ins/);
    expect(msgs[1]).toMatch(/layer rules/);
  });

  it('forbids Electron outside src-main/app and the engine outside app/server/cli', async () => {
    const inEngine = await restrictedImports('src-main/engine/probe.ts', "import { app } from 'electron';\nexport const a = app;\n");
    expect(inEngine.join()).toMatch(/Only src-main\/app may import Electron/);
    const inStorage = await restrictedImports(
      'src-main/storage/probe.ts',
      "import { SessionEngine } from '../engine/session-engine.js';\nexport const e = SessionEngine;\n",
    );
    expect(inStorage).toHaveLength(1);
    const inRenderer = await restrictedImports(
      'src-renderer/src/probe.ts',
      "import { SessionEngine } from '../../src-main/engine/session-engine.js';\nexport const e = SessionEngine;\n",
    );
    expect(inRenderer).toHaveLength(1);
  });

  it('allows the permitted directions', async () => {
    expect(
      await restrictedImports(
        'src-main/cli/probe.ts',
        "import { readFileSync } from 'node:fs';\nimport { SessionEngine } from '../engine/session-engine.js';\nexport const x = [readFileSync, SessionEngine];\n",
      ),
    ).toEqual([]);
    expect(
      await restrictedImports(
        'src-main/engine/probe.ts',
        "import { RingBuffer } from '../core/streams/ring-buffer.js';\nexport const r = RingBuffer;\n",
      ),
    ).toEqual([]);
  });
});
