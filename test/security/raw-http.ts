// A raw HTTP/1.1 client for upload tests: exactly the bytes a test chooses, when it chooses (a
// body declared and never sent, chunks that stop), and the memory of a server process from /proc.
// Do not load nock (test/webhook-server/support.ts) beside it: nock's interceptor holds a raw
// socket's connection back until a whole HTTP request is written.
import { connect, type Socket } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';

export interface Answer {
  status: number;
  head: string;
  body: string;
  /** Milliseconds from connecting to the first byte of the answer. */
  atMs: number;
  /** Body bytes the client had written when the answer began. */
  sentBodyBytes: number;
}

export class RawUpload {
  readonly socket: Socket;
  readonly started = Date.now();
  readonly answer: Promise<Answer>;
  /** Milliseconds from connecting to the socket closing, and whether we closed it. */
  readonly closed: Promise<{ atMs: number; byUs: boolean }>;
  readonly connected: Promise<void>;
  sentBodyBytes = 0;
  private byUs = false;

  constructor(port: number, head: string) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('error', () => {}); // EPIPE / ECONNRESET once the server drops us: expected here.
    this.connected = new Promise((resolve) => this.socket.once('connect', () => resolve()));
    this.socket.write(head);
    let received = Buffer.alloc(0);
    let firstByteAt = 0;
    let sentAtAnswer = 0;
    this.answer = new Promise((resolve, reject) => {
      const finish = () => {
        const text = received.toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) return false;
        const headText = text.slice(0, end);
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(headText);
        const body = text.slice(end + 4);
        if (length && body.length < Number(length[1])) return false;
        resolve({
          status: Number(headText.split(' ')[1]),
          head: headText,
          body,
          atMs: firstByteAt,
          sentBodyBytes: sentAtAnswer,
        });
        return true;
      };
      this.socket.on('data', (chunk: Buffer) => {
        if (received.length === 0) {
          firstByteAt = Date.now() - this.started;
          sentAtAnswer = this.sentBodyBytes;
        }
        received = Buffer.concat([received, chunk]);
        finish();
      });
      this.socket.on('close', () => {
        if (!finish()) reject(new Error(`closed without an answer after ${Date.now() - this.started} ms`));
      });
    });
    this.answer.catch(() => {});
    this.closed = new Promise((resolve) =>
      this.socket.on('close', () => resolve({ atMs: Date.now() - this.started, byUs: this.byUs })),
    );
  }

  send(chunk: Buffer | string): void {
    if (this.socket.destroyed) return;
    this.sentBodyBytes += Buffer.byteLength(chunk);
    this.socket.write(chunk);
  }

  /** One chunk of a `Transfer-Encoding: chunked` body. */
  sendChunk(chunk: Buffer | string): void {
    if (this.socket.destroyed) return;
    this.sentBodyBytes += Buffer.byteLength(chunk);
    this.socket.write(`${Buffer.byteLength(chunk).toString(16)}\r\n`);
    this.socket.write(chunk);
    this.socket.write('\r\n');
  }

  destroy(): void {
    this.byUs = true;
    this.socket.destroy();
  }
}

export function head(path: string, headers: Record<string, string>): string {
  const lines = [
    `POST ${path} HTTP/1.1`,
    'host: 127.0.0.1',
    'content-type: application/json',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A settled answer within `ms`, or undefined when the server has not answered by then. */
export async function answerWithin(upload: RawUpload, ms: number): Promise<Answer | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([upload.answer.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
  return { rssMiB: Math.round(kib('VmRSS') / 1024), peakMiB: Math.round(kib('VmHWM') / 1024) };
}

/** Resets VmHWM (the peak) to the current RSS, so a peak can be measured around one step. */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}
