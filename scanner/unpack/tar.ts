// tar through tar-stream (streaming: one 512-byte header, then the entry's bytes as they come;
// pax and GNU long names and base-256 sizes are read by the library). An entry's claimed size is
// only a number here: nothing is allocated by it, so a header claiming 1 TB costs what its data
// really holds.
import type { Readable } from 'node:stream';
import type { Header } from 'tar-stream';

export interface TarEntry {
  name: string;
  /** As the header claims it. */
  size: number;
  type: string;
  body: AsyncIterable<Buffer>;
}

export async function* tarEntries(input: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  // Loaded when first needed, as every unpacking library.
  const { default: tarStream } = await import('tar-stream');
  // v7 headers (no ustar magic) are accepted: their checksum still has to add up.
  const extract = tarStream.extract({ allowUnknownFormat: true } as never);
  let writeFailure: Error | undefined;
  let stopped = false;
  const iterator = input[Symbol.asyncIterator]();
  const writer = (async () => {
    try {
      for (let step = await iterator.next(); !step.done && !stopped; step = await iterator.next()) {
        if (!extract.write(step.value))
          await new Promise<void>((resolve) => extract.once('drain', resolve).once('close', resolve));
        if (extract.destroyed) return;
      }
      (extract as unknown as NodeJS.WritableStream).end();
    } catch (error) {
      writeFailure = error as Error;
      extract.destroy(error as Error);
    } finally {
      if (stopped) await iterator.return?.();
    }
  })();
  try {
    for await (const entry of extract as AsyncIterable<Readable & { header: Header }>) {
      const { header } = entry;
      let taken = false;
      yield {
        name: header.name,
        size: header.size ?? 0,
        type: header.type ?? 'file',
        body: {
          [Symbol.asyncIterator]: () => {
            taken = true;
            const chunks = entry[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
            // A reader that stops early must not destroy the entry: the rest is read past below.
            return { next: () => chunks.next(), return: async () => ({ done: true as const, value: undefined }) };
          },
        },
      };
      // Whatever the reader left must be read past to reach the next header.
      if (!taken || !entry.readableEnded) entry.resume();
    }
  } catch (error) {
    throw writeFailure ?? error;
  } finally {
    stopped = true;
    extract.destroy();
    await writer.catch(() => undefined);
  }
}
