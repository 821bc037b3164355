import { isBlankChunk, splitDocuments } from './document';
import { looksBinary, type IncrementalLinter } from './engine';

/** Texts up to this size are linted in one go (a few ms); larger ones are parsed a document at a time first. */
export const SLICE_MIN_CHARS = 64 * 1024;

export interface SliceOptions {
  /** Larger texts are refused by lint() at once: nothing to parse ahead. */
  maxFileBytes: number;
  /** How long one document may take to parse (ms); past it, lint() meets the document again with its own budget. */
  budgetMs: number;
  /** True when the text is out of date (edited, closed): parsing stops. */
  stale: () => boolean;
  /** Lets the event loop run between documents. Default: setImmediate. */
  pause?: () => Promise<void>;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Parses the documents of a big text one at a time into the linter's cache, letting the event loop
 * run between them, so that the lint() that follows only analyses: typing in a 3 MB CRD file never
 * blocks the editor for the whole parse. Documents already parsed (unchanged since the last lint)
 * cost nothing. Resolves false when the text went stale or a document ran out of time.
 */
export async function primeInSlices(linter: IncrementalLinter, text: string, o: SliceOptions): Promise<boolean> {
  if (text.length <= SLICE_MIN_CHARS || text.length > o.maxFileBytes || looksBinary(text)) return true;
  const pause = o.pause ?? nextTurn;
  for (const chunk of splitDocuments(text)) {
    if (isBlankChunk(chunk.text)) continue;
    if (o.stale()) return false;
    if (!linter.prime(chunk.text, Date.now() + o.budgetMs)) return false;
    await pause();
  }
  return !o.stale();
}
