// Parses study-file text into a YAML document (data only: no tags, one document) and maps field paths
// back to line:col of their nodes. Main thread. Must not import tfjs, the worker or the store.
import { isAlias, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { PathSegment } from './format.js';

export interface Position {
  readonly line: number;
  readonly col: number;
}

export interface YamlProblem {
  readonly offset: number;
  readonly message: string;
  /** Path of the offending node when known. */
  readonly path?: readonly PathSegment[];
}

export class YamlSource {
  private readonly lines = new LineCounter();
  readonly doc: Document;

  constructor(readonly text: string) {
    this.doc = parseDocument(text, {
      prettyErrors: false,
      uniqueKeys: true,
      schema: 'core',
      customTags: [],
      merge: false,
      lineCounter: this.lines,
    });
  }

  position(offset: number): Position {
    return this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
  }

  /** The first syntax error, then the first explicit tag: a study file is plain data. */
  problem(): YamlProblem | null {
    const error = this.doc.errors[0];
    if (error !== undefined) {
      const offset = error.pos[0];
      if (error.code === 'DUPLICATE_KEY') return { offset, message: 'duplicate key', path: this.pathAt(offset) };
      if (error.code === 'MULTIPLE_DOCS') return { offset, message: 'a study file is one YAML document (found a second one after "---")' };
      return { offset, message: firstLine(error.message) };
    }
    let found: YamlProblem | null = null;
    visit(this.doc, {
      // With merge keys off, `<<: *anchor` would be an unknown key named "<<": say what it is instead.
      Pair: (_key, pair) => {
        if (!isScalar(pair.key) || pair.key.value !== '<<') return undefined;
        const offset = pair.key.range?.[0] ?? 0;
        found = { offset, message: 'YAML merge keys (<<) are not allowed; write the keys out', path: this.pathAt(offset) };
        return visit.BREAK;
      },
      Node: (_key, node, ancestors) => {
        if (node.tag === undefined || node.tag === null) return undefined;
        const start = node.range?.[0] ?? 0;
        // The tag precedes the node's content; point at the `!` when it is on the same line.
        const bang = this.text.lastIndexOf('!', start);
        const lineStart = this.text.lastIndexOf('\n', start - 1);
        let offset = start;
        if (bang > lineStart) {
          offset = bang;
          while (offset > lineStart + 1 && !/[\s[{,]/.test(this.text[offset - 1] as string)) offset--;
        }
        found = { offset, message: `YAML tags are not allowed (found ${shortTag(node.tag)})`, path: pathOf(ancestors, node) };
        return visit.BREAK;
      },
    });
    return found;
  }

  /**
   * line:col of the node at `path` (its key with at = 'key'); when the path leaves the document (a missing
   * key), the deepest node that exists.
   */
  locate(path: readonly PathSegment[], at: 'key' | 'value' = 'value'): Position {
    return this.position(this.offsetOf(path, at));
  }

  /** Path of the deepest key or value whose source range contains `offset`. */
  pathAt(offset: number): PathSegment[] {
    const path: PathSegment[] = [];
    let node: unknown = this.doc.contents;
    const within = (n: unknown): boolean => {
      const range = isNode(n) ? (n as Node).range : undefined;
      return range !== undefined && range !== null && range[0] <= offset && offset < Math.max(range[2], range[0] + 1);
    };
    for (;;) {
      if (isMap(node)) {
        const pair = node.items.find((p) => within(p.key) || within(p.value));
        if (pair === undefined || !isScalar(pair.key)) return path;
        path.push(String(pair.key.value));
        if (within(pair.key)) return path;
        node = pair.value;
      } else if (isSeq(node)) {
        const index = node.items.findIndex((item) => within(item));
        if (index < 0) return path;
        path.push(index);
        node = node.items[index];
      } else {
        return path;
      }
    }
  }

  offsetOf(path: readonly PathSegment[], at: 'key' | 'value' = 'value'): number {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      if (isAlias(node)) node = node.resolve(this.doc);
      const segment = path[i] as PathSegment;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair === undefined) return offset;
        const keyStart = rangeStart(pair.key);
        if (last && at === 'key' && keyStart !== undefined) return keyStart;
        node = pair.value;
        offset = rangeStart(node) ?? keyStart ?? offset;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (item === undefined) return offset;
        node = item;
        offset = rangeStart(node) ?? offset;
      } else {
        return offset;
      }
    }
    return offset;
  }
}

function rangeStart(node: unknown): number | undefined {
  return isNode(node) ? (node as Node).range?.[0] : undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.replace(/:$/, '').trim() ?? message;
}

function shortTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

/** Path of a node from the visitor's ancestors (document, collections and pairs). */
function pathOf(ancestors: readonly unknown[], node: unknown): PathSegment[] {
  const path: PathSegment[] = [];
  const chain = [...ancestors, node];
  for (let i = 1; i < chain.length; i++) {
    const parent = chain[i - 1];
    const child = chain[i];
    if (isSeq(parent)) path.push(parent.items.indexOf(child as never));
    else if (isPair(parent) && parent.value === child && isScalar(parent.key)) path.push(String(parent.key.value));
  }
  return path;
}
