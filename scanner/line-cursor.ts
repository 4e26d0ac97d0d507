// Turns string offsets into 1-based line and UTF-16 column, moving forward only: each newline is
// looked for once, so a fragment's findings cost one pass over the text however long its lines are.
export class LineCursor {
  private offset = 0;
  private line: number;
  private lineStart = 0;
  /** Looked for on the first call: a fragment without candidates never scans for newlines. */
  private nextNewline: number | undefined;

  constructor(
    private readonly text: string,
    private readonly startLine = 1,
    private readonly startColumn = 1,
  ) {
    this.line = startLine;
  }

  /** Position of `offset` (must not go backwards between calls). */
  at(offset: number): { line: number; column: number } {
    if (offset < this.offset) throw new Error('LineCursor moves forward only');
    this.nextNewline ??= this.newlineFrom(0);
    while (this.nextNewline < offset) {
      this.line++;
      this.lineStart = this.nextNewline + 1;
      this.nextNewline = this.newlineFrom(this.lineStart);
    }
    this.offset = offset;
    // Text before the first newline continues the line the fragment started in.
    const shift = this.line === this.startLine ? this.startColumn - 1 : 0;
    return { line: this.line, column: offset - this.lineStart + 1 + shift };
  }

  private newlineFrom(from: number): number {
    const found = this.text.indexOf('\n', from);
    return found === -1 ? Number.POSITIVE_INFINITY : found;
  }
}
