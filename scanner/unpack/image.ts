// Container images: a `docker save` tarball (manifest.json, layers as `<id>/layer.tar` or OCI
// blobs), an OCI image tarball (index.json + oci-layout), or an OCI image-layout folder. Told by
// content: the tarball's first entry names an image part, and then its manifest must resolve.
// A tarball is read twice: once for its small JSON parts (manifests, the config), once to stream
// the layers, whatever their order in it. Every layer is scanned as `image.tar!sha256:<digest>!…`,
// whiteouts are recorded so deleted files are marked, and the config (Env, history commands) is a
// leaf of its own, `image.tar!sha256:<config digest>`.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PeekableStream } from './byte-stream.js';
import { DECODERS, metered } from './decoders.js';
import { detectFormat, isCompression, SNIFF_HEAD_BYTES } from './formats.js';
import { ImageLayers } from './image-layers.js';
import { Budget } from './limits.js';
import { tarEntries } from './tar.js';
import { corruptMessage, normalizeLayerPath, walkStream, type UnpackedEntry, type WalkContext } from './walk.js';

/** JSON parts are small: bigger entries are never manifests or configs. */
const JSON_PART_BYTES = 1024 * 1024;
const JSON_PARTS_TOTAL = 16 * 1024 * 1024;

interface ImagePlan {
  /** Tar entry name (or blob path) → layer. */
  layers: Map<string, { digest: string; index: number }>;
  configs: Map<string, { digest: string; bytes: Buffer }>;
}

/** The first entry's name says "container image": worth the first pass. */
export function looksLikeImageEntry(name: string): boolean {
  const path = normalizeLayerPath(name);
  return /^(?:manifest\.json|index\.json|oci-layout|repositories|blobs(?:\/.*)?|[0-9a-f]{64}(?:\/.*|\.json)?)$/.test(
    path,
  );
}

/** The first entry name of a tar header block (no long-name extensions: those are never image parts). */
export function firstTarName(head: Buffer): string {
  const end = head.indexOf(0);
  return head.toString('utf8', 0, Math.min(100, end === -1 ? 100 : end));
}

/** Opens a top-level file's bytes through its compression layer, if any (one level, as tar.gz). */
async function openTarBytes(path: string, context: WalkContext, display: string): Promise<PeekableStream> {
  const file = new PeekableStream(createReadStream(path, { highWaterMark: 64 * 1024 }));
  const format = detectFormat(await file.peek(SNIFF_HEAD_BYTES));
  if (!format || !isCompression(format)) return file;
  return new PeekableStream(
    metered(DECODERS[format], file, context.budget, (message) => context.warn(`${display}: ${message}`)),
  );
}

/** An image tarball's leaves, or undefined when it does not resolve as an image (walk it as a tar). */
export async function imageTarball(
  path: string,
  display: string,
  context: WalkContext,
): Promise<AsyncGenerator<UnpackedEntry> | undefined> {
  const parts = new Map<string, Buffer>();
  let kept = 0;
  let count = 0;
  // The first pass spends a budget of its own and says nothing: the second pass is the scan.
  const firstPass: WalkContext = { budget: new Budget(context.budget.limits), warn: () => undefined };
  try {
    for await (const entry of tarEntries(await openTarBytes(path, firstPass, display))) {
      if (++count > context.budget.limits.maxEntries || firstPass.budget.exhausted) break;
      const name = normalizeLayerPath(entry.name);
      if (
        entry.type !== 'file' ||
        entry.size > JSON_PART_BYTES ||
        kept + entry.size > JSON_PARTS_TOTAL ||
        !isJsonPart(name)
      )
        continue;
      const chunks: Buffer[] = [];
      for await (const chunk of entry.body) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      kept += bytes.length;
      parts.set(name, bytes);
    }
  } catch {
    return undefined;
  }
  const plan = planImage((name) => parts.get(name));
  if (!plan) return undefined;
  return walkImageTar(path, display, plan, context);
}

function isJsonPart(name: string): boolean {
  return name.endsWith('.json') || name.startsWith('blobs/') || name === 'oci-layout' || name === 'repositories';
}

async function* walkImageTar(
  path: string,
  display: string,
  plan: ImagePlan,
  context: WalkContext,
): AsyncGenerator<UnpackedEntry> {
  const image = new ImageLayers();
  yield* configLeaves(display, plan);
  try {
    for await (const entry of tarEntries(await openTarBytes(path, context, display))) {
      if (context.budget.exhausted) return;
      const layer = plan.layers.get(normalizeLayerPath(entry.name));
      if (!layer) continue;
      const layerPath = `${display}!${layer.digest}`;
      yield* walkStream(
        new PeekableStream(entry.body),
        layerPath,
        1,
        context,
        (error) => context.warn(corruptMessage(layerPath, error, 'layer')),
        {
          layer: { image, index: layer.index, digest: layer.digest },
        },
      );
    }
  } catch (error) {
    context.warn(corruptMessage(display, error, 'tar'));
  }
}

