// `himoe serve`: the workstation in a browser. Same API as the desktop app, over WebSocket,
// serving the built renderer; recordings go to workspace session folders and the library.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { workspaceRecordingPlanner } from '../engine/workspace-recording.js';
import { annotationHandlers } from '../engine/annotation-handlers.js';
import { devicesHandlers, publishDeviceStatus } from '../engine/devices-handlers.js';
import { EvaluationRunner } from '../engine/evaluation-handlers.js';
import { libraryHandlers } from '../engine/library-handlers.js';
import { MediaTickets } from '../engine/media-serving.js';
import { replayHandlers } from '../engine/replay-handlers.js';
import { predictionHandlers, publishPredictions } from '../engine/prediction-handlers.js';
import { WorkstationService } from '../engine/workstation-service.js';
import { MODELS_DIR } from '../storage/workspace.js';
import { startServer, type RunningServer } from '../server/server.js';
import { devicesReport } from './commands-devices.js';
import { SHIPPED_MODEL_NAME, shippedModelDir } from '../model/io/shipped-model.js';
import { CliError } from './errors.js';
import type { CliIo } from './main.js';

/** The built renderer: src-renderer/dist next to the package (from dist/cli or src-main/cli). */
export function defaultRendererDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', 'src-renderer', 'dist');
}

export interface ServeOptions {
  host: string;
  port: string;
  workspace: string;
  token?: string;
  rendererDir?: string;
  /** Hi-MoE model folder for live predictions (PREDICTION stream). */
  model?: string;
}

export async function runServe(opts: ServeOptions, io: CliIo): Promise<{ server: RunningServer; service: WorkstationService; evaluations: EvaluationRunner }> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError('BAD_FLAG', `--port: "${opts.port}" is not a port number 0..65535`);
  if (opts.token !== undefined && !/^[A-Za-z0-9_-]{16,128}$/.test(opts.token)) {
    throw new CliError('BAD_FLAG', '--token: use 16-128 letters, digits, "-" or "_"');
  }
  const rendererDir = opts.rendererDir ?? defaultRendererDir();
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new CliError('NO_RENDERER', `${rendererDir}/index.html is missing: run \`npm run build\` first`);
  }
  const workspace = resolve(opts.workspace);
  await mkdir(workspace, { recursive: true });
  const log = (line: string) => io.stderr.write(`${line}\n`);
  if (opts.model !== undefined && !existsSync(join(opts.model, 'manifest.json'))) {
    throw new CliError('BAD_FLAG', `--model: ${opts.model} is not a model folder (no manifest.json)`);
  }
  // Offline evaluations run as child processes of the CLI, one at a time, in <workspace>/evaluations/.
  const evaluations = new EvaluationRunner({ workspace });
  // Stimulus media of post-hoc annotation: registered by the replay handlers, served by the server.
  const media = new MediaTickets();
  const service = new WorkstationService({ modelsDir: join(workspace, MODELS_DIR), planRecording: workspaceRecordingPlanner(workspace, log), modelDir: opts.model && resolve(opts.model), handlers: { ...annotationHandlers(), ...replayHandlers({ workspace, tickets: media }), ...libraryHandlers({ workspace }), ...devicesHandlers({ workspace, report: devicesReport }), ...predictionHandlers({ modelsDir: join(workspace, MODELS_DIR) }), ...evaluations.handlers() } });
  publishDeviceStatus(service);
  publishPredictions(service);
  const server = await startServer({ service, staticDir: rendererDir, host: opts.host, port, token: opts.token, log, media });
  return { server, service, evaluations };
}

export function registerServeCommands(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the workstation headless and open it in a browser (same API as the desktop app)')
    .option('--host <addr>', 'address to listen on (loopback by default; another address allows remote monitoring, still with the token)', '127.0.0.1')
    .option('--port <n>', 'TCP port (0 picks a free one)', '8765')
    .option('--workspace <dir>', 'workspace folder for sessions and the library', 'himoe-workspace')
    .option('--token <token>', 'access token (default: a new random token each run)')
    .option('--model <dir>', `Hi-MoE model folder: run live predictions in every session (default: the shipped models/${SHIPPED_MODEL_NAME}, trained on synthetic data)`)
    .option('--no-model', 'no live predictions')
    .action(async (flags: Omit<ServeOptions, 'model'> & { model?: string | boolean }) => {
      const { model, ...rest } = flags;
      const modelDir = typeof model === 'string' ? model : model === false ? undefined : shippedModelDir();
      const { server, service, evaluations } = await runServe({ ...rest, ...(modelDir !== undefined ? { model: modelDir } : {}) }, io);
      if (modelDir !== undefined) io.stderr.write(`live predictions with the model in ${modelDir}${typeof model === 'string' ? '' : ' (the shipped model, trained on synthetic data; --model DIR for yours, --no-model for none)'}\n`);
      io.stdout(`HiMoE Workstation at ${server.openUrl}\n(open this address; the token after # is required)\n`);
      await new Promise<void>((resolveStop) => {
        const stop = () => resolveStop();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      io.stderr.write('stopping: finishing any recording ...\n');
      await service.shutdown();
      await evaluations.shutdown();
      await server.close();
    });
}
