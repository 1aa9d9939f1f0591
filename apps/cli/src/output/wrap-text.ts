/**
 * Wraps text to `width` columns at spaces, and at `/` inside long words (paths), so nothing is cut:
 * every character of `text` appears once, in order, with each line after the first prefixed by
 * `indent`. A single word longer than the width is split hard. Width is in UTF-16 code units,
 * close enough for the ASCII messages and paths it is used for.
 */
export function wrapText(text: string, width: number, indent = ''): string[] {
  const room = Math.max(10, width);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    const push = () => {
      lines.push(line);
      line = indent;
    };
    line = lines.length ? indent : '';
    for (const word of paragraph.split(' ')) {
      const sep = line.trim() ? ' ' : '';
      if ((line + sep + word).length <= room) {
        line += sep + word;
        continue;
      }
      if (line.trim()) push();
      let rest = word;
      while ((line + rest).length > room) {
        const space = room - line.length;
        // Prefer breaking a path after a slash, so each line is a readable piece of it.
        const slash = rest.lastIndexOf('/', space - 1);
        const cut = slash > 0 ? slash + 1 : space;
        line += rest.slice(0, cut);
        rest = rest.slice(cut);
        push();
      }
      line += rest;
    }
    lines.push(line);
  }
  return lines;
}

/**
 * Wraps a list of items (`a, b, c`) to `width` columns, breaking only between two items, so no
 * value is split from its unit or name (`seed 0`, `13.9 s`). `first` starts the first line (a
 * field's name), `indent` every other one. An item wider than a line on its own is wrapped by
 * wrapText.
 */
export function wrapItems(first: string, items: readonly string[], width: number, indent = '', separator = ', '): string[] {
  const room = Math.max(10, width);
  const lines: string[] = [];
  let line = first;
  let empty = true;
  items.forEach((item, i) => {
    const piece = item + (i < items.length - 1 ? separator.trimEnd() : '');
    const joined = empty ? line + piece : `${line} ${piece}`;
    if (joined.length <= room || empty) {
      line = joined;
      empty = false;
      return;
    }
    lines.push(line);
    line = indent + piece;
  });
  return lines.concat(line).flatMap((l) => (l.length <= room ? [l] : wrapText(l, room, indent)));
}

/**
 * The width to wrap to on this stream: its columns on a terminal (80 when it does not say, as
 * cli-progress assumes). Not a terminal (a pipe, a file, a log): Infinity, no wrapping, so a
 * script or grep sees each field on one line.
 */
export const terminalWidth = (stream: { isTTY?: boolean; columns?: number } = process.stdout): number =>
  stream.isTTY ? stream.columns || 80 : Infinity;