/** An OCI image-layout folder (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`). */
export async function* imageFolder(
  folder: string,
  display: string,
  context: WalkContext,
): AsyncGenerator<UnpackedEntry> {
  const read = (name: string) => {
    try {
      const full = join(folder, name);
      return statSync(full).size <= JSON_PART_BYTES ? readFileSync(full) : undefined;
    } catch {
      return undefined;
    }
  };
  const plan = planImage(read);
  if (!plan) {
    context.warn(`${display}: an OCI image layout whose index.json does not resolve, not scanned as an image`);
    return;
  }
  const image = new ImageLayers();
  yield* configLeaves(display, plan);
  for (const [blob, layer] of [...plan.layers].sort((a, b) => a[1].index - b[1].index)) {
    if (context.budget.exhausted) return;
    const layerPath = `${display}!${layer.digest}`;
    const stream = new PeekableStream(createReadStream(join(folder, blob), { highWaterMark: 64 * 1024 }));
    yield* walkStream(
      stream,
      layerPath,
      1,
      context,
      (error) => context.warn(corruptMessage(layerPath, error, 'layer')),
      {
        layer: { image, index: layer.index, digest: layer.digest },
      },
    );
  }
}

function* configLeaves(display: string, plan: ImagePlan): Generator<UnpackedEntry> {
  for (const { digest, bytes } of plan.configs.values()) {
    yield {
      path: `${display}!${digest}`,
      size: bytes.length,
      chunks: (async function* () {
        yield bytes;
      })(),
    };
  }
}

type Json = Record<string, unknown>;

/** The layers and configs that a Docker manifest.json or an OCI index.json names. */
function planImage(read: (name: string) => Buffer | undefined): ImagePlan | undefined {
  const plan: ImagePlan = { layers: new Map(), configs: new Map() };
  const docker = parse(read('manifest.json'));
  if (Array.isArray(docker)) {
    for (const item of docker as Json[]) {
      if (typeof item?.Config !== 'string' || !Array.isArray(item.Layers)) continue;
      const configName = normalizeLayerPath(item.Config);
      const config = read(configName);
      const diffIds = ((parse(config) as Json | undefined)?.rootfs as Json | undefined)?.diff_ids;
      if (config) plan.configs.set(configName, { digest: blobDigest(configName) ?? sha256(config), bytes: config });
      item.Layers.forEach((layer: unknown, index: number) => {
        if (typeof layer !== 'string') return;
        const name = normalizeLayerPath(layer);
        const digest =
          blobDigest(name) ??
          (Array.isArray(diffIds) && typeof diffIds[index] === 'string'
            ? (diffIds[index] as string)
            : `layer-${index + 1}`);
        if (!plan.layers.has(name)) plan.layers.set(name, { digest, index });
      });
    }
  }
  if (plan.layers.size === 0) {
    const index = parse(read('index.json')) as Json | undefined;
    for (const manifest of manifestsOf(index, read, 0)) {
      const config = manifest.config as Json | undefined;
      if (typeof config?.digest === 'string') {
        const name = blobPath(config.digest);
        const bytes = name && read(name);
        if (name && bytes) plan.configs.set(name, { digest: config.digest, bytes });
      }
      (Array.isArray(manifest.layers) ? (manifest.layers as Json[]) : []).forEach((layer, position) => {
        const name = typeof layer?.digest === 'string' && blobPath(layer.digest);
        if (name && !plan.layers.has(name)) plan.layers.set(name, { digest: layer.digest as string, index: position });
      });
    }
  }
  return plan.layers.size > 0 ? plan : undefined;
}

/** Image manifests under an OCI index, through nested indexes (multi-platform images), two deep. */
function manifestsOf(index: Json | undefined, read: (name: string) => Buffer | undefined, depth: number): Json[] {
  if (!index || !Array.isArray(index.manifests) || depth > 2) return [];
  return (index.manifests as Json[]).flatMap((descriptor) => {
    const name = typeof descriptor?.digest === 'string' ? blobPath(descriptor.digest) : undefined;
    const manifest = name ? (parse(read(name)) as Json | undefined) : undefined;
    if (!manifest) return [];
    return Array.isArray(manifest.manifests) ? manifestsOf(manifest, read, depth + 1) : [manifest];
  });
}

function blobPath(digest: string): string | undefined {
  const match = /^([a-z0-9]+):([a-f0-9]{32,128})$/.exec(digest);
  return match ? `blobs/${match[1]}/${match[2]}` : undefined;
}

function blobDigest(name: string): string | undefined {
  const match = /^blobs\/([a-z0-9]+)\/([a-f0-9]{32,128})$/.exec(name) ?? /^([a-f0-9]{64})\.json$/.exec(name);
  if (!match) return undefined;
  return match.length === 3 ? `${match[1]}:${match[2]}` : `sha256:${match[1]}`;
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function parse(bytes: Buffer | undefined): unknown {
  if (!bytes) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
