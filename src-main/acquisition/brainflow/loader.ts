// Finds and loads the optional `brainflow` npm package at run time. It is not a dependency
// of the workstation (its native libraries are per platform); users install it in the app folder.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { SourceError } from '../../core/errors.js';
import type { BrainFlowBoardDescr } from './descriptor.js';

/** The part of the brainflow package the workstation uses. */
export interface BrainFlowModule {
  BoardShim: {
    new (boardId: number, params: Record<string, unknown>): BrainFlowBoard;
    getBoardDescr(boardId: number, preset?: number): unknown;
    getBoardPresets(boardId: number): number[];
    releaseAllSessions?(): void;
  };
  BoardIds?: Record<string, number | string>;
}

export interface BrainFlowBoard {
  prepareSession(): void;
  startStream(numSamples?: number, streamerParams?: string | null): void;
  getBoardData(numSamples?: number, preset?: number): number[][];
  insertMarker(value: number, preset?: number): void;
  stopStream(): void;
  releaseSession(): void;
}

export const BRAINFLOW_INSTALL_HINT =
  'BrainFlow is optional and not bundled: install it where the workstation runs with `npm install brainflow` ' +
  '(in the app folder; it brings BrainFlow\'s native libraries for your platform: Linux x64, macOS, Windows), then try again';

/** Resolves the package's entry file from the working directory or the app folder; null when absent. */
export function resolveBrainFlow(searchFrom: string[] = [process.cwd()]): string | null {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve('brainflow', { paths: [...searchFrom, ...(require.resolve.paths('brainflow') ?? [])] });
  } catch {
    return null;
  }
}

/** Loads brainflow from `modulePath` (default: resolved as above). Rejects with SourceError BRAINFLOW_MISSING. */
export async function loadBrainFlow(sourceId: string, modulePath?: string): Promise<{ module: BrainFlowModule; path: string }> {
  const path = modulePath ?? resolveBrainFlow();
  if (!path) throw new SourceError('BRAINFLOW_MISSING', sourceId, `the brainflow package is not installed. ${BRAINFLOW_INSTALL_HINT}`);
  try {
    const loaded = (await import(pathToFileURL(path).href)) as Partial<BrainFlowModule> & { default?: Partial<BrainFlowModule> };
    const mod = loaded.BoardShim ? loaded : loaded.default;
    if (!mod?.BoardShim) throw new Error('it exports no BoardShim');
    return { module: mod as BrainFlowModule, path };
  } catch (err) {
    throw new SourceError(
      'BRAINFLOW_MISSING',
      sourceId,
      `the brainflow package at ${path} could not be loaded (${(err as Error).message}). ${BRAINFLOW_INSTALL_HINT}`,
      { path },
      { cause: err },
    );
  }
}

/** Board id from a number or a BoardIds name (SYNTHETIC_BOARD, CYTON_BOARD, ...; case-insensitive, "_BOARD" optional). */
export function resolveBoardId(sourceId: string, board: string, mod: BrainFlowModule | null): number {
  if (/^-?\d+$/.test(board.trim())) return Number(board);
  const ids = mod?.BoardIds ?? {};
  const want = board.trim().toUpperCase().replace(/-/g, '_');
  for (const name of [want, `${want}_BOARD`]) {
    const v = ids[name];
    if (typeof v === 'number') return v;
  }
  throw new SourceError('BAD_CONFIG', sourceId, `unknown BrainFlow board "${board}"; give a board id number (e.g. -1 for SYNTHETIC_BOARD) or a BoardIds name`, { board });
}

/** Descriptors of every preset the board has (BoardShim.getBoardPresets + getBoardDescr). */
export function readDescriptors(mod: BrainFlowModule, boardId: number): Array<{ preset: number; descr: BrainFlowBoardDescr }> {
  // BrainFlow before 5.x has no presets: the default preset is all there is.
  const presets = typeof mod.BoardShim.getBoardPresets === 'function' ? mod.BoardShim.getBoardPresets(boardId) : [0];
  return presets.map((preset) => ({ preset, descr: mod.BoardShim.getBoardDescr(boardId, preset) as BrainFlowBoardDescr }));
}
