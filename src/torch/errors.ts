// Turns a native failure into an error that names the op, keeping libtorch's first message line.
const TYPE_MESSAGES = /was expected|is not a tensor handle|expected an array|expects a typed array/;

export function opError(op: string, e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  const text = msg.startsWith(`${op}: `) ? msg : `${op}: ${msg}`;
  if (e instanceof TypeError || TYPE_MESSAGES.test(msg)) return new TypeError(text);
  return new Error(text);
}
